package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A convolution's weight gradient summed over its batch in one pass: the batched product of the
 * output gradients with the (unstored) windows transposed, whose only reader is a sum over the
 * batch axes, runs as one summed product ({@link WindowGradientRunner}) instead of a product per
 * image and their sum. The summed product runs in the product's place, where its operands are
 * sure to hold their values, and leaves the sum in the first m x n values of the product's
 * buffer, which the memory plan keeps until the sum's step; that step then only copies it out.
 */
final class WindowGradientFusion {
    private WindowGradientFusion() {}

    /** A fused pair: the product and the sum it feeds, by their step indices. */
    record Pair(int productIndex, int sumIndex, Step.MatMul product, Step.Reduce sum, WindowFusion.Operand windows) {}

    /** The fused pairs of a planned program. */
    static List<Pair> pairs(LoweredProgram p, Map<Integer, WindowFusion.Operand> windows) {
        List<Pair> pairs = new ArrayList<>();
        if (windows.isEmpty()) {
            return pairs;
        }
        Map<Integer, Integer> reads = new HashMap<>();
        Map<Integer, Integer> reader = new HashMap<>();
        for (int i = 0; i < p.steps().size(); i++) {
            for (View v : p.steps().get(i).reads()) {
                reads.merge(v.buffer(), 1, Integer::sum);
                reader.put(v.buffer(), i);
            }
        }
        for (int i = 0; i < p.steps().size(); i++) {
            if (p.steps().get(i) instanceof Step.MatMul m && windows.get(m.b().buffer()) instanceof WindowFusion.Operand w
                    && reads.getOrDefault(m.output(), 0) == 1 && p.steps().get(reader.get(m.output())) instanceof Step.Reduce sum
                    && qualifies(p, m, sum)) {
                pairs.add(new Pair(i, reader.get(m.output()), m, sum, w));
            }
        }
        return pairs;
    }

    private static boolean qualifies(LoweredProgram p, Step.MatMul m, Step.Reduce sum) {
        Shape product = m.a().shape();
        int r = product.rank();
        View b = m.b();
        boolean transB = b.stride(r - 2) == 1 && b.stride(r - 1) != 1;
        int rows = product.dim(r - 2);
        int depth = product.dim(r - 1);
        boolean aLayout = m.a().stride(r - 1) == 1 && m.a().stride(r - 2) == depth
                || m.a().stride(r - 2) == 1 && m.a().stride(r - 1) == rows;
        if (!transB || !aLayout || m.dtype() != DType.F32 || sum.dtype() != DType.F32 || sum.fn() != ReduceFn.SUM
                || p.buffer(sum.output()).dtype().storage() != DType.F32
                || p.results().stream().anyMatch(v -> v.buffer() == m.output())
                || !(sum.body() instanceof Expr.Load(View load)) || load.buffer() != m.output() || load.offset() != 0
                || !WindowFusion.isRowMajor(load) || load.shape().rank() != r) {
            return false;
        }
        int columns = b.shape().dim(r - 1);
        for (int d = 0; d < r - 2; d++) {
            if (load.shape().dim(d) != product.dim(d)) {
                return false;
            }
        }
        if (load.shape().dim(r - 2) != rows || load.shape().dim(r - 1) != columns) {
            return false;
        }
        // Every batch axis of more than one matrix summed, the matrix axes kept.
        boolean[] summed = new boolean[r];
        for (int axis : sum.axes()) {
            if (axis >= r - 2) {
                return false;
            }
            summed[axis] = true;
        }
        for (int d = 0; d < r - 2; d++) {
            if (!summed[d] && load.shape().dim(d) != 1) {
                return false;
            }
        }
        return p.buffer(sum.output()).size() == rows * columns;
    }
}

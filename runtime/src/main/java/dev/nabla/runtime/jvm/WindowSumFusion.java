package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.jvm.gemm.WindowMatrix;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Implicit col2im: a matrix product whose only reader is a windows sum (the input gradient of a
 * convolution, a transposed convolution) is never stored; the product's tiles are added straight
 * into the sum where the windows read ({@link WindowSumMatMulRunner}). For the ResNet block's 3x3
 * 64->64 convolution on 8x64x56x56 that saves writing and reading the 58 MB product.
 *
 * <p>The pair qualifies in f32 (with the Vector API) when the product is no result, the sum reads
 * all of it as [planes, K, positions] row-major, and each of the product's matrices covers whole
 * planes (its rows a multiple of K), so that products of different matrices add into different
 * planes and can run on threads of their own.
 */
final class WindowSumFusion {
    private WindowSumFusion() {}

    /** A fused pair: the product, never stored, and the windows sum it is added into. */
    record Pair(Step.MatMul product, Step.WindowsSum sum, WindowMatrix matrix) {}

    /**
     * The products to leave unstored, picked from the program before its memory plan; none reads
     * {@code unstoredOperands} (windows that products read through, {@link WindowFusion}).
     */
    static Set<Integer> unstored(LoweredProgram p, Set<Integer> unstoredOperands) {
        Set<Integer> picked = new HashSet<>();
        if (!VectorSupport.enabled()) {
            return picked;
        }
        Map<Integer, Step.MatMul> products = new HashMap<>();
        Map<Integer, Integer> reads = new HashMap<>();
        for (Step s : p.steps()) {
            if (s instanceof Step.MatMul m) {
                products.put(m.output(), m);
            }
            for (View v : s.reads()) {
                reads.merge(v.buffer(), 1, Integer::sum);
            }
        }
        for (Step s : p.steps()) {
            if (s instanceof Step.WindowsSum sum && products.get(sum.source().buffer()) instanceof Step.MatMul m
                    && reads.get(m.output()) == 1 && !unstoredOperands.contains(m.a().buffer())
                    && !unstoredOperands.contains(m.b().buffer()) && qualifies(p, m, sum)) {
                picked.add(m.output());
            }
        }
        return picked;
    }

    /** The fused pairs of a planned program, by the index of their windows sum step. */
    static Map<Integer, Pair> pairs(LoweredProgram p) {
        Map<Integer, Step.MatMul> unstored = new HashMap<>();
        Map<Integer, Pair> pairs = new HashMap<>();
        for (int i = 0; i < p.steps().size(); i++) {
            Step s = p.steps().get(i);
            if (s instanceof Step.MatMul m && WindowFusion.isUnstored(p, m.output())) {
                unstored.put(m.output(), m);
            } else if (s instanceof Step.WindowsSum sum && unstored.containsKey(sum.source().buffer())) {
                pairs.put(i, new Pair(unstored.get(sum.source().buffer()), sum, matrix(sum)));
            }
        }
        return pairs;
    }

    private static boolean qualifies(LoweredProgram p, Step.MatMul m, Step.WindowsSum sum) {
        if (m.dtype() != DType.F32 || sum.dtype() != DType.F32 || p.buffer(m.output()).dtype().storage() != DType.F32
                || p.buffer(sum.output()).dtype().storage() != DType.F32
                || p.buffer(m.a().buffer()).dtype().storage() != DType.F32
                || p.buffer(m.b().buffer()).dtype().storage() != DType.F32
                || p.results().stream().anyMatch(r -> r.buffer() == m.output())) {
            return false;
        }
        View source = sum.source();
        Shape windows = source.shape();
        int s = sum.window().spatialRank();
        int positions = 1;
        for (int d = 0; d < s; d++) {
            positions *= windows.dim(windows.rank() - s + d);
        }
        Shape a = m.a().shape();
        int r = a.rank();
        int rows = a.dim(r - 2);
        return positions > 0 && source.offset() == 0 && WindowFusion.isRowMajor(source)
                && windows.size() == p.buffer(m.output()).size() && m.b().shape().dim(r - 1) == positions
                && rows % sum.window().size() == 0;
    }

    private static WindowMatrix matrix(Step.WindowsSum sum) {
        int s = sum.window().spatialRank();
        Shape in = sum.shape();
        int leadRank = in.rank() - s;
        int[] spatial = new int[s];
        int[] out = new int[s];
        for (int d = 0; d < s; d++) {
            spatial[d] = in.dim(leadRank + d);
            out[d] = sum.source().shape().dim(leadRank + 1 + d);
        }
        int planes = 1;
        for (int d = 0; d < leadRank; d++) {
            planes *= in.dim(d);
        }
        return WindowMatrix.of(planes, 0, spatial, new int[s], ints(sum.window().kernel()), ints(sum.window().stride()),
                ints(sum.window().dilation()), out);
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}

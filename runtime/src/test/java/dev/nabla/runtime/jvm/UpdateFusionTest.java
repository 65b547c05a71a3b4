package dev.nabla.runtime.jvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Lowering;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An SGD update of a weight by a matrix-product gradient, {@code w + s * (x^T . d)}, runs as one
 * GEMM that adds into W; its values equal, bit for bit, the same update with the product kept
 * (a result too, so that it must be written out and nothing fuses).
 */
class UpdateFusionTest {
    /** Over the GEMM's 256-deep slice of k: the update comes with the last of two slices. */
    private static final int BATCH = 300;
    private static final int IN = 37;

    private record Sgd(Program program, int out) {}

    /** w' = fma(x^T . d, s, w): the SGD step on a linear layer's weight, s being minus the learning rate. */
    private static Sgd sgd(DType dtype, int out, boolean keepProduct, boolean scaleFirst) {
        NodeTable table = new NodeTable();
        Node w = Ops.parameter(table, "w", Shape.of(IN, out), dtype);
        Node x = Ops.input(table, "x", Shape.of(BATCH, IN), dtype);
        Node d = Ops.input(table, "d", Shape.of(BATCH, out), dtype);
        Node s = Ops.input(table, "s", Shape.SCALAR, dtype);
        Node product = Ops.matmul(Ops.transpose(x, 0, 1), d);
        Node update = scaleFirst ? Ops.fma(s, product, w) : Ops.fma(product, s, w);
        List<Node> outputs = keepProduct ? List.of(product) : List.of();
        return new Sgd(Program.of(outputs, List.of(new Program.Update(w, update))), out);
    }

    private static NDArray random(DType dtype, Random random, int... dims) {
        double[] v = new double[Shape.of(dims).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return NDArray.fromDoubles(dtype, Shape.of(dims), v);
    }

    /** The new weight; with {@code intoW}, written over the old weight's own array. */
    private static NDArray run(Sgd sgd, DType dtype, boolean intoW) {
        Random random = new Random(7);
        NDArray w = random(dtype, random, IN, sgd.out());
        NDArray x = random(dtype, random, BATCH, IN);
        NDArray d = random(dtype, random, BATCH, sgd.out());
        NDArray s = NDArray.fromDoubles(dtype, Shape.SCALAR, new double[] {-0.1});
        JvmExecutable exe = new JvmExecutable(sgd.program());
        Map<String, NDArray> feeds = Map.of("x", x, "d", d, "s", s);
        List<NDArray> inputs = sgd.program().inputs().stream().map(in -> feeds.get(in.variableName())).toList();
        if (intoW) {
            Object[] destinations = new Object[sgd.program().outputs().size() + 1];
            destinations[destinations.length - 1] = w.storage();
            exe.runInto(inputs, List.of(w), destinations);
            return NDArray.wrap(dtype, Shape.of(IN, sgd.out()), w.storage());
        }
        List<NDArray> results = exe.run(inputs, List.of(w));
        return results.get(results.size() - 1);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F64"})
    void theUpdateIsFusedAndEqualsTheUnfusedOneBitForBit(DType dtype) {
        // 23 columns take the tiled path; 5 are computed transposed (Gemm's narrow C).
        for (int out : new int[] {23, 5}) {
            for (boolean scaleFirst : new boolean[] {false, true}) {
                Sgd fused = sgd(dtype, out, false, scaleFirst);
                Sgd kept = sgd(dtype, out, true, scaleFirst);
                assertThat(UpdateFusion.find(Lowering.lower(fused.program()))).hasSize(1);
                assertThat(UpdateFusion.find(Lowering.lower(kept.program()))).isEmpty();
                double[] expected = run(kept, dtype, false).toDoubleArray();
                assertArrayEquals(expected, run(fused, dtype, false).toDoubleArray());
                // The caller's destination is W itself: the GEMM may not write over what it reads.
                assertArrayEquals(expected, run(fused, dtype, true).toDoubleArray());
            }
        }
    }
}

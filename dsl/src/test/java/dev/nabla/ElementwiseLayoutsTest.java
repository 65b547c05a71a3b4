package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fused elementwise kernels whose loads are broadcast along some axes (a bias over [N, C, H, W],
 * a per-row value, a row repeated down a matrix, one number), sliced or read transposed, on the JVM
 * backend against the reference interpreter: rows from a few elements to many vectors long,
 * whole vectors and masked tails, in both float types. Bodies of correctly rounded operations
 * must agree bit for bit; a transcendental one to a few roundings.
 */
class ElementwiseLayoutsTest {
    /** [a, b, c]: rows of c, of b·c, or of a·b·c elements as broadcasts allow. */
    private static final int[][] SHAPES = {
            {2, 3, 5}, {4, 3, 8}, {3, 2, 15}, {2, 5, 16}, {3, 4, 17}, {2, 3, 24}, {5, 2, 100}, {2, 6, 33}};
    /** The broadcast operand's shape, as which axes of [a, b, c] it keeps (1) or broadcasts (0). */
    private static final int[][] KEPT = {{0, 1, 0}, {1, 0, 1}, {0, 0, 1}, {1, 1, 0}, {0, 0, 0}, {1, 0, 0}, {1, 1, 1}};

    @Test
    void broadcastLoadsMatchTheReference() {
        Random rnd = new Random(41);
        int checked = 0;
        for (DType dtype : List.of(DType.F32, DType.F64)) {
            for (int[] shape : SHAPES) {
                for (int[] kept : KEPT) {
                    check(dtype, shape, kept, rnd);
                    checked++;
                }
            }
        }
        assertEquals(2 * SHAPES.length * KEPT.length, checked);
    }

    private static void check(DType dtype, int[] shape, int[] kept, Random rnd) {
        int[] small = new int[3];
        for (int d = 0; d < 3; d++) {
            small[d] = kept[d] == 1 ? shape[d] : 1;
        }
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", dtype, shape);
            Tensor b = g.input("b", dtype, small);
            // [c, b, a] read transposed: a strided row, which stays on the chunk kernel.
            Tensor t = g.input("t", dtype, shape[2], shape[1], shape[0]);
            // Rows of a wider array, from its third column: an offset, and rows apart by more than their length.
            Tensor wide = g.input("wide", dtype, shape[0], shape[1], shape[2] + 3);
            Tensor inner = wide.slice(2, 2, shape[2] + 2);
            Tensor bias = b.broadcastTo(shape);
            Tensor exact = Nabla.where(x.add(bias).gt(0), x.mul(bias).sub(0.5), x.abs().sqrt().div(bias.abs().add(2)));
            Tensor transposed = x.mul(t.permute(2, 1, 0)).add(bias);
            Tensor mask = Nabla.where(x.gt(bias), inner, 0.0).relu().neg();
            Tensor rounded = x.add(bias).tanh().mul(x.exp());
            Tensor[] outputs = {exact, transposed, mask, rounded};
            Map<Tensor, NDArray> feeds = Map.of(x, values(dtype, rnd, shape), b, values(dtype, rnd, small),
                    t, values(dtype, rnd, shape[2], shape[1], shape[0]), wide, values(dtype, rnd, shape[0], shape[1], shape[2] + 3));
            List<NDArray> ref = g.compile(Device.of("reference:cpu")).eval(feeds, outputs);
            List<NDArray> jvm = g.compile(Device.of("jvm:cpu")).eval(feeds, outputs);
            for (int i = 0; i < outputs.length; i++) {
                double tolerance = i == 3 ? (dtype == DType.F32 ? 0x1p-20 : 0x1p-48) : 0;
                double[] r = ref.get(i).toDoubleArray();
                double[] j = jvm.get(i).toDoubleArray();
                for (int e = 0; e < r.length; e++) {
                    assertEquals(r[e], j[e], tolerance * Math.max(1, Math.abs(r[e])), dtype + " " + x.shape()
                            + " broadcast from " + b.shape() + ", output " + i + ", element " + e);
                }
            }
        }
    }

    private static NDArray values(DType dtype, Random rnd, int... dims) {
        return NDArray.fromDoubles(dtype, new dev.nabla.core.Shape(dims), TestArrays.uniform(rnd, 2, dims).toDoubleArray());
    }
}

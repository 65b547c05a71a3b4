package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Reductions over a middle axis, whose kept elements lie innermost, on the JVM backend against
 * the reference interpreter (maxima and minima bit for bit; sums, means and products to a few
 * roundings, as the reference accumulates in another order and precision): rows of kept
 * elements from one element to several chunks long, so that every way the runner batches them
 * (many short rows per evaluation, one row, a row over several evaluations) is taken, with a
 * fused body, in both float types, and on outputs enough for threads to split.
 */
class ReductionLayoutsTest {
    private static final int[] INNER = {1, 2, 3, 16, 100, 511, 512, 513, 1500};
    private static final int[] REDUCED = {1, 3, 7};
    private static final int[] OUTER = {1, 5};
    /** [outer, reduced, inner] large enough that threads split the outer elements. */
    private static final int[][] SPLIT = {{3000, 7, 1}, {3000, 3, 3}, {2000, 2, 16}};

    private static final List<Function<Tensor, Tensor>> REDUCTIONS = List.of(
            t -> t.sum(1), t -> t.max(1), t -> t.min(1), t -> t.mean(1), t -> t.prod(1), t -> t.max(0, 1));
    /** Whether each of {@link #REDUCTIONS} is exact whatever the order. */
    private static final boolean[] EXACT = {false, true, true, false, false, true};

    @Test
    void middleAxisReductionsMatchTheReference() {
        List<int[]> shapes = new ArrayList<>(List.of(SPLIT));
        for (int outer : OUTER) {
            for (int reduced : REDUCED) {
                for (int inner : INNER) {
                    shapes.add(new int[] {outer, reduced, inner});
                }
            }
        }
        Random rnd = new Random(29);
        for (DType dtype : List.of(DType.F32, DType.F64)) {
            for (int[] shape : shapes) {
                check(dtype, shape, rnd);
            }
        }
    }

    private static void check(DType dtype, int[] shape, Random rnd) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", dtype, shape);
            // A body to fuse, of correctly rounded operations: the reduction evaluates it chunk by chunk.
            Tensor body = x.mul(1.25).sub(0.5).abs().sqrt().add(x.mul(x).mul(0.125));
            Tensor[] outputs = REDUCTIONS.stream().map(f -> f.apply(body)).toArray(Tensor[]::new);
            NDArray value = NDArray.fromDoubles(dtype, x.shape(), TestArrays.uniform(rnd, 1, shape).toDoubleArray());
            Map<Tensor, NDArray> feeds = Map.of(x, value);
            List<NDArray> ref = g.compile(Device.of("reference:cpu")).eval(feeds, outputs);
            List<NDArray> jvm = g.compile(Device.of("jvm:cpu")).eval(feeds, outputs);
            for (int i = 0; i < outputs.length; i++) {
                double tolerance = EXACT[i] ? 0 : dtype == DType.F32 ? 0x1p-20 : 0x1p-48;
                double[] r = ref.get(i).toDoubleArray();
                double[] j = jvm.get(i).toDoubleArray();
                for (int e = 0; e < r.length; e++) {
                    assertEquals(r[e], j[e], tolerance * Math.max(1, Math.abs(r[e])),
                            dtype + " " + x.shape() + " reduction " + i + " element " + e);
                }
            }
        }
    }
}

package dev.nabla;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Initializers: PyTorch's fans, bounds and moments, orthogonality, and reproducible seeds. */
class InitTest {

    @Test
    void fansFollowPyTorchForLinearAndConvWeights() {
        assertEquals(new Init.Fans(20, 10), Init.fans(Shape.of(10, 20)));
        // Conv2d(in 8, out 16, kernel 3x5, groups 2): weight [16, 4, 3, 5].
        assertEquals(new Init.Fans(4 * 15, 16 * 15), Init.fans(Shape.of(16, 4, 3, 5)));
        assertEquals(new Init.Fans(3 * 7, 6 * 7), Init.fans(Shape.of(6, 3, 7)));
        assertThatThrownBy(() -> Init.fans(Shape.of(5))).isInstanceOf(NablaException.class)
                .hasMessageContaining("at least 2 axes");
        assertEquals(Math.sqrt(1.0 / 3), Init.gain("leaky_relu", Math.sqrt(5)), 1e-15);
        assertEquals(5.0 / 3, Init.gain("tanh", 0));
    }

    @Test
    void linearAndConvDefaultsAreUniformInOneOverSqrtFanIn() {
        double[] w = Init.linearWeight(1, DType.F32, 300, 400).toDoubleArray();
        double bound = 1 / Math.sqrt(400);
        assertTrue(Arrays.stream(w).allMatch(v -> v >= -bound && v < bound));
        assertEquals(0, TestArrays.mean(w), 6 * bound / Math.sqrt(3 * w.length));
        assertEquals(bound * bound / 3, TestArrays.variance(w), 0.02 * bound * bound / 3);
        double[] conv = Init.convWeight(2, DType.F64, 64, 16, 3, 3).toDoubleArray();
        double convBound = 1 / Math.sqrt(16 * 9);
        assertTrue(Arrays.stream(conv).allMatch(v -> v >= -convBound && v < convBound));
        assertEquals(convBound * convBound / 3, TestArrays.variance(conv), 0.05 * convBound * convBound / 3);
        double[] b = Init.bias(3, DType.F32, 64, 16, 3, 3).toDoubleArray();
        assertEquals(64, b.length);
        assertTrue(Arrays.stream(b).allMatch(v -> Math.abs(v) <= convBound));
    }

    @Test
    void xavierKaimingNormalAndTruncatedNormalHaveTheirMoments() {
        double std = Math.sqrt(2.0 / (200 + 300));
        double[] xn = Init.xavierNormal(4, DType.F64, 1, 300, 200).toDoubleArray();
        assertEquals(0, TestArrays.mean(xn), 0.02 * std);
        assertEquals(std * std, TestArrays.variance(xn), 0.02 * std * std);
        double xb = Math.sqrt(6.0 / 500);
        double[] xu = Init.xavierUniform(5, DType.F32, 1, 300, 200).toDoubleArray();
        assertTrue(Arrays.stream(xu).allMatch(v -> Math.abs(v) <= xb));
        assertEquals(xb * xb / 3, TestArrays.variance(xu), 0.02 * xb * xb / 3);
        double[] kn = Init.kaimingNormal(6, DType.F64, 0, 256, 512).toDoubleArray();
        assertEquals(2.0 / 512, TestArrays.variance(kn), 0.02 * 2.0 / 512);
        double[] n = Init.normal(7, DType.F64, 1.5, 0.5, 100_000).toDoubleArray();
        assertEquals(1.5, TestArrays.mean(n), 0.005);
        assertEquals(0.25, TestArrays.variance(n), 0.005);
        double[] t = Init.truncatedNormal(8, DType.F32, 0, 1, -2, 2, 100_000).toDoubleArray();
        assertTrue(Arrays.stream(t).allMatch(v -> v >= -2 && v <= 2));
        assertEquals(0, TestArrays.mean(t), 0.01);
        // The variance of a standard normal truncated to [-2, 2]: 1 - 4 phi(2) / (Phi(2) - Phi(-2)).
        assertEquals(0.7737, TestArrays.variance(t), 0.01);
        assertArrayEquals(new double[6], Init.zeros(DType.F32, 2, 3).toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, Init.ones(DType.F64, 2).toDoubleArray());
    }

    @Test
    void orthogonalRowsOrColumnsAreOrthonormal() {
        for (int[] dims : new int[][] {{64, 128}, {128, 64}, {32, 4, 3, 3}, {50, 50}}) {
            int rows = dims[0];
            double[] w = Init.orthogonal(9, DType.F32, 1, dims).toDoubleArray();
            int cols = w.length / rows;
            boolean wide = rows < cols;
            int count = wide ? rows : cols;
            int length = wide ? cols : rows;
            for (int a = 0; a < count; a++) {
                for (int b = 0; b <= a; b++) {
                    double dot = 0;
                    for (int i = 0; i < length; i++) {
                        dot += (wide ? w[a * cols + i] : w[i * cols + a]) * (wide ? w[b * cols + i] : w[i * cols + b]);
                    }
                    assertEquals(a == b ? 1 : 0, dot, 1e-5, Arrays.toString(dims) + " vectors " + a + ", " + b);
                }
            }
        }
        double[] scaled = Init.orthogonal(9, DType.F64, 2, 4, 4).toDoubleArray();
        double norm = 0;
        for (int i = 0; i < 4; i++) {
            norm += scaled[i] * scaled[i];
        }
        assertEquals(4, norm, 1e-12, "gain 2: rows of norm 2");
    }

    @Test
    void seedsReproduceAndMatchTheGraphsDraws() {
        assertArrayEquals(Init.kaimingUniform(10, DType.F32, 0, 5, 7).toDoubleArray(),
                Init.kaimingUniform(10, DType.F32, 0, 5, 7).toDoubleArray());
        assertFalse(Arrays.equals(Init.kaimingUniform(10, DType.F32, 0, 5, 7).toDoubleArray(),
                Init.kaimingUniform(11, DType.F32, 0, 5, 7).toDoubleArray()));
        try (Graph g = Graph.create()) {
            double[] inGraph = g.compile(dev.nabla.core.Device.host("jvm"))
                    .eval(Nabla.uniform(Nabla.key(g, 12), DType.F64, 3, 4)).toDoubleArray();
            assertArrayEquals(inGraph, Init.uniform(12, DType.F64, 0, 1, 3, 4).toDoubleArray());
        }
    }
}

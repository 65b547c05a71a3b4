package dev.nabla.runtime.jvm.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** sgemm and dgemm against a naive triple loop, over shapes that hit every edge of the blocking. */
class GemmShapesTest {
    /**
     * Tiles are 12 rows by 32 floats or 16 doubles; blocks are 192 rows, up to 256 (float) or 128
     * (double) of k and 1024 columns. The shapes cover ones, odd sizes, sizes just off those
     * multiples, k = 0 and empty C. C with fewer columns than half a tile and more rows is computed
     * transposed (a layer's 10 logits; 2500 rows crosses the 1024 rows transposed at a time).
     */
    static final int[][] SHAPES = {
        {1, 1, 1}, {7, 13, 5}, {1023, 1, 17}, {64, 64, 64}, {129, 257, 65},
        {3, 4, 0}, {0, 5, 3}, {5, 0, 3}, {0, 0, 0},
        {12, 32, 1}, {11, 31, 2}, {13, 33, 3}, {24, 16, 7}, {1, 100, 9}, {100, 1, 9}, {2, 3, 257},
        {193, 40, 513}, {37, 1025, 19}, {25, 513, 300},
        {128, 10, 256}, {2500, 10, 40}, {300, 7, 300}, {26, 15, 3}, {16, 15, 0},
    };

    static List<Object[]> cases() {
        List<Object[]> cases = new ArrayList<>();
        long seed = 1;
        for (int[] shape : SHAPES) {
            for (int t = 0; t < 4; t++) {
                cases.add(new Object[] {new Problem(shape[0], shape[1], shape[2], (t & 1) != 0, (t & 2) != 0, seed++)});
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sgemmMatchesTheTripleLoop(Problem p) {
        float[] c = p.newFloatC();
        Gemm.sgemm(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB, c, p.cOffset, 1);
        p.assertMatches(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void dgemmMatchesTheTripleLoop(Problem p) {
        double[] c = p.newDoubleC();
        Gemm.dgemm(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB, c, p.cOffset, 1);
        p.assertMatches(c);
    }

    /** An update, C = W + alpha.A.B, equals sgemm followed by Math.fma(product, alpha, w), bit for bit. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anUpdateEqualsTheProductThenAnFmaPass(Problem p) {
        float[] w = Problem.randomFloats(p.m * 7919L + p.n, p.m * p.n + 3);
        float[] product = new float[p.m * p.n];
        Gemm.sgemm(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB, product, 0, 2);
        float[] c = new float[p.m * p.n];
        Gemm.sgemmUpdate(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB,
                -0.01f, w, 3, c, 0, 2);
        for (int i = 0; i < c.length; i++) {
            assertEquals(Math.fma(product[i], -0.01f, w[3 + i]), c[i], p + " at " + i);
        }
        double[] dw = new double[w.length];
        Arrays.setAll(dw, i -> w[i] * 1.5);
        double[] dProduct = new double[p.m * p.n];
        Gemm.dgemm(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB, dProduct, 0, 2);
        double[] d = new double[p.m * p.n];
        Gemm.dgemmUpdate(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB, 0.25, dw, 3, d, 0, 2);
        for (int i = 0; i < d.length; i++) {
            assertEquals(Math.fma(dProduct[i], 0.25, dw[3 + i]), d[i], p + " at " + i);
        }
    }

    // A fixed seed: a run reproduces exactly (jqwik draws a new one per run otherwise).
    @Property(tries = 60, seed = "31337")
    void anySmallShapeMatchesOnAnyThreadCount(
            @ForAll @IntRange(min = 0, max = 70) int m,
            @ForAll @IntRange(min = 0, max = 70) int n,
            @ForAll @IntRange(min = 0, max = 300) int k,
            @ForAll boolean transA,
            @ForAll boolean transB,
            @ForAll @IntRange(min = 1, max = 3) int threads) {
        Problem p = new Problem(m, n, k, transA, transB, 31L * m + 17L * n + k);
        float[] c = p.newFloatC();
        Gemm.sgemm(m, n, k, p.aFloats(), p.aOffset, transA, p.bFloats(), p.bOffset, transB, c, p.cOffset, threads);
        p.assertMatches(c);
        double[] d = p.newDoubleC();
        Gemm.dgemm(m, n, k, p.a, p.aOffset, transA, p.b, p.bOffset, transB, d, p.cOffset, threads);
        p.assertMatches(d);
    }
}

package dev.nabla.runtime.jvm.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plain-Java GEMM the JVM backend falls back to without the Vector API, on the shapes
 * {@link GemmShapesTest} gives the SIMD one (every transpose, offsets, k = 0, empty C, sizes
 * off its KC and NC blocks), against the same triple loop; its update form against its product
 * and an fma pass, bit for bit; and split over threads against one thread, bit for bit.
 */
class PlainGemmTest {
    static List<Object[]> cases() {
        return GemmShapesTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void floatMatchesTheTripleLoop(Problem p) {
        float[] c = p.newFloatC();
        PlainGemm.multiply(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB,
                0, null, 0, c, p.cOffset, 1);
        p.assertMatches(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void doubleMatchesTheTripleLoop(Problem p) {
        double[] c = p.newDoubleC();
        PlainGemm.multiply(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB,
                0, null, 0, c, p.cOffset, 1);
        p.assertMatches(c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anUpdateEqualsTheProductThenAnFmaPass(Problem p) {
        float[] w = Problem.randomFloats(p.m * 31L + p.n, p.m * p.n + 2);
        float[] product = p.newFloatC();
        PlainGemm.multiply(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB,
                0, null, 0, product, p.cOffset, 1);
        float[] updated = p.newFloatC();
        PlainGemm.multiply(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB,
                -0.1f, w, 2, updated, p.cOffset, 1);
        for (int i = 0; i < p.m * p.n; i++) {
            product[p.cOffset + i] = Math.fma(product[p.cOffset + i], -0.1f, w[2 + i]);
        }
        assertArrayEquals(product, updated);

        double[] wd = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            wd[i] = w[i];
        }
        double[] productD = p.newDoubleC();
        PlainGemm.multiply(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB,
                0, null, 0, productD, p.cOffset, 1);
        double[] updatedD = p.newDoubleC();
        PlainGemm.multiply(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB,
                -0.1, wd, 2, updatedD, p.cOffset, 1);
        for (int i = 0; i < p.m * p.n; i++) {
            productD[p.cOffset + i] = Math.fma(productD[p.cOffset + i], -0.1, wd[2 + i]);
        }
        assertArrayEquals(productD, updatedD);
    }

    /** Large enough for WorkSplit to cut C in three, by rows (m > n) and by columns (n > m). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("largeCases")
    void threadsDoNotChangeTheResult(Problem p) {
        float[] one = p.newFloatC();
        float[] three = p.newFloatC();
        PlainGemm.multiply(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB,
                0, null, 0, one, p.cOffset, 1);
        PlainGemm.multiply(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB,
                0, null, 0, three, p.cOffset, 3);
        p.assertMatches(three);
        assertArrayEquals(one, three);
        double[] oneD = p.newDoubleC();
        double[] threeD = p.newDoubleC();
        PlainGemm.multiply(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB,
                0, null, 0, oneD, p.cOffset, 1);
        PlainGemm.multiply(p.m, p.n, p.k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB,
                0, null, 0, threeD, p.cOffset, 3);
        assertArrayEquals(oneD, threeD);
    }

    static List<Object[]> largeCases() {
        return List.of(new Object[] {new Problem(301, 257, 131, true, false, 1)},
                new Object[] {new Problem(199, 603, 130, false, true, 2)});
    }
}

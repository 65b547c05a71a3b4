package dev.nabla.runtime.jvm.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

/**
 * One multiplication to test: random operands at random offsets inside larger arrays, C filled
 * with NaN (which the call must overwrite) and guarded by sentinels on both sides (which it must
 * not touch), and a naive triple loop in double precision to compare with.
 */
final class Problem {
    static final float SENTINEL = -12345.5f;

    final int m;
    final int n;
    final int k;
    final boolean transA;
    final boolean transB;
    final int aOffset;
    final int bOffset;
    final int cOffset;
    final int cPadding;
    final double[] a;
    final double[] b;

    Problem(int m, int n, int k, boolean transA, boolean transB, long seed) {
        this.m = m;
        this.n = n;
        this.k = k;
        this.transA = transA;
        this.transB = transB;
        Random random = new Random(seed);
        aOffset = random.nextInt(5);
        bOffset = random.nextInt(5);
        cOffset = random.nextInt(5);
        cPadding = 1 + random.nextInt(3);
        a = randomArray(random, aOffset + m * k + random.nextInt(3));
        b = randomArray(random, bOffset + k * n + random.nextInt(3));
    }

    private static double[] randomArray(Random random, int length) {
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            // Mixed signs and magnitudes, exact in float, so both precisions multiply the same numbers.
            values[i] = (float) ((random.nextDouble() * 2 - 1) * Math.pow(2, random.nextInt(7) - 3));
        }
        return values;
    }

    static float[] randomFloats(long seed, int length) {
        return toFloats(randomArray(new Random(seed), length));
    }

    double aAt(int i, int p) {
        return a[aOffset + (transA ? p * m + i : i * k + p)];
    }

    double bAt(int p, int j) {
        return b[bOffset + (transB ? j * k + p : p * n + j)];
    }

    float[] aFloats() {
        return toFloats(a);
    }

    float[] bFloats() {
        return toFloats(b);
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    /** C's array: NaN where C goes, sentinels around it. */
    float[] newFloatC() {
        float[] c = new float[cOffset + m * n + cPadding];
        java.util.Arrays.fill(c, SENTINEL);
        java.util.Arrays.fill(c, cOffset, cOffset + m * n, Float.NaN);
        return c;
    }

    double[] newDoubleC() {
        double[] c = new double[cOffset + m * n + cPadding];
        java.util.Arrays.fill(c, SENTINEL);
        java.util.Arrays.fill(c, cOffset, cOffset + m * n, Double.NaN);
        return c;
    }

    /**
     * Checks C against the triple loop, to within {@code unitRoundoff} times k times the sum of
     * |a||b| (the textbook bound for a sum of k products, whatever order it is summed in).
     */
    void assertMatches(float[] c) {
        double[] asDoubles = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            asDoubles[i] = c[i];
        }
        assertMatches(asDoubles, 0x1p-24);
    }

    void assertMatches(double[] c) {
        assertMatches(c, 0x1p-53);
    }

    private void assertMatches(double[] c, double unitRoundoff) {
        for (int i = 0; i < cOffset; i++) {
            assertThat(c[i]).as("sentinel before C at %d", i).isEqualTo(SENTINEL);
        }
        for (int i = cOffset + m * n; i < c.length; i++) {
            assertThat(c[i]).as("sentinel after C at %d", i).isEqualTo(SENTINEL);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double exact = 0;
                double magnitude = 0;
                for (int p = 0; p < k; p++) {
                    exact += aAt(i, p) * bAt(p, j);
                    magnitude += Math.abs(aAt(i, p) * bAt(p, j));
                }
                // 2x the bound's k u for slack, plus the rounding of the result itself.
                double tolerance = 2 * (k + 1) * unitRoundoff * magnitude;
                double actual = c[cOffset + i * n + j];
                if (!(Math.abs(actual - exact) <= tolerance)) {
                    throw new AssertionError(String.format(
                            "%s: C[%d][%d] = %s, expected %s within %s", this, i, j, actual, exact, tolerance));
                }
            }
        }
    }

    @Override
    public String toString() {
        return m + "x" + n + "x" + k + (transA ? " A^T" : "") + (transB ? " B^T" : "")
                + " (offsets " + aOffset + ", " + bOffset + ", " + cOffset + ")";
    }
}

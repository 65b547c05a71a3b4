package dev.nabla.runtime.jvm.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Tiles laid a lead to the left of C ({@link LineAlignment#floatLead}) give the same bits as
 * without one: each value of C sums the same products in the same order, only the tile it falls
 * in changes. Shapes span two column blocks and several slices of k, with and without W, for
 * short and long leads and both layouts of B.
 */
class GemmLeadTest {
    private static final int[][] SHAPES = {{13, 1100, 260}, {13, 45, 70}, {25, 33, 1}};

    @Test
    void floatResultsDoNotDependOnTheLead() {
        Random random = new Random(7);
        for (int[] shape : SHAPES) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            float[] a = Problem.randomFloats(random.nextLong(), m * k);
            float[] b = Problem.randomFloats(random.nextLong(), k * n);
            float[] w = Problem.randomFloats(random.nextLong(), m * n);
            for (boolean transB : new boolean[] {false, true}) {
                int bRow = transB ? 1 : n;
                int bCol = transB ? k : 1;
                for (float[] addend : new float[][] {null, w}) {
                    float[] expected = new float[m * n];
                    FloatGemm.multiply(m, n, k, a, 0, k, 1, b, 0, bRow, bCol, expected, 0, n, -0.5f, addend, 0, 0);
                    for (int lead : new int[] {1, 7, 15}) {
                        float[] c = new float[m * n];
                        Arrays.fill(c, Float.NaN);
                        FloatGemm.multiply(m, n, k, a, 0, k, 1, b, 0, bRow, bCol, c, 0, n, -0.5f, addend, 0, lead);
                        assertThat(c).as("%dx%dx%d lead %d transB %s W %s", m, n, k, lead, transB, addend != null)
                                .containsExactly(expected);
                    }
                }
            }
        }
    }

    @Test
    void doubleResultsDoNotDependOnTheLead() {
        Random random = new Random(8);
        for (int[] shape : SHAPES) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            double[] a = toDoubles(Problem.randomFloats(random.nextLong(), m * k));
            double[] b = toDoubles(Problem.randomFloats(random.nextLong(), k * n));
            double[] w = toDoubles(Problem.randomFloats(random.nextLong(), m * n));
            for (boolean transB : new boolean[] {false, true}) {
                int bRow = transB ? 1 : n;
                int bCol = transB ? k : 1;
                for (double[] addend : new double[][] {null, w}) {
                    double[] expected = new double[m * n];
                    DoubleGemm.multiply(m, n, k, a, 0, k, 1, b, 0, bRow, bCol, expected, 0, n, -0.5, addend, 0, 0);
                    for (int lead : new int[] {1, 4, 7}) {
                        double[] c = new double[m * n];
                        Arrays.fill(c, Double.NaN);
                        DoubleGemm.multiply(m, n, k, a, 0, k, 1, b, 0, bRow, bCol, c, 0, n, -0.5, addend, 0, lead);
                        assertThat(c).as("%dx%dx%d lead %d transB %s W %s", m, n, k, lead, transB, addend != null)
                                .containsExactly(expected);
                    }
                }
            }
        }
    }

    @Test
    void aLargeCGetsItsLeadThroughTheEntryPoint() {
        // C humongous under G1 (over 2 MiB here), 2048 columns at offset 3: a lead of 7 when known.
        int m = 13;
        int n = 2048;
        int k = 20;
        float[] a = Problem.randomFloats(1, m * k);
        float[] b = Problem.randomFloats(2, k * n);
        float[] c = new float[1 << 20];
        Arrays.fill(c, Float.NaN);
        int lead = LineAlignment.floatLead(c, 3, n);
        assertThat(lead).isIn(-1, 7);
        Gemm.sgemm(m, n, k, a, 0, false, b, 0, false, c, 3, 1);
        float[] expected = new float[m * n];
        FloatGemm.multiply(m, n, k, a, 0, k, 1, b, 0, n, 1, expected, 0, n, 0f, null, 0, 0);
        assertThat(Arrays.copyOfRange(c, 3, 3 + m * n)).containsExactly(expected);
        assertThat(c[2]).isNaN();
        assertThat(c[3 + m * n]).isNaN();
    }

    @Test
    void aLargeDoubleUpdateOnTwoThreadsMatchesNoLead() {
        // Enough work for two column bands of 1024 (WorkSplit), each taking the lead of its own start.
        int m = 14;
        int n = 2048;
        int k = 150;
        double[] a = toDoubles(Problem.randomFloats(3, m * k));
        double[] b = toDoubles(Problem.randomFloats(4, k * n));
        double[] w = toDoubles(Problem.randomFloats(5, m * n));
        double[] c = new double[1 << 19];
        Arrays.fill(c, Double.NaN);
        Gemm.dgemmUpdate(m, n, k, a, 0, false, b, 0, false, 0.25, w, 0, c, 5, 2);
        double[] expected = new double[m * n];
        DoubleGemm.multiply(m, n, k, a, 0, k, 1, b, 0, n, 1, expected, 0, n, 0.25, w, 0, 0);
        assertThat(Arrays.copyOfRange(c, 5, 5 + m * n)).containsExactly(expected);
        assertThat(c[4]).isNaN();
        assertThat(c[5 + m * n]).isNaN();
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }
}

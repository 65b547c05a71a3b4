package dev.nabla.runtime.jvm;

/**
 * Matrix products over strided operands: C[m×n] (row-major, contiguous) = A[m×k] · B[k×n], with
 * A(i, p) at a[aOff + i*aRow + p*aCol] and B likewise. A plain i-p-j loop whose innermost loop
 * runs along C's rows (auto-vectorized when B's rows are contiguous).
 */
final class Matmul {
    private Matmul() {}

    static void sgemm(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow,
                      int bCol, float[] c, int cOff) {
        java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
        Parallel.forRange(m, Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / Math.max(1, n * k)), (from, to) -> {
            for (int i = from; i < to; i++) {
                int ci = cOff + i * n;
                for (int p = 0; p < k; p++) {
                    float aip = a[aOff + i * aRow + p * aCol];
                    int bp = bOff + p * bRow;
                    if (bCol == 1) {
                        for (int j = 0; j < n; j++) {
                            c[ci + j] += aip * b[bp + j];
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            c[ci + j] += aip * b[bp + j * bCol];
                        }
                    }
                }
            }
        });
    }

    static void dgemm(int m, int n, int k, double[] a, int aOff, int aRow, int aCol, double[] b, int bOff, int bRow,
                      int bCol, double[] c, int cOff) {
        java.util.Arrays.fill(c, cOff, cOff + m * n, 0.0);
        Parallel.forRange(m, Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / Math.max(1, n * k)), (from, to) -> {
            for (int i = from; i < to; i++) {
                int ci = cOff + i * n;
                for (int p = 0; p < k; p++) {
                    double aip = a[aOff + i * aRow + p * aCol];
                    int bp = bOff + p * bRow;
                    if (bCol == 1) {
                        for (int j = 0; j < n; j++) {
                            c[ci + j] += aip * b[bp + j];
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            c[ci + j] += aip * b[bp + j * bCol];
                        }
                    }
                }
            }
        });
    }
}

package dev.nabla.runtime.jvm.gemm;

import dev.nabla.runtime.jvm.WorkerPool;
import java.util.Arrays;

/**
 * {@link Gemm}'s products in plain Java, for JVMs started without the Vector API (see
 * {@code VectorSupport}): the same contract (transposed operands, offsets, C = W + alpha.A.B with
 * {@code Math.fma}), much slower. Blocked so that a KC x NC block of B, copied row-major, stays in
 * cache while every row of C takes its share: {@code c[i][j] += a[i][p] * b[p][j]} along a row,
 * a loop C2 may vectorize by itself.
 *
 * <p>Each element of C is summed over p = 0, 1, ..., k-1 in order, in the working type, whatever
 * the blocking and however many threads split C, so results do not depend on the thread count.
 * The float and double halves are the same code: change both together.
 */
final class PlainGemm {
    /** Depth of a slice of k. */
    static final int KC = 128;
    /** Columns of a block of B. */
    static final int NC = 512;

    private PlainGemm() {}

    /** C = A.B, or C = W + alpha.A.B when {@code w} is not null; arguments as {@link Gemm#sgemmUpdate}. */
    static void multiply(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, float alpha, float[] w, int wOffset, float[] c, int cOffset,
            int threads) {
        int aRow = transA ? 1 : k;
        int aCol = transA ? m : 1;
        int bRow = transB ? 1 : n;
        int bCol = transB ? k : 1;
        WorkSplit split = WorkSplit.of(m, n, k, threads, 1, 1);
        WorkerPool.forEachPart(split.parts(), part -> {
            int from = split.start(part);
            int to = split.start(part + 1);
            if (split.byColumns()) {
                multiply(m, to - from, k, a, aOffset, aRow, aCol, b, bOffset + from * bCol, bRow, bCol,
                        c, cOffset + from, n, alpha, w, wOffset + from);
            } else {
                multiply(to - from, n, k, a, aOffset + from * aRow, aRow, aCol, b, bOffset, bRow, bCol,
                        c, cOffset + from * n, n, alpha, w, wOffset + from * n);
            }
        });
    }

    /** One thread's part: A and B strided, rows of C (and of W) {@code ldc} apart. */
    private static void multiply(int m, int n, int k, float[] a, int aStart, int aRow, int aCol,
            float[] b, int bStart, int bRow, int bCol, float[] c, int cStart, int ldc,
            float alpha, float[] w, int wStart) {
        float[] block = new float[Math.min(k, KC) * Math.min(n, NC)];
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cStart + i * ldc + j0, cStart + i * ldc + j0 + nc, 0f);
            }
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < nc; j++) {
                        block[p * nc + j] = b[bStart + (p0 + p) * bRow + (j0 + j) * bCol];
                    }
                }
                for (int i = 0; i < m; i++) {
                    int ci = cStart + i * ldc + j0;
                    for (int p = 0; p < kc; p++) {
                        float aip = a[aStart + i * aRow + (p0 + p) * aCol];
                        for (int j = 0, bp = p * nc; j < nc; j++) {
                            c[ci + j] += aip * block[bp + j];
                        }
                    }
                }
            }
            if (w != null) {
                for (int i = 0; i < m; i++) {
                    int ci = cStart + i * ldc + j0;
                    int wi = wStart + i * ldc + j0;
                    for (int j = 0; j < nc; j++) {
                        c[ci + j] = Math.fma(c[ci + j], alpha, w[wi + j]);
                    }
                }
            }
        }
    }

    /** C = A.B, or C = W + alpha.A.B when {@code w} is not null; arguments as {@link Gemm#dgemmUpdate}. */
    static void multiply(int m, int n, int k, double[] a, int aOffset, boolean transA,
            double[] b, int bOffset, boolean transB, double alpha, double[] w, int wOffset, double[] c, int cOffset,
            int threads) {
        int aRow = transA ? 1 : k;
        int aCol = transA ? m : 1;
        int bRow = transB ? 1 : n;
        int bCol = transB ? k : 1;
        WorkSplit split = WorkSplit.of(m, n, k, threads, 1, 1);
        WorkerPool.forEachPart(split.parts(), part -> {
            int from = split.start(part);
            int to = split.start(part + 1);
            if (split.byColumns()) {
                multiply(m, to - from, k, a, aOffset, aRow, aCol, b, bOffset + from * bCol, bRow, bCol,
                        c, cOffset + from, n, alpha, w, wOffset + from);
            } else {
                multiply(to - from, n, k, a, aOffset + from * aRow, aRow, aCol, b, bOffset, bRow, bCol,
                        c, cOffset + from * n, n, alpha, w, wOffset + from * n);
            }
        });
    }

    private static void multiply(int m, int n, int k, double[] a, int aStart, int aRow, int aCol,
            double[] b, int bStart, int bRow, int bCol, double[] c, int cStart, int ldc,
            double alpha, double[] w, int wStart) {
        double[] block = new double[Math.min(k, KC) * Math.min(n, NC)];
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cStart + i * ldc + j0, cStart + i * ldc + j0 + nc, 0.0);
            }
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = Math.min(KC, k - p0);
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < nc; j++) {
                        block[p * nc + j] = b[bStart + (p0 + p) * bRow + (j0 + j) * bCol];
                    }
                }
                for (int i = 0; i < m; i++) {
                    int ci = cStart + i * ldc + j0;
                    for (int p = 0; p < kc; p++) {
                        double aip = a[aStart + i * aRow + (p0 + p) * aCol];
                        for (int j = 0, bp = p * nc; j < nc; j++) {
                            c[ci + j] += aip * block[bp + j];
                        }
                    }
                }
            }
            if (w != null) {
                for (int i = 0; i < m; i++) {
                    int ci = cStart + i * ldc + j0;
                    int wi = wStart + i * ldc + j0;
                    for (int j = 0; j < nc; j++) {
                        c[ci + j] = Math.fma(c[ci + j], alpha, w[wi + j]);
                    }
                }
            }
        }
    }
}

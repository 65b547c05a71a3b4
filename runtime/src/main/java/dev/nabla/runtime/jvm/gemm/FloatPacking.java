package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.MR;
import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import java.util.Arrays;

/**
 * Copies blocks of A and B into the panel order the micro-kernel reads front to back, padding
 * partial panels with zeros so that the kernel never needs a bounds test.
 *
 * <p>A matrix is seen through strides: element (i, j) is at {@code start + i * rowStride + j *
 * colStride}, which covers the plain and the transposed layout alike. The loops read the source
 * along its contiguous direction, whichever that is: walking down a column of a large row-major
 * matrix touches a new page per element and defeats the hardware prefetcher.
 */
final class FloatPacking {
    private FloatPacking() {}

    /**
     * Packs the mc x kc block of A at {@code start} as panels of MR rows: panel q holds, for each
     * step p, the MR values A[q*MR + r][p] side by side.
     */
    static void packA(int mc, int kc, float[] a, int start, int rowStride, int colStride, float[] packed) {
        if (rowStride == 1 && colStride != 1) {
            // Columns contiguous (A stored transposed): copy each column's run of mc values.
            for (int p = 0; p < kc; p++) {
                int src = start + p * colStride;
                for (int i0 = 0; i0 < mc; i0 += MR) {
                    int rows = Math.min(MR, mc - i0);
                    int dst = i0 * kc + p * MR;
                    for (int r = 0; r < rows; r++) {
                        packed[dst + r] = a[src + i0 + r];
                    }
                }
            }
        } else {
            for (int i0 = 0; i0 < mc; i0 += MR) {
                int rows = Math.min(MR, mc - i0);
                int dst = i0 * kc;
                for (int r = 0; r < rows; r++) {
                    int src = start + (i0 + r) * rowStride;
                    for (int p = 0; p < kc; p++) {
                        packed[dst + p * MR + r] = a[src + p * colStride];
                    }
                }
            }
        }
        zeroMissingRows(mc, kc, packed);
    }

    private static void zeroMissingRows(int mc, int kc, float[] packed) {
        int rows = mc % MR;
        if (rows != 0) {
            int dst = (mc - rows) * kc;
            for (int p = 0; p < kc; p++) {
                Arrays.fill(packed, dst + p * MR + rows, dst + p * MR + MR, 0f);
            }
        }
    }

    /**
     * Packs the kc x nc block of B at {@code start} as panels of NR columns: panel q holds, for
     * each step p, the NR values B[p][q*NR + j] side by side.
     */
    static void packB(int kc, int nc, float[] b, int start, int rowStride, int colStride, float[] packed) {
        int fullPanels = nc / NR;
        int cols = nc % NR;
        if (colStride == 1) {
            // Rows contiguous: copy row p of the block panel after panel.
            for (int p = 0; p < kc; p++) {
                int src = start + p * rowStride;
                for (int q = 0; q < fullPanels; q++) {
                    System.arraycopy(b, src + q * NR, packed, q * NR * kc + p * NR, NR);
                }
            }
        } else {
            // Columns contiguous (B stored transposed): copy each column's run of kc values.
            for (int q = 0; q < fullPanels; q++) {
                for (int j = 0; j < NR; j++) {
                    int src = start + (q * NR + j) * colStride;
                    int to = q * NR * kc + j;
                    for (int p = 0; p < kc; p++) {
                        packed[to + p * NR] = b[src + p * rowStride];
                    }
                }
            }
        }
        if (cols != 0) {
            // The last, partial panel: its missing columns are zeros.
            int to = fullPanels * NR * kc;
            Arrays.fill(packed, to, to + NR * kc, 0f);
            for (int j = 0; j < cols; j++) {
                int src = start + (fullPanels * NR + j) * colStride;
                for (int p = 0; p < kc; p++) {
                    packed[to + p * NR + j] = b[src + p * rowStride];
                }
            }
        }
    }
}

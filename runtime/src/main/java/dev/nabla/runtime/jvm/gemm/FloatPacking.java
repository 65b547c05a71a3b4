package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.MR;
import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Copies blocks of A and B into the panel order the micro-kernel reads front to back, padding
 * partial panels with zeros so that the kernel never needs a bounds test.
 * The build makes {@code DoublePacking} from this file by swapping the types (runtime/pom.xml).
 *
 * <p>A matrix is seen through strides: element (i, j) is at {@code start + i * rowStride + j *
 * colStride}, which covers the plain and the transposed layout alike. The loops read the source
 * along its contiguous direction, whichever that is: walking down a column of a large row-major
 * matrix touches a new page per element and defeats the hardware prefetcher.
 */
final class FloatPacking {
    private FloatPacking() {}

    /**
     * Copies a run of MR values (a transposed A panel's step) in moves of the kernel's vectors, the
     * last one masked: one or two moves with AVX-512 (a 12-value {@code System.arraycopy} call
     * costs more than the copy). Not in a narrower species: a second vector class at the
     * Vector API's shared call sites (intoArray's, fromArray's) splits their type profiles, and
     * C2 then boxed the vectors of unrelated loops compiled after it (the column minimum's, 256
     * boxes per run in JvmBackendAllocationTest's every kind of step).
     */
    private static final VectorSpecies<Float> RUN = FloatKernel.SPECIES;
    private static final int HALF = FloatKernel.SPECIES.length();
    private static final int SIDE = FloatTranspose.SIDE;
    /** Values past its panels that packA may write in a packed buffer. */
    static final int SLACK = SIDE;

    static {
        // packA copies a panel's rows one by one, written out for twelve of them.
        if (MR != 12) {
            throw new IllegalStateException("FloatPacking.packA is written for MR = 12, not " + MR);
        }
    }

    /**
     * Packs the mc x kc block of A at {@code start} as panels of MR rows: panel q holds, for each
     * step p, the MR values A[q*MR + r][p] side by side. {@code packed} holds {@link #SLACK}
     * values more than the panels, which it may write over.
     */
    static void packA(int mc, int kc, float[] a, int start, int rowStride, int colStride, float[] packed) {
        int full = mc - mc % MR;
        if (rowStride == 1 && colStride != 1) {
            // Columns contiguous (A stored transposed): a panel's MR values at step p are one run;
            // panel by panel, so that the packed panel is written front to back.
            for (int i0 = 0; i0 < full; i0 += MR) {
                int dst = i0 * kc;
                for (int p = 0; p < kc; p++) {
                    int from = start + p * colStride + i0;
                    int to = dst + p * MR;
                    for (int r = 0; r < MR; r += RUN.length()) {
                        VectorMask<Float> inRun = RUN.indexInRange(r, MR);
                        FloatVector.fromArray(RUN, a, from + r, inRun).intoArray(packed, to + r, inRun);
                    }
                }
            }
            for (int p = 0; p < kc; p++) {
                int src = start + p * colStride;
                for (int i = full; i < mc; i++) {
                    packed[full * kc + p * MR + i - full] = a[src + i];
                }
            }
        } else {
            // Rows contiguous: read the MR rows of a panel side by side, so that each step's MR
            // values are written as one run (writing with a stride of MR was a sixth of an MLP step);
            // with AVX-512, blocks of steps are transposed in registers first.
            for (int i0 = 0; i0 < full; i0 += MR) {
                int dst = i0 * kc;
                int src = start + i0 * rowStride;
                int done = 0;
                if (colStride == 1 && FloatTranspose.ENABLED) {
                    for (; done + SIDE <= kc; done += SIDE) {
                        if (SIDE >= MR) {
                            // MR rows and SIDE - MR of zeros per block; each step's store runs
                            // SIDE - MR into the next step's.
                            FloatTranspose.block(a, src + done, rowStride, MR, packed, dst + done * MR, MR);
                        } else {
                            // Rows SIDE to MR first (the rest zeros): their stores run into the next
                            // step's first rows, which the block of rows 0 to SIDE then writes.
                            FloatTranspose.block(a, src + SIDE * rowStride + done, rowStride, MR - SIDE,
                                    packed, dst + done * MR + SIDE, MR);
                            FloatTranspose.block(a, src + done, rowStride, SIDE, packed, dst + done * MR, MR);
                        }
                    }
                }
                for (int p = done; p < kc; p++) {
                    int at = src + p * colStride;
                    int to = dst + p * MR;
                    packed[to] = a[at];
                    packed[to + 1] = a[at + rowStride];
                    packed[to + 2] = a[at + 2 * rowStride];
                    packed[to + 3] = a[at + 3 * rowStride];
                    packed[to + 4] = a[at + 4 * rowStride];
                    packed[to + 5] = a[at + 5 * rowStride];
                    packed[to + 6] = a[at + 6 * rowStride];
                    packed[to + 7] = a[at + 7 * rowStride];
                    packed[to + 8] = a[at + 8 * rowStride];
                    packed[to + 9] = a[at + 9 * rowStride];
                    packed[to + 10] = a[at + 10 * rowStride];
                    packed[to + 11] = a[at + 11 * rowStride];
                }
            }
            for (int r = 0; r < mc - full; r++) {
                int src = start + (full + r) * rowStride;
                for (int p = 0; p < kc; p++) {
                    packed[full * kc + p * MR + r] = a[src + p * colStride];
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
     * As {@link #packB(int, int, float[], int, int, int, float[], int)}, for a block whose first
     * {@code skip} columns (fewer than NR) lie before B's: they are packed as zeros, and
     * {@code start} is B's column just after them.
     */
    static void packB(int kc, int nc, int skip, float[] b, int start, int rowStride, int colStride, float[] packed,
            int packedStart) {
        if (skip == 0) {
            packB(kc, nc, b, start, rowStride, colStride, packed, packedStart);
            return;
        }
        int cols = Math.min(NR, nc) - skip;
        partialPanel(kc, skip, cols, b, start, rowStride, colStride, packed, packedStart);
        if (nc > NR) {
            packB(kc, nc - NR, b, start + cols * colStride, rowStride, colStride, packed, packedStart + NR * kc);
        }
    }

    /**
     * Packs the kc x nc block of B at {@code start} as panels of NR columns: panel q holds, for
     * each step p, the NR values B[p][q*NR + j] side by side, from {@code packedStart} on.
     */
    static void packB(int kc, int nc, float[] b, int start, int rowStride, int colStride, float[] packed,
            int packedStart) {
        int fullPanels = nc / NR;
        int cols = nc % NR;
        if (colStride == 1) {
            // Rows contiguous: copy row p of the block panel after panel.
            for (int p = 0; p < kc; p++) {
                int src = start + p * rowStride;
                for (int q = 0; q < fullPanels; q++) {
                    // Two vector moves: NR is two of the kernel's vectors.
                    int from = src + q * NR;
                    int to = packedStart + q * NR * kc + p * NR;
                    FloatVector.fromArray(FloatKernel.SPECIES, b, from).intoArray(packed, to);
                    FloatVector.fromArray(FloatKernel.SPECIES, b, from + HALF).intoArray(packed, to + HALF);
                }
            }
        } else {
            // Columns contiguous (B stored transposed): copy each column's run of kc values, with
            // AVX-512 as blocks of SIDE columns by SIDE steps transposed in registers.
            int done = rowStride == 1 && FloatTranspose.ENABLED ? kc - kc % SIDE : 0;
            for (int q = 0; q < fullPanels; q++) {
                for (int p = 0; p < done; p += SIDE) {
                    for (int j = 0; j < NR; j += SIDE) {
                        FloatTranspose.block(b, start + (q * NR + j) * colStride + p, colStride, SIDE,
                                packed, packedStart + q * NR * kc + p * NR + j, NR);
                    }
                }
            }
            for (int q = 0; q < fullPanels; q++) {
                for (int j = 0; j < NR; j++) {
                    int src = start + (q * NR + j) * colStride;
                    int to = packedStart + q * NR * kc + j;
                    for (int p = done; p < kc; p++) {
                        packed[to + p * NR] = b[src + p * rowStride];
                    }
                }
            }
        }
        if (cols != 0) {
            partialPanel(kc, 0, cols, b, start + fullPanels * NR * colStride, rowStride, colStride, packed,
                    packedStart + fullPanels * NR * kc);
        }
    }

    /**
     * A panel with fewer than NR of B's columns, one value at a time (one panel in a block, so its
     * share of the work is small): B's {@code cols} columns from {@code start} go to the panel's
     * columns {@code first} on, and its other columns are zeros.
     */
    private static void partialPanel(int kc, int first, int cols, float[] b, int start, int rowStride, int colStride,
            float[] packed, int to) {
        Arrays.fill(packed, to, to + NR * kc, 0f);
        for (int j = 0; j < cols; j++) {
            int src = start + j * colStride;
            for (int p = 0; p < kc; p++) {
                packed[to + p * NR + first + j] = b[src + p * rowStride];
            }
        }
    }
}

package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs blocks of B from a {@link WindowMatrix}, into the panels {@link FloatPacking#packB} makes
 * from a stored matrix, and in the same order of k: what the micro-kernel sums is what it summed
 * when the windows were stored.
 *
 * <p>B's element (p, j) is the window array's element {@code start + p * rowStride + j *
 * colStride}. Two layouts come from convolutions and are packed a vector of positions at a time:
 * rows of window positions across output positions (a convolution's product, {@code rowStride}
 * = positions), and their transpose (its weight gradient's, {@code colStride} = positions),
 * which is gathered into 16 x 16 blocks and transposed in registers as {@link FloatPacking}
 * does. A vector of positions whose offsets run on is one load from the source; one that
 * crosses an output row or the padding is copied a value at a time. Other layouts are read a
 * value at a time.
 */
final class WindowPacking {
    private static final VectorSpecies<Float> S = FloatKernel.SPECIES;
    private static final int LANES = S.length();
    private static final int SIDE = FloatTranspose.SIDE;
    /** Columns of B gathered at a time in {@link #columns}: a transposed block's, within one panel. */
    private static final int GROUP = Math.min(SIDE, NR);

    static {
        // A block's vectors reach at most NR positions before its first and a vector past its last.
        if (NR + LANES > WindowMatrix.MARGIN) {
            throw new IllegalStateException("WindowMatrix.MARGIN is too small for panels of " + NR);
        }
    }

    private WindowPacking() {}

    /**
     * As {@link FloatPacking#packB(int, int, int, float[], int, int, int, float[], int)}: the kc x nc
     * block at {@code start} (the column after the {@code skip} zero columns), its panels from
     * {@code packedStart}; {@code scratch} holds SIDE x SIDE values.
     */
    static void packB(WindowMatrix w, int kc, int nc, int skip, float[] source, int start, int rowStride,
            int colStride, float[] packed, int packedStart, float[] scratch) {
        int positions = w.positions;
        int first = start % positions;
        if (colStride == 1 && rowStride == positions && first + nc <= positions) {
            rows(w, kc, nc, skip, source, start / positions, first, packed, packedStart);
        } else if (rowStride == 1 && colStride == positions && first + kc <= positions) {
            columns(w, kc, nc, skip, source, start / positions, first, packed, packedStart, scratch);
        } else {
            anyLayout(w, kc, nc, skip, source, start, rowStride, colStride, packed, packedStart);
        }
    }

    /**
     * B's row p is row {@code row + p} of the window array (a plane and a window position), its
     * columns the positions from {@code first}: each panel row is a few vectors of positions.
     */
    private static void rows(WindowMatrix w, int kc, int nc, int skip, float[] source, int row, int first,
            float[] packed, int packedStart) {
        int width = Blocking.roundUp(skip + nc, NR);
        int k = row % w.windowSize;
        int base = w.sourceOffset + row / w.windowSize * w.plane;
        // Block column c holds position first - skip + c.
        int origin = first - skip;
        for (int p = 0; p < kc; p++) {
            int e = w.entry(k, origin);
            for (int c = 0; c < width; c += LANES) {
                int to = packedStart + c / NR * NR * kc + p * NR + c % NR;
                if (c >= skip && c + LANES <= skip + nc && w.runs[e + c] >= LANES) {
                    FloatVector.fromArray(S, source, base + w.offsets[e + c]).intoArray(packed, to);
                } else {
                    for (int i = 0; i < LANES; i++) {
                        int offset = w.offsets[e + c + i];
                        boolean inside = c + i >= skip && c + i < skip + nc && offset >= 0;
                        packed[to + i] = inside ? source[base + offset] : 0f;
                    }
                }
            }
            if (++k == w.windowSize) {
                k = 0;
                base += w.plane;
            }
        }
    }

    /**
     * B's column j is row {@code row + j} of the window array and its rows the positions from
     * {@code first}: SIDE columns by SIDE steps are gathered as rows of {@code scratch}, then
     * transposed into the panel.
     */
    private static void columns(WindowMatrix w, int kc, int nc, int skip, float[] source, int row, int first,
            float[] packed, int packedStart, float[] scratch) {
        int width = Blocking.roundUp(skip + nc, NR);
        int blocked = FloatTranspose.ENABLED ? kc - kc % SIDE : 0;
        for (int c0 = 0; c0 < width; c0 += GROUP) {
            int panel = packedStart + c0 / NR * NR * kc + c0 % NR;
            for (int p0 = 0; p0 < blocked; p0 += SIDE) {
                for (int i = 0; i < SIDE; i++) {
                    int j = c0 + i - skip;
                    if (j < 0 || j >= nc) {
                        Arrays.fill(scratch, i * SIDE, i * SIDE + SIDE, 0f);
                    } else {
                        positions(w, source, row + j, first + p0, scratch, i * SIDE);
                    }
                }
                FloatTranspose.block(scratch, 0, SIDE, SIDE, packed, panel + p0 * NR, NR);
            }
            for (int i = 0; i < GROUP; i++) {
                int j = c0 + i - skip;
                int r = row + j;
                int e = w.entry(r % w.windowSize, first);
                int base = w.sourceOffset + r / w.windowSize * w.plane;
                for (int p = blocked; p < kc; p++) {
                    int offset = j < 0 || j >= nc ? -1 : w.offsets[e + p];
                    packed[panel + p * NR + i] = offset >= 0 ? source[base + offset] : 0f;
                }
            }
        }
    }

    /** SIDE consecutive positions from {@code position} of window row {@code row}, into dst at {@code to}. */
    private static void positions(WindowMatrix w, float[] source, int row, int position, float[] dst, int to) {
        int e = w.entry(row % w.windowSize, position);
        int base = w.sourceOffset + row / w.windowSize * w.plane;
        if (LANES == SIDE && w.runs[e] >= SIDE) {
            FloatVector.fromArray(S, source, base + w.offsets[e]).intoArray(dst, to);
            return;
        }
        for (int i = 0; i < SIDE; i++) {
            int offset = w.offsets[e + i];
            dst[to + i] = offset >= 0 ? source[base + offset] : 0f;
        }
    }

    /** Any other layout, a value at a time (a convolution's products never need it). */
    private static void anyLayout(WindowMatrix w, int kc, int nc, int skip, float[] source, int start, int rowStride,
            int colStride, float[] packed, int packedStart) {
        int width = Blocking.roundUp(skip + nc, NR);
        for (int c = 0; c < width; c++) {
            int j = c - skip;
            int to = packedStart + c / NR * NR * kc + c % NR;
            for (int p = 0; p < kc; p++) {
                packed[to + p * NR] = j >= 0 && j < nc ? w.value(source, start + p * rowStride + j * colStride) : 0f;
            }
        }
    }
}

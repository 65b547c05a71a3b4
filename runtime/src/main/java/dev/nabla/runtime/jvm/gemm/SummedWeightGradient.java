package dev.nabla.runtime.jvm.gemm;

import dev.nabla.runtime.jvm.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1 convolution's weight gradient summed over the batch, C = sum_i G_i . windows_i^T,
 * as dot products along wide positions ({@link DirectLayout}): G_i's rows are laid over wide
 * positions (zeros past each output row's end), and a window row of image i is a run of its
 * padded copy, so C[o][j] is the dot product of wide row o with the run of window row j, summed
 * over the images. Both operands are read in place, nothing is packed, and each output's lanes
 * are summed once for the whole batch rather than once per image.
 *
 * <p>Where it pays: few output channels and small images (LeNet-5's 6- and 16-channel weight
 * gradients), whose per-image products fill a GEMM tile poorly and whose windows cost more to
 * pack than to multiply. Blocks of {@link #ROWS} x {@link #RUNS} outputs keep their sums in
 * registers over every image; blocks split over threads, so each output's sum has the same order
 * whatever the thread count.
 */
final class SummedWeightGradient {
    static final VectorSpecies<Float> SPECIES = FloatKernel.SPECIES;
    /** Rows of G per block. */
    static final int ROWS = 4;
    /** Window rows per block. */
    static final int RUNS = 5;
    private static final int LANES = SPECIES.length();

    private SummedWeightGradient() {}

    /** The operands as the kernel reads them, one image after another. */
    record Operands(int images, float[] wide, int wideImage, int wideSpan, float[] copies, int copyImage,
                    int[] runOffsets) {}

    /**
     * G_i's {@code m} rows (row r, position p at {@code aStarts[i] + r * aRow + p * aCol}) over wide
     * positions: {@code roundUp(m, ROWS)} rows of {@code wideSpan} values per image, zeros wherever
     * no output lies.
     */
    static void layWide(DirectLayout layout, int m, float[] a, int[] aStarts, int aRow, int aCol, float[] wide,
            int wideSpan) {
        int rows = Blocking.roundUp(m, ROWS);
        int length = layout.rowLength;
        int[] rowStarts = layout.rowStarts;
        for (int i = 0; i < aStarts.length; i++) {
            for (int r = 0; r < rows; r++) {
                int to = (i * rows + r) * wideSpan;
                if (r >= m) {
                    java.util.Arrays.fill(wide, to, to + wideSpan, 0f);
                    continue;
                }
                int from = aStarts[i] + r * aRow;
                int filled = 0;
                for (int q = 0; q < rowStarts.length; q++) {
                    int start = to + rowStarts[q];
                    java.util.Arrays.fill(wide, to + filled, start, 0f);
                    int source = from + q * length * aCol;
                    if (aCol == 1) {
                        System.arraycopy(a, source, wide, start, length);
                    } else {
                        for (int p = 0; p < length; p++) {
                            wide[start + p] = a[source + p * aCol];
                        }
                    }
                    filled = rowStarts[q] + length;
                }
                java.util.Arrays.fill(wide, to + filled, to + wideSpan, 0f);
            }
        }
    }

    /** C (m x n, row-major from {@code cStart}) = the sum over the images, blocks split over up to {@code threads} parts. */
    static void multiply(Operands ops, int m, int n, float[] c, int cStart, int threads) {
        int rowBlocks = Blocking.ceilDiv(m, ROWS);
        int blocks = rowBlocks * Blocking.ceilDiv(n, RUNS);
        int parts = Math.max(1, Math.min(threads, blocks / 4));
        // Each part writes its own outputs; a block's lanes go through the part's tile scratch (ROWS * RUNS <= MR * 2).
        WorkerPool.forEachPart(parts, part -> {
            PackingBuffers buffers = PackingBuffers.acquire();
            try {
                float[] lanes = buffers.floatTile();
                for (int b = blocks * part / parts; b < blocks * (part + 1) / parts; b++) {
                    block(ops, b % rowBlocks * ROWS, b / rowBlocks * RUNS, lanes);
                    store(lanes, m, n, b % rowBlocks * ROWS, b / rowBlocks * RUNS, c, cStart);
                }
            } finally {
                PackingBuffers.release(buffers);
            }
        });
    }

    /** Each output's lanes summed in lane order, those past C's edges dropped. */
    private static void store(float[] lanes, int m, int n, int row0, int run0, float[] c, int cStart) {
        for (int r = 0; r < ROWS && row0 + r < m; r++) {
            for (int q = 0; q < RUNS && run0 + q < n; q++) {
                int at = (r * RUNS + q) * LANES;
                float sum = 0;
                for (int l = 0; l < LANES; l++) {
                    sum += lanes[at + l];
                }
                c[cStart + (row0 + r) * n + run0 + q] = sum;
            }
        }
    }

    /** The lanes of rows [row0, row0 + ROWS) times window rows [run0, run0 + RUNS), over every image. */
    private static void block(Operands ops, int row0, int run0, float[] lanes) {
        float[] wide = ops.wide();
        float[] copies = ops.copies();
        int span = ops.wideSpan();
        int[] runs = ops.runOffsets();
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c02 = c00, c03 = c00, c04 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c14 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00, c24 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00, c34 = c00;
        for (int i = 0; i < ops.images(); i++) {
            int g0 = i * ops.wideImage() + row0 * span;
            int g1 = g0 + span;
            int g2 = g1 + span;
            int g3 = g2 + span;
            int x = i * ops.copyImage();
            int x0 = x + runs[run0];
            int x1 = x + runs[run0 + 1];
            int x2 = x + runs[run0 + 2];
            int x3 = x + runs[run0 + 3];
            int x4 = x + runs[run0 + 4];
            for (int w = 0; w < span; w += LANES) {
                FloatVector a0 = FloatVector.fromArray(SPECIES, wide, g0 + w);
                FloatVector a1 = FloatVector.fromArray(SPECIES, wide, g1 + w);
                FloatVector a2 = FloatVector.fromArray(SPECIES, wide, g2 + w);
                FloatVector a3 = FloatVector.fromArray(SPECIES, wide, g3 + w);
                FloatVector b = FloatVector.fromArray(SPECIES, copies, x0 + w);
                c00 = a0.fma(b, c00);
                c10 = a1.fma(b, c10);
                c20 = a2.fma(b, c20);
                c30 = a3.fma(b, c30);
                b = FloatVector.fromArray(SPECIES, copies, x1 + w);
                c01 = a0.fma(b, c01);
                c11 = a1.fma(b, c11);
                c21 = a2.fma(b, c21);
                c31 = a3.fma(b, c31);
                b = FloatVector.fromArray(SPECIES, copies, x2 + w);
                c02 = a0.fma(b, c02);
                c12 = a1.fma(b, c12);
                c22 = a2.fma(b, c22);
                c32 = a3.fma(b, c32);
                b = FloatVector.fromArray(SPECIES, copies, x3 + w);
                c03 = a0.fma(b, c03);
                c13 = a1.fma(b, c13);
                c23 = a2.fma(b, c23);
                c33 = a3.fma(b, c33);
                b = FloatVector.fromArray(SPECIES, copies, x4 + w);
                c04 = a0.fma(b, c04);
                c14 = a1.fma(b, c14);
                c24 = a2.fma(b, c24);
                c34 = a3.fma(b, c34);
            }
        }
        int s = LANES;
        c00.intoArray(lanes, 0);
        c01.intoArray(lanes, s);
        c02.intoArray(lanes, 2 * s);
        c03.intoArray(lanes, 3 * s);
        c04.intoArray(lanes, 4 * s);
        c10.intoArray(lanes, 5 * s);
        c11.intoArray(lanes, 6 * s);
        c12.intoArray(lanes, 7 * s);
        c13.intoArray(lanes, 8 * s);
        c14.intoArray(lanes, 9 * s);
        c20.intoArray(lanes, 10 * s);
        c21.intoArray(lanes, 11 * s);
        c22.intoArray(lanes, 12 * s);
        c23.intoArray(lanes, 13 * s);
        c24.intoArray(lanes, 14 * s);
        c30.intoArray(lanes, 15 * s);
        c31.intoArray(lanes, 16 * s);
        c32.intoArray(lanes, 17 * s);
        c33.intoArray(lanes, 18 * s);
        c34.intoArray(lanes, 19 * s);
    }
}

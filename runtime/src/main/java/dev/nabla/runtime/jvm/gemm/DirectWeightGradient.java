package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.MR;
import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import dev.nabla.runtime.jvm.WorkerPool;

/**
 * A stride-1 convolution's weight gradient, G (m x positions) times the windows transposed,
 * computed as its transpose: the window rows, runs of the padded input ({@link DirectLayout})
 * read in place by {@link WindowAKernel}, times G^T packed over wide positions (zeros at those
 * past an output row's end, so they add nothing); then moved into C transposed. Packing the
 * windows transposed, as the packed GEMM must, was a third of that product's time.
 */
final class DirectWeightGradient {
    /** Wide positions summed per slice: a slice of packed G^T, NR wide, stays in L1 for every row panel. */
    static final int KC = FloatGemm.KC;

    private DirectWeightGradient() {}

    /**
     * C (m x n, row-major from {@code cStart}) = G . windows^T for one image whose window rows
     * read {@code copy} at {@code rowOffsets}; row panels are split over up to {@code threads} tasks.
     */
    static void multiply(DirectLayout layout, int m, int n, float[] a, int aStart, int aRow, int aCol, float[] copy,
            int[] rowOffsets, float[] c, int cStart, int threads, PackingBuffers buffers) {
        int span = layout.span;
        int panels = Blocking.ceilDiv(m, NR);
        int tall = Blocking.roundUp(n, MR);
        int wide = panels * NR;
        float[] packed = buffers.floatB(panels * NR * span);
        int base = LineAlignment.floatStart();
        packTransposed(layout, m, a, aStart, aRow, aCol, packed, base);
        float[] transposed = buffers.floatWeights(tall * wide);
        int rowPanels = tall / MR;
        int parts = Math.max(1, Math.min(threads, rowPanels / 2));
        if (parts == 1) {
            rows(span, panels, packed, base, copy, rowOffsets, transposed, wide, 0, tall);
        } else {
            WorkerPool.forEachPart(parts, part -> rows(span, panels, packed, base, copy, rowOffsets, transposed, wide,
                    rowPanels * part / parts * MR, rowPanels * (part + 1) / parts * MR));
        }
        for (int i = 0; i < m; i++) {
            int row = cStart + i * n;
            for (int j = 0; j < n; j++) {
                c[row + j] = transposed[j * wide + i];
            }
        }
    }

    /**
     * Packs A^T over wide positions, panel by panel of NR of A's rows: wide position w of panel
     * q at {@code base + (q * span + w) * NR}, zeros past each output row's end and past A's rows.
     */
    private static void packTransposed(DirectLayout layout, int m, float[] a, int aStart, int aRow, int aCol,
            float[] packed, int base) {
        int span = layout.span;
        int length = layout.rowLength;
        int[] rowStarts = layout.rowStarts;
        for (int q = 0; q * NR < m; q++) {
            int panel = base + q * span * NR;
            int columns = Math.min(NR, m - q * NR);
            for (int r = 0; r < rowStarts.length; r++) {
                FloatPacking.packB(length, columns, a, aStart + q * NR * aRow + r * length * aCol, aCol, aRow,
                        packed, panel + rowStarts[r] * NR);
                int gapEnd = r + 1 < rowStarts.length ? rowStarts[r + 1] : span;
                java.util.Arrays.fill(packed, panel + (rowStarts[r] + length) * NR, panel + gapEnd * NR, 0f);
            }
        }
    }

    /** Rows [from, to) of the transposed gradient (multiples of MR), over every wide position a slice at a time. */
    private static void rows(int span, int panels, float[] packed, int base, float[] copy, int[] rowOffsets,
            float[] transposed, int wide, int from, int to) {
        int kBlock = Blocking.blockLength(span, KC, 1);
        for (int s0 = 0; s0 < span; s0 += kBlock) {
            int kc = Math.min(kBlock, span - s0);
            for (int q = 0; q < panels; q++) {
                int bAt = base + (q * span + s0) * NR;
                for (int i0 = from; i0 < to; i0 += MR) {
                    if (s0 == 0) {
                        WindowAKernel.multiply(kc, copy, rowOffsets, i0, s0, packed, bAt, transposed,
                                i0 * wide + q * NR, wide);
                    } else {
                        WindowAKernel.multiplyAdd(kc, copy, rowOffsets, i0, s0, packed, bAt, transposed,
                                i0 * wide + q * NR, wide);
                    }
                }
            }
        }
    }

}

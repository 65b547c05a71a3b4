package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.MR;
import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Single-threaded blocked float GEMM on strided views, in the Goto/BLIS loop order: for each
 * column block of B (NC wide) and slice of k (KC deep), pack that block of B once; then for each
 * block of A (MC tall) pack it and sweep the micro-kernel across the tiles, a band of a few row
 * panels at a time.
 *
 * <p>Sizes for a core with 48 KiB L1 and 2 MiB L2: a packed B panel (KC x NR, 32 KiB) is read from
 * L1 by the band's A panels (MR x KC, 12 KiB each) in turn, the packed B block (KC x NC, 1 MiB)
 * stays in L2, and a band walks C left to right, which the hardware prefetcher follows. MC only
 * sets how much of A is packed at a time. Measured alternatives (KC 128 to 512, NC 256 to 2048,
 * whole columns of tiles with A's block in L2) came within the machine's noise of these or lost.
 */
final class FloatGemm {
    /** Depth of a slice of k. */
    static final int KC = 256;
    /** Rows of A packed at a time (a multiple of MR). */
    static final int MC = 192;
    /** Columns of a block of B (a multiple of NR). */
    static final int NC = 1024;
    /** Row panels of A that share each B panel in {@link #sweep}. */
    static final int BAND = 2;
    /**
     * C's fewest columns for a lead, which costs one tile column more: with a lead, 2048^3 took
     * 1% less time on balance, 1024^3 3-5% more (one JVM, alternating).
     */
    static final int LEAD_MIN_COLUMNS = 64 * NR;

    private FloatGemm() {}

    /**
     * C = A.B where A is m x k, B is k x n and C is m x n; element (i, j) of A or B lies at
     * {@code start + i * rowStride + j * colStride}, and element (i, j) of C at
     * {@code cStart + i * ldc + j}.
     */
    static void multiply(int m, int n, int k,
            float[] a, int aStart, int aRowStride, int aColStride,
            float[] b, int bStart, int bRowStride, int bColStride,
            float[] c, int cStart, int ldc) {
        multiply(m, n, k, a, aStart, aRowStride, aColStride, b, bStart, bRowStride, bColStride, c, cStart, ldc,
                0, null, 0);
    }

    /**
     * C = W + alpha.A.B when {@code w} is not null (W laid out as C, from {@code wStart}, in
     * another array), else C = A.B. The product is summed as without W; each band of rows then
     * gets {@code Math.fma(product, alpha, W)} while it is still in cache.
     */
    static void multiply(int m, int n, int k,
            float[] a, int aStart, int aRowStride, int aColStride,
            float[] b, int bStart, int bRowStride, int bColStride,
            float[] c, int cStart, int ldc, float alpha, float[] w, int wStart) {
        multiply(m, n, k, a, aStart, aRowStride, aColStride, b, null, bStart, bRowStride, bColStride, c, cStart, ldc,
                alpha, w, wStart);
    }

    /**
     * As above; when {@code windows} is not null, B is that window matrix read from the source
     * {@code b} (its strides and start index the window array), packed by {@link WindowPacking}.
     */
    static void multiply(int m, int n, int k,
            float[] a, int aStart, int aRowStride, int aColStride,
            float[] b, WindowMatrix windows, int bStart, int bRowStride, int bColStride,
            float[] c, int cStart, int ldc, float alpha, float[] w, int wStart) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cStart + i * ldc, cStart + i * ldc + n, 0f);
            }
            if (w != null) {
                update(m, n, c, cStart, ldc, alpha, w, wStart);
            }
            return;
        }
        int lead = n >= LEAD_MIN_COLUMNS ? Math.max(0, LineAlignment.floatLead(c, cStart, ldc)) : 0;
        multiply(m, n, k, a, aStart, aRowStride, aColStride, b, windows, bStart, bRowStride, bColStride, c, cStart,
                ldc, alpha, w, wStart, lead);
    }

    /**
     * As above, with the tiles laid {@code lead} columns to the left of C's: the first tile column
     * holds that many columns of zeros in packed B, whose results are dropped. With the lead that
     * {@link LineAlignment#floatLead} gives, every other tile of C starts on a cache line.
     */
    static void multiply(int m, int n, int k,
            float[] a, int aStart, int aRowStride, int aColStride,
            float[] b, int bStart, int bRowStride, int bColStride,
            float[] c, int cStart, int ldc, float alpha, float[] w, int wStart, int lead) {
        multiply(m, n, k, a, aStart, aRowStride, aColStride, b, null, bStart, bRowStride, bColStride, c, cStart, ldc,
                alpha, w, wStart, lead);
    }

    static void multiply(int m, int n, int k,
            float[] a, int aStart, int aRowStride, int aColStride,
            float[] b, WindowMatrix windows, int bStart, int bRowStride, int bColStride,
            float[] c, int cStart, int ldc, float alpha, float[] w, int wStart, int lead) {
        int width = lead + n;
        int kBlock = Blocking.blockLength(k, KC, 1);
        // Blocks as for C alone; the last one takes the few columns the lead adds (fewer than NR).
        int nBlock = Blocking.blockLength(n, NC, NR);
        int mBlock = Blocking.blockLength(m, MC, MR);
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            float[] packedB = buffers.floatB(kBlock * (nBlock + NR));
            int bBase = LineAlignment.floatStart();
            float[] packedA = buffers.floatA(kBlock * mBlock + FloatPacking.SLACK);
            float[] tile = buffers.floatTile();
            for (int jv = 0, nc; jv < width; jv += nc) {
                nc = width - jv < nBlock + NR ? width - jv : nBlock;
                // The block's columns before C's first (the lead, in the first block only).
                int skip = jv == 0 ? lead : 0;
                // C's column at the block's first: negative in a first block with a lead.
                int jc = jv - lead;
                for (int pc = 0; pc < k; pc += kBlock) {
                    int kc = Math.min(kBlock, k - pc);
                    int bAt = bStart + pc * bRowStride + (jc + skip) * bColStride;
                    if (windows == null) {
                        FloatPacking.packB(kc, nc, skip, b, bAt, bRowStride, bColStride, packedB, bBase);
                    } else {
                        WindowPacking.packB(windows, kc, nc, skip, b, bAt, bRowStride, bColStride, packedB, bBase,
                                buffers);
                    }
                    for (int ic = 0; ic < m; ic += mBlock) {
                        int mc = Math.min(mBlock, m - ic);
                        FloatPacking.packA(mc, kc, a, aStart + ic * aRowStride + pc * aColStride,
                                aRowStride, aColStride, packedA);
                        // The first slice of k overwrites C (whatever it held, NaN included).
                        boolean last = pc + kc == k;
                        sweep(mc, nc, skip, kc, packedA, packedB, bBase, c, cStart + ic * ldc + jc, ldc, pc > 0, tile,
                                alpha, last ? w : null, wStart + ic * ldc + jc);
                    }
                }
            }
        } finally {
            PackingBuffers.release(buffers);
        }
    }

    /**
     * C = A.B added into a window matrix's source instead of written: C is the window array
     * from {@code cStart} (rows {@code n} apart, so n is the windows' positions), and each of its
     * elements is added where the windows read it, nothing where they read the padding (col2im,
     * with the product that feeds it never stored). Each tile is computed into scratch and then
     * added, so the order of the adds is fixed by the blocking alone. A product over more than
     * one slice of k adds each slice's partial sums.
     */
    static void multiplyIntoWindows(int m, int n, int k,
            float[] a, int aStart, int aRowStride, int aColStride,
            float[] b, int bStart, int bRowStride, int bColStride,
            WindowMatrix c, float[] target, int cStart) {
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        int kBlock = Blocking.blockLength(k, KC, 1);
        int nBlock = Blocking.blockLength(n, NC, NR);
        int mBlock = Blocking.blockLength(m, MC, MR);
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            float[] packedB = buffers.floatB(kBlock * (nBlock + NR));
            int bBase = LineAlignment.floatStart();
            float[] packedA = buffers.floatA(kBlock * mBlock + FloatPacking.SLACK);
            float[] tile = buffers.floatTile();
            for (int jc = 0; jc < n; jc += nBlock) {
                int nc = Math.min(nBlock, n - jc);
                for (int pc = 0; pc < k; pc += kBlock) {
                    int kc = Math.min(kBlock, k - pc);
                    FloatPacking.packB(kc, nc, 0, b, bStart + pc * bRowStride + jc * bColStride, bRowStride,
                            bColStride, packedB, bBase);
                    for (int ic = 0; ic < m; ic += mBlock) {
                        int mc = Math.min(mBlock, m - ic);
                        FloatPacking.packA(mc, kc, a, aStart + ic * aRowStride + pc * aColStride,
                                aRowStride, aColStride, packedA);
                        WindowPacking.addTiles(mc, nc, kc, packedA, packedB, bBase, c, target, cStart + ic * n + jc,
                                tile);
                    }
                }
            }
        } finally {
            PackingBuffers.release(buffers);
        }
    }

    /** Rows of C transposed at a time by {@link #multiplyNarrow}: bounds its scratch to NR/2 x 1024 values. */
    private static final int NARROW_ROWS = 1024;

    /**
     * Whether {@link #multiplyNarrow} beats {@link #multiply}: C has under half a tile's columns and
     * more rows. (Float, 128x256 . 256x10: 14 us against 21; with A stored transposed, 256x128 . 128x10:
     * 11-13 us against 21-23.)
     */
    static boolean isNarrow(int m, int n) {
        return n < NR / 2 && m > n;
    }

    /**
     * C = A.B for a C with few columns (a layer's 10 logits), computed as its transpose B^T.A^T and
     * then transposed into place (with W, as {@link #multiply} does): a tile is NR columns wide, so with 10 of them most of every tile
     * would be padding, while transposed the short side fills the MR rows nearly whole.
     */
    static void multiplyNarrow(int m, int n, int k,
            float[] a, int aStart, int aRowStride, int aColStride,
            float[] b, int bStart, int bRowStride, int bColStride,
            float[] c, int cStart, int ldc, float alpha, float[] w, int wStart) {
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            float[] transposed = buffers.floatNarrow(n * Math.min(m, NARROW_ROWS));
            for (int i0 = 0; i0 < m; i0 += NARROW_ROWS) {
                int rows = Math.min(NARROW_ROWS, m - i0);
                // Row j of B^T is column j of B; column i of A^T is row i of A: the same arrays, strides swapped.
                multiply(n, rows, k, b, bStart, bColStride, bRowStride,
                        a, aStart + i0 * aRowStride, aColStride, aRowStride, transposed, 0, rows);
                for (int i = 0; i < rows; i++) {
                    int at = cStart + (i0 + i) * ldc;
                    for (int j = 0; j < n; j++) {
                        c[at + j] = transposed[j * rows + i];
                    }
                }
                if (w != null) {
                    update(rows, n, c, cStart + i0 * ldc, ldc, alpha, w, wStart + i0 * ldc);
                }
            }
        } finally {
            PackingBuffers.release(buffers);
        }
    }

    /**
     * Runs the micro-kernel over every MR x NR tile of an mc x nc block of C (whose first
     * {@code skip} columns lie outside C), in bands of
     * {@link #BAND} row panels: each packed B panel is used by the band's panels of A one after
     * another, from L1, before the next B panel. With packed B on cache lines (one JVM, the three
     * alternating, one thread, two runs), bands of 2 against bands of 4 and rows of tiles (bands of
     * 1): 2048^3 +2 to +3.5% against 4, level with rows; 1024^3 +1% against 4; 784x128 . 128x256
     * with A stored transposed (the MLP's weight gradient) level to +1% against 4, +2 to +3% against
     * rows. With B across lines, before, bands of 4 had been 4-5% faster than rows up to 1024^3.
     * Doubles measured 2% slower with bands and keep rows.
     */
    private static void sweep(int mc, int nc, int skip, int kc, float[] packedA, float[] packedB, int bBase,
            float[] c, int cStart, int ldc, boolean accumulate, float[] tile, float alpha, float[] w, int wStart) {
        for (int band = 0; band < mc; band += BAND * MR) {
            int bandEnd = Math.min(mc, band + BAND * MR);
            for (int j0 = 0; j0 < nc; j0 += NR) {
                int from = j0 == 0 ? skip : 0;
                for (int i0 = band; i0 < bandEnd; i0 += MR) {
                    tile(i0, j0, from, mc, nc, kc, packedA, packedB, bBase + j0 * kc, c, cStart, ldc, accumulate, tile);
                }
            }
            if (w != null) {
                update(bandEnd - band, nc - skip, c, cStart + band * ldc + skip, ldc, alpha, w,
                        wStart + band * ldc + skip);
            }
        }
    }

    /**
     * The tile at (i0, j0) of the block, whose columns before {@code from} lie outside C, from the
     * packed B panel at {@code bAt}.
     */
    private static void tile(int i0, int j0, int from, int mc, int nc, int kc, float[] packedA, float[] packedB,
            int bAt, float[] c, int cStart, int ldc, boolean accumulate, float[] tile) {
        int rows = Math.min(MR, mc - i0);
        int cols = Math.min(NR, nc - j0);
        int aAt = i0 * kc;
        int cAt = cStart + i0 * ldc + j0;
        if (rows == MR && cols == NR && from == 0 && accumulate) {
            FloatKernel.multiplyAdd(kc, packedA, aAt, packedB, bAt, c, cAt, ldc);
        } else if (rows == MR && cols == NR && from == 0) {
            FloatKernel.multiply(kc, packedA, aAt, packedB, bAt, c, cAt, ldc);
        } else {
            // A tile sticking out of C: compute it whole into scratch, keep what lies inside.
            FloatKernel.multiply(kc, packedA, aAt, packedB, bAt, tile, 0, NR);
            for (int r = 0; r < rows; r++) {
                int at = cAt + r * ldc;
                for (int j = from; j < cols; j++) {
                    c[at + j] = accumulate ? c[at + j] + tile[r * NR + j] : tile[r * NR + j];
                }
            }
        }
    }

    /** C = Math.fma(C, alpha, W) over a rows x cols block of C and the same block of W. */
    private static void update(int rows, int cols, float[] c, int cStart, int ldc, float alpha, float[] w, int wStart) {
        FloatVector scale = FloatVector.broadcast(FloatKernel.SPECIES, alpha);
        int bound = FloatKernel.SPECIES.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int at = cStart + r * ldc;
            int from = wStart + r * ldc;
            int j = 0;
            for (; j < bound; j += FloatKernel.SPECIES.length()) {
                FloatVector.fromArray(FloatKernel.SPECIES, c, at + j)
                        .fma(scale, FloatVector.fromArray(FloatKernel.SPECIES, w, from + j))
                        .intoArray(c, at + j);
            }
            for (; j < cols; j++) {
                c[at + j] = Math.fma(c[at + j], alpha, w[from + j]);
            }
        }
    }
}

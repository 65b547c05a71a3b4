package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.DoubleKernel.MR;
import static dev.nabla.runtime.jvm.gemm.DoubleKernel.NR;

import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;

/**
 * Single-threaded blocked double GEMM on strided views, in the Goto/BLIS loop order: for each
 * column block of B (NC wide) and slice of k (KC deep), pack that block of B once; then for each
 * block of A (MC tall) pack it and sweep the micro-kernel across the tiles, a row of tiles at a
 * time.
 *
 * <p>Sizes: the packed A panel (MR x KC) and a packed B panel (KC x NR) take 12 and 16 KiB of L1, the
 * packed B block (KC x NC) 1 MiB of L2. A slice of k half as deep as the float one's, and a B
 * block twice as wide: against KC 256 and NC 512 (A and B panels of 24 and 32 KiB, more than L1
 * holds together), 1024^3 took 4% less time and 2048^3 6-8% less (one JVM, alternating the two).
 * Bands of row panels, which help floats, made doubles 1-5% slower.
 */
final class DoubleGemm {
    /** Depth of a slice of k. */
    static final int KC = 128;
    /** Rows of A packed at a time (a multiple of MR). */
    static final int MC = 192;
    /** Columns of a block of B (a multiple of NR). */
    static final int NC = 1024;
    /**
     * C's fewest columns for a lead, which costs one tile column more: with a lead, 1024^3 and
     * 2048^3 took 1-4% less time (one JVM, alternating).
     */
    static final int LEAD_MIN_COLUMNS = 64 * NR;

    private DoubleGemm() {}

    /**
     * C = A.B where A is m x k, B is k x n and C is m x n; element (i, j) of A or B lies at
     * {@code start + i * rowStride + j * colStride}, and element (i, j) of C at
     * {@code cStart + i * ldc + j}.
     */
    static void multiply(int m, int n, int k,
            double[] a, int aStart, int aRowStride, int aColStride,
            double[] b, int bStart, int bRowStride, int bColStride,
            double[] c, int cStart, int ldc) {
        multiply(m, n, k, a, aStart, aRowStride, aColStride, b, bStart, bRowStride, bColStride, c, cStart, ldc,
                0, null, 0);
    }

    /**
     * C = W + alpha.A.B when {@code w} is not null (W laid out as C, from {@code wStart}, in
     * another array), else C = A.B. The product is summed as without W; each band of rows then
     * gets {@code Math.fma(product, alpha, W)} while it is still in cache.
     */
    static void multiply(int m, int n, int k,
            double[] a, int aStart, int aRowStride, int aColStride,
            double[] b, int bStart, int bRowStride, int bColStride,
            double[] c, int cStart, int ldc, double alpha, double[] w, int wStart) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cStart + i * ldc, cStart + i * ldc + n, 0d);
            }
            if (w != null) {
                update(m, n, c, cStart, ldc, alpha, w, wStart);
            }
            return;
        }
        int lead = n >= LEAD_MIN_COLUMNS ? Math.max(0, LineAlignment.doubleLead(c, cStart, ldc)) : 0;
        multiply(m, n, k, a, aStart, aRowStride, aColStride, b, bStart, bRowStride, bColStride, c, cStart, ldc,
                alpha, w, wStart, lead);
    }

    /**
     * As above, with the tiles laid {@code lead} columns to the left of C's: the first tile column
     * holds that many columns of zeros in packed B, whose results are dropped. With the lead that
     * {@link LineAlignment#doubleLead} gives, every other tile of C starts on a cache line.
     */
    static void multiply(int m, int n, int k,
            double[] a, int aStart, int aRowStride, int aColStride,
            double[] b, int bStart, int bRowStride, int bColStride,
            double[] c, int cStart, int ldc, double alpha, double[] w, int wStart, int lead) {
        int width = lead + n;
        int kBlock = Blocking.blockLength(k, KC, 1);
        // Blocks as for C alone; the last one takes the few columns the lead adds (fewer than NR).
        int nBlock = Blocking.blockLength(n, NC, NR);
        int mBlock = Blocking.blockLength(m, MC, MR);
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            double[] packedB = buffers.doubleB(kBlock * (nBlock + NR));
            int bBase = LineAlignment.doubleStart();
            double[] packedA = buffers.doubleA(kBlock * mBlock + DoublePacking.SLACK);
            double[] tile = buffers.doubleTile();
            for (int jv = 0, nc; jv < width; jv += nc) {
                nc = width - jv < nBlock + NR ? width - jv : nBlock;
                // The block's columns before C's first (the lead, in the first block only).
                int skip = jv == 0 ? lead : 0;
                // C's column at the block's first: negative in a first block with a lead.
                int jc = jv - lead;
                for (int pc = 0; pc < k; pc += kBlock) {
                    int kc = Math.min(kBlock, k - pc);
                    DoublePacking.packB(kc, nc, skip, b, bStart + pc * bRowStride + (jc + skip) * bColStride,
                            bRowStride, bColStride, packedB, bBase);
                    for (int ic = 0; ic < m; ic += mBlock) {
                        int mc = Math.min(mBlock, m - ic);
                        DoublePacking.packA(mc, kc, a, aStart + ic * aRowStride + pc * aColStride,
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
            double[] a, int aStart, int aRowStride, int aColStride,
            double[] b, int bStart, int bRowStride, int bColStride,
            double[] c, int cStart, int ldc, double alpha, double[] w, int wStart) {
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            double[] transposed = buffers.doubleNarrow(n * Math.min(m, NARROW_ROWS));
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
     * Runs the micro-kernel over every MR x NR tile of an mc x nc block of C, row of tiles by row;
     * the block's first {@code skip} columns lie outside C.
     */
    private static void sweep(int mc, int nc, int skip, int kc, double[] packedA, double[] packedB, int bBase,
            double[] c, int cStart, int ldc, boolean accumulate, double[] tile, double alpha, double[] w, int wStart) {
        for (int i0 = 0; i0 < mc; i0 += MR) {
            int rows = Math.min(MR, mc - i0);
            int aAt = i0 * kc;
            for (int j0 = 0; j0 < nc; j0 += NR) {
                int cols = Math.min(NR, nc - j0);
                int from = j0 == 0 ? skip : 0;
                int bAt = bBase + j0 * kc;
                int cAt = cStart + i0 * ldc + j0;
                if (rows == MR && cols == NR && from == 0 && accumulate) {
                    DoubleKernel.multiplyAdd(kc, packedA, aAt, packedB, bAt, c, cAt, ldc);
                } else if (rows == MR && cols == NR && from == 0) {
                    DoubleKernel.multiply(kc, packedA, aAt, packedB, bAt, c, cAt, ldc);
                } else {
                    // A tile sticking out of C: compute it whole into scratch, keep what lies inside.
                    DoubleKernel.multiply(kc, packedA, aAt, packedB, bAt, tile, 0, NR);
                    for (int r = 0; r < rows; r++) {
                        int at = cAt + r * ldc;
                        for (int j = from; j < cols; j++) {
                            c[at + j] = accumulate ? c[at + j] + tile[r * NR + j] : tile[r * NR + j];
                        }
                    }
                }
            }
            if (w != null) {
                update(rows, nc - skip, c, cStart + i0 * ldc + skip, ldc, alpha, w, wStart + i0 * ldc + skip);
            }
        }
    }

    /** C = Math.fma(C, alpha, W) over a rows x cols block of C and the same block of W. */
    private static void update(int rows, int cols, double[] c, int cStart, int ldc, double alpha, double[] w, int wStart) {
        DoubleVector scale = DoubleVector.broadcast(DoubleKernel.SPECIES, alpha);
        int bound = DoubleKernel.SPECIES.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int at = cStart + r * ldc;
            int from = wStart + r * ldc;
            int j = 0;
            for (; j < bound; j += DoubleKernel.SPECIES.length()) {
                DoubleVector.fromArray(DoubleKernel.SPECIES, c, at + j)
                        .fma(scale, DoubleVector.fromArray(DoubleKernel.SPECIES, w, from + j))
                        .intoArray(c, at + j);
            }
            for (; j < cols; j++) {
                c[at + j] = Math.fma(c[at + j], alpha, w[from + j]);
            }
        }
    }
}

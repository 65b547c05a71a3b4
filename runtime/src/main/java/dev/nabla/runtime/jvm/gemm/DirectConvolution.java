package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.MR;
import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import dev.nabla.runtime.jvm.WorkerPool;

/**
 * Stride-1 convolutions without im2col packing: the input is copied once into a padded layout
 * ({@link DirectLayout}) in which every row of the window matrix is a contiguous run, which the
 * kernels read in place. Packing B from the windows wrote every input value once per window
 * position (9 times for 3x3) and was a third of a 3x3 64->64 convolution's time. The price:
 * outputs are computed over wide positions, those past each output row's end (2 of 58 for 3x3
 * on 56x56) computed and dropped.
 *
 * <p>Three products take this path when it costs less ({@link #cheaper}): a convolution's
 * forward product, weights . windows ({@link #forward}, {@link DirectForward}); its weight
 * gradient, G . windows^T ({@link #weightGradient}, {@link DirectWeightGradient}); and the
 * product a windows sum adds back into the input, a convolution's input gradient or a
 * transposed convolution ({@link #intoWindows}). The last is itself a stride-1 convolution, of
 * the output gradient padded by (kernel - 1) * dilation - padding with the weights flipped, so
 * it runs as one instead of adding a K-times-larger product into the input window by window.
 * Each output sums its products in an order fixed by the shapes, whatever the thread count.
 */
final class DirectConvolution {
    /**
     * The largest padded copy or packed operand taken (values: 8 MiB, 64 x 180 x 180 floats);
     * larger inputs pack their windows as before, whose buffers the block sizes bound.
     */
    static final int MAX_COPY = 1 << 21;

    /*
     * The direct path computes dropped wide positions and padded rows, and its input gradient
     * sums over the whole input rather than the output; the packed path packs B and adds the
     * input gradient's K-times-larger product back value by value. Which costs less depends on
     * the shapes (LeNet's 6 -> 16 input gradient computes a 12x12 input from 8x8 outputs: 2.25
     * times the products), so each product estimates both, in cycles of one core: the kernels'
     * products at two vector fmas a cycle, and per value moved the costs below, measured on the
     * 3x3 64 -> 64 and LeNet-5 products (AVX-512).
     */
    /** Cycles per value packed from windows, or gathered into panels. */
    private static final double PACK = 1.0;
    /** Cycles per value of a product added into the input through its windows. */
    private static final double ADD = 1.5;
    /** Cycles per value of the padded copy. */
    private static final double COPY = 0.25;
    /** Cycles per output moved out of the wide chunk. */
    private static final double MOVE = 0.3;

    /**
     * The summed weight gradient's products, against the packed kernel's: it loads 9 vectors per
     * 20 fmas. Measured a clear win on LeNet-5's 6- and 16-channel gradients only; 1.5 keeps it
     * off where the estimates are close (the ResNet block's 64-channel one) until measured there.
     */
    private static final double SUMMED = 1.5;

    /** When the direct path runs where it can: by its cost estimate, or (for tests) always or never. */
    enum Policy { COSTED, ALWAYS, NEVER }

    /** Tests set it to reach both paths on the same shapes. */
    static volatile Policy policy = Policy.COSTED;

    private DirectConvolution() {}

    /**
     * C_i = A_i . B_i for each i, B_i the windows from row {@code bOffsets[i] / n} of the window
     * array on, when the windows have stride 1, every B_i covers whole planes, and the direct
     * path costs less; else returns false, having done nothing. A_i's element (r, p) lies at
     * {@code aStarts[i] + r * aRow + p * aCol}; C_i is m x n row-major from {@code cStarts[i]}.
     */
    static boolean forward(int m, int n, int k, float[] a, int[] aStarts, int aRow, int aCol, WindowMatrix b,
            float[] source, int[] bOffsets, float[] c, int[] cStarts, int threads) {
        DirectLayout layout = b.direct;
        int window = b.windowSize;
        if (layout == null || m == 0 || k == 0 || n != b.positions || k % window != 0
                || !wholePlanes(bOffsets, n, window) || (long) (k / window) * layout.paddedPlane > MAX_COPY) {
            return false;
        }
        int planes = k / window;
        DirectForward.Tile tile = DirectForward.Tile.forRows(m);
        double direct = products(Blocking.roundUp(m, tile.rows), k, Blocking.roundUp(layout.span, tile.columns))
                + COPY * planes * layout.paddedPlane + MOVE * m * n;
        if (!cheaper(direct, packed(m, k, n) + PACK * k * n)) {
            return false;
        }
        int[] rowOffsets = layout.rowOffsets(planes);
        forEachImage(aStarts.length, threads, (from, to, inner, buffers) -> {
            float[] packedA = null;
            for (int i = from; i < to; i++) {
                if (packedA == null || aStarts[i] != aStarts[i - 1]) {
                    packedA = tile.pack(m, k, a, aStarts[i], aRow, aCol, buffers);
                }
                float[] copy = paddedCopy(b, source, bOffsets[i] / n / window, planes, buffers);
                DirectForward.convolve(tile, layout, m, k, packedA, copy, rowOffsets, c, cStarts[i], n, false, inner);
            }
        });
        return true;
    }

    /**
     * C_i = A_i . B_i for each i, B_i the windows transposed (stored as window rows from
     * {@code bOffsets[i] / k} on, k being the windows' positions): a convolution's weight
     * gradient, as {@link #forward} otherwise.
     */
    static boolean weightGradient(int m, int n, int k, float[] a, int[] aStarts, int aRow, int aCol, WindowMatrix b,
            float[] source, int[] bOffsets, float[] c, int[] cStarts, int threads) {
        DirectLayout layout = b.direct;
        int window = b.windowSize;
        int wide = Blocking.roundUp(m, NR);
        if (layout == null || m == 0 || n == 0 || k != b.positions || n % window != 0
                || !wholePlanes(bOffsets, k, window) || (long) (n / window) * layout.paddedPlane > MAX_COPY
                || (long) wide * layout.span > MAX_COPY) {
            return false;
        }
        int planes = n / window;
        double direct = products(Blocking.roundUp(n, MR), layout.span, wide) + COPY * planes * layout.paddedPlane
                + PACK * wide * layout.span;
        if (!cheaper(direct, packed(m, k, n) + PACK * k * n)) {
            return false;
        }
        int[] rowOffsets = layout.rowOffsets(planes);
        forEachImage(aStarts.length, threads, (from, to, inner, buffers) -> {
            for (int i = from; i < to; i++) {
                float[] copy = paddedCopy(b, source, bOffsets[i] / k / window, planes, buffers);
                DirectWeightGradient.multiply(layout, m, n, a, aStarts[i], aRow, aCol, copy, rowOffsets, c,
                        cStarts[i], inner, buffers);
            }
        });
        return true;
    }

    /** Whether {@link #summedWeightGradient} runs for these shapes (one image per offset of B). */
    static boolean summable(int m, int n, int k, WindowMatrix b, int[] bOffsets) {
        DirectLayout layout = b.direct;
        int window = b.windowSize;
        int images = bOffsets.length;
        if (layout == null || m == 0 || n == 0 || images == 0 || k != b.positions || n % window != 0
                || !wholePlanes(bOffsets, k, window)) {
            return false;
        }
        int planes = n / window;
        int rows = Blocking.roundUp(m, SummedWeightGradient.ROWS);
        int wideSpan = Blocking.roundUp(layout.span, SummedWeightGradient.SPECIES.length());
        if ((long) images * layout.copySize(planes) > MAX_COPY || (long) images * rows * wideSpan > MAX_COPY) {
            return false;
        }
        double summed = images * (SUMMED * products(rows, layout.span, Blocking.roundUp(n, SummedWeightGradient.RUNS))
                + COPY * (planes * layout.paddedPlane + rows * wideSpan));
        double direct = products(Blocking.roundUp(n, MR), layout.span, Blocking.roundUp(m, NR))
                + COPY * planes * layout.paddedPlane + PACK * Blocking.roundUp(m, NR) * layout.span;
        double eachImage = Math.min(direct, packed(m, k, n) + PACK * k * n);
        return cheaper(summed, images * (eachImage + m * n));
    }

    /**
     * C = the sum over i of A_i . B_i, B_i the windows transposed as in {@link #weightGradient}:
     * a convolution's weight gradient summed over its batch, as dot products along wide positions
     * ({@link SummedWeightGradient}), when that costs less than the batch's products one by one
     * (each the cheaper of its direct and packed paths) and their sum; else returns false, having
     * done nothing. C is m x n row-major from {@code cStart}.
     */
    static boolean summedWeightGradient(int m, int n, int k, float[] a, int[] aStarts, int aRow, int aCol,
            WindowMatrix b, float[] source, int[] bOffsets, float[] c, int cStart, int threads) {
        if (!summable(m, n, k, b, bOffsets)) {
            return false;
        }
        DirectLayout layout = b.direct;
        int window = b.windowSize;
        int images = aStarts.length;
        int planes = n / window;
        int rows = Blocking.roundUp(m, SummedWeightGradient.ROWS);
        int wideSpan = Blocking.roundUp(layout.span, SummedWeightGradient.SPECIES.length());
        int copyImage = layout.copySize(planes);
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            float[] copies = buffers.floatPadded(images * copyImage);
            for (int i = 0; i < images; i++) {
                layout.copy(source, b.sourceOffset + bOffsets[i] / k / window * b.plane, planes, b.in, b.padBefore,
                        copies, i * copyImage);
            }
            float[] wide = buffers.floatWide(images * rows * wideSpan);
            SummedWeightGradient.layWide(layout, m, a, aStarts, aRow, aCol, wide, wideSpan);
            SummedWeightGradient.multiply(new SummedWeightGradient.Operands(images, wide, rows * wideSpan, wideSpan,
                    copies, copyImage, layout.rowOffsets(planes)), m, n, c, cStart, threads);
        } finally {
            PackingBuffers.release(buffers);
        }
        return true;
    }

    /**
     * Adds A.B into the windows' source where the windows read, A m x k and B k x n (B's rows
     * {@code bRow} apart, its columns contiguous), when the windows have stride 1, the product
     * covers whole planes and the direct path costs less; else returns false, having done
     * nothing. The product's rows are window rows from {@code cOffset / n} on, as in {@link
     * Gemm#sgemmIntoWindows}. On the caller's thread.
     */
    static boolean intoWindows(int m, int n, int k, float[] a, int aStart, int aRow, int aCol, float[] b, int bStart,
            int bRow, int bCol, WindowMatrix c, float[] target, int cOffset) {
        DirectLayout layout = c.adjoint;
        int window = c.windowSize;
        if (layout == null || k == 0 || m == 0 || n != c.positions || bCol != 1 || bRow != n || m % window != 0
                || cOffset % n != 0 || cOffset / n % window != 0 || (long) k * layout.paddedPlane > MAX_COPY) {
            return false;
        }
        int rows = m / window;
        int depth = k * window;
        DirectForward.Tile tile = DirectForward.Tile.forRows(rows);
        double direct = products(Blocking.roundUp(rows, tile.rows), depth,
                Blocking.roundUp(layout.span, tile.columns)) + COPY * k * layout.paddedPlane + MOVE * rows * c.plane
                + PACK * rows * depth;
        if (!cheaper(direct, packed(m, k, n) + ADD * m * n)) {
            return false;
        }
        int s = c.in.length;
        int[] shift = new int[s];
        for (int d = 0; d < s; d++) {
            shift[d] = (c.kernel[d] - 1) * c.dilation[d] - c.padBefore[d];
        }
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            // The flipped weights: row i, column q * window + w is A's element (i * window + window - 1 - w, q).
            float[] flipped = buffers.floatWeights(rows * depth);
            for (int i = 0; i < rows; i++) {
                for (int q = 0; q < k; q++) {
                    int from = aStart + q * aCol + (i * window + window - 1) * aRow;
                    int to = i * depth + q * window;
                    for (int w = 0; w < window; w++) {
                        flipped[to + w] = a[from - w * aRow];
                    }
                }
            }
            float[] packedA = tile.pack(rows, depth, flipped, 0, depth, 1, buffers);
            float[] copy = buffers.floatPadded(layout.copySize(k));
            layout.copy(b, bStart, k, c.out, shift, copy);
            DirectForward.convolve(tile, layout, rows, depth, packedA, copy, layout.rowOffsets(k), target,
                    c.sourceOffset + cOffset / n / window * c.plane, c.plane, true, 1);
        } finally {
            PackingBuffers.release(buffers);
        }
        return true;
    }

    /** The source's planes from {@code firstPlane} on, copied into the forward layout (the buffers' padded copy). */
    private static float[] paddedCopy(WindowMatrix b, float[] source, int firstPlane, int planes,
            PackingBuffers buffers) {
        float[] copy = buffers.floatPadded(b.direct.copySize(planes));
        b.direct.copy(source, b.sourceOffset + firstPlane * b.plane, planes, b.in, b.padBefore, copy);
        return copy;
    }

    /** Whether every offset into the window array starts a plane's rows. */
    private static boolean wholePlanes(int[] offsets, int positions, int window) {
        for (int offset : offsets) {
            if (offset % positions != 0 || offset / positions % window != 0) {
                return false;
            }
        }
        return true;
    }

    /** A body over images [from, to), each split over {@code threads} tasks within, with buffers of its own. */
    @FunctionalInterface
    private interface Images {
        void run(int from, int to, int threads, PackingBuffers buffers);
    }

    /**
     * Splits images over the threads when they divide evenly or are many (each thread then keeps
     * its own padded copy in its own cache: sharing one was slower on two threads than on one),
     * else each image's wide positions. Each part borrows its packing buffers for its images.
     */
    private static void forEachImage(int images, int threads, Images body) {
        if (threads <= 1 || images <= 1 || (images % threads != 0 && images < 2 * threads)) {
            withBuffers(body, 0, images, threads);
            return;
        }
        int parts = Math.min(threads, images);
        WorkerPool.forEachPart(parts, part -> withBuffers(body, images * part / parts, images * (part + 1) / parts, 1));
    }

    private static void withBuffers(Images body, int from, int to, int threads) {
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            body.run(from, to, threads, buffers);
        } finally {
            PackingBuffers.release(buffers);
        }
    }

    /** Whether the direct path's estimate beats the packed one's. */
    private static boolean cheaper(double direct, double packed) {
        return switch (policy) {
            case COSTED -> direct < packed;
            case ALWAYS -> true;
            case NEVER -> false;
        };
    }

    /** Cycles for rows x depth x columns products, tiles included. */
    private static double products(int rows, int depth, int columns) {
        return (double) rows * depth * columns / (2 * FloatKernel.SPECIES.length());
    }

    /** Cycles for the packed GEMM's products of m x k by k x n (its packing costed apart). */
    private static double packed(int m, int k, int n) {
        return products(Blocking.roundUp(m, MR), k, Blocking.roundUp(n, NR));
    }
}

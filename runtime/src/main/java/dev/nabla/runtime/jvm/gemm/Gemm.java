package dev.nabla.runtime.jvm.gemm;

import dev.nabla.runtime.jvm.VectorSupport;
import dev.nabla.runtime.jvm.WorkerPool;

/**
 * Dense matrix multiplication for the JVM backend: C = op(A) . op(B) in float or double, written
 * over C (its old contents, NaN included, are ignored).
 *
 * <p>All matrices are row-major and packed (no leading dimension): op(A) is m x k, op(B) is k x n
 * and C is m x n. With {@code transA} A is stored k x m and op(A) is its transpose; with
 * {@code transB} B is stored n x k. For a batch, {@code sgemmBatched} takes matrices stored one
 * after another; other layouts can call {@code sgemm} once per matrix with offsets.
 *
 * <p>How: Goto/BLIS blocking ({@link FloatGemm}) around a register-tiled SIMD micro-kernel
 * ({@link FloatKernel}, 12 x 32 floats or 12 x 16 doubles with 512-bit vectors), packing that
 * transposes blocks in registers where an operand's layout needs it ({@link FloatTranspose}), a C
 * of few columns computed as its transpose, packing buffers reused from a small pool
 * ({@link PackingBuffers}) with packed B on cache lines and a large C's tiles laid on them too
 * ({@link LineAlignment}), and a lazily started shared pool of daemon threads
 * ({@link WorkerPool}) for problems large enough to split ({@link WorkSplit}). Results do not
 * depend on the thread count: each element of C is summed in the same order either way.
 * {@code sgemmUpdate}/{@code dgemmUpdate} add the scaled product to a W as they write C.
 *
 * <p>Speed, on 2 cores of an AVX-512 Xeon (virtual, shared; fma peak about 230-236 GFLOP/s float
 * and 116-119 double per core, FmaPeakBenchmark), from {@code GemmBenchmark} and one-JVM runs:
 * float about 185-200 GFLOP/s on one thread from 512x1024x512 to 2048^3 and 320-385 on two;
 * double about 84-94 and 150-185. That is 72-86% of the fma peak on one thread, against 95-100%
 * for the kernel alone with everything in L1: B streams from L2 and C from memory with no
 * software prefetch, and packing takes a few percent.
 *
 * <p>Caveats: the kernels are fast only once C2 has compiled them, after the first second or so
 * of use (before that the Vector API runs interpreted, a hundred times slower); the tile is sized
 * for 32 vector registers (AVX-512, or NEON with 128-bit vectors) and spills a little on AVX2.
 *
 * <p>The SIMD code needs {@code --add-modules jdk.incubator.vector} on the command line. Without
 * it ({@link VectorSupport}) every entry point computes the same products with {@link PlainGemm}'s
 * plain loops, far slower, and no class that uses the Vector API is loaded.
 */
public final class Gemm {
    private Gemm() {}

    /** The thread count the overloads without one use: one per available processor. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** {@link #sgemm(int, int, int, float[], int, boolean, float[], int, boolean, float[], int, int)} on {@link #defaultThreads()}. */
    public static void sgemm(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, float[] c, int cOffset) {
        sgemm(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, defaultThreads());
    }

    /**
     * C[m x n] = op(A) . op(B) in float, on up to {@code threads} threads (the caller's included).
     *
     * @param a A, m x k from {@code aOffset} (k x m when {@code transA})
     * @param b B, k x n from {@code bOffset} (n x k when {@code transB})
     * @param c C, m x n from {@code cOffset}; must not overlap A or B
     * @throws IllegalArgumentException for negative sizes, {@code threads < 1}, arrays too short
     *     for their matrices, or C overlapping A or B
     */
    public static void sgemm(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, float[] c, int cOffset, int threads) {
        GemmArguments.check(1, m, n, k, a.length, aOffset, b.length, bOffset, c.length, cOffset,
                a == c, b == c, threads, "float");
        multiplyFloat(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, threads);
    }

    /**
     * {@code batch} float multiplications, the i-th reading A at {@code aOffset + i*m*k}, B at
     * {@code bOffset + i*k*n} and writing C at {@code cOffset + i*m*n}. Small matrices are spread
     * over the threads a whole matrix at a time; large ones are split one by one.
     */
    public static void sgemmBatched(int batch, int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, float[] c, int cOffset, int threads) {
        GemmArguments.check(batch, m, n, k, a.length, aOffset, b.length, bOffset, c.length, cOffset,
                a == c, b == c, threads, "float");
        // The tile only with SIMD (reading FloatKernel.NR loads the Vector API); PlainGemm splits by rows or columns.
        boolean simd = VectorSupport.enabled();
        forEachOfBatch(batch, m, n, k, threads, simd ? FloatKernel.MR : 1, simd ? FloatKernel.NR : 1,
                (i, threadsEach) -> multiplyFloat(m, n, k, a, aOffset + i * m * k, transA, b, bOffset + i * k * n,
                        transB, c, cOffset + i * m * n, threadsEach));
    }

    /**
     * C = W + alpha . op(A) . op(B) in float: an SGD step on a weight whose gradient is a matrix
     * product, without writing the product out and reading it back. The product is summed exactly as
     * {@code sgemm} sums it and each element then becomes {@code Math.fma(product, alpha, w)}, so
     * the result equals {@code sgemm} followed by that pass, bit for bit.
     *
     * @param w W, m x n from {@code wOffset}; must be another array than C
     * @throws IllegalArgumentException as {@code sgemm} does, and when W is too short or is C's array
     */
    public static void sgemmUpdate(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, float alpha, float[] w, int wOffset, float[] c, int cOffset,
            int threads) {
        GemmArguments.check(1, m, n, k, a.length, aOffset, b.length, bOffset, c.length, cOffset,
                a == c, b == c, threads, "float");
        GemmArguments.checkAddend(m, n, w.length, wOffset, w == c, "float");
        multiplyFloat(m, n, k, a, aOffset, transA, b, bOffset, transB, alpha, w, wOffset, c, cOffset, threads);
    }

    /**
     * C[m x n] = op(A) . op(B) in float where B is a {@link WindowMatrix}: a convolution's windows,
     * packed straight from {@code bSource} and never stored. {@code bOffset} and the layout index
     * the window array ([planes, K, positions], row-major) as they would a stored B: op(B) is
     * k x n from {@code bOffset}, or with {@code transB} stored n x k. Sums are those of
     * {@link #sgemm(int, int, int, float[], int, boolean, float[], int, boolean, float[], int, int)}
     * over the stored windows.
     *
     * @throws IllegalArgumentException as {@code sgemm} does (B's length being the window array's),
     *     and when the source is too short for the windows or is C's array
     */
    public static void sgemm(int m, int n, int k, float[] a, int aOffset, boolean transA,
            WindowMatrix b, float[] bSource, int bOffset, boolean transB, float[] c, int cOffset, int threads) {
        sgemmBatched(m, n, k, a, new int[] {aOffset}, transA, b, bSource, new int[] {bOffset}, transB, c,
                new int[] {cOffset}, threads);
    }

    /**
     * As {@link #sgemm(int, int, int, float[], int, boolean, WindowMatrix, float[], int, boolean, float[], int, int)}
     * for several products over the same windows at once, the i-th from {@code aOffsets[i]},
     * {@code bOffsets[i]} and {@code cOffsets[i]} (a convolution's images): stride-1 windows then
     * run as direct convolutions ({@link DirectConvolution}), images split over the threads.
     */
    public static void sgemmBatched(int m, int n, int k, float[] a, int[] aOffsets, boolean transA,
            WindowMatrix b, float[] bSource, int[] bOffsets, boolean transB, float[] c, int[] cOffsets, int threads) {
        if (aOffsets.length != bOffsets.length || aOffsets.length != cOffsets.length) {
            throw new IllegalArgumentException("one offset of A, B and C per product, got " + aOffsets.length + ", "
                    + bOffsets.length + " and " + cOffsets.length);
        }
        for (int i = 0; i < aOffsets.length; i++) {
            GemmArguments.check(1, m, n, k, a.length, aOffsets[i], b.size(), bOffsets[i], c.length, cOffsets[i],
                    a == c, false, threads, "float");
        }
        GemmArguments.checkWindowSource(b.sourceOffset, b.sourceSize(), bSource.length, bSource == c);
        int aRow = transA ? 1 : k;
        int aCol = transA ? m : 1;
        if (VectorSupport.enabled() && (transB
                ? DirectConvolution.weightGradient(m, n, k, a, aOffsets, aRow, aCol, b, bSource, bOffsets, c,
                        cOffsets, threads)
                : DirectConvolution.forward(m, n, k, a, aOffsets, aRow, aCol, b, bSource, bOffsets, c, cOffsets,
                        threads))) {
            return;
        }
        for (int i = 0; i < aOffsets.length; i++) {
            multiplyWindows(m, n, k, a, aOffsets[i], transA, b, bSource, bOffsets[i], transB, c, cOffsets[i], threads);
        }
    }

    /**
     * Whether {@link #sgemmWindowsSummed} runs (rather than returning false) for these shapes and
     * offsets of B, one per image; fixed by them, so a caller may decide once.
     */
    public static boolean sgemmWindowsSummedRuns(int m, int n, int k, WindowMatrix b, int[] bOffsets) {
        return VectorSupport.enabled() && DirectConvolution.summable(m, n, k, b, bOffsets);
    }

    /**
     * C[m x n] = the sum over i of A_i . B_i^T in float, B_i a convolution's windows stored n x k
     * as in {@link #sgemmBatched(int, int, int, float[], int[], boolean, WindowMatrix, float[], int[], boolean,
     * float[], int[], int)} with {@code transB}: a convolution's weight gradient summed over its
     * batch, without the products of single images. Runs only where the summed path applies (SIMD,
     * stride-1 windows, whole planes per image) and costs less than the products one by one and
     * their sum; otherwise returns false, having done nothing. Each element is summed in an order
     * fixed by the shapes, whatever the thread count.
     */
    public static boolean sgemmWindowsSummed(int m, int n, int k, float[] a, int[] aOffsets, boolean transA,
            WindowMatrix b, float[] bSource, int[] bOffsets, float[] c, int cOffset, int threads) {
        if (aOffsets.length != bOffsets.length) {
            throw new IllegalArgumentException("one offset of A and B per product, got " + aOffsets.length + " and "
                    + bOffsets.length);
        }
        for (int i = 0; i < aOffsets.length; i++) {
            GemmArguments.check(1, m, n, k, a.length, aOffsets[i], b.size(), bOffsets[i], c.length, cOffset,
                    a == c, false, threads, "float");
        }
        GemmArguments.checkWindowSource(b.sourceOffset, b.sourceSize(), bSource.length, bSource == c);
        return VectorSupport.enabled() && DirectConvolution.summedWeightGradient(m, n, k, a, aOffsets,
                transA ? 1 : k, transA ? m : 1, b, bSource, bOffsets, c, cOffset, threads);
    }

    private static void multiplyWindows(int m, int n, int k, float[] a, int aOffset, boolean transA,
            WindowMatrix b, float[] bSource, int bOffset, boolean transB, float[] c, int cOffset, int threads) {
        if (!VectorSupport.enabled()) {
            // Without SIMD packing, the plain loops read op(B) stored.
            float[] dense = new float[k * n];
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    dense[p * n + j] = b.value(bSource, bOffset + (transB ? j * k + p : p * n + j));
                }
            }
            PlainGemm.multiply(m, n, k, a, aOffset, transA, dense, 0, false, 0, null, 0, c, cOffset, threads);
            return;
        }
        multiplyFloat(m, n, k, a, aOffset, transA, bSource, b, bOffset, transB, 0, null, 0, c, cOffset, threads);
    }

    /**
     * op(A) . op(B) in float, m x n, added into the source of a {@link WindowMatrix} where its
     * windows read (col2im without the product stored): the product's element (i, j) is the window
     * array's element {@code cOffset + i * n + j}, so n must be the windows' positions and C's
     * rows whole rows of the window array. Nothing is added where the windows read the padding.
     * On the caller's thread: products whose windows share no plane may run on threads of their
     * own. The adds fall in an order fixed by the shapes alone.
     *
     * @throws IllegalArgumentException as {@code sgemm} does (C's length being the window
     *     array's), when n is not the windows' positions or the target is too short, or is A's or
     *     B's array
     */
    public static void sgemmIntoWindows(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, WindowMatrix c, float[] target, int cOffset) {
        GemmArguments.check(1, m, n, k, a.length, aOffset, b.length, bOffset, c.size(), cOffset,
                false, false, 1, "float");
        GemmArguments.checkWindowTarget(c.sourceOffset, c.sourceSize(), target.length, n == c.positions,
                cOffset % Math.max(1, n) == 0, target == a || target == b);
        if (!VectorSupport.enabled()) {
            // Without SIMD: the product stored, then added in a value at a time.
            float[] product = new float[m * n];
            PlainGemm.multiply(m, n, k, a, aOffset, transA, b, bOffset, transB, 0, null, 0, product, 0, 1);
            for (int i = 0; i < product.length; i++) {
                c.addTo(target, cOffset + i, product[i]);
            }
            return;
        }
        if (DirectConvolution.intoWindows(m, n, k, a, aOffset, transA ? 1 : k, transA ? m : 1, b, bOffset,
                transB ? 1 : n, transB ? k : 1, c, target, cOffset)) {
            return;
        }
        FloatGemm.multiplyIntoWindows(m, n, k, a, aOffset, transA ? 1 : k, transA ? m : 1,
                b, bOffset, transB ? 1 : n, transB ? k : 1, c, target, cOffset);
    }

    /** {@link #dgemm(int, int, int, double[], int, boolean, double[], int, boolean, double[], int, int)} on {@link #defaultThreads()}. */
    public static void dgemm(int m, int n, int k, double[] a, int aOffset, boolean transA,
            double[] b, int bOffset, boolean transB, double[] c, int cOffset) {
        dgemm(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, defaultThreads());
    }

    /** C[m x n] = op(A) . op(B) in double; otherwise as {@link #sgemm(int, int, int, float[], int, boolean, float[], int, boolean, float[], int, int)}. */
    public static void dgemm(int m, int n, int k, double[] a, int aOffset, boolean transA,
            double[] b, int bOffset, boolean transB, double[] c, int cOffset, int threads) {
        GemmArguments.check(1, m, n, k, a.length, aOffset, b.length, bOffset, c.length, cOffset,
                a == c, b == c, threads, "double");
        multiplyDouble(m, n, k, a, aOffset, transA, b, bOffset, transB, c, cOffset, threads);
    }

    /** The double counterpart of {@link #sgemmBatched}. */
    public static void dgemmBatched(int batch, int m, int n, int k, double[] a, int aOffset, boolean transA,
            double[] b, int bOffset, boolean transB, double[] c, int cOffset, int threads) {
        GemmArguments.check(batch, m, n, k, a.length, aOffset, b.length, bOffset, c.length, cOffset,
                a == c, b == c, threads, "double");
        boolean simd = VectorSupport.enabled();
        forEachOfBatch(batch, m, n, k, threads, simd ? DoubleKernel.MR : 1, simd ? DoubleKernel.NR : 1,
                (i, threadsEach) -> multiplyDouble(m, n, k, a, aOffset + i * m * k, transA, b, bOffset + i * k * n,
                        transB, c, cOffset + i * m * n, threadsEach));
    }

    /**
     * C = W + alpha . op(A) . op(B) in double: an SGD step on a weight whose gradient is a matrix
     * product, without writing the product out and reading it back. The product is summed exactly as
     * {@code dgemm} sums it and each element then becomes {@code Math.fma(product, alpha, w)}, so
     * the result equals {@code dgemm} followed by that pass, bit for bit.
     *
     * @param w W, m x n from {@code wOffset}; must be another array than C
     * @throws IllegalArgumentException as {@code dgemm} does, and when W is too short or is C's array
     */
    public static void dgemmUpdate(int m, int n, int k, double[] a, int aOffset, boolean transA,
            double[] b, int bOffset, boolean transB, double alpha, double[] w, int wOffset, double[] c, int cOffset,
            int threads) {
        GemmArguments.check(1, m, n, k, a.length, aOffset, b.length, bOffset, c.length, cOffset,
                a == c, b == c, threads, "double");
        GemmArguments.checkAddend(m, n, w.length, wOffset, w == c, "double");
        multiplyDouble(m, n, k, a, aOffset, transA, b, bOffset, transB, alpha, w, wOffset, c, cOffset, threads);
    }

    private static void multiplyFloat(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, float[] c, int cOffset, int threads) {
        multiplyFloat(m, n, k, a, aOffset, transA, b, bOffset, transB, 0, null, 0, c, cOffset, threads);
    }

    /** C = A.B, or C = W + alpha.A.B when {@code w} is not null. */
    private static void multiplyFloat(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, int bOffset, boolean transB, float alpha, float[] w, int wOffset, float[] c, int cOffset,
            int threads) {
        if (!VectorSupport.enabled()) {
            PlainGemm.multiply(m, n, k, a, aOffset, transA, b, bOffset, transB, alpha, w, wOffset, c, cOffset, threads);
            return;
        }
        multiplyFloat(m, n, k, a, aOffset, transA, b, null, bOffset, transB, alpha, w, wOffset, c, cOffset, threads);
    }

    /** With SIMD; B is a window matrix over the source {@code b} when {@code windows} is not null. */
    private static void multiplyFloat(int m, int n, int k, float[] a, int aOffset, boolean transA,
            float[] b, WindowMatrix windows, int bOffset, boolean transB, float alpha, float[] w, int wOffset,
            float[] c, int cOffset, int threads) {
        // Strides of op(A) and op(B): element (i, j) at offset + i * rowStride + j * colStride.
        int aRow = transA ? 1 : k;
        int aCol = transA ? m : 1;
        int bRow = transB ? 1 : n;
        int bCol = transB ? k : 1;
        WorkSplit split = WorkSplit.of(m, n, k, threads, FloatKernel.MR, FloatKernel.NR);
        WorkerPool.forEachPart(split.parts(), part -> {
            int from = split.start(part);
            int to = split.start(part + 1);
            if (split.byColumns()) {
                FloatGemm.multiply(m, to - from, k, a, aOffset, aRow, aCol,
                        b, windows, bOffset + from * bCol, bRow, bCol, c, cOffset + from, n, alpha, w, wOffset + from);
            } else if (windows == null && FloatGemm.isNarrow(to - from, n)) {
                FloatGemm.multiplyNarrow(to - from, n, k, a, aOffset + from * aRow, aRow, aCol,
                        b, bOffset, bRow, bCol, c, cOffset + from * n, n, alpha, w, wOffset + from * n);
            } else {
                FloatGemm.multiply(to - from, n, k, a, aOffset + from * aRow, aRow, aCol,
                        b, windows, bOffset, bRow, bCol, c, cOffset + from * n, n, alpha, w, wOffset + from * n);
            }
        });
    }

    private static void multiplyDouble(int m, int n, int k, double[] a, int aOffset, boolean transA,
            double[] b, int bOffset, boolean transB, double[] c, int cOffset, int threads) {
        multiplyDouble(m, n, k, a, aOffset, transA, b, bOffset, transB, 0, null, 0, c, cOffset, threads);
    }

    /** C = A.B, or C = W + alpha.A.B when {@code w} is not null. */
    private static void multiplyDouble(int m, int n, int k, double[] a, int aOffset, boolean transA,
            double[] b, int bOffset, boolean transB, double alpha, double[] w, int wOffset, double[] c, int cOffset,
            int threads) {
        if (!VectorSupport.enabled()) {
            PlainGemm.multiply(m, n, k, a, aOffset, transA, b, bOffset, transB, alpha, w, wOffset, c, cOffset, threads);
            return;
        }
        int aRow = transA ? 1 : k;
        int aCol = transA ? m : 1;
        int bRow = transB ? 1 : n;
        int bCol = transB ? k : 1;
        WorkSplit split = WorkSplit.of(m, n, k, threads, DoubleKernel.MR, DoubleKernel.NR);
        WorkerPool.forEachPart(split.parts(), part -> {
            int from = split.start(part);
            int to = split.start(part + 1);
            if (split.byColumns()) {
                DoubleGemm.multiply(m, to - from, k, a, aOffset, aRow, aCol,
                        b, bOffset + from * bCol, bRow, bCol, c, cOffset + from, n, alpha, w, wOffset + from);
            } else if (DoubleGemm.isNarrow(to - from, n)) {
                DoubleGemm.multiplyNarrow(to - from, n, k, a, aOffset + from * aRow, aRow, aCol,
                        b, bOffset, bRow, bCol, c, cOffset + from * n, n, alpha, w, wOffset + from * n);
            } else {
                DoubleGemm.multiply(to - from, n, k, a, aOffset + from * aRow, aRow, aCol,
                        b, bOffset, bRow, bCol, c, cOffset + from * n, n, alpha, w, wOffset + from * n);
            }
        });
    }

    private interface BatchMember {
        void multiply(int index, int threads);
    }

    /**
     * Runs every member of a batch: split one by one when a single matrix is big enough to keep
     * all threads busy, else handed out to the threads a whole number of matrices each.
     */
    private static void forEachOfBatch(int batch, int m, int n, int k, int threads, int tileRows, int tileCols,
            BatchMember member) {
        if (WorkSplit.of(m, n, k, threads, tileRows, tileCols).parts() == threads || batch == 1) {
            for (int i = 0; i < batch; i++) {
                member.multiply(i, threads);
            }
            return;
        }
        long fmasPerMatrix = (long) m * n * k;
        long parts = Math.min(Math.min(threads, batch), batch * fmasPerMatrix / WorkSplit.MIN_FMAS_PER_PART);
        int partCount = (int) Math.max(1, parts);
        WorkerPool.forEachPart(partCount, part -> {
            for (int i = (int) ((long) batch * part / partCount); i < (long) batch * (part + 1) / partCount; i++) {
                member.multiply(i, 1);
            }
        });
    }
}

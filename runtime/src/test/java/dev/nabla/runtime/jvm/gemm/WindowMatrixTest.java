package dev.nabla.runtime.jvm.gemm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A {@link WindowMatrix} stands for the im2col array (checked element by element against one
 * written out here), and a product that packs it straight from the source equals, bit for bit,
 * the product over that array stored: the same panels in the same order of k. Products over
 * stride-1 windows may run as direct convolutions instead ({@link DirectConvolution}): each
 * property runs with the direct path chosen by its cost, always and never.
 */
class WindowMatrixTest {

    /** A convolution's geometry: planes of a spatial shape, and its windows' settings. */
    private record Geometry(int planes, int[] in, int[] pad, int[] kernel, int[] stride, int[] dilation, int[] out,
                            int sourceOffset) {
        static Geometry random(Random r, int rank, int maxIn) {
            int[] in = new int[rank];
            int[] pad = new int[rank];
            int[] kernel = new int[rank];
            int[] stride = new int[rank];
            int[] dilation = new int[rank];
            int[] out = new int[rank];
            for (int d = 0; d < rank; d++) {
                in[d] = 1 + r.nextInt(maxIn);
                kernel[d] = 1 + r.nextInt(Math.min(4, in[d] + 2));
                dilation[d] = 1 + r.nextInt(2);
                stride[d] = r.nextInt(3) == 0 ? 2 : 1;
                int span = dilation[d] * (kernel[d] - 1) + 1;
                int padAfter = 0;
                pad[d] = r.nextInt(3);
                while (in[d] + pad[d] + padAfter < span) {
                    padAfter++;
                }
                padAfter += r.nextInt(2);
                out[d] = (in[d] + pad[d] + padAfter - span) / stride[d] + 1;
            }
            return new Geometry(1 + r.nextInt(4), in, pad, kernel, stride, dilation, out, r.nextInt(7));
        }

        WindowMatrix matrix() {
            return WindowMatrix.of(planes, sourceOffset, in, pad, kernel, stride, dilation, out);
        }

        /** The same windows with stride 1 over {@code planes} planes, padded by {@code pad} on both sides. */
        Geometry strideOne(int planes) {
            int rank = in.length;
            int[] ones = new int[rank];
            Arrays.fill(ones, 1);
            int[] outDims = new int[rank];
            for (int d = 0; d < rank; d++) {
                int span = dilation[d] * (kernel[d] - 1) + 1;
                outDims[d] = Math.max(1, in[d] + 2 * pad[d] - span + 1);
            }
            return new Geometry(planes, in, pad, kernel, ones, dilation, outDims, sourceOffset);
        }

        int k() {
            return Arrays.stream(kernel).reduce(1, (a, b) -> a * b);
        }

        int positions() {
            return Arrays.stream(out).reduce(1, (a, b) -> a * b);
        }

        int plane() {
            return Arrays.stream(in).reduce(1, (a, b) -> a * b);
        }

        /** The im2col array, written out the plain way: [planes, K, positions]. */
        float[] stored(float[] source) {
            int rank = in.length;
            float[] windows = new float[planes * k() * positions()];
            int at = 0;
            for (int l = 0; l < planes; l++) {
                for (int kk = 0; kk < k(); kk++) {
                    int[] kIndex = unravel(kk, kernel);
                    for (int p = 0; p < positions(); p++) {
                        int[] o = unravel(p, out);
                        int offset = 0;
                        boolean inside = true;
                        for (int d = 0; d < rank; d++) {
                            int i = o[d] * stride[d] + kIndex[d] * dilation[d] - pad[d];
                            inside &= i >= 0 && i < in[d];
                            offset = offset * in[d] + i;
                        }
                        windows[at++] = inside ? source[sourceOffset + l * plane() + offset] : 0f;
                    }
                }
            }
            return windows;
        }

        @Override
        public String toString() {
            return "planes " + planes + ", in " + Arrays.toString(in) + ", pad " + Arrays.toString(pad) + ", kernel "
                    + Arrays.toString(kernel) + ", stride " + Arrays.toString(stride) + ", dilation "
                    + Arrays.toString(dilation) + ", out " + Arrays.toString(out);
        }
    }

    private static int[] unravel(int index, int[] dims) {
        int[] at = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            at[d] = index % dims[d];
            index /= dims[d];
        }
        return at;
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static float[] source(Random r, Geometry g) {
        return random(r, g.sourceOffset() + g.planes() * g.plane() + r.nextInt(3));
    }

    @Property(tries = 200)
    void itsElementsAreTheStoredWindows(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int rank) {
        Random r = new Random(seed);
        Geometry g = Geometry.random(r, rank, rank == 1 ? 40 : 9);
        float[] source = source(r, g);
        WindowMatrix w = g.matrix();
        float[] stored = g.stored(source);
        assertEquals(stored.length, w.size());
        for (int i = 0; i < stored.length; i++) {
            assertEquals(stored[i], w.value(source, i), g + ", element " + i);
        }
    }

    /**
     * A convolution's product W[m, K.C] . windows[K.C, P] and its weight gradient's
     * G[m, P] . windows^T[P, K.C], each over the stored array and over the window matrix: the
     * forward product bit for bit (the direct convolution slices k as the GEMM does), the weight
     * gradient bit for bit where it is packed and up to rounding where it runs direct.
     */
    @Property(tries = 150)
    void productsEqualThoseOverTheStoredWindows(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 3) int rank, @ForAll @IntRange(min = 1, max = 2) int threads,
            @ForAll DirectConvolution.Policy policy) {
        DirectConvolution.policy = policy;
        try {
            productsEqualThoseOverTheStoredWindows(seed, rank, threads);
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
    }

    private static void productsEqualThoseOverTheStoredWindows(long seed, int rank, int threads) {
        Random r = new Random(seed);
        Geometry g = Geometry.random(r, rank, rank == 1 ? 300 : rank == 2 ? 40 : 12);
        float[] source = source(r, g);
        WindowMatrix w = g.matrix();
        float[] stored = g.stored(source);
        int rows = g.k() * (1 + r.nextInt(g.planes()));
        int firstRow = g.k() * r.nextInt(g.planes() - rows / g.k() + 1);
        int positions = g.positions();
        int m = 1 + r.nextInt(40);
        // Forward: B is rows x positions, row-major, from a whole row of the window array.
        float[] a = random(r, m * rows);
        assertProductsEqual(m, positions, rows, a, false, w, source, stored, firstRow * positions, false, threads, g);
        // Weight gradient: B = windows^T, positions x rows (stored rows x positions, transposed).
        float[] gradient = random(r, m * positions);
        assertProductsEqual(m, rows, positions, gradient, r.nextBoolean(), w, source, stored, firstRow * positions,
                true, threads, g);
    }

    private static void assertProductsEqual(int m, int n, int k, float[] a, boolean transA, WindowMatrix w,
            float[] source, float[] stored, int bOffset, boolean transB, int threads, Geometry g) {
        float[] expected = new float[m * n];
        float[] actual = new float[m * n];
        Arrays.fill(actual, Float.NaN);
        Gemm.sgemm(m, n, k, a, 0, transA, stored, bOffset, transB, expected, 0, threads);
        Gemm.sgemm(m, n, k, a, 0, transA, w, source, bOffset, transB, actual, 0, threads);
        String what = g + ", m " + m + ", n " + n + ", k " + k + ", transB " + transB;
        if (!transB || !unitStride(g) || DirectConvolution.policy == DirectConvolution.Policy.NEVER) {
            assertArrayEquals(expected, actual, what);
            return;
        }
        // With stride 1 the weight gradient runs as its transpose over wide positions (DirectConvolution),
        // whose slices of k end elsewhere: equal up to rounding.
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-5 * (1 + Math.abs(expected[i])) * Math.sqrt(k);
            assertThat((double) actual[i]).as("%s, element %d", what, i).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    private static boolean unitStride(Geometry g) {
        return Arrays.stream(g.stride()).allMatch(s -> s == 1);
    }

    /**
     * The input gradient's product W^T[K.C, m] . G[m, P] added into the input where the windows
     * read it (col2im), against the product stored and added back a value at a time.
     */
    @Property(tries = 150)
    void productsAddedThroughTheWindowsEqualTheStoredProductAddedBack(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 3) int rank, @ForAll DirectConvolution.Policy policy) {
        DirectConvolution.policy = policy;
        try {
            productsAddedThroughTheWindowsEqualTheStoredProductAddedBack(seed, rank);
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
    }

    private static void productsAddedThroughTheWindowsEqualTheStoredProductAddedBack(long seed, int rank) {
        Random r = new Random(seed);
        Geometry g = Geometry.random(r, rank, rank == 1 ? 300 : rank == 2 ? 40 : 12);
        WindowMatrix w = g.matrix();
        int rows = g.k() * (1 + r.nextInt(g.planes()));
        int firstRow = g.k() * r.nextInt(g.planes() - rows / g.k() + 1);
        int positions = g.positions();
        // Over the GEMM's 256-deep slice of k now and then: partial sums are added slice by slice.
        int k = r.nextInt(4) == 0 ? 257 + r.nextInt(40) : 1 + r.nextInt(40);
        boolean transA = r.nextBoolean();
        float[] a = random(r, rows * k);
        float[] b = random(r, k * positions);
        float[] product = new float[rows * positions];
        Gemm.sgemm(rows, positions, k, a, 0, transA, b, 0, false, product, 0, 1);
        double[] expected = new double[g.sourceOffset() + g.planes() * g.plane() + 2];
        float[] actual = new float[expected.length];
        for (int i = 0; i < product.length; i++) {
            int at = sourceIndex(g, firstRow * positions + i);
            if (at >= 0) {
                expected[at] += product[i];
            }
        }
        Gemm.sgemmIntoWindows(rows, positions, k, a, 0, transA, b, 0, false, w, actual, firstRow * positions);
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-5 * (1 + Math.abs(expected[i])) * Math.sqrt(k * g.k());
            assertThat((double) actual[i]).as("%s, element %d", g, i).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    /**
     * A batch of products over one window matrix (a convolution's images: each a few planes,
     * A shared or not) equals each product alone on the packed path: the forward products bit
     * for bit, the weight gradients up to rounding, on one thread or two.
     */
    @Property(tries = 60)
    void batchedDirectProductsEqualEachPackedProductAlone(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 2) int rank, @ForAll @IntRange(min = 1, max = 2) int threads) {
        Random r = new Random(seed);
        Geometry one = Geometry.random(r, rank, rank == 1 ? 200 : 30);
        int images = 1 + r.nextInt(4);
        int channels = 1 + r.nextInt(3);
        Geometry g = one.strideOne(images * channels);
        WindowMatrix w = g.matrix();
        float[] source = source(r, g);
        int m = 1 + r.nextInt(30);
        int rows = channels * g.k();
        int n = g.positions();
        boolean sharedA = r.nextBoolean();
        float[] a = random(r, m * rows * images);
        float[] grad = random(r, m * n * images);
        int[] aOffsets = new int[images];
        int[] gradOffsets = new int[images];
        int[] bOffsets = new int[images];
        int[] cOffsets = new int[images];
        int[] wOffsets = new int[images];
        for (int i = 0; i < images; i++) {
            aOffsets[i] = sharedA ? 0 : i * m * rows;
            gradOffsets[i] = i * m * n;
            bOffsets[i] = i * rows * n;
            cOffsets[i] = i * m * n;
            wOffsets[i] = i * m * rows;
        }
        float[] forward = new float[images * m * n];
        float[] gradient = new float[images * m * rows];
        DirectConvolution.policy = DirectConvolution.Policy.ALWAYS;
        try {
            Gemm.sgemmBatched(m, n, rows, a, aOffsets, false, w, source, bOffsets, false, forward, cOffsets, threads);
            Gemm.sgemmBatched(m, rows, n, grad, gradOffsets, false, w, source, bOffsets, true, gradient, wOffsets,
                    threads);
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
        DirectConvolution.policy = DirectConvolution.Policy.NEVER;
        try {
            for (int i = 0; i < images; i++) {
                float[] expected = new float[m * n];
                Gemm.sgemm(m, n, rows, a, aOffsets[i], false, w, source, bOffsets[i], false, expected, 0, 1);
                assertArrayEquals(expected, Arrays.copyOfRange(forward, cOffsets[i], cOffsets[i] + m * n),
                        g + ", image " + i);
                float[] expectedGradient = new float[m * rows];
                Gemm.sgemm(m, rows, n, grad, gradOffsets[i], false, w, source, bOffsets[i], true, expectedGradient, 0,
                        1);
                for (int j = 0; j < expectedGradient.length; j++) {
                    assertThat(gradient[wOffsets[i] + j]).as("%s, image %d, element %d", g, i, j).isCloseTo(
                            expectedGradient[j], org.assertj.core.data.Offset.offset(
                                    (float) (1e-5 * (1 + Math.abs(expectedGradient[j])) * Math.sqrt(n))));
                }
            }
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
    }

    /**
     * A weight gradient summed over a batch of images in one pass (SummedWeightGradient) equals
     * the sum of each image's packed product up to rounding, and is the same to the bit on one,
     * two or three threads; where the summed path does not apply (stride 2) or is refused
     * (policy NEVER) it says so and leaves C alone.
     */
    @Property(tries = 60)
    void aWeightGradientSummedOverImagesEqualsTheSumOfEachImagesProduct(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 2) int rank) {
        Random r = new Random(seed);
        Geometry one = Geometry.random(r, rank, rank == 1 ? 200 : 30);
        int images = 1 + r.nextInt(5);
        int channels = 1 + r.nextInt(3);
        Geometry g = one.strideOne(images * channels);
        WindowMatrix w = g.matrix();
        float[] source = source(r, g);
        int m = 1 + r.nextInt(20);
        int rows = channels * g.k();
        int n = g.positions();
        boolean transA = r.nextBoolean();
        float[] grad = random(r, m * n * images + 3);
        int[] gradOffsets = new int[images];
        int[] bOffsets = new int[images];
        for (int i = 0; i < images; i++) {
            gradOffsets[i] = i * m * n + (i == images - 1 ? r.nextInt(4) : 0);
            bOffsets[i] = i * rows * n;
        }
        double[] expected = new double[m * rows];
        for (int i = 0; i < images; i++) {
            float[] alone = new float[m * rows];
            Gemm.sgemm(m, rows, n, grad, gradOffsets[i], transA, w, source, bOffsets[i], true, alone, 0, 1);
            for (int j = 0; j < alone.length; j++) {
                expected[j] += alone[j];
            }
        }
        float[][] summed = new float[3][m * rows + 2];
        DirectConvolution.policy = DirectConvolution.Policy.ALWAYS;
        try {
            for (int threads = 1; threads <= 3; threads++) {
                Arrays.fill(summed[threads - 1], Float.NaN);
                assertThat(Gemm.sgemmWindowsSummed(m, rows, n, grad, gradOffsets, transA, w, source, bOffsets,
                        summed[threads - 1], 1, threads)).as(g.toString()).isTrue();
            }
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
        for (int j = 0; j < expected.length; j++) {
            double tolerance = 1e-5 * (1 + Math.abs(expected[j])) * Math.sqrt(n * images);
            assertThat((double) summed[0][1 + j]).as("%s, m %d, element %d", g, m, j).isCloseTo(expected[j],
                    org.assertj.core.data.Offset.offset(tolerance));
        }
        assertThat(summed[0][0]).isNaN();
        assertThat(summed[0][m * rows + 1]).isNaN();
        assertArrayEquals(summed[0], summed[1], "two threads");
        assertArrayEquals(summed[0], summed[2], "three threads");

        float[] untouched = new float[m * rows];
        DirectConvolution.policy = DirectConvolution.Policy.NEVER;
        try {
            assertThat(Gemm.sgemmWindowsSummed(m, rows, n, grad, gradOffsets, transA, w, source, bOffsets, untouched,
                    0, 1)).isFalse();
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
        int[] stride2 = g.stride().clone();
        stride2[0] = 2;
        int[] out2 = g.out().clone();
        out2[0] = (g.out()[0] - 1) / 2 + 1;
        WindowMatrix strided = new Geometry(g.planes(), g.in(), g.pad(), g.kernel(), stride2, g.dilation(), out2,
                g.sourceOffset()).matrix();
        int n2 = n / g.out()[0] * out2[0];
        DirectConvolution.policy = DirectConvolution.Policy.ALWAYS;
        try {
            int[] stridedOffsets = Arrays.stream(bOffsets).map(b -> b / n * n2).toArray();
            assertThat(Gemm.sgemmWindowsSummed(m, rows, n2, grad, new int[images], transA, strided, source,
                    stridedOffsets, untouched, 0, 1)).isFalse();
        } finally {
            DirectConvolution.policy = DirectConvolution.Policy.COSTED;
        }
        assertThat(untouched).containsOnly(0f);
    }

    /** Where element {@code index} of the window array reads the source, or -1 in the padding. */
    private static int sourceIndex(Geometry g, int index) {
        int perPlane = g.k() * g.positions();
        int l = index / perPlane;
        int[] kIndex = unravel(index % perPlane / g.positions(), g.kernel());
        int[] o = unravel(index % g.positions(), g.out());
        int offset = 0;
        for (int d = 0; d < g.in().length; d++) {
            int i = o[d] * g.stride()[d] + kIndex[d] * g.dilation()[d] - g.pad()[d];
            if (i < 0 || i >= g.in()[d]) {
                return -1;
            }
            offset = offset * g.in()[d] + i;
        }
        return g.sourceOffset() + l * g.plane() + offset;
    }

    /** Panels past the lead of a wide C, which start a few columns before C's first (see LineAlignment). */
    @Test
    void aLeadOfZeroColumnsIsPackedAsZeros() {
        Random r = new Random(5);
        Geometry g = new Geometry(2, new int[] {50, 47}, new int[] {1, 2}, new int[] {3, 3}, new int[] {1, 1},
                new int[] {1, 1}, new int[] {50, 49}, 3);
        float[] source = source(r, g);
        WindowMatrix w = g.matrix();
        float[] stored = g.stored(source);
        int m = 20;
        int n = g.positions();
        int k = g.k() * 2;
        float[] a = random(r, m * k);
        float[] b = new float[k * n];
        System.arraycopy(stored, 0, b, 0, b.length);
        for (int lead = 0; lead < 16; lead += 5) {
            float[] expected = new float[m * n];
            float[] actual = new float[m * n];
            FloatGemm.multiply(m, n, k, a, 0, k, 1, b, 0, n, 1, expected, 0, n, 0f, null, 0, lead);
            FloatGemm.multiply(m, n, k, a, 0, k, 1, source, w, 0, n, 1, actual, 0, n, 0f, null, 0, lead);
            assertArrayEquals(expected, actual, "lead " + lead);
        }
    }

    @Test
    void theSourceMustHoldThePlanesAndNotBeC() {
        WindowMatrix w = WindowMatrix.of(2, 1, new int[] {4, 4}, new int[] {0, 0}, new int[] {2, 2},
                new int[] {1, 1}, new int[] {1, 1}, new int[] {3, 3});
        float[] a = new float[4];
        float[] c = new float[2 * 2 * 9 + 1];
        assertThat(assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(1, 9, 4, a, 0, false, w, new float[32], 0, false, c, 0, 1)))
                .hasMessageContaining("source");
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(1, 9, 4, a, 0, false, w, c, 0, false, c, 0, 1));
    }
}

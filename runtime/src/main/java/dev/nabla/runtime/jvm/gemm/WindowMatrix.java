package dev.nabla.runtime.jvm.gemm;

import java.util.Arrays;

/**
 * The sliding windows of a convolution (im2col) as a matrix operand that is never stored: the
 * row-major array [planes, K, positions] whose element (l, k, p) is the source's element at
 * window position k of output position p in plane l, or 0 where that falls in the padding. A
 * product reads it through {@link Gemm#sgemm(int, int, int, float[], int, boolean, WindowMatrix,
 * float[], int, boolean, float[], int, int)}, which packs its panels straight from the source, so
 * the K-times larger array is neither written nor read.
 *
 * <p>The source is row-major: {@code planes} planes of the spatial shape {@code in}, the first
 * at {@code sourceOffset}. Along each spatial axis d, output o and window position k read input
 * {@code o * stride[d] + k * dilation[d] - padBefore[d]}; outside [0, in[d]) is padding.
 *
 * <p>Built once per program step. For each window position and output position it holds the
 * offset in a plane (-1 in the padding) and how many positions from there on read consecutive
 * elements, so packing copies whole vectors where they do (stride 1, away from the padding and
 * from the ends of output rows) and single values elsewhere. The tables run {@link #MARGIN}
 * positions past either end, as padding, so that a block's partial vectors read no bounds.
 */
public final class WindowMatrix {
    /** Positions of padding the tables hold before the first position and after the last. */
    static final int MARGIN = 64;

    final int planes;
    final int windowSize;
    final int positions;
    final int plane;
    final int sourceOffset;
    /** Entries per window position: the positions and both margins. */
    final int rowLength;
    /** Offset in a plane of (window position k, position p) at {@link #entry}(k, p); -1 in the padding. */
    final int[] offsets;
    /** From (k, p): how many positions read consecutive offsets (0 in the padding). */
    final int[] runs;

    private WindowMatrix(int planes, int sourceOffset, int[] in, int[] padBefore, int[] kernel, int[] stride,
            int[] dilation, int[] out) {
        int s = in.length;
        for (int[] setting : new int[][] {padBefore, kernel, stride, dilation, out}) {
            if (setting.length != s) {
                throw new IllegalArgumentException("one value per spatial axis (" + s + ") expected, got "
                        + Arrays.toString(setting));
            }
        }
        this.planes = planes;
        this.sourceOffset = sourceOffset;
        this.plane = product(in);
        this.windowSize = product(kernel);
        this.positions = product(out);
        this.rowLength = positions + 2 * MARGIN;
        this.offsets = new int[windowSize * rowLength];
        this.runs = new int[windowSize * rowLength];
        Arrays.fill(offsets, -1);
        int[] at = new int[s];
        for (int k = 0; k < windowSize; k++) {
            int[] o = new int[s];
            for (int p = 0; p < positions; p++) {
                int offset = 0;
                for (int d = 0; d < s && offset >= 0; d++) {
                    int i = o[d] * stride[d] + at[d] * dilation[d] - padBefore[d];
                    offset = i < 0 || i >= in[d] ? -1 : offset * in[d] + i;
                }
                offsets[entry(k, p)] = offset;
                step(o, out);
            }
            for (int p = positions - 1; p >= 0; p--) {
                int e = entry(k, p);
                runs[e] = offsets[e] < 0 ? 0 : offsets[e + 1] == offsets[e] + 1 ? runs[e + 1] + 1 : 1;
            }
            step(at, kernel);
        }
    }

    /**
     * The windows of {@code planes} row-major planes of shape {@code in} (spatial axes only), the
     * first at {@code sourceOffset}, with {@code padBefore} zeros before each axis and {@code out}
     * output positions along it (the padding after follows from them).
     */
    public static WindowMatrix of(int planes, int sourceOffset, int[] in, int[] padBefore, int[] kernel,
            int[] stride, int[] dilation, int[] out) {
        return new WindowMatrix(planes, sourceOffset, in, padBefore, kernel, stride, dilation, out);
    }

    /** The number of elements of the array it stands for: planes x K x positions. */
    public int size() {
        return planes * windowSize * positions;
    }

    /** The number of source elements it reads from its offset on: planes x the plane's size. */
    public int sourceSize() {
        return planes * plane;
    }

    /** The element at {@code index} of the array it stands for. */
    public float value(float[] source, int index) {
        int perPlane = windowSize * positions;
        int l = index / perPlane;
        int rest = index - l * perPlane;
        int offset = offsets[entry(rest / positions, rest % positions)];
        return offset < 0 ? 0f : source[sourceOffset + l * plane + offset];
    }

    /** Where (window position k, position p) lies in the tables, for p from -MARGIN to positions + MARGIN. */
    int entry(int k, int p) {
        return k * rowLength + MARGIN + p;
    }

    private static void step(int[] at, int[] dims) {
        for (int d = dims.length - 1; d >= 0 && ++at[d] == dims[d]; d--) {
            at[d] = 0;
        }
    }

    private static int product(int[] dims) {
        int p = 1;
        for (int d : dims) {
            p *= d;
        }
        return p;
    }
}

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
 * {@code o * stride[d] + k * dilation[d] - padBefore[d]}; outside [0, in[d)) is padding.
 *
 * <p>Positions run along output rows (the last spatial axis). Along a row, window position k
 * reads the input row's elements {@code stride} apart, from {@code rowOffset(k, row)} on, for
 * outputs in [{@link #validFrom}, {@link #validTo}) and padding elsewhere; a row whose input row
 * lies in the padding is all padding. So one window row of the array is a few runs per output
 * row, which packing copies a vector at a time.
 */
public final class WindowMatrix {
    /** A row offset for an output row whose input row lies in the padding. */
    static final int PADDING = Integer.MIN_VALUE;

    final int planes;
    final int windowSize;
    final int positions;
    final int plane;
    final int sourceOffset;
    /** Outputs along the last spatial axis: the length of an output row. */
    final int rowLength;
    /** Output rows: positions / rowLength. */
    final int rows;
    /** The stride along the last spatial axis. */
    final int step;
    /** For window position k and output row r, at k * rows + r: the plane offset its output 0 would read, or PADDING. */
    final int[] rowOffsets;
    /** For window position k: the first output along a row that reads inside the input. */
    final int[] validFrom;
    /** For window position k: the output along a row from which it reads past the input (at least validFrom). */
    final int[] validTo;
    /** The geometry as given, per spatial axis: the direct convolution ({@link DirectConvolution}) reads it. */
    final int[] in;
    final int[] padBefore;
    final int[] kernel;
    final int[] stride;
    final int[] dilation;
    final int[] out;
    /** With stride 1 along every axis: the padded layouts of the forward product and of the input gradient's; else null. */
    final DirectLayout direct;
    final DirectLayout adjoint;

    private WindowMatrix(int planes, int sourceOffset, int[] in, int[] padBefore, int[] kernel, int[] stride,
            int[] dilation, int[] out) {
        int s = in.length;
        if (s == 0) {
            throw new IllegalArgumentException("windows need a spatial axis");
        }
        for (int[] setting : new int[][] {padBefore, kernel, stride, dilation, out}) {
            if (setting.length != s) {
                throw new IllegalArgumentException("one value per spatial axis (" + s + ") expected, got "
                        + Arrays.toString(setting));
            }
        }
        this.planes = planes;
        this.sourceOffset = sourceOffset;
        this.in = in.clone();
        this.padBefore = padBefore.clone();
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.dilation = dilation.clone();
        this.out = out.clone();
        boolean unitStride = Arrays.stream(stride).allMatch(st -> st == 1) && product(out) > 0;
        this.direct = unitStride ? new DirectLayout(out, kernel, dilation) : null;
        this.adjoint = unitStride ? new DirectLayout(in, kernel, dilation) : null;
        this.plane = product(in);
        this.windowSize = product(kernel);
        this.positions = product(out);
        this.rowLength = out[s - 1];
        this.rows = positions / Math.max(1, rowLength);
        this.step = stride[s - 1];
        this.rowOffsets = new int[windowSize * rows];
        this.validFrom = new int[windowSize];
        this.validTo = new int[windowSize];
        int last = s - 1;
        int[] at = new int[s];
        for (int k = 0; k < windowSize; k++) {
            // Along the last axis output o reads o * step + shift.
            int shift = at[last] * dilation[last] - padBefore[last];
            validFrom[k] = Math.min(rowLength, Math.max(0, ceilDiv(-shift, step)));
            validTo[k] = Math.max(validFrom[k], Math.min(rowLength, ceilDiv(in[last] - shift, step)));
            int[] o = new int[last];
            for (int r = 0; r < rows; r++) {
                int offset = 0;
                for (int d = 0; d < last && offset != PADDING; d++) {
                    int i = o[d] * stride[d] + at[d] * dilation[d] - padBefore[d];
                    offset = i < 0 || i >= in[d] ? PADDING : offset * in[d] + i;
                }
                rowOffsets[k * rows + r] = offset == PADDING ? PADDING : offset * in[last] + shift;
                stepIndex(o, out, last);
            }
            stepIndex(at, kernel, s);
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

    /**
     * Plans made so far: a product's blocks ask for the same few ranges on every run. Looked up by
     * a scan (a handful, once per block packed), replaced whole when one is added, so that a
     * lookup neither locks nor allocates.
     */
    private volatile WindowPlan[] plans = new WindowPlan[0];

    /** Keeps at most this many plans; past it (a product of many column splits), plans are made per block. */
    private static final int MAX_PLANS = 64;

    /**
     * How to read the array's rows a vector at a time over positions {@code origin + from} to
     * {@code origin + to} (lane i holding position origin + i, lanes before {@code from} zeros).
     */
    WindowPlan plan(int origin, int from, int to) {
        for (WindowPlan plan : plans) {
            if (plan.origin == origin && plan.from == from && plan.to == to) {
                return plan;
            }
        }
        WindowPlan plan = new WindowPlan(this, origin, from, to);
        synchronized (this) {
            if (plans.length < MAX_PLANS) {
                WindowPlan[] more = java.util.Arrays.copyOf(plans, plans.length + 1);
                more[plans.length] = plan;
                plans = more;
            }
        }
        return plan;
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
        int k = index % perPlane / positions;
        int p = index % positions;
        int o = p % rowLength;
        int offset = rowOffsets[k * rows + p / rowLength];
        boolean inside = offset != PADDING && o >= validFrom[k] && o < validTo[k];
        return inside ? source[sourceOffset + l * plane + offset + o * step] : 0f;
    }

    /** Adds {@code value} where the element at {@code index} of the array reads the source (not in the padding). */
    public void addTo(float[] source, int index, float value) {
        int perPlane = windowSize * positions;
        int l = index / perPlane;
        int k = index % perPlane / positions;
        int p = index % positions;
        int o = p % rowLength;
        int offset = rowOffsets[k * rows + p / rowLength];
        if (offset != PADDING && o >= validFrom[k] && o < validTo[k]) {
            source[sourceOffset + l * plane + offset + o * step] += value;
        }
    }

    /** Where in the source the plane of the array's row {@code row} starts (its window position is row % K). */
    int planeStart(int row) {
        return sourceOffset + row / windowSize * plane;
    }

    /** The next index over the first {@code rank} of {@code dims}, row-major. */
    private static void stepIndex(int[] at, int[] dims, int rank) {
        for (int d = rank - 1; d >= 0 && ++at[d] == dims[d]; d--) {
            at[d] = 0;
        }
    }

    private static int ceilDiv(int value, int divisor) {
        return Math.floorDiv(value + divisor - 1, divisor);
    }

    private static int product(int[] dims) {
        int p = 1;
        for (int d : dims) {
            p *= d;
        }
        return p;
    }
}

package dev.nabla.runtime.jvm.gemm;

import java.util.Arrays;

/**
 * Where a stride-1 convolution's windows lie in a padded copy of its input, so that every window
 * row is a run of that copy ({@link DirectConvolution}). The copy has
 * {@code out[d] + (kernel[d] - 1) * dilation[d]} elements along each spatial axis, every window's
 * reads inside it, and outputs are numbered by where they sit in it: output (o_0, ..., o_last)
 * is wide position {@code sum o[d] * paddedStride[d]}. Window position k of wide position w then
 * reads the copy at {@code windowOffset[k] + w}, the same for every output: a row of the window
 * matrix over wide positions is one contiguous run. Wide positions past an output row's end
 * (where the copy is wider than the output) are computed and dropped.
 */
final class DirectLayout {
    /**
     * Zeros after the copy's planes: the last tile of wide positions reads up to a tile (of
     * either shape) past the end.
     */
    static final int SLACK = WindowBKernel8.NR;

    final int[] padded;
    final int paddedPlane;
    /** Per window position (row-major over the kernel): where it reads, from a wide position. */
    final int[] windowOffsets;
    /** Per output row (every axis but the last): its first wide position. */
    final int[] rowStarts;
    /** Outputs along the last axis. */
    final int rowLength;
    /** Wide positions from the first output to one past the last. */
    final int span;

    DirectLayout(int[] out, int[] kernel, int[] dilation) {
        int s = out.length;
        padded = new int[s];
        for (int d = 0; d < s; d++) {
            padded[d] = out[d] + (kernel[d] - 1) * dilation[d];
        }
        int[] strides = new int[s];
        int size = 1;
        for (int d = s - 1; d >= 0; d--) {
            strides[d] = size;
            size = Math.multiplyExact(size, padded[d]);
        }
        paddedPlane = size;
        windowOffsets = new int[product(kernel)];
        int[] at = new int[s];
        for (int k = 0; k < windowOffsets.length; k++) {
            int offset = 0;
            for (int d = 0; d < s; d++) {
                offset += at[d] * dilation[d] * strides[d];
            }
            windowOffsets[k] = offset;
            step(at, kernel, s);
        }
        rowLength = out[s - 1];
        rowStarts = new int[product(out) / Math.max(1, rowLength)];
        Arrays.fill(at, 0);
        for (int r = 0; r < rowStarts.length; r++) {
            int start = 0;
            for (int d = 0; d < s - 1; d++) {
                start += at[d] * strides[d];
            }
            rowStarts[r] = start;
            step(at, out, s - 1);
        }
        span = rowStarts.length == 0 ? 0 : rowStarts[rowStarts.length - 1] + rowLength;
    }

    /** Row offsets made for a number of planes. */
    private record Offsets(int planes, int[] rows) {}

    /** The last {@link #rowOffsets} made: a product asks for the same on every run. */
    private volatile Offsets offsets = new Offsets(-1, new int[0]);

    /**
     * Where each window row of {@code planes} planes reads in a copy, from a wide position: row
     * {@code l * K + k} at {@code l * paddedPlane + windowOffsets[k]}; then zeros up to a whole
     * number of MR rows (and of {@link SummedWeightGradient#RUNS}), which a kernel's last panel
     * may read and whose results are dropped.
     */
    int[] rowOffsets(int planes) {
        Offsets kept = offsets;
        if (kept.planes() == planes) {
            return kept.rows();
        }
        int window = windowOffsets.length;
        int rows = planes * window;
        int[] made = new int[Math.max(Blocking.roundUp(rows, FloatKernel.MR),
                Blocking.roundUp(rows, SummedWeightGradient.RUNS))];
        for (int l = 0; l < planes; l++) {
            for (int k = 0; k < window; k++) {
                made[l * window + k] = l * paddedPlane + windowOffsets[k];
            }
        }
        offsets = new Offsets(planes, made);
        return made;
    }

    /** Values a copy of {@code planes} planes takes, its slack included. */
    int copySize(int planes) {
        return planes * paddedPlane + SLACK;
    }

    /**
     * Writes the copy of {@code planes} row-major planes of shape {@code in}, the first at
     * {@code start}, into {@code copy}: input element i goes to padded element {@code i + shift}
     * (per axis), zeros where no input lands, inputs landing outside left out.
     */
    void copy(float[] source, int start, int planes, int[] in, int[] shift, float[] copy) {
        copy(source, start, planes, in, shift, copy, 0);
    }

    /** As {@link #copy(float[], int, int, int[], int[], float[])}, the copy from {@code copyStart} on. */
    void copy(float[] source, int start, int planes, int[] in, int[] shift, float[] copy, int copyStart) {
        int s = padded.length;
        int last = s - 1;
        int inPlane = product(in);
        int from = Math.max(0, shift[last]);
        int to = Math.min(padded[last], in[last] + shift[last]);
        int paddedRows = paddedPlane / padded[last];
        int[] at = new int[s];
        for (int l = 0; l < planes; l++) {
            int planeSource = start + l * inPlane;
            Arrays.fill(at, 0);
            for (int r = 0; r < paddedRows; r++) {
                int target = copyStart + l * paddedPlane + r * padded[last];
                int row = 0;
                boolean inside = from < to;
                for (int d = 0; d < last && inside; d++) {
                    int i = at[d] - shift[d];
                    inside = i >= 0 && i < in[d];
                    row = row * in[d] + i;
                }
                if (inside) {
                    Arrays.fill(copy, target, target + from, 0f);
                    System.arraycopy(source, planeSource + row * in[last] + from - shift[last], copy, target + from,
                            to - from);
                    Arrays.fill(copy, target + to, target + padded[last], 0f);
                } else {
                    Arrays.fill(copy, target, target + padded[last], 0f);
                }
                step(at, padded, last);
            }
        }
        Arrays.fill(copy, copyStart + planes * paddedPlane, copyStart + planes * paddedPlane + SLACK, 0f);
    }

    /** The next index over the first {@code rank} of {@code dims}, row-major. */
    private static void step(int[] at, int[] dims, int rank) {
        for (int d = rank - 1; d >= 0 && ++at[d] == dims[d]; d--) {
            at[d] = 0;
        }
    }

    static int product(int[] dims) {
        int p = 1;
        for (int d : dims) {
            p = Math.multiplyExact(p, d);
        }
        return p;
    }
}

package dev.nabla.compiler.ir;

import dev.nabla.core.Shape;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.ShapeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Max, average, adaptive average and adaptive max pooling over the last 1, 2 or 3 axes, as
 * PyTorch's {@code max_poolNd}, {@code avg_poolNd}, {@code adaptive_avg_poolNd} and
 * {@code adaptive_max_poolNd} (floor mode): reductions over the windows of
 * {@link SlidingWindows} or over adaptive bins, so the derivatives are the reductions'.
 * Where a window holds several equal maxima, max pooling's gradient goes to the first of them in
 * row-major order, as PyTorch's does ({@link Ties#FIRST}).
 */
public final class Pooling {
    private Pooling() {}

    public static Node maxPool(Node x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        SlidingWindows w = windows("maxPool", x, kernel, stride, padding, dilation);
        return reduce(ReduceFn.MAX, w.gather(Double.NEGATIVE_INFINITY), new int[] {x.rank() - kernel.length}, false,
                Ties.FIRST);
    }

    /**
     * The mean of each window; with {@code countIncludePad} (PyTorch's default) padding counts as
     * zeros in the divisor, otherwise each window is divided by its number of input elements.
     */
    public static Node avgPool(Node x, int[] kernel, int[] stride, int[] padding, boolean countIncludePad) {
        int[] dilation = new int[kernel.length];
        Arrays.fill(dilation, 1);
        SlidingWindows w = windows("avgPool", x, kernel, stride, padding, dilation);
        int axis = x.rank() - kernel.length;
        Node sums = sum(w.gather(0), new int[] {axis}, false);
        if (countIncludePad || Arrays.stream(padding).allMatch(p -> p == 0)) {
            return div(sums, (double) w.size());
        }
        return div(sums, broadcastTo(inputCounts(w), sums.shape()));
    }

    /**
     * Pools to {@code outSize} along the last axes with PyTorch's bins: output i covers input
     * [floor(i·n/m), ceil((i+1)·n/m)). The mean over a box is the mean over each axis in turn.
     */
    public static Node adaptiveAvgPool(Node x, int[] outSize) {
        return adaptive("adaptiveAvgPool", x, outSize, (bin, axis) -> mean(bin, new int[] {axis}, true));
    }

    /**
     * The maximum of each of PyTorch's adaptive bins (as {@link #adaptiveAvgPool}), as
     * {@code adaptive_max_pool1d/2d/3d}: the maximum over a box is the maximum over each axis in
     * turn. Where a bin holds several equal maxima the gradient goes to the first in row-major
     * order, as {@link #maxPool}'s does: the last axis is reduced first, so that each earlier
     * axis picks the first row holding the maximum and the later ones the first place in it.
     */
    public static Node adaptiveMaxPool(Node x, int[] outSize) {
        return adaptive("adaptiveMaxPool", x, outSize,
                (bin, axis) -> reduce(ReduceFn.MAX, bin, new int[] {axis}, true, Ties.FIRST));
    }

    /** Reduces one bin along one axis, keeping the axis. */
    private interface BinReduction {
        Node apply(Node bin, int axis);
    }

    private static Node adaptive(String op, Node x, int[] outSize, BinReduction reduce) {
        Statistics.requireFloating(op, x);
        int s = outSize.length;
        if (x.rank() < s + 1) {
            throw new ShapeException(op + ": needs a tensor with " + (s + 1) + " or more axes, got " + x.describe());
        }
        for (int m : outSize) {
            if (m < 1) {
                throw new ShapeException(op + ": output sizes must be positive, got " + Arrays.toString(outSize));
            }
        }
        Node y = x;
        for (int d = s - 1; d >= 0; d--) {
            int axis = x.rank() - s + d;
            int n = x.shape().dim(axis);
            int m = outSize[d];
            if (m == n) {
                continue;
            }
            List<Node> bins = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                int from = Math.floorDiv(i * n, m);
                int to = -Math.floorDiv(-(i + 1) * n, m);
                bins.add(reduce.apply(slice(y, axis, from, to, 1), axis));
            }
            y = concat(axis, bins);
        }
        return y;
    }

    private static SlidingWindows windows(String op, Node x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        Statistics.requireFloating(op, x);
        int[] step = stride == null ? kernel.clone() : stride;
        for (int d = 0; d < kernel.length && d < padding.length; d++) {
            if (padding[d] * 2 > kernel[d]) {
                throw new ShapeException(op + ": padding " + Arrays.toString(padding) + " must be at most half the kernel "
                        + Arrays.toString(kernel) + " (PyTorch's rule: no window may lie entirely in the padding)");
            }
        }
        return SlidingWindows.of(op, x, kernel, step, padding, dilation);
    }

    /** How many input (not padding) elements each window covers, over the spatial axes. */
    private static Node inputCounts(SlidingWindows w) {
        int s = w.spatialRank();
        int lead = w.x().rank() - s;
        int[] out = w.outDims();
        Shape shape = new Shape(out);
        double[] counts = new double[shape.size()];
        int[] at = new int[s];
        for (int i = 0; i < counts.length; i++) {
            long c = 1;
            for (int d = 0; d < s; d++) {
                int start = at[d] * w.stride()[d] - w.padLo()[d];
                int end = Math.min(start + w.kernel()[d], w.x().shape().dim(lead + d));
                c *= end - Math.max(start, 0);
            }
            counts[i] = c;
            for (int d = s - 1; d >= 0 && ++at[d] == out[d]; d--) {
                at[d] = 0;
            }
        }
        return constant(w.x().table(), counts, shape, w.x().dtype());
    }
}

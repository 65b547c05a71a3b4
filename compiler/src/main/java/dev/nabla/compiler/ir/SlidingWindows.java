package dev.nabla.compiler.ir;

import dev.nabla.core.Shape;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.ShapeException;
import java.util.Arrays;
import java.util.List;

/**
 * The sliding windows under convolutions and pooling: the settings checked where the user wrote
 * them, the input padded, then one {@link Op.Windows} node (whose derivative is a
 * {@link Op.WindowsSum}, and back). The windows run over the last {@code kernel.length} axes of
 * x; the axes before them are kept.
 */
record SlidingWindows(String op, Node x, int[] kernel, int[] stride, int[] padLo, int[] padHi, int[] dilation) {

    SlidingWindows {
        int s = kernel.length;
        if (x.rank() < s + 1) {
            throw new ShapeException(op + ": needs a tensor with " + (s + 1) + " or more axes ([..., C, "
                    + String.join(", ", spatialNames(s)) + "]), got " + x.describe());
        }
        for (int[] a : List.of(stride, padLo, padHi, dilation)) {
            if (a.length != s) {
                throw new ShapeException(op + ": expected " + s + " values per setting (one per spatial axis), got "
                        + Arrays.toString(a));
            }
        }
        for (int d = 0; d < s; d++) {
            if (kernel[d] < 1 || stride[d] < 1 || dilation[d] < 1) {
                throw new ShapeException(op + ": kernel " + Arrays.toString(kernel) + ", stride "
                        + Arrays.toString(stride) + " and dilation " + Arrays.toString(dilation)
                        + " must be positive");
            }
            if (padLo[d] < 0 || padHi[d] < 0) {
                throw new ShapeException(op + ": padding must not be negative, got " + Arrays.toString(padLo)
                        + " / " + Arrays.toString(padHi));
            }
            int padded = x.shape().dim(x.rank() - s + d) + padLo[d] + padHi[d];
            int extent = WindowShape.of(kernel, stride, dilation).extent(d);
            if (extent > padded) {
                throw new ShapeException(op + ": the kernel " + Arrays.toString(kernel) + " with dilation "
                        + Arrays.toString(dilation) + " spans " + extent + " along spatial axis " + d
                        + " but the padded input has only " + padded + " (input " + x.describe() + ", padding "
                        + padLo[d] + "+" + padHi[d] + ")");
            }
        }
    }

    static SlidingWindows of(String op, Node x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        return new SlidingWindows(op, x, kernel, stride, padding, padding.clone(), dilation);
    }

    int spatialRank() { return kernel.length; }

    WindowShape window() {
        return WindowShape.of(kernel, stride, dilation);
    }

    /** The number of positions in a window. */
    int size() {
        return window().size();
    }

    /** The output's size along spatial axis d. */
    int out(int d) {
        return window().out(d, x.shape().dim(x.rank() - kernel.length + d) + padLo[d] + padHi[d]);
    }

    int[] outDims() {
        int[] o = new int[kernel.length];
        for (int d = 0; d < o.length; d++) {
            o[d] = out(d);
        }
        return o;
    }

    /**
     * Every window laid out along a new axis before the spatial ones: [..., K, out...] with K the
     * window positions in row-major kernel order. Padding holds {@code padValue}.
     */
    Node gather(double padValue) {
        int s = kernel.length;
        int lead = x.rank() - s;
        int[] padded = x.shape().dims();
        int[] starts = new int[x.rank()];
        int[] ones = new int[x.rank()];
        Arrays.fill(ones, 1);
        boolean anyPad = false;
        for (int d = 0; d < s; d++) {
            padded[lead + d] += padLo[d] + padHi[d];
            starts[lead + d] = padLo[d];
            anyPad |= padLo[d] + padHi[d] > 0;
        }
        Node xp = pad(x, starts, ones, new Shape(padded));
        if (anyPad && padValue != 0) {
            xp = add(xp, paddingFill(new Shape(Arrays.copyOfRange(padded, lead, padded.length)), starts, padValue));
        }
        return windows(xp, window());
    }

    /** padValue outside the input's place in the padded spatial shape, 0 inside. */
    private Node paddingFill(Shape spatial, int[] starts, double padValue) {
        int s = kernel.length;
        int lead = x.rank() - s;
        double[] values = new double[spatial.size()];
        int[] at = new int[s];
        for (int i = 0; i < values.length; i++) {
            boolean inside = true;
            for (int d = 0; d < s; d++) {
                int local = at[d] - starts[lead + d];
                inside &= local >= 0 && local < x.shape().dim(lead + d);
            }
            values[i] = inside ? 0 : padValue;
            for (int d = s - 1; d >= 0 && ++at[d] == spatial.dim(d); d--) {
                at[d] = 0;
            }
        }
        return constant(x.table(), values, spatial, x.dtype());
    }

    static List<String> spatialNames(int s) {
        return switch (s) {
            case 1 -> List.of("L");
            case 2 -> List.of("H", "W");
            default -> List.of("D", "H", "W");
        };
    }
}

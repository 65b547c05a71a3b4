package dev.nabla;

import dev.nabla.core.NablaException.ShapeException;
import java.util.Arrays;

/**
 * Settings of a convolution, as PyTorch's keyword arguments: stride, padding (or "same"),
 * dilation, groups and, for transposed convolutions, output padding. A single value applies to
 * every spatial axis. Immutable: each setter returns a copy.
 *
 * <pre>{@code
 * Nabla.conv2d(x, w, b, ConvOptions.defaults().stride(2).padding(1));
 * }</pre>
 */
public final class ConvOptions {
    private final int[] stride;
    private final int[] padding;
    private final boolean same;
    private final int[] dilation;
    private final int groups;
    private final int[] outputPadding;

    private ConvOptions(int[] stride, int[] padding, boolean same, int[] dilation, int groups, int[] outputPadding) {
        this.stride = stride;
        this.padding = padding;
        this.same = same;
        this.dilation = dilation;
        this.groups = groups;
        this.outputPadding = outputPadding;
    }

    /** {@return stride 1, no padding, dilation 1, one group: PyTorch's defaults} */
    public static ConvOptions defaults() {
        return new ConvOptions(new int[] {1}, new int[] {0}, false, new int[] {1}, 1, new int[] {0});
    }

    /**
     * {@return these options with another stride}
     *
     * @param s one stride, or one per spatial axis
     */
    public ConvOptions stride(int... s) { return new ConvOptions(s.clone(), padding, same, dilation, groups, outputPadding); }

    /**
     * {@return these options with another padding, on both sides of each spatial axis}
     *
     * @param p one padding, or one per spatial axis
     */
    public ConvOptions padding(int... p) { return new ConvOptions(stride, p.clone(), false, dilation, groups, outputPadding); }

    /** {@return these options with PyTorch's padding="same": the output keeps the input's size (stride 1 only)} */
    public ConvOptions paddingSame() { return new ConvOptions(stride, new int[] {0}, true, dilation, groups, outputPadding); }

    /**
     * {@return these options with another dilation}
     *
     * @param d one dilation, or one per spatial axis
     */
    public ConvOptions dilation(int... d) { return new ConvOptions(stride, padding, same, d.clone(), groups, outputPadding); }

    /**
     * {@return these options with another number of groups}
     *
     * @param g the groups; divides the input and output channels
     */
    public ConvOptions groups(int g) { return new ConvOptions(stride, padding, same, dilation, g, outputPadding); }

    /**
     * {@return these options with output padding, for transposed convolutions only: extra size added to one side of the output}
     *
     * @param p one output padding, or one per spatial axis
     */
    public ConvOptions outputPadding(int... p) { return new ConvOptions(stride, padding, same, dilation, groups, p.clone()); }

    /** {@return the number of groups (1 unless set)} */
    public int groupCount() { return groups; }
    boolean same() { return same; }
    int[] stride(String op, int s) { return expand(op, "stride", stride, s); }
    int[] padding(String op, int s) { return expand(op, "padding", padding, s); }
    int[] dilation(String op, int s) { return expand(op, "dilation", dilation, s); }
    int[] outputPadding(String op, int s) { return expand(op, "output padding", outputPadding, s); }

    /** One value per spatial axis: a single value repeats. */
    private static int[] expand(String op, String what, int[] values, int s) {
        if (values.length == s) {
            return values.clone();
        }
        if (values.length == 1) {
            int[] r = new int[s];
            Arrays.fill(r, values[0]);
            return r;
        }
        throw new ShapeException(op + ": " + what + " " + Arrays.toString(values) + " needs 1 or " + s + " values");
    }

    @Override
    public String toString() {
        return "ConvOptions[stride=" + Arrays.toString(stride) + ", padding="
                + (same ? "same" : Arrays.toString(padding)) + ", dilation=" + Arrays.toString(dilation)
                + ", groups=" + groups + ", outputPadding=" + Arrays.toString(outputPadding) + "]";
    }
}

package dev.nabla.compiler.ir;

import dev.nabla.core.Shape;

import java.util.List;

/**
 * The windows of {@link Op.Windows} and {@link Op.WindowsSum} over the last
 * {@code kernel.size()} axes: window position k (row-major over the kernel) of output position o
 * reads input position o·stride + k·dilation along each of those axes.
 */
public record WindowShape(List<Integer> kernel, List<Integer> stride, List<Integer> dilation) {

    public WindowShape {
        kernel = List.copyOf(kernel);
        stride = List.copyOf(stride);
        dilation = List.copyOf(dilation);
    }

    /** From one value per spatial axis. */
    public static WindowShape of(int[] kernel, int[] stride, int[] dilation) {
        return new WindowShape(java.util.Arrays.stream(kernel).boxed().toList(),
                java.util.Arrays.stream(stride).boxed().toList(), java.util.Arrays.stream(dilation).boxed().toList());
    }

    public int spatialRank() {
        return kernel.size();
    }

    /** K: the number of positions in a window. */
    public int size() {
        int k = 1;
        for (int d : kernel) {
            k *= d;
        }
        return k;
    }

    /** The span of the dilated kernel along spatial axis d. */
    public int extent(int d) {
        return dilation.get(d) * (kernel.get(d) - 1) + 1;
    }

    /** The number of windows along spatial axis d of an input of size {@code in} there. */
    public int out(int d, int in) {
        return (in - extent(d)) / stride.get(d) + 1;
    }

    /** [..., K, out...] for an input [..., in...]. */
    public Shape windowsShape(Shape input) {
        int s = spatialRank();
        int lead = input.rank() - s;
        int[] dims = new int[input.rank() + 1];
        for (int d = 0; d < lead; d++) {
            dims[d] = input.dim(d);
        }
        dims[lead] = size();
        for (int d = 0; d < s; d++) {
            dims[lead + 1 + d] = out(d, input.dim(lead + d));
        }
        return new Shape(dims);
    }

    /**
     * For each window position k, its offset in an input whose spatial axes have the given
     * strides (the last {@link #spatialRank} entries of {@code inputStrides} are used).
     */
    public int[] positionOffsets(int[] inputStrides) {
        int s = spatialRank();
        int lead = inputStrides.length - s;
        int[] offsets = new int[size()];
        int[] at = new int[s];
        for (int k = 0; k < offsets.length; k++) {
            int off = 0;
            for (int d = 0; d < s; d++) {
                off += at[d] * dilation.get(d) * inputStrides[lead + d];
            }
            offsets[k] = off;
            for (int d = s - 1; d >= 0 && ++at[d] == kernel.get(d); d--) {
                at[d] = 0;
            }
        }
        return offsets;
    }

    /** Kernel position k as one index per spatial axis. */
    public int[] position(int k) {
        int s = spatialRank();
        int[] at = new int[s];
        for (int d = s - 1; d >= 0; d--) {
            at[d] = k % kernel.get(d);
            k /= kernel.get(d);
        }
        return at;
    }
}

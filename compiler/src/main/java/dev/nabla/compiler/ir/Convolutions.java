package dev.nabla.compiler.ir;

import dev.nabla.core.Shape;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;
import java.util.Arrays;

/**
 * Convolutions over 1, 2 or 3 spatial axes (NC + spatial layout, as PyTorch), built as windows
 * ({@link SlidingWindows}) times the weight in one batched matrix product. The
 * derivative with respect to the input is then a transposed convolution, with respect to the
 * weight a product of the same windows with the output's gradient: all made of ops, so every
 * order of derivative, batching and every backend come from the primitives.
 */
public final class Convolutions {
    private Convolutions() {}

    /**
     * PyTorch's {@code convNd(x, w, bias, stride, padding, dilation, groups)}: x [N, C, spatial...],
     * w [O, C / groups, kernel...], bias [O] or null; padding padLo before and padHi after each
     * spatial axis (PyTorch pads both sides alike, except for "same", see {@link #samePadding}).
     */
    public static Node convolution(String op, Node x, Node w, Node bias, int[] stride, int[] padLo, int[] padHi,
                                   int[] dilation, int groups) {
        int s = stride.length;
        check(op, x, w, bias, s);
        int channels = x.shape().dim(1);
        int outChannels = w.shape().dim(0);
        if (groups < 1 || channels % groups != 0 || outChannels % groups != 0) {
            throw new ShapeException(op + ": input channels " + channels + " and output channels " + outChannels
                    + " must both be divisible by groups = " + groups + " (input " + x.describe() + ", weight "
                    + w.describe() + ")");
        }
        if (w.shape().dim(1) * groups != channels) {
            throw new ShapeException(op + ": the weight " + w.describe() + " expects " + w.shape().dim(1) * groups
                    + " input channels (" + w.shape().dim(1) + " per group × " + groups + " groups) but the input "
                    + x.describe() + " has " + channels);
        }
        int[] kernel = Arrays.copyOfRange(w.shape().dims(), 2, 2 + s);
        SlidingWindows windows = new SlidingWindows(op, x, kernel, stride, padLo, padHi, dilation);
        int n = x.shape().dim(0);
        int[] out = windows.outDims();
        int positions = Arrays.stream(out).reduce(1, (a, b) -> a * b);
        int perGroup = channels / groups * windows.size();
        // [N, C, K, out...] -> [N, G, C/G·K, P]: a view of the concatenation, no copy.
        Node cols = reshape(windows.gather(0), n, groups, perGroup, positions);
        Node weights = reshape(w, groups, outChannels / groups, perGroup);
        Node y = reshape(matmul(weights, cols), concatDims(new int[] {n, outChannels}, out));
        return bias == null ? y : add(y, broadcastTo(reshape(bias, biasDims(outChannels, s)), y.shape()));
    }

    /**
     * PyTorch's {@code conv_transposeNd(x, w, bias, stride, padding, output_padding, groups,
     * dilation)}, the adjoint of a convolution with the same settings: x [N, C, spatial...], w [C,
     * O / groups, kernel...]. Each input position spreads its channels times the kernel onto the
     * output: the windows' adjoint ({@link Op.WindowsSum}).
     */
    public static Node transposed(String op, Node x, Node w, Node bias, int[] stride, int[] padding,
                                  int[] outputPadding, int[] dilation, int groups) {
        int s = stride.length;
        check(op, x, w, bias, s);
        int channels = x.shape().dim(1);
        if (groups < 1 || channels % groups != 0) {
            throw new ShapeException(op + ": input channels " + channels + " must be divisible by groups = " + groups);
        }
        if (w.shape().dim(0) != channels) {
            throw new ShapeException(op + ": the weight " + w.describe() + " must have the input's " + channels
                    + " channels first ([C_in, C_out / groups, kernel...]); the input is " + x.describe());
        }
        int outChannels = w.shape().dim(1) * groups;
        int[] kernel = Arrays.copyOfRange(w.shape().dims(), 2, 2 + s);
        for (int[] setting : new int[][] {padding, outputPadding, dilation}) {
            if (setting.length != s) {
                throw new ShapeException(op + ": expected " + s + " values per setting, got " + Arrays.toString(setting));
            }
        }
        int[] full = new int[s];
        int[] out = new int[s];
        for (int d = 0; d < s; d++) {
            if (stride[d] < 1 || dilation[d] < 1 || padding[d] < 0 || outputPadding[d] < 0) {
                throw new ShapeException(op + ": stride and dilation must be positive, padding and output padding"
                        + " not negative: stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(padding)
                        + ", output padding " + Arrays.toString(outputPadding) + ", dilation " + Arrays.toString(dilation));
            }
            if (outputPadding[d] >= Math.max(stride[d], dilation[d])) {
                throw new ShapeException(op + ": output padding " + Arrays.toString(outputPadding)
                        + " must be smaller than the stride or the dilation along each axis");
            }
            int in = x.shape().dim(2 + d);
            full[d] = (in - 1) * stride[d] + dilation[d] * (kernel[d] - 1) + 1 + outputPadding[d];
            out[d] = full[d] - 2 * padding[d];
            if (out[d] < 1) {
                throw new ShapeException(op + ": the output would be empty along spatial axis " + d + " (size "
                        + out[d] + ") for input " + x.describe() + ", kernel " + Arrays.toString(kernel)
                        + " and padding " + Arrays.toString(padding));
            }
        }
        int n = x.shape().dim(0);
        int k = Arrays.stream(kernel).reduce(1, (a, b) -> a * b);
        int inPositions = x.shape().size() / (n * channels);
        // [G, O/G·K, C/G] · [N, G, C/G, P_in] -> [N, O, K, in...]
        Node weights = matrixTranspose(reshape(w, groups, channels / groups, outChannels / groups * k));
        Node cols = matmul(weights, reshape(x, n, groups, channels / groups, inPositions));
        int[] inDims = Arrays.copyOfRange(x.shape().dims(), 2, 2 + s);
        Node spread = reshape(cols, concatDims(new int[] {n, outChannels, k}, inDims));
        // Each input position's spread lands at i·stride + k·dilation: the windows' adjoint.
        int[] base = new int[s];
        for (int d = 0; d < s; d++) {
            base[d] = full[d] - outputPadding[d];
        }
        WindowShape window = WindowShape.of(kernel, stride, dilation);
        Node sum = windowsSum(spread, window, new Shape(concatDims(new int[] {n, outChannels}, base)));
        int[] ones = new int[s + 2];
        Arrays.fill(ones, 1);
        // Output padding: zeros after the last spread (it may exceed the stride when dilation does).
        sum = pad(sum, new int[s + 2], ones, new Shape(concatDims(new int[] {n, outChannels}, full)));
        int[] crop = new int[s + 2];
        for (int d = 0; d < s; d++) {
            crop[2 + d] = padding[d];
        }
        Node y = sliceNode(sum, crop, ones, new Shape(concatDims(new int[] {n, outChannels}, out)));
        return bias == null ? y : add(y, broadcastTo(reshape(bias, biasDims(outChannels, s)), y.shape()));
    }

    /**
     * PyTorch's padding="same" (stride 1 only): the total d·(k−1) split with the smaller half
     * before, so the output keeps the input's spatial size. Returns {lo, hi}.
     */
    public static int[][] samePadding(String op, int[] kernel, int[] stride, int[] dilation) {
        int[] lo = new int[kernel.length];
        int[] hi = new int[kernel.length];
        for (int d = 0; d < kernel.length; d++) {
            if (stride[d] != 1) {
                throw new ShapeException(op + ": padding \"same\" needs stride 1, got " + Arrays.toString(stride));
            }
            int total = dilation[d] * (kernel[d] - 1);
            lo[d] = total / 2;
            hi[d] = total - lo[d];
        }
        return new int[][] {lo, hi};
    }

    private static void check(String op, Node x, Node w, Node bias, int s) {
        requireSameGraph(op, x, w);
        if (!x.dtype().isFloating() || x.dtype() != w.dtype() || (bias != null && bias.dtype() != x.dtype())) {
            throw new DTypeException(op + ": input, weight and bias need one floating dtype, got " + x.describe()
                    + ", " + w.describe() + (bias == null ? "" : ", " + bias.describe()));
        }
        if (x.rank() != s + 2) {
            throw new ShapeException(op + ": needs an input [N, C, " + String.join(", ", SlidingWindows.spatialNames(s))
                    + "], got " + x.describe() + (x.rank() == s + 1 ? "; add the batch axis with unsqueeze(0)" : ""));
        }
        if (w.rank() != s + 2) {
            throw new ShapeException(op + ": needs a weight of rank " + (s + 2) + ", got " + w.describe());
        }
        if (bias != null) {
            requireSameGraph(op, x, bias);
        }
    }

    static int[] concatDims(int[] a, int[] b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static int[] biasDims(int channels, int s) {
        int[] dims = new int[s + 1];
        Arrays.fill(dims, 1);
        dims[0] = channels;
        return dims;
    }
}

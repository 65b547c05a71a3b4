package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;
import java.util.List;

/**
 * Composite ops of the kind a model needs besides arithmetic (clamp, variance and standard
 * deviation, argmax, one-hot), built from primitives so that their derivatives, to any order,
 * come from the primitives' rules. Their conventions are PyTorch's where it has them.
 */
public final class Statistics {
    private Statistics() {}

    /**
     * x limited to [lo, hi], NaN staying NaN. The gradient is 1 where lo <= x <= hi (the bounds
     * included) and 0 outside, as PyTorch's clamp.
     */
    public static Node clamp(Node x, double lo, double hi) {
        if (!(lo <= hi)) {
            throw new ShapeException("clamp: the lower bound " + lo + " is above the upper bound " + hi);
        }
        requireFloating("clamp", x);
        return where(compare(CompareFn.LT, x, lo), lo, where(compare(CompareFn.GT, x, hi), hi, x));
    }

    /**
     * The variance over {@code axes} (all when none): the sum of squared deviations from the mean
     * divided by N - correction (1: unbiased, PyTorch's default; 0: the population variance).
     */
    public static Node variance(Node x, int[] axes, int correction, boolean keepDims) {
        requireFloating("var", x);
        int[] resolved = ShapeRules.axes("var", axes, x.rank());
        int n = ShapeRules.reducedCount(x.shape(), resolved);
        Node d = sub(x, mean(x, resolved, true));
        return div(sum(mul(d, d), resolved, keepDims), (double) (n - correction));
    }

    /** The square root of {@link #variance}. */
    public static Node std(Node x, int[] axes, int correction, boolean keepDims) {
        return sqrt(variance(x, axes, correction, keepDims));
    }

    /**
     * The vector norm over {@code axes} (all when none) for p = 1, 2 or infinity, as
     * torch.linalg.vector_norm: the 2-norm's gradient at a zero vector is 0 (not NaN), and the
     * infinity norm's splits evenly among tied largest magnitudes.
     */
    public static Node norm(Node x, double p, int[] axes, boolean keepDims) {
        requireFloating("norm", x);
        int[] resolved = ShapeRules.axes("norm", axes, x.rank());
        if (p == 1) {
            return sum(abs(x), resolved, keepDims);
        }
        if (p == Double.POSITIVE_INFINITY) {
            return Ops.max(abs(x), resolved, keepDims);
        }
        if (p != 2) {
            throw new ShapeException("norm: p must be 1, 2 or infinity, got " + p);
        }
        Node squares = sum(mul(x, x), resolved, keepDims);
        // sqrt only where it is differentiable: a zero vector's norm is a constant 0 with gradient 0.
        Node positive = compare(CompareFn.GT, squares, 0.0);
        return where(positive, sqrt(where(positive, squares, 1.0)), 0.0);
    }

    /**
     * Layer normalization over the last {@code normalizedDims} axes, as PyTorch's
     * F.layer_norm: (x - mean) / sqrt(var + eps) with the population variance, then times
     * {@code weight} plus {@code bias} (each of the normalized shape, or null).
     */
    public static Node layerNorm(Node x, int normalizedDims, Node weight, Node bias, double eps) {
        requireFloating("layerNorm", x);
        if (normalizedDims < 1 || normalizedDims > x.rank()) {
            throw new ShapeException("layerNorm: cannot normalize the last " + normalizedDims + " axes of "
                    + x.describe());
        }
        int[] axes = new int[normalizedDims];
        for (int i = 0; i < normalizedDims; i++) {
            axes[i] = x.rank() - normalizedDims + i;
        }
        Shape normalized = new Shape(java.util.Arrays.copyOfRange(x.shape().dims(), x.rank() - normalizedDims, x.rank()));
        for (Node affine : java.util.Arrays.asList(weight, bias)) {
            if (affine != null && !affine.shape().equals(normalized)) {
                throw new ShapeException("layerNorm: weight and bias must have the normalized shape " + normalized
                        + ", got " + affine.describe());
            }
        }
        Node centered = sub(x, mean(x, axes, true));
        Node y = mul(centered, rsqrt(add(variance(x, axes, 0, true), eps)));
        if (weight != null) {
            y = mul(y, weight);
        }
        return bias != null ? add(y, bias) : y;
    }

    /**
     * Group normalization, as PyTorch's F.group_norm: x [N, C, ...] split into {@code groups}
     * groups of channels, each normalized over its channels and positions with the population
     * variance, then times {@code weight} plus {@code bias} (each [C], or null) per channel.
     */
    public static Node groupNorm(Node x, int groups, Node weight, Node bias, double eps) {
        requireFloating("groupNorm", x);
        if (x.rank() < 2) {
            throw new ShapeException("groupNorm: needs [N, C, ...], got " + x.describe());
        }
        int n = x.shape().dim(0);
        int channels = x.shape().dim(1);
        if (groups < 1 || channels % groups != 0) {
            throw new ShapeException("groupNorm: " + channels + " channels of " + x.describe()
                    + " cannot be split into " + groups + " groups");
        }
        for (Node affine : java.util.Arrays.asList(weight, bias)) {
            if (affine != null && !affine.shape().equals(new Shape(channels))) {
                throw new ShapeException("groupNorm: weight and bias must be [" + channels + "], got " + affine.describe());
            }
        }
        Node grouped = reshape(x, n, groups, -1);
        Node centered = sub(grouped, mean(grouped, new int[] {2}, true));
        Node y = reshape(mul(centered, rsqrt(add(variance(grouped, new int[] {2}, 0, true), eps))), x.shape());
        int[] perChannel = new int[x.rank()];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        if (weight != null) {
            y = mul(y, reshape(weight, perChannel));
        }
        return bias != null ? add(y, reshape(bias, perChannel)) : y;
    }

    /** Running sums along {@code axis} (torch.cumsum): a scan, so its derivatives are loops too. */
    public static Node cumsum(Node x, int axis) {
        requireFloating("cumsum", x);
        int a = ShapeRules.axis("cumsum", axis, x.rank());
        if (x.shape().dim(a) == 0) {
            return x;
        }
        int[] toFront = new int[x.rank()];
        toFront[0] = a;
        for (int i = 0, k = 1; i < x.rank(); i++) {
            if (i != a) {
                toFront[k++] = i;
            }
        }
        Node stacked = permute(x, toFront);
        Node zero = fillLike(stacked, 0, stacked.shape().dropFirst(), x.dtype());
        List<Node> out = Loops.scan("cumsum", x.table(), List.of(zero), List.of(stacked), -1, false,
                (index, carries, slices) -> {
                    Node running = add(carries.get(0), slices.get(0));
                    return new Loops.Step(List.of(running), List.of(running));
                });
        int[] back = new int[x.rank()];
        for (int i = 0; i < x.rank(); i++) {
            back[toFront[i]] = i;
        }
        return permute(out.get(1), back);
    }

    /**
     * The index (i32) of the largest element along {@code axis}, the first one on a tie; a NaN
     * counts as the largest, as in PyTorch.
     */
    public static Node argmax(Node x, int axis) {
        requireFloating("argmax", x);
        int a = ShapeRules.axis("argmax", axis, x.rank());
        int n = x.shape().dim(a);
        if (n == 0) {
            throw new ShapeException("argmax: axis " + axis + " of " + x.describe() + " is empty");
        }
        Node m = max(x, new int[] {a}, true);
        // As 0/1 floats: whether an element is NaN, whether it equals the slice's max.
        Node isNaN = sub(scalarLike(x, 1), cast(compare(CompareFn.EQ, x, x), x.dtype()));
        Node isMax = cast(compare(CompareFn.EQ, x, m), x.dtype());
        // Where a slice holds a NaN, only the NaNs are candidates.
        Node anyNaN = compare(CompareFn.GT, Ops.max(isNaN, new int[] {a}, true), 0.0);
        Node pick = compare(CompareFn.GT, where(anyNaN, isNaN, isMax), 0.0);
        int[] dims = new int[x.rank()];
        java.util.Arrays.fill(dims, 1);
        dims[a] = n;
        Node positions = positions(x.table(), new Shape(dims), DType.F64);
        Node index = where(pick, broadcastTo(positions, x.shape()), (double) n);
        return cast(Ops.min(stopGradient(index), new int[] {a}, false), DType.I32);
    }

    /** The index (i32) of the smallest element along {@code axis}: argmax of −x (first on a tie, NaN first). */
    public static Node argmin(Node x, int axis) {
        requireFloating("argmin", x);
        return argmax(neg(x), axis);
    }

    /**
     * Integer labels as one-hot rows of {@code classes} elements in {@code dtype}, a new last
     * axis; a label outside [0, classes) gives a row of zeros (as jax.nn.one_hot).
     */
    public static Node oneHot(Node labels, int classes, DType dtype) {
        if (labels.dtype() != DType.I32) {
            throw new DTypeException("oneHot: the labels must be i32, got " + labels.describe());
        }
        if (classes <= 0) {
            throw new ShapeException("oneHot: the number of classes must be at least 1, got " + classes);
        }
        Node positions = positions(labels.table(), new Shape(classes), DType.I32);
        return cast(compare(CompareFn.EQ, unsqueeze(labels, labels.rank()), positions), dtype);
    }

    /** 0, 1, 2, ... in row-major order over {@code shape}. */
    public static Node positions(NodeTable table, Shape shape, DType dtype) {
        double[] iota = new double[shape.size()];
        for (int i = 0; i < iota.length; i++) {
            iota[i] = i;
        }
        return constant(table, iota, shape, dtype);
    }

    static void requireFloating(String op, Node x) {
        if (!x.dtype().isFloating()) {
            throw new DTypeException(op + ": needs a floating tensor (f32 or f64), got " + x.describe()
                    + "; cast it first");
        }
    }
}

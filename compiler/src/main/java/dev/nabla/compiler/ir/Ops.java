package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.compiler.passes.Simplifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The op set: every constructor checks its operands, infers the result's shape and dtype, applies
 * the algebraic simplifier and interns the node. The DSL exposes exactly these ops and every
 * derivative rule is written with them, which is why derivatives can be differentiated again.
 */
public final class Ops {
    private Ops() {}

    // ---- leaves ----

    public static Node input(NodeTable table, String name, Shape shape, DType dtype) {
        return table.declare(new Op.Input(name), shape, dtype);
    }

    public static Node parameter(NodeTable table, String name, Shape shape, DType dtype) {
        return table.declare(new Op.Parameter(name), shape, dtype);
    }

    public static Node fill(NodeTable table, double value, Shape shape, DType dtype) {
        return table.intern(new Op.Constant(new Literal.Fill(dtype.round(value))), List.of(), shape, dtype);
    }

    public static Node constant(NodeTable table, double[] values, Shape shape, DType dtype) {
        if (values.length != shape.size()) {
            throw new ShapeException("constant: " + values.length + " values do not fill shape " + shape
                    + " (" + shape.size() + " elements)");
        }
        double[] rounded = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            rounded[i] = dtype.round(values[i]);
        }
        return table.intern(new Op.Constant(Literal.of(rounded)), List.of(), shape, dtype);
    }

    /** The identity matrix of m rows in any shape of m*m elements (see {@link Literal.Identity}). */
    public static Node identity(NodeTable table, int m, Shape shape, DType dtype) {
        if ((long) m * m != shape.size()) {
            throw new ShapeException("identity: " + m + " rows do not fill shape " + shape);
        }
        return table.intern(new Op.Constant(new Literal.Identity(m)), List.of(), shape, dtype);
    }

    public static Node zerosLike(Node x) {
        return fill(x.table(), 0, x.shape(), x.dtype());
    }

    /** A derivative's structural zero of x's shape and dtype ({@link Literal.Zero}). */
    public static Node structuralZerosLike(Node x) {
        return structuralZeros(x.table(), x.shape(), x.dtype());
    }

    public static Node structuralZeros(NodeTable table, Shape shape, DType dtype) {
        return table.intern(new Op.Constant(new Literal.Zero()), List.of(), shape, dtype);
    }

    /** x, with a structural zero turned into an ordinary one: what a derivative hands to the user. */
    public static Node materialize(Node x) {
        return x.isSymbolicZero() ? zerosLike(x) : x;
    }

    /**
     * The constant {@code value} in another shape or dtype, made from the constant {@code like}:
     * a structural zero stays one, any other constant becomes an ordinary fill.
     */
    public static Node fillLike(Node like, double value, Shape shape, DType dtype) {
        return like.isSymbolicZero() && value == 0 ? structuralZeros(like.table(), shape, dtype)
                : fill(like.table(), value, shape, dtype);
    }

    public static Node onesLike(Node x) {
        return fill(x.table(), 1, x.shape(), x.dtype());
    }

    /** A Java number as a constant of x's dtype (numbers never promote the dtype, as in PyTorch). */
    public static Node scalarLike(Node x, double value) {
        return fill(x.table(), value, Shape.SCALAR, x.dtype());
    }

    // ---- elementwise ----

    public static Node unary(UnaryFn fn, Node x) {
        requireFloating(fn.opName(), x);
        Node simplified = Simplifier.unary(fn, x);
        return simplified != null ? simplified : x.table().intern(new Op.Unary(fn), List.of(x), x.shape(), x.dtype());
    }

    public static Node neg(Node x) { return unary(UnaryFn.NEG, x); }
    public static Node exp(Node x) { return unary(UnaryFn.EXP, x); }
    public static Node log(Node x) { return unary(UnaryFn.LOG, x); }
    public static Node log1p(Node x) { return unary(UnaryFn.LOG1P, x); }
    public static Node expm1(Node x) { return unary(UnaryFn.EXPM1, x); }
    public static Node sqrt(Node x) { return unary(UnaryFn.SQRT, x); }
    public static Node rsqrt(Node x) { return unary(UnaryFn.RSQRT, x); }
    public static Node abs(Node x) { return unary(UnaryFn.ABS, x); }
    public static Node sign(Node x) { return unary(UnaryFn.SIGN, x); }
    public static Node sin(Node x) { return unary(UnaryFn.SIN, x); }
    public static Node cos(Node x) { return unary(UnaryFn.COS, x); }
    public static Node tan(Node x) { return unary(UnaryFn.TAN, x); }
    public static Node tanh(Node x) { return unary(UnaryFn.TANH, x); }
    public static Node sigmoid(Node x) { return unary(UnaryFn.SIGMOID, x); }
    public static Node relu(Node x) { return unary(UnaryFn.RELU, x); }
    public static Node softplus(Node x) { return unary(UnaryFn.SOFTPLUS, x); }

    /** Elementwise binary op with NumPy broadcasting; both operands must share a floating dtype. */
    public static Node binary(BinaryFn fn, Node a, Node b) {
        String op = fn.opName();
        requireSameGraph(op, a, b);
        requireSameDType(op, a, b);
        requireFloating(op, a);
        Shape shape = ShapeRules.broadcast(op, a.shape(), b.shape());
        Node x = broadcastTo(a, shape);
        Node y = broadcastTo(b, shape);
        Node simplified = Simplifier.binary(fn, x, y);
        return simplified != null ? simplified : a.table().intern(new Op.Binary(fn), List.of(x, y), shape, a.dtype());
    }

    public static Node add(Node a, Node b) { return binary(BinaryFn.ADD, a, b); }
    public static Node sub(Node a, Node b) { return binary(BinaryFn.SUB, a, b); }
    public static Node mul(Node a, Node b) { return binary(BinaryFn.MUL, a, b); }
    public static Node div(Node a, Node b) { return binary(BinaryFn.DIV, a, b); }
    public static Node pow(Node a, Node b) { return binary(BinaryFn.POW, a, b); }
    public static Node minimum(Node a, Node b) { return binary(BinaryFn.MINIMUM, a, b); }
    public static Node maximum(Node a, Node b) { return binary(BinaryFn.MAXIMUM, a, b); }

    public static Node add(Node a, double b) { return add(a, scalarLike(a, b)); }
    public static Node add(double a, Node b) { return add(scalarLike(b, a), b); }
    public static Node sub(Node a, double b) { return sub(a, scalarLike(a, b)); }
    public static Node sub(double a, Node b) { return sub(scalarLike(b, a), b); }
    public static Node mul(Node a, double b) { return mul(a, scalarLike(a, b)); }
    public static Node mul(double a, Node b) { return mul(scalarLike(b, a), b); }
    public static Node div(Node a, double b) { return div(a, scalarLike(a, b)); }
    public static Node div(double a, Node b) { return div(scalarLike(b, a), b); }
    public static Node pow(Node a, double b) { return pow(a, scalarLike(a, b)); }

    /** a*b + c rounded once, with broadcasting over all three. */
    public static Node fma(Node a, Node b, Node c) {
        requireSameGraph("fma", a, b);
        requireSameGraph("fma", a, c);
        requireSameDType("fma", a, b);
        requireSameDType("fma", a, c);
        requireFloating("fma", a);
        Shape shape = ShapeRules.broadcast("fma", ShapeRules.broadcast("fma", a.shape(), b.shape()), c.shape());
        Node x = broadcastTo(a, shape);
        Node y = broadcastTo(b, shape);
        Node z = broadcastTo(c, shape);
        Node simplified = Simplifier.fma(x, y, z);
        return simplified != null ? simplified : a.table().intern(new Op.Fma(), List.of(x, y, z), shape, a.dtype());
    }

    /** Elementwise comparison with broadcasting; the result is a bool mask. */
    public static Node compare(CompareFn fn, Node a, Node b) {
        String op = fn.opName();
        requireSameGraph(op, a, b);
        requireSameDType(op, a, b);
        Shape shape = ShapeRules.broadcast(op, a.shape(), b.shape());
        Node x = broadcastTo(a, shape);
        Node y = broadcastTo(b, shape);
        Node simplified = Simplifier.compare(fn, x, y);
        return simplified != null ? simplified
                : a.table().intern(new Op.Compare(fn), List.of(x, y), shape, DType.BOOL);
    }

    public static Node compare(CompareFn fn, Node a, double b) {
        return compare(fn, a, scalarLike(a, b));
    }

    /** where(cond, a, b) with broadcasting over all three; cond must be a bool mask. */
    public static Node where(Node cond, Node a, Node b) {
        requireSameGraph("where", cond, a);
        requireSameGraph("where", a, b);
        if (cond.dtype() != DType.BOOL) {
            throw new DTypeException("where: the condition must be a bool mask (from lt, le, gt, ge, eq), got "
                    + cond.describe());
        }
        requireSameDType("where", a, b);
        Shape shape = ShapeRules.broadcast("where", ShapeRules.broadcast("where", cond.shape(), a.shape()), b.shape());
        Node c = broadcastTo(cond, shape);
        Node x = broadcastTo(a, shape);
        Node y = broadcastTo(b, shape);
        Node simplified = Simplifier.where(c, x, y);
        return simplified != null ? simplified : a.table().intern(new Op.Where(), List.of(c, x, y), shape, a.dtype());
    }

    public static Node where(Node cond, Node a, double b) {
        return where(cond, a, scalarLike(a, b));
    }

    public static Node where(Node cond, double a, Node b) {
        return where(cond, scalarLike(b, a), b);
    }

    // ---- reductions ----

    /** Reduces over {@code axes} (all axes when empty; negative axes count from the end). */
    public static Node reduce(ReduceFn fn, Node x, int[] axes, boolean keepDims) {
        return reduce(fn, x, axes, keepDims, Ties.SHARED);
    }

    /** As {@link #reduce(ReduceFn, Node, int[], boolean)}, with the derivative's rule for ties. */
    public static Node reduce(ReduceFn fn, Node x, int[] axes, boolean keepDims, Ties ties) {
        String op = fn.opName();
        requireFloating(op, x);
        int[] resolved = ShapeRules.axes(op, axes, x.rank());
        Shape shape = ShapeRules.reduced(x.shape(), resolved, keepDims);
        Node simplified = Simplifier.reduce(fn, x, resolved, keepDims, shape);
        if (simplified != null) {
            return simplified;
        }
        List<Integer> axisList = Arrays.stream(resolved).boxed().toList();
        return x.table().intern(new Op.Reduce(fn, axisList, keepDims, ties), List.of(x), shape, x.dtype());
    }

    public static Node sum(Node x, int[] axes, boolean keepDims) { return reduce(ReduceFn.SUM, x, axes, keepDims); }
    public static Node prod(Node x, int[] axes, boolean keepDims) { return reduce(ReduceFn.PROD, x, axes, keepDims); }
    public static Node max(Node x, int[] axes, boolean keepDims) { return reduce(ReduceFn.MAX, x, axes, keepDims); }
    public static Node min(Node x, int[] axes, boolean keepDims) { return reduce(ReduceFn.MIN, x, axes, keepDims); }

    public static Node mean(Node x, int[] axes, boolean keepDims) {
        int[] resolved = ShapeRules.axes("mean", axes, x.rank());
        return div(sum(x, resolved, keepDims), ShapeRules.reducedCount(x.shape(), resolved));
    }

    /** log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m = max(x) held constant. */
    public static Node logSumExp(Node x, int[] axes, boolean keepDims) {
        int[] resolved = ShapeRules.axes("logSumExp", axes, x.rank());
        Node m = stopGradient(max(x, resolved, true));
        // An all -inf slice would give -inf - -inf = NaN; shift by 0 there instead.
        Node finiteM = where(compare(CompareFn.EQ, abs(m), scalarLike(m, Double.POSITIVE_INFINITY)), 0.0, m);
        Node lse = add(log(sum(exp(sub(x, finiteM)), resolved, true)), finiteM);
        return keepDims ? lse : reshape(lse, ShapeRules.reduced(x.shape(), resolved, false));
    }

    public static Node softmax(Node x, int axis) {
        int a = ShapeRules.axis("softmax", axis, x.rank());
        Node e = exp(sub(x, stopGradient(max(x, new int[] {a}, true))));
        return div(e, sum(e, new int[] {a}, true));
    }

    public static Node logSoftmax(Node x, int axis) {
        int a = ShapeRules.axis("logSoftmax", axis, x.rank());
        return sub(x, logSumExp(x, new int[] {a}, true));
    }

    /** Sums a broadcast gradient back to {@code shape}: the adjoint of broadcasting. */
    public static Node sumToShape(Node g, Shape shape) {
        if (g.shape().equals(shape)) {
            return g;
        }
        int lead = g.rank() - shape.rank();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < g.rank(); i++) {
            if (i < lead || (shape.dim(i - lead) == 1 && g.shape().dim(i) != 1)) {
                axes.add(i);
            }
        }
        Node summed = sum(g, axes.stream().mapToInt(Integer::intValue).toArray(), true);
        return reshape(summed, shape);
    }

    // ---- shape ops ----

    public static Node reshape(Node x, Shape shape) {
        return reshape(x, shape.dims());
    }

    /** Row-major reshape; one dimension may be -1. */
    public static Node reshape(Node x, int... dims) {
        Shape shape = ShapeRules.reshapeTarget(x.shape(), dims);
        if (shape.equals(x.shape())) {
            return x;
        }
        Node simplified = Simplifier.reshape(x, shape);
        return simplified != null ? simplified : x.table().intern(new Op.Reshape(), List.of(x), shape, x.dtype());
    }

    /** Output axis i is input axis perm[i]. */
    public static Node permute(Node x, int... perm) {
        if (perm.length != x.rank()) {
            throw new NablaException.AxisException("permute: permutation " + Arrays.toString(perm) + " has "
                    + perm.length + " axes but the tensor " + x.describe() + " has rank " + x.rank());
        }
        int[] p = new int[perm.length];
        boolean[] seen = new boolean[perm.length];
        for (int i = 0; i < perm.length; i++) {
            p[i] = ShapeRules.axis("permute", perm[i], x.rank());
            if (seen[p[i]]) {
                throw new NablaException.AxisException("permute: axis " + perm[i] + " appears twice in "
                        + Arrays.toString(perm));
            }
            seen[p[i]] = true;
        }
        Node simplified = Simplifier.permute(x, p);
        if (simplified != null) {
            return simplified;
        }
        int[] dims = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            dims[i] = x.shape().dim(p[i]);
        }
        return x.table().intern(new Op.Permute(Arrays.stream(p).boxed().toList()), List.of(x), new Shape(dims),
                x.dtype());
    }

    /** Swaps two axes. */
    public static Node transpose(Node x, int axis0, int axis1) {
        int a = ShapeRules.axis("transpose", axis0, x.rank());
        int b = ShapeRules.axis("transpose", axis1, x.rank());
        int[] perm = new int[x.rank()];
        Arrays.setAll(perm, i -> i);
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    public static Node broadcastTo(Node x, Shape shape) {
        if (x.shape().equals(shape)) {
            return x;
        }
        if (!ShapeRules.broadcastsTo(x.shape(), shape)) {
            throw new ShapeException("broadcastTo: shape " + x.shape() + " cannot be broadcast to " + shape
                    + " (NumPy rule: trailing dimensions must be equal or 1 in the source)");
        }
        Double fill = x.fillValue();
        if (fill != null) {
            return fillLike(x, fill, shape, x.dtype());
        }
        Node aligned = x;
        if (x.rank() < shape.rank()) {
            int[] dims = new int[shape.rank()];
            Arrays.fill(dims, 1);
            System.arraycopy(x.shape().dims(), 0, dims, shape.rank() - x.rank(), x.rank());
            aligned = reshape(x, dims);
        }
        if (aligned.shape().equals(shape)) {
            return aligned;
        }
        return x.table().intern(new Op.BroadcastTo(), List.of(aligned), shape, x.dtype());
    }

    /** Removes size-1 axes (all of them when none are given). */
    public static Node squeeze(Node x, int... axes) {
        List<Integer> dims = new ArrayList<>();
        boolean[] drop = new boolean[x.rank()];
        if (axes.length == 0) {
            for (int i = 0; i < x.rank(); i++) {
                drop[i] = x.shape().dim(i) == 1;
            }
        }
        for (int a : axes) {
            int r = ShapeRules.axis("squeeze", a, x.rank());
            if (x.shape().dim(r) != 1) {
                throw new ShapeException("squeeze: axis " + a + " of shape " + x.shape() + " has size "
                        + x.shape().dim(r) + "; only size-1 axes can be squeezed");
            }
            if (drop[r]) {
                throw new NablaException.AxisException("squeeze: axis " + a + " is given twice in "
                        + Arrays.toString(axes));
            }
            drop[r] = true;
        }
        for (int i = 0; i < x.rank(); i++) {
            if (!drop[i]) {
                dims.add(x.shape().dim(i));
            }
        }
        return reshape(x, dims.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Inserts a size-1 axis at {@code axis} of the result (negative counts from the end). */
    public static Node unsqueeze(Node x, int axis) {
        int a = ShapeRules.newAxis("unsqueeze", axis, x.rank());
        int[] dims = new int[x.rank() + 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            dims[i] = i == a ? 1 : x.shape().dim(j++);
        }
        return reshape(x, dims);
    }

    /** Elements start, start+step, ... below end along one axis (Python semantics for negatives). */
    public static Node slice(Node x, int axis, int start, int end, int step) {
        int a = ShapeRules.axis("slice", axis, x.rank());
        if (step <= 0) {
            throw new ShapeException("slice: step must be positive, got " + step + " (slicing " + x.describe()
                    + " along axis " + axis + ")");
        }
        int n = x.shape().dim(a);
        int s = clampIndex(start, n);
        int e = clampIndex(end, n);
        // In long: e - s + step - 1 overflows int for a step near Integer.MAX_VALUE.
        int count = e > s ? (int) (((long) e - s + step - 1) / step) : 0;
        int[] starts = new int[x.rank()];
        int[] steps = new int[x.rank()];
        Arrays.fill(steps, 1);
        starts[a] = s;
        steps[a] = step;
        int[] dims = x.shape().dims();
        dims[a] = count;
        return sliceNode(x, starts, steps, new Shape(dims));
    }

    private static int clampIndex(int i, int n) {
        int r = i < 0 ? i + n : i;
        return Math.max(0, Math.min(n, r));
    }

    /** The general strided slice; {@code shape} gives the count along each axis. */
    public static Node sliceNode(Node x, int[] starts, int[] steps, Shape shape) {
        if (shape.equals(x.shape()) && Arrays.stream(starts).allMatch(s -> s == 0)) {
            return x;
        }
        Double fill = x.fillValue();
        if (fill != null) {
            return fillLike(x, fill, shape, x.dtype());
        }
        return x.table().intern(new Op.Slice(Arrays.stream(starts).boxed().toList(),
                Arrays.stream(steps).boxed().toList()), List.of(x), shape, x.dtype());
    }

    /** Places x at starts + i*steps inside zeros of {@code shape}: the adjoint of a slice. */
    public static Node pad(Node x, int[] starts, int[] steps, Shape shape) {
        if (shape.equals(x.shape())) {
            return x;
        }
        // Zeros padded with +0 are a fill; -0s padded with +0 are not.
        if (x.isSymbolicZero() || x.isFillBits(0.0)) {
            return fillLike(x, 0, shape, x.dtype());
        }
        return x.table().intern(new Op.Pad(Arrays.stream(starts).boxed().toList(),
                Arrays.stream(steps).boxed().toList()), List.of(x), shape, x.dtype());
    }

    /** The windows of x over its last axes (see {@link Op.Windows}); they must fit in x. */
    public static Node windows(Node x, WindowShape window) {
        int lead = x.rank() - window.spatialRank();
        for (int d = 0; d < window.spatialRank(); d++) {
            if (lead < 0 || window.extent(d) > x.shape().dim(lead + d)) {
                throw new ShapeException("windows: the window " + window + " does not fit in " + x.describe());
            }
        }
        Shape shape = window.windowsShape(x.shape());
        if (x.isSymbolicZero() || x.isFillBits(0.0)) {
            return fillLike(x, 0, shape, x.dtype());
        }
        return x.table().intern(new Op.Windows(window), List.of(x), shape, x.dtype());
    }

    /** The adjoint of {@link #windows}: g [..., K, out...] summed back into {@code input}'s shape. */
    public static Node windowsSum(Node g, WindowShape window, Shape input) {
        if (!window.windowsShape(input).equals(g.shape())) {
            throw new ShapeException("windowsSum: " + g.describe() + " is not the windows " + window + " of " + input);
        }
        if (g.isSymbolicZero() || g.isFillBits(0.0)) {
            return fillLike(g, 0, input, g.dtype());
        }
        return g.table().intern(new Op.WindowsSum(window), List.of(g), input, g.dtype());
    }

    /** Joins tensors of equal shape except along {@code axis}. */
    public static Node concat(int axis, List<Node> parts) {
        if (parts.isEmpty()) {
            throw new ShapeException("concat: needs at least one tensor");
        }
        Node first = parts.get(0);
        int a = ShapeRules.axis("concat", axis, first.rank());
        int total = 0;
        for (Node p : parts) {
            requireSameGraph("concat", first, p);
            requireSameDType("concat", first, p);
            if (p.rank() != first.rank()) {
                throw new ShapeException("concat: shapes " + first.shape() + " and " + p.shape()
                        + " have different ranks");
            }
            for (int i = 0; i < p.rank(); i++) {
                if (i != a && p.shape().dim(i) != first.shape().dim(i)) {
                    throw new ShapeException("concat: shapes " + first.shape() + " and " + p.shape()
                            + " differ at axis " + i + "; all axes but the concatenation axis " + a + " must match");
                }
            }
            total += p.shape().dim(a);
        }
        if (parts.size() == 1) {
            return first;
        }
        int[] dims = first.shape().dims();
        dims[a] = total;
        return first.table().intern(new Op.Concat(a), parts, new Shape(dims), first.dtype());
    }

    // ---- integer indexing ----

    /**
     * numpy's take_along_axis, the {@link Op.Gather} primitive: indices (i32) of x's rank and
     * equal to x off {@code axis}; out[..., j, ...] = x[..., indices[..., j, ...], ...]. An index
     * outside [0, size of the axis), negative ones included, is an error at run time.
     */
    public static Node takeAlongAxis(Node x, Node indices, int axis) {
        String op = "gather";
        requireSameGraph(op, x, indices);
        requireIndices(op, indices, x);
        int a = ShapeRules.axis(op, axis, x.rank());
        requireAlong(op, x.shape(), indices.shape(), a, "x", "indices");
        if (x.isSymbolicZero()) {
            return structuralZeros(x.table(), indices.shape(), x.dtype());
        }
        return x.table().intern(new Op.Gather(a), List.of(x, indices), indices.shape(), x.dtype());
    }

    /**
     * torch.gather: as {@link #takeAlongAxis}, but off the axis the indices may be shorter than
     * x (then only the leading part of x is read): x is sliced to them first, a view.
     */
    public static Node gather(Node x, int axis, Node indices) {
        requireSameGraph("gather", x, indices);
        requireIndices("gather", indices, x);
        int a = ShapeRules.axis("gather", axis, x.rank());
        return takeAlongAxis(leading("gather", x, indices.shape(), a), indices, a);
    }

    /**
     * Whole slices of x along {@code axis} picked by a 1-D i32 index: [..., n, ...] to [..., m, ...]
     * (torch.index_select). The indices are broadcast to x's shape with m along the axis: a
     * stride-0 view, so the one gather primitive serves without copying them.
     */
    public static Node indexSelect(Node x, int axis, Node indices) {
        requireSameGraph("indexSelect", x, indices);
        requireIndices("indexSelect", indices, x);
        if (indices.rank() != 1) {
            throw new ShapeException("indexSelect: the indices must be 1-D, got " + indices.describe());
        }
        int a = ShapeRules.axis("indexSelect", axis, x.rank());
        int[] along = new int[x.rank()];
        Arrays.fill(along, 1);
        along[a] = indices.shape().dim(0);
        int[] dims = x.shape().dims();
        dims[a] = along[a];
        return takeAlongAxis(x, broadcastTo(reshape(indices, along), new Shape(dims)), a);
    }

    /**
     * The rows of {@code table} [V, D] for i32 {@code ids} of any shape: [ids..., D]. A gather of
     * the table along axis 0 with the ids flattened and broadcast along D (a view), so its
     * derivative is a scatter-add of the rows' cotangents, duplicates accumulating.
     */
    public static Node embedding(Node ids, Node table) {
        requireSameGraph("embedding", ids, table);
        requireIndices("embedding", ids, table);
        if (table.rank() != 2) {
            throw new ShapeException("embedding: the table must be [V, D], got " + table.describe());
        }
        int d = table.shape().dim(1);
        Node rows = indexSelect(table, 0, reshape(ids, ids.shape().size()));
        int[] dims = Arrays.copyOf(ids.shape().dims(), ids.rank() + 1);
        dims[ids.rank()] = d;
        return reshape(rows, dims);
    }

    /**
     * The {@link Op.ScatterAdd} primitive: zeros of {@code shape} with updates added at the
     * indices along {@code axis}; indices and updates of one shape, equal to {@code shape} off
     * the axis. Duplicate indices accumulate.
     */
    public static Node scatterAddNode(Node indices, Node updates, int axis, Shape shape) {
        String op = "scatterAdd";
        requireSameGraph(op, indices, updates);
        requireIndices(op, indices, updates);
        if (updates.dtype() == DType.BOOL) {
            throw new DTypeException(op + ": cannot add bool updates " + updates.describe() + "; cast them first");
        }
        if (!indices.shape().equals(updates.shape())) {
            throw new ShapeException(op + ": indices " + indices.describe() + " and updates " + updates.describe()
                    + " need one shape");
        }
        int a = ShapeRules.axis(op, axis, shape.rank());
        requireAlong(op, shape, indices.shape(), a, "the result", "indices");
        if (updates.isSymbolicZero()) {
            return structuralZeros(updates.table(), shape, updates.dtype());
        }
        return updates.table().intern(new Op.ScatterAdd(a), List.of(indices, updates), shape, updates.dtype());
    }

    /**
     * x plus the updates added at the indices along {@code axis} (torch.scatter_add): off the axis
     * the indices may be shorter than x, and the updates longer than the indices on every axis
     * (their leading part is used), as in PyTorch.
     */
    public static Node scatterAdd(Node x, int axis, Node indices, Node updates) {
        requireSameGraph("scatterAdd", x, updates);
        requireSameGraph("scatterAdd", x, indices);
        requireSameDType("scatterAdd", x, updates);
        requireIndices("scatterAdd", indices, x);
        int a = ShapeRules.axis("scatterAdd", axis, x.rank());
        if (updates.rank() != indices.rank()) {
            throw new ShapeException("scatterAdd: updates " + updates.describe() + " and indices "
                    + indices.describe() + " need one rank");
        }
        Node used = leading("scatterAdd", updates, indices.shape(), -1);
        // The sum lands on x's leading part off the axis: checked as a gather from x would be.
        Shape target = leading("scatterAdd", x, indices.shape(), a).shape();
        Node placed = scatterAddNode(indices, used, a, target);
        return add(x, pad(placed, new int[x.rank()], ones(x.rank()), x.shape()));
    }

    /** x's leading part of {@code shape}'s size on every axis but {@code axis}; an error if x is shorter. */
    private static Node leading(String op, Node x, Shape shape, int axis) {
        if (shape.rank() != x.rank()) {
            throw new ShapeException(op + ": indices of shape " + shape + " need the rank of " + x.describe());
        }
        int[] dims = x.shape().dims();
        for (int d = 0; d < dims.length; d++) {
            if (d != axis && shape.dim(d) > dims[d]) {
                throw new ShapeException(op + ": indices of shape " + shape + " are longer than " + x.describe()
                        + " at axis " + d + (axis < 0 ? "; the updates must be at least as long on every axis"
                        : "; off axis " + axis + " they may be at most as long"));
            }
            dims[d] = d == axis ? dims[d] : shape.dim(d);
        }
        return sliceNode(x, new int[dims.length], ones(dims.length), new Shape(dims));
    }

    private static int[] ones(int n) {
        int[] r = new int[n];
        Arrays.fill(r, 1);
        return r;
    }

    private static void requireIndices(String op, Node indices, Node x) {
        if (indices.dtype() != DType.I32) {
            throw new DTypeException(op + ": the indices must be i32, got " + indices.describe() + " (indexing "
                    + x.describe() + "); cast them with cast(I32) first");
        }
    }

    /** Equal ranks, and equal sizes off {@code axis}. */
    private static void requireAlong(String op, Shape x, Shape indices, int axis, String xName, String iName) {
        boolean ok = x.rank() == indices.rank();
        for (int d = 0; ok && d < x.rank(); d++) {
            ok = d == axis || x.dim(d) == indices.dim(d);
        }
        if (!ok) {
            throw new ShapeException(op + ": " + iName + " of shape " + indices + " do not fit " + xName + " of shape "
                    + x + " along axis " + axis + "; they need the same rank and equal sizes off the axis");
        }
    }

    /**
     * An index read at run time, checked: {@code value} must lie in [0, size). Shared by every
     * backend that can throw, so that all name the op, the index, the axis and its size alike.
     */
    public static int checkedIndex(String op, double value, int axis, int size) {
        if (!(value >= 0 && value < size)) {
            throw new NablaException.IndexException(op + ": index " + (long) value + " is out of range for axis "
                    + axis + " of size " + size + " (valid: 0.." + (size - 1) + "; negative indices are refused)");
        }
        return (int) value;
    }

    /** Stacks tensors of one shape along a new axis. */
    public static Node stack(int axis, List<Node> parts) {
        if (parts.isEmpty()) {
            throw new ShapeException("stack: needs at least one tensor");
        }
        Shape shape = parts.get(0).shape();
        int a = ShapeRules.newAxis("stack", axis, shape.rank());
        List<Node> expanded = new ArrayList<>();
        for (Node p : parts) {
            requireSameGraph("stack", parts.get(0), p);
            requireSameDType("stack", parts.get(0), p);
            if (!p.shape().equals(shape)) {
                throw new ShapeException("stack: all tensors need one shape, got " + shape + " and " + p.shape());
            }
            expanded.add(unsqueeze(p, a));
        }
        return concat(a, expanded);
    }

    /**
     * Matrix product. 2-D: [m,k]·[k,n]. Batched: leading axes broadcast (NumPy matmul rules).
     * A 1-D operand is treated as a row (left) or column (right) vector and that axis is dropped.
     */
    public static Node matmul(Node a, Node b) {
        requireSameGraph("matmul", a, b);
        requireSameDType("matmul", a, b);
        requireFloating("matmul", a);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new ShapeException("matmul: operands must have at least one axis, got " + a.shape() + " and "
                    + b.shape() + "; use mul for scalars");
        }
        Node left = a.rank() == 1 ? unsqueeze(a, 0) : a;
        Node right = b.rank() == 1 ? unsqueeze(b, 1) : b;
        int k = left.shape().dim(left.rank() - 1);
        int k2 = right.shape().dim(right.rank() - 2);
        if (k != k2) {
            throw new ShapeException("matmul: inner dimensions differ: " + a.shape() + " · " + b.shape()
                    + " (" + k + " vs " + k2 + "); the last axis of the left operand must equal the"
                    + " second-to-last axis of the right");
        }
        int m = left.shape().dim(left.rank() - 2);
        int n = right.shape().dim(right.rank() - 1);
        Shape batchA = new Shape(Arrays.copyOf(left.shape().dims(), left.rank() - 2));
        Shape batchB = new Shape(Arrays.copyOf(right.shape().dims(), right.rank() - 2));
        Shape batch;
        try {
            batch = ShapeRules.broadcast("matmul", batchA, batchB);
        } catch (ShapeException e) {
            throw new ShapeException("matmul: batch axes " + batchA + " of " + a.shape() + " and " + batchB + " of "
                    + b.shape() + " cannot be broadcast together; leading (batch) axes must be equal or 1"
                    + " (NumPy matmul rule)");
        }
        left = broadcastTo(left, append(batch, m, k));
        right = broadcastTo(right, append(batch, k, n));
        Node product = Simplifier.matmul(left, right);
        if (product == null) {
            product = a.table().intern(new Op.MatMul(), List.of(left, right), append(batch, m, n), a.dtype());
        }
        if (a.rank() == 1) {
            product = squeeze(product, -2);
        }
        if (b.rank() == 1) {
            product = squeeze(product, -1);
        }
        return product;
    }

    private static Shape append(Shape batch, int r, int c) {
        int[] dims = Arrays.copyOf(batch.dims(), batch.rank() + 2);
        dims[batch.rank()] = r;
        dims[batch.rank() + 1] = c;
        return new Shape(dims);
    }

    /** Inner product of two vectors of equal length. */
    public static Node dot(Node a, Node b) {
        requireSameGraph("dot", a, b);
        if (a.rank() != 1 || b.rank() != 1 || a.shape().dim(0) != b.shape().dim(0)) {
            throw new ShapeException("dot: needs two vectors of equal length, got " + a.shape() + " and " + b.shape());
        }
        return sum(mul(a, b), new int[0], false);
    }

    /** Swaps the last two axes of a matrix or batch of matrices. */
    public static Node matrixTranspose(Node x) {
        return transpose(x, -1, -2);
    }

    public static Node cast(Node x, DType dtype) {
        if (x.dtype() == dtype) {
            return x;
        }
        Double fill = x.fillValue();
        if (fill != null) {
            return fillLike(x, fill, x.shape(), dtype);
        }
        return x.table().intern(new Op.Cast(), List.of(x), x.shape(), dtype);
    }

    /** x's value with a zero derivative (PyTorch's detach). */
    public static Node stopGradient(Node x) {
        if (x.op() instanceof Op.Constant || x.op() instanceof Op.StopGradient) {
            return x;
        }
        return x.table().intern(new Op.StopGradient(), List.of(x), x.shape(), x.dtype());
    }

    /**
     * The custom function {@code rule} of {@code args}: its value is {@code primal}, which the user's
     * function built from the args; its derivatives come from the rule. Variables the primal reads
     * other than through the args become inputs too, so that differentiating against one can be
     * refused (the rule cannot give that derivative) instead of silently giving zero.
     */
    public static Node custom(CustomRule rule, Node primal, List<Node> args) {
        String op = "custom function " + rule.name();
        if (args.isEmpty()) {
            throw new NablaException(op + ": needs at least one argument");
        }
        for (Node a : args) {
            requireSameGraph(op, a, primal);
        }
        if (!primal.dtype().isFloating()) {
            throw new DTypeException(op + ": the primal returned " + primal.describe() + "; only f32 and f64 results"
                    + " have derivatives, so only they can have derivative rules");
        }
        List<Node> captured = capturedVariables(primal, args);
        Node simplified = Simplifier.custom(primal, args, captured);
        if (simplified != null) {
            return simplified;
        }
        List<Node> inputs = new ArrayList<>(1 + args.size() + captured.size());
        inputs.add(primal);
        inputs.addAll(args);
        inputs.addAll(captured);
        return primal.table().intern(new Op.Custom(rule, args.size()), inputs, primal.shape(), primal.dtype());
    }

    /**
     * The floating variables {@code primal} depends on other than through {@code args}, in id order.
     * Values with no derivative (stopGradient, non-floating values such as masks) are not followed.
     */
    public static List<Node> capturedVariables(Node primal, List<Node> args) {
        Set<Node> seen = new HashSet<>(args);
        ArrayDeque<Node> todo = new ArrayDeque<>();
        todo.push(primal);
        TreeSet<Node> captured = new TreeSet<>(Comparator.comparingInt(Node::id));
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n) || !n.dtype().isFloating() || n.op() instanceof Op.StopGradient
                    || n.op() instanceof Op.Random) {
                continue;
            }
            if (n.isVariable()) {
                captured.add(n);
            }
            n.inputs().forEach(todo::push);
        }
        return List.copyOf(captured);
    }

    /**
     * A fresh input that stands for a value while a transform or a loop body is built over it: it
     * is interned, not declared, so no user name clashes with it and it is never among a graph's
     * variables. {@code role} names it in error messages.
     */
    public static Node placeholder(NodeTable table, String role, Shape shape, DType dtype) {
        return table.intern(new Op.Input("<" + role + " #" + PLACEHOLDERS.incrementAndGet() + ">"), List.of(), shape,
                dtype);
    }

    private static final java.util.concurrent.atomic.AtomicLong PLACEHOLDERS = new java.util.concurrent.atomic.AtomicLong();

    /**
     * The outputs of {@code body} run over {@code inits} (one per carry), {@code xs} (one stacked
     * input per slice parameter, its leading axis the loop's length) and {@code captured} (one
     * value per captured parameter): the final carries, then the stacked per-step outputs.
     */
    public static List<Node> loop(LoopBody body, List<Node> inits, List<Node> xs, List<Node> captured) {
        List<Node> inputs = new ArrayList<>(inits);
        inputs.addAll(xs);
        inputs.addAll(captured);
        List<Node> outputs = new ArrayList<>(body.outputCount());
        for (int i = 0; i < body.outputCount(); i++) {
            outputs.add(loopOutput(body, i, inputs));
        }
        return outputs;
    }

    /**
     * One output of {@code body} run over {@code inputs} (the initial carries, the stacked inputs,
     * then the captured values), checked as {@link #loop} checks them: a member of a loop's family
     * on its own, as a reader of saved graphs builds them one at a time.
     */
    public static Node loopOutput(LoopBody body, int output, List<Node> inputs) {
        String op = body.isWhile() ? "whileLoop" : "scan";
        int nc = body.carries().size();
        int nx = body.xs().size();
        if (inputs.size() != nc + nx + body.captured().size()) {
            throw new NablaException.GraphException(op + ": " + inputs.size() + " inputs for a body of " + nc
                    + " carries, " + nx + " stacked inputs and " + body.captured().size() + " captured values");
        }
        if (output < 0 || output >= body.outputCount()) {
            throw new NablaException.GraphException(op + ": output " + output + " of a loop with "
                    + body.outputCount() + " outputs");
        }
        check(op, "initial carries", inputs.subList(0, nc), body.carries(), false, body.length());
        check(op, "stacked inputs", inputs.subList(nc, nc + nx), body.xs(), true, body.length());
        check(op, "captured values", inputs.subList(nc + nx, inputs.size()), body.captured(), false, body.length());
        NodeTable table = inputs.isEmpty() ? body.index().table() : inputs.get(0).table();
        for (Node in : inputs) {
            requireSameGraph(op, in, inputs.get(0));
        }
        return table.intern(new Op.Loop(body, output), inputs, body.outputShape(output), body.outputDType(output));
    }

    /**
     * The outputs of the conditional: branch {@code index} (an i32 or bool scalar, clamped) of
     * {@code branches}, run over {@code captured} (one value per captured parameter).
     */
    public static List<Node> cond(CondBranches branches, Node index, List<Node> captured) {
        if (index.shape().size() != 1 || !(index.dtype() == DType.I32 || index.dtype() == DType.BOOL)) {
            throw new DTypeException("cond: the branch index must be an i32 or bool scalar, got " + index.describe()
                    + "; compare or cast it first");
        }
        List<Node> inputs = new ArrayList<>(List.of(reshape(cast(index, DType.I32), Shape.SCALAR)));
        inputs.addAll(captured);
        List<Node> outputs = new ArrayList<>(branches.outputCount());
        for (int o = 0; o < branches.outputCount(); o++) {
            outputs.add(condOutput(branches, o, inputs));
        }
        return outputs;
    }

    /**
     * One output of the conditional over {@code inputs}: the branch index (an i32 scalar of rank
     * 0, as {@link #cond} makes it), then the captured values; checked as {@link #cond} checks them.
     */
    public static Node condOutput(CondBranches branches, int output, List<Node> inputs) {
        if (inputs.isEmpty() || inputs.get(0).dtype() != DType.I32 || inputs.get(0).rank() != 0) {
            throw new DTypeException("cond: the first input must be the branch index, an i32 scalar of rank 0, got "
                    + (inputs.isEmpty() ? "none" : inputs.get(0).describe()));
        }
        if (output < 0 || output >= branches.outputCount()) {
            throw new NablaException.GraphException("cond: output " + output + " of a conditional with "
                    + branches.outputCount() + " outputs");
        }
        Node index = inputs.get(0);
        List<Node> captured = inputs.subList(1, inputs.size());
        check("cond", "captured values", captured, branches.captured(), false, 0);
        for (Node in : captured) {
            requireSameGraph("cond", in, index);
        }
        return index.table().intern(new Op.Cond(branches, output), inputs, branches.outputShape(output),
                branches.outputDType(output));
    }

    /** Every output of the loop or conditional n is one of, by output index (n's family). */
    public static List<Node> family(Node n) {
        List<Node> in = n.inputs();
        return switch (n.op()) {
            case Op.Loop(LoopBody b, int output) -> {
                int nc = b.carries().size();
                int nx = b.xs().size();
                yield loop(b, in.subList(0, nc), in.subList(nc, nc + nx), in.subList(nc + nx, in.size()));
            }
            case Op.Cond(CondBranches b, int output) -> cond(b, in.get(0), in.subList(1, in.size()));
            default -> List.of(n);
        };
    }

    /** The key shared by the outputs of one loop or conditional run: its body and its inputs. */
    public static Object familyKey(Node n) {
        return switch (n.op()) {
            case Op.Loop(LoopBody b, int output) -> List.of(b, n.inputs());
            case Op.Cond(CondBranches b, int output) -> List.of(b, n.inputs());
            default -> n;
        };
    }

    private static void check(String op, String what, List<Node> values, List<Node> params, boolean stacked, int length) {
        if (values.size() != params.size()) {
            throw new NablaException.GraphException(op + ": " + values.size() + " " + what + " for " + params.size());
        }
        for (int i = 0; i < values.size(); i++) {
            Node v = values.get(i);
            Node p = params.get(i);
            if (v == null) {
                throw new NablaException.GraphException(op + ": " + what + " " + i + " is null");
            }
            Shape expected = stacked ? p.shape().prepend(length) : p.shape();
            if (!v.shape().equals(expected) || v.dtype() != p.dtype()) {
                throw new ShapeException(op + ": " + what + " " + i + " is " + v.describe() + " but the body takes "
                        + p.dtype() + expected);
            }
        }
    }

    // ---- checks ----

    /**
     * Checked before anything else: the simplifier may otherwise return one operand (x*1 is x) and
     * never reach {@link NodeTable#intern}, which would let a node of another graph slip through.
     */
    static void requireSameGraph(String op, Node a, Node b) {
        if (a.table() != b.table()) {
            throw new NablaException.GraphException(op + ": " + a.describe() + " and " + b.describe()
                    + " belong to different graphs; build all tensors of one computation in the same graph");
        }
    }

    private static void requireSameDType(String op, Node a, Node b) {
        if (a.dtype() != b.dtype()) {
            throw new DTypeException(op + ": dtypes differ: " + a.describe() + " and " + b.describe()
                    + "; convert one with cast(" + a.dtype().name() + ") or cast(" + b.dtype().name() + ")");
        }
    }

    private static void requireFloating(String op, Node x) {
        if (!x.dtype().isFloating()) {
            throw new DTypeException(op + ": needs a floating tensor (f32 or f64), got " + x.describe()
                    + "; cast it first");
        }
    }
}

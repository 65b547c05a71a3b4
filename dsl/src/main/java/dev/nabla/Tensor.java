package dev.nabla;

import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.Statistics;
import dev.nabla.core.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * A symbolic tensor: a node of a {@link Graph}, not a value. Every method builds a new node
 * (checked for shapes and dtypes right here) and returns it; nothing is computed until the
 * graph is compiled and run. Java numbers mix in freely and take this tensor's dtype.
 */
public record Tensor(Graph graph, Node node) {

    public Shape shape() { return node.shape(); }
    public DType dtype() { return node.dtype(); }
    public int rank() { return node.rank(); }

    private Tensor wrap(Node n) { return graph.wrap(n); }
    private Node other(String op, Tensor t) { return graph.unwrap(op, t); }

    // ---- arithmetic ----
    public Tensor add(Tensor o) { return wrap(Ops.add(node, other("add", o))); }
    public Tensor add(double c) { return wrap(Ops.add(node, c)); }
    public Tensor sub(Tensor o) { return wrap(Ops.sub(node, other("sub", o))); }
    public Tensor sub(double c) { return wrap(Ops.sub(node, c)); }
    /** c - this. */
    public Tensor rsub(double c) { return wrap(Ops.sub(c, node)); }
    public Tensor mul(Tensor o) { return wrap(Ops.mul(node, other("mul", o))); }
    public Tensor mul(double c) { return wrap(Ops.mul(node, c)); }
    public Tensor div(Tensor o) { return wrap(Ops.div(node, other("div", o))); }
    public Tensor div(double c) { return wrap(Ops.div(node, c)); }
    /** c / this. */
    public Tensor rdiv(double c) { return wrap(Ops.div(c, node)); }
    public Tensor pow(Tensor exponent) { return wrap(Ops.pow(node, other("pow", exponent))); }
    public Tensor pow(double exponent) { return wrap(Ops.pow(node, exponent)); }
    public Tensor neg() { return wrap(Ops.neg(node)); }
    /** this * b + c with one rounding (a fused multiply-add). */
    public Tensor fma(Tensor b, Tensor c) { return wrap(Ops.fma(node, other("fma", b), other("fma", c))); }
    public Tensor fma(double b, Tensor c) { return wrap(Ops.fma(node, Ops.scalarLike(node, b), other("fma", c))); }
    public Tensor minimum(Tensor o) { return wrap(Ops.minimum(node, other("minimum", o))); }
    public Tensor maximum(Tensor o) { return wrap(Ops.maximum(node, other("maximum", o))); }

    // ---- elementwise functions ----
    public Tensor exp() { return wrap(Ops.exp(node)); }
    public Tensor log() { return wrap(Ops.log(node)); }
    public Tensor log1p() { return wrap(Ops.log1p(node)); }
    public Tensor expm1() { return wrap(Ops.expm1(node)); }
    public Tensor sqrt() { return wrap(Ops.sqrt(node)); }
    public Tensor rsqrt() { return wrap(Ops.rsqrt(node)); }
    public Tensor abs() { return wrap(Ops.abs(node)); }
    public Tensor sign() { return wrap(Ops.sign(node)); }
    public Tensor sin() { return wrap(Ops.sin(node)); }
    public Tensor cos() { return wrap(Ops.cos(node)); }
    public Tensor tan() { return wrap(Ops.tan(node)); }
    public Tensor tanh() { return wrap(Ops.tanh(node)); }
    public Tensor sigmoid() { return wrap(Ops.sigmoid(node)); }
    public Tensor relu() { return wrap(Ops.relu(node)); }
    public Tensor softplus() { return wrap(Ops.softplus(node)); }

    // ---- comparisons (bool masks, for where) ----
    public Tensor lt(Tensor o) { return wrap(Ops.compare(CompareFn.LT, node, other("lt", o))); }
    public Tensor lt(double c) { return wrap(Ops.compare(CompareFn.LT, node, c)); }
    public Tensor le(Tensor o) { return wrap(Ops.compare(CompareFn.LE, node, other("le", o))); }
    public Tensor le(double c) { return wrap(Ops.compare(CompareFn.LE, node, c)); }
    public Tensor gt(Tensor o) { return wrap(Ops.compare(CompareFn.GT, node, other("gt", o))); }
    public Tensor gt(double c) { return wrap(Ops.compare(CompareFn.GT, node, c)); }
    public Tensor ge(Tensor o) { return wrap(Ops.compare(CompareFn.GE, node, other("ge", o))); }
    public Tensor ge(double c) { return wrap(Ops.compare(CompareFn.GE, node, c)); }
    public Tensor eq(Tensor o) { return wrap(Ops.compare(CompareFn.EQ, node, other("eq", o))); }
    public Tensor eq(double c) { return wrap(Ops.compare(CompareFn.EQ, node, c)); }

    // ---- reductions: no axes means all axes ----
    public Tensor sum(int... axes) { return wrap(Ops.sum(node, axes, false)); }
    public Tensor sumKeepDims(int... axes) { return wrap(Ops.sum(node, axes, true)); }
    public Tensor mean(int... axes) { return wrap(Ops.mean(node, axes, false)); }
    public Tensor meanKeepDims(int... axes) { return wrap(Ops.mean(node, axes, true)); }
    public Tensor max(int... axes) { return wrap(Ops.max(node, axes, false)); }
    public Tensor maxKeepDims(int... axes) { return wrap(Ops.max(node, axes, true)); }
    public Tensor min(int... axes) { return wrap(Ops.min(node, axes, false)); }
    public Tensor minKeepDims(int... axes) { return wrap(Ops.min(node, axes, true)); }
    public Tensor prod(int... axes) { return wrap(Ops.prod(node, axes, false)); }
    public Tensor prodKeepDims(int... axes) { return wrap(Ops.prod(node, axes, true)); }
    public Tensor logSumExp(int... axes) { return wrap(Ops.logSumExp(node, axes, false)); }
    public Tensor logSumExpKeepDims(int... axes) { return wrap(Ops.logSumExp(node, axes, true)); }
    public Tensor softmax(int axis) { return wrap(Ops.softmax(node, axis)); }
    public Tensor logSoftmax(int axis) { return wrap(Ops.logSoftmax(node, axis)); }

    // ---- statistics (PyTorch's conventions) ----
    /** Limited to [lo, hi]; gradient 1 inside, bounds included, 0 outside (torch.clamp). */
    public Tensor clamp(double lo, double hi) { return wrap(Statistics.clamp(node, lo, hi)); }
    /** Unbiased variance over the axes (all when none), as torch.var. */
    public Tensor var(int... axes) { return wrap(Statistics.variance(node, axes, 1, false)); }
    /** Variance over the axes with the given correction (0: population, 1: unbiased). */
    public Tensor var(int[] axes, int correction, boolean keepDims) {
        return wrap(Statistics.variance(node, axes, correction, keepDims));
    }
    /** Unbiased standard deviation over the axes (all when none), as torch.std. */
    public Tensor std(int... axes) { return wrap(Statistics.std(node, axes, 1, false)); }
    /** The p-norm (1, 2 or Double.POSITIVE_INFINITY) over the axes (all when none), as torch.linalg.vector_norm. */
    public Tensor norm(double p, int... axes) { return wrap(Statistics.norm(node, p, axes, false)); }
    /** Running sums along the axis, as torch.cumsum. */
    public Tensor cumsum(int axis) { return wrap(Statistics.cumsum(node, axis)); }
    /** Index (i32) of the largest element along the axis; first on a tie, NaN counts as largest. */
    public Tensor argmax(int axis) { return wrap(Statistics.argmax(node, axis)); }
    /** The index (i32) of the smallest element along axis, the first on a tie (torch.argmin). */
    public Tensor argmin(int axis) { return wrap(Statistics.argmin(node, axis)); }

    /**
     * Element indexing, x[i, j] in Python: the sub-tensor at the given indices of the leading
     * axes (negative ones count from the end), its rank the rank less the number of indices.
     */
    public Tensor get(int... index) {
        if (index.length > rank()) {
            throw new dev.nabla.core.NablaException.AxisException("get: " + index.length + " indices for "
                    + node.describe() + " of rank " + rank());
        }
        Node n = node;
        for (int axis = 0; axis < index.length; axis++) {
            int size = shape().dim(axis);
            int i = index[axis] < 0 ? index[axis] + size : index[axis];
            if (i < 0 || i >= size) {
                throw new dev.nabla.core.NablaException.AxisException("get: index " + index[axis]
                        + " is out of range for axis " + axis + " of size " + size + " in " + node.describe());
            }
            n = Ops.slice(n, axis, i, i + 1, 1);
        }
        int[] dims = java.util.Arrays.copyOfRange(shape().dims(), index.length, rank());
        return wrap(Ops.reshape(n, dims));
    }
    /** i32 labels as one-hot rows of {@code classes} (a new last axis); out-of-range labels: zeros. */
    public Tensor oneHot(int classes, DType dtype) { return wrap(Statistics.oneHot(node, classes, dtype)); }

    // ---- shape ----
    /** Row-major reshape; one dimension may be -1. */
    public Tensor reshape(int... dims) { return wrap(Ops.reshape(node, dims)); }
    public Tensor permute(int... perm) { return wrap(Ops.permute(node, perm)); }
    public Tensor transpose(int axis0, int axis1) { return wrap(Ops.transpose(node, axis0, axis1)); }
    /** Swaps the last two axes (a matrix transpose). */
    public Tensor transpose() { return wrap(Ops.matrixTranspose(node)); }
    public Tensor broadcastTo(int... dims) { return wrap(Ops.broadcastTo(node, new Shape(dims))); }
    public Tensor squeeze(int... axes) { return wrap(Ops.squeeze(node, axes)); }
    public Tensor unsqueeze(int axis) { return wrap(Ops.unsqueeze(node, axis)); }
    /** Elements [start, end) along axis; negative indices count from the end. */
    public Tensor slice(int axis, int start, int end) { return wrap(Ops.slice(node, axis, start, end, 1)); }
    public Tensor slice(int axis, int start, int end, int step) { return wrap(Ops.slice(node, axis, start, end, step)); }

    // ---- integer indexing (i32 indices; an index outside [0, n), negative ones too, fails at run time) ----
    /**
     * torch.gather: out[..., j, ...] = this[..., idx[..., j, ...], ...] along axis; idx has this
     * tensor's rank and off the axis at most its sizes.
     */
    public Tensor gather(int axis, Tensor idx) { return wrap(Ops.gather(node, axis, other("gather", idx))); }
    /** numpy's take_along_axis: as gather, with idx equal to this tensor off the axis. */
    public Tensor takeAlongAxis(Tensor idx, int axis) {
        return wrap(Ops.takeAlongAxis(node, other("takeAlongAxis", idx), axis));
    }
    /** torch.index_select: the slices along axis at the 1-D idx. */
    public Tensor indexSelect(int axis, Tensor idx) {
        return wrap(Ops.indexSelect(node, axis, other("indexSelect", idx)));
    }
    /**
     * torch.scatter_add: this tensor plus updates[..., j, ...] added at [..., idx[..., j, ...], ...]
     * along axis, duplicate indices accumulating; updates at least as long as idx on every axis.
     */
    public Tensor scatterAdd(int axis, Tensor idx, Tensor updates) {
        return wrap(Ops.scatterAdd(node, axis, other("scatterAdd", idx), other("scatterAdd", updates)));
    }
    public Tensor matmul(Tensor o) { return wrap(Ops.matmul(node, other("matmul", o))); }
    public Tensor dot(Tensor o) { return wrap(Ops.dot(node, other("dot", o))); }
    public Tensor cast(DType dtype) { return wrap(Ops.cast(node, dtype)); }
    /** This value with a zero derivative (PyTorch's detach). */
    public Tensor stopGradient() { return wrap(Ops.stopGradient(node)); }

    // ---- derivatives ----
    /** d this / d x for a scalar this: a tensor of x's shape, itself differentiable. */
    public Tensor grad(Tensor x) {
        return grad(java.util.Collections.singletonList(x)).get(0);
    }

    /** The partial derivatives of this scalar with respect to each of {@code wrt}. */
    public List<Tensor> grad(Tensor... wrt) {
        return grad(Arrays.asList(wrt));
    }

    public List<Tensor> grad(List<Tensor> wrt) {
        return graph.wrapAll(Autodiff.grad(node, graph.unwrapAll("grad", wrt)));
    }

    @Override
    public String toString() {
        return "Tensor(" + node.describe() + ")";
    }
}

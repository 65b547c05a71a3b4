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
 *
 * <p>Binary operations broadcast their operands as NumPy does and need them to share a dtype;
 * arithmetic, elementwise functions and reductions need a floating one (f32 or f64). Axes may be
 * negative, counting from the end. An operation that cannot take its operands throws a
 * {@link dev.nabla.core.NablaException} naming the op, the shapes and the dtypes.
 *
 * @param graph the graph that holds the node
 * @param node  the node in Nabla's internal IR; users build tensors through {@link Graph} and
 *              the methods here, never from a node
 */
public record Tensor(Graph graph, Node node) {

    /** {@return the static shape} */
    public Shape shape() { return node.shape(); }

    /** {@return the element type} */
    public DType dtype() { return node.dtype(); }

    /** {@return the number of axes} */
    public int rank() { return node.rank(); }

    private Tensor wrap(Node n) { return graph.wrap(n); }
    private Node other(String op, Tensor t) { return graph.unwrap(op, t); }

    // ---- arithmetic ----
    /**
     * {@return this + o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor add(Tensor o) { return wrap(Ops.add(node, other("add", o))); }

    /**
     * {@return this + c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor add(double c) { return wrap(Ops.add(node, c)); }

    /**
     * {@return this - o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor sub(Tensor o) { return wrap(Ops.sub(node, other("sub", o))); }

    /**
     * {@return this - c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor sub(double c) { return wrap(Ops.sub(node, c)); }

    /**
     * {@return c - this, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor rsub(double c) { return wrap(Ops.sub(c, node)); }

    /**
     * {@return this * o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor mul(Tensor o) { return wrap(Ops.mul(node, other("mul", o))); }

    /**
     * {@return this * c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor mul(double c) { return wrap(Ops.mul(node, c)); }

    /**
     * {@return this / o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor div(Tensor o) { return wrap(Ops.div(node, other("div", o))); }

    /**
     * {@return this / c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor div(double c) { return wrap(Ops.div(node, c)); }

    /**
     * {@return c / this, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor rdiv(double c) { return wrap(Ops.div(c, node)); }

    /**
     * {@return this raised to {@code exponent}, elementwise}
     *
     * @param exponent the exponents
     */
    public Tensor pow(Tensor exponent) { return wrap(Ops.pow(node, other("pow", exponent))); }

    /**
     * {@return this raised to {@code exponent}, elementwise}
     *
     * @param exponent the exponent, taken in this tensor's dtype
     */
    public Tensor pow(double exponent) { return wrap(Ops.pow(node, exponent)); }

    /** {@return -this, elementwise} */
    public Tensor neg() { return wrap(Ops.neg(node)); }

    /**
     * {@return this * b + c with one rounding (a fused multiply-add)}
     *
     * @param b the factor
     * @param c the addend
     */
    public Tensor fma(Tensor b, Tensor c) { return wrap(Ops.fma(node, other("fma", b), other("fma", c))); }

    /**
     * {@return this * b + c with one rounding (a fused multiply-add)}
     *
     * @param b the factor, taken in this tensor's dtype
     * @param c the addend
     */
    public Tensor fma(double b, Tensor c) { return wrap(Ops.fma(node, Ops.scalarLike(node, b), other("fma", c))); }

    /**
     * {@return the smaller of this and o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor minimum(Tensor o) { return wrap(Ops.minimum(node, other("minimum", o))); }

    /**
     * {@return the larger of this and o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor maximum(Tensor o) { return wrap(Ops.maximum(node, other("maximum", o))); }

    // ---- elementwise functions ----
    /** {@return e^this, elementwise} */
    public Tensor exp() { return wrap(Ops.exp(node)); }

    /** {@return the natural logarithm, elementwise} */
    public Tensor log() { return wrap(Ops.log(node)); }

    /** {@return log(1 + this), elementwise, accurate near 0} */
    public Tensor log1p() { return wrap(Ops.log1p(node)); }

    /** {@return e^this - 1, elementwise, accurate near 0} */
    public Tensor expm1() { return wrap(Ops.expm1(node)); }

    /** {@return the square root, elementwise} */
    public Tensor sqrt() { return wrap(Ops.sqrt(node)); }

    /** {@return 1 / sqrt(this), elementwise} */
    public Tensor rsqrt() { return wrap(Ops.rsqrt(node)); }

    /** {@return the absolute value, elementwise} */
    public Tensor abs() { return wrap(Ops.abs(node)); }

    /** {@return -1, 0 or 1 by the sign of each element} */
    public Tensor sign() { return wrap(Ops.sign(node)); }

    /** {@return the sine, elementwise} */
    public Tensor sin() { return wrap(Ops.sin(node)); }

    /** {@return the cosine, elementwise} */
    public Tensor cos() { return wrap(Ops.cos(node)); }

    /** {@return the tangent, elementwise} */
    public Tensor tan() { return wrap(Ops.tan(node)); }

    /** {@return the hyperbolic tangent, elementwise} */
    public Tensor tanh() { return wrap(Ops.tanh(node)); }

    /** {@return 1 / (1 + e^-this), elementwise} */
    public Tensor sigmoid() { return wrap(Ops.sigmoid(node)); }

    /** {@return max(this, 0), elementwise} */
    public Tensor relu() { return wrap(Ops.relu(node)); }

    /** {@return log(1 + e^this), elementwise} */
    public Tensor softplus() { return wrap(Ops.softplus(node)); }

    // ---- comparisons (bool masks, for where) ----
    /**
     * {@return the bool mask this &lt; o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor lt(Tensor o) { return wrap(Ops.compare(CompareFn.LT, node, other("lt", o))); }

    /**
     * {@return the bool mask this &lt; c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor lt(double c) { return wrap(Ops.compare(CompareFn.LT, node, c)); }

    /**
     * {@return the bool mask this &lt;= o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor le(Tensor o) { return wrap(Ops.compare(CompareFn.LE, node, other("le", o))); }

    /**
     * {@return the bool mask this &lt;= c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor le(double c) { return wrap(Ops.compare(CompareFn.LE, node, c)); }

    /**
     * {@return the bool mask this &gt; o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor gt(Tensor o) { return wrap(Ops.compare(CompareFn.GT, node, other("gt", o))); }

    /**
     * {@return the bool mask this &gt; c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor gt(double c) { return wrap(Ops.compare(CompareFn.GT, node, c)); }

    /**
     * {@return the bool mask this &gt;= o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor ge(Tensor o) { return wrap(Ops.compare(CompareFn.GE, node, other("ge", o))); }

    /**
     * {@return the bool mask this &gt;= c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor ge(double c) { return wrap(Ops.compare(CompareFn.GE, node, c)); }

    /**
     * {@return the bool mask this == o, elementwise}
     *
     * @param o the other operand
     */
    public Tensor eq(Tensor o) { return wrap(Ops.compare(CompareFn.EQ, node, other("eq", o))); }

    /**
     * {@return the bool mask this == c, elementwise}
     *
     * @param c a number, taken in this tensor's dtype
     */
    public Tensor eq(double c) { return wrap(Ops.compare(CompareFn.EQ, node, c)); }

    // ---- reductions: no axes means all axes ----
    /**
     * {@return the sum over the axes, which are removed}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor sum(int... axes) { return wrap(Ops.sum(node, axes, false)); }

    /**
     * {@return the sum over the axes, kept with size 1}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor sumKeepDims(int... axes) { return wrap(Ops.sum(node, axes, true)); }

    /**
     * {@return the mean over the axes, which are removed}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor mean(int... axes) { return wrap(Ops.mean(node, axes, false)); }

    /**
     * {@return the mean over the axes, kept with size 1}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor meanKeepDims(int... axes) { return wrap(Ops.mean(node, axes, true)); }

    /**
     * {@return the maximum over the axes, which are removed}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor max(int... axes) { return wrap(Ops.max(node, axes, false)); }

    /**
     * {@return the maximum over the axes, kept with size 1}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor maxKeepDims(int... axes) { return wrap(Ops.max(node, axes, true)); }

    /**
     * {@return the minimum over the axes, which are removed}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor min(int... axes) { return wrap(Ops.min(node, axes, false)); }

    /**
     * {@return the minimum over the axes, kept with size 1}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor minKeepDims(int... axes) { return wrap(Ops.min(node, axes, true)); }

    /**
     * {@return the product over the axes, which are removed}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor prod(int... axes) { return wrap(Ops.prod(node, axes, false)); }

    /**
     * {@return the product over the axes, kept with size 1}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor prodKeepDims(int... axes) { return wrap(Ops.prod(node, axes, true)); }

    /**
     * {@return log(sum(exp(this))) over the axes, which are removed, computed without overflow}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor logSumExp(int... axes) { return wrap(Ops.logSumExp(node, axes, false)); }

    /**
     * {@return log(sum(exp(this))) over the axes, kept with size 1, computed without overflow}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor logSumExpKeepDims(int... axes) { return wrap(Ops.logSumExp(node, axes, true)); }

    /**
     * {@return the softmax along an axis: exp(this) normalized to sum to 1}
     *
     * @param axis the axis
     */
    public Tensor softmax(int axis) { return wrap(Ops.softmax(node, axis)); }

    /**
     * {@return the log of the softmax along an axis, computed without overflow}
     *
     * @param axis the axis
     */
    public Tensor logSoftmax(int axis) { return wrap(Ops.logSoftmax(node, axis)); }

    // ---- statistics (PyTorch's conventions) ----
    /**
     * {@return this limited to [lo, hi]; gradient 1 inside, bounds included, 0 outside (torch.clamp)}
     *
     * @param lo the lower bound
     * @param hi the upper bound
     */
    public Tensor clamp(double lo, double hi) { return wrap(Statistics.clamp(node, lo, hi)); }

    /**
     * {@return the unbiased variance over the axes, which are removed, as torch.var}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor var(int... axes) { return wrap(Statistics.variance(node, axes, 1, false)); }

    /**
     * {@return the variance over the axes with the given correction}
     *
     * @param axes       the axes to reduce; empty for all
     * @param correction subtracted from the count in the divisor: 0 for the population variance,
     *                   1 for the unbiased one
     * @param keepDims   whether to keep the reduced axes with size 1
     */
    public Tensor var(int[] axes, int correction, boolean keepDims) {
        return wrap(Statistics.variance(node, axes, correction, keepDims));
    }

    /**
     * {@return the unbiased standard deviation over the axes, which are removed, as torch.std}
     *
     * @param axes the axes to reduce; none for all
     */
    public Tensor std(int... axes) { return wrap(Statistics.std(node, axes, 1, false)); }

    /**
     * {@return the p-norm over the axes, which are removed, as torch.linalg.vector_norm}
     *
     * @param p    1, 2 or {@code Double.POSITIVE_INFINITY}
     * @param axes the axes to reduce; none for all
     */
    public Tensor norm(double p, int... axes) { return wrap(Statistics.norm(node, p, axes, false)); }

    /**
     * {@return the running sums along an axis, as torch.cumsum}
     *
     * @param axis the axis
     */
    public Tensor cumsum(int axis) { return wrap(Statistics.cumsum(node, axis)); }

    /**
     * {@return the index (i32) of the largest element along an axis, which is removed; the first on
     * a tie, NaN counting as largest}
     *
     * @param axis the axis
     */
    public Tensor argmax(int axis) { return wrap(Statistics.argmax(node, axis)); }

    /**
     * {@return the index (i32) of the smallest element along an axis, which is removed; the first on
     * a tie (torch.argmin)}
     *
     * @param axis the axis
     */
    public Tensor argmin(int axis) { return wrap(Statistics.argmin(node, axis)); }

    /**
     * Element indexing, x[i, j] in Python: the sub-tensor at the given indices of the leading
     * axes (negative ones count from the end), its rank the rank less the number of indices.
     *
     * @param index one index per leading axis
     * @return the sub-tensor
     * @throws dev.nabla.core.NablaException.AxisException if there are more indices than axes, or
     *         an index is out of range
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

    /**
     * {@return i32 labels as one-hot rows of {@code classes} (a new last axis); out-of-range labels give zeros}
     *
     * @param classes the number of classes
     * @param dtype   the result's element type
     */
    public Tensor oneHot(int classes, DType dtype) { return wrap(Statistics.oneHot(node, classes, dtype)); }

    // ---- shape ----
    /**
     * {@return the same elements, row-major, in another shape}
     *
     * @param dims the new shape; one dimension may be -1, inferred from the others
     */
    public Tensor reshape(int... dims) { return wrap(Ops.reshape(node, dims)); }

    /**
     * {@return the axes reordered: output axis i is input axis perm[i]}
     *
     * @param perm a permutation of the axes
     */
    public Tensor permute(int... perm) { return wrap(Ops.permute(node, perm)); }

    /**
     * {@return this with two axes swapped}
     *
     * @param axis0 one axis
     * @param axis1 the other
     */
    public Tensor transpose(int axis0, int axis1) { return wrap(Ops.transpose(node, axis0, axis1)); }

    /** {@return this with its last two axes swapped (a matrix transpose)} */
    public Tensor transpose() { return wrap(Ops.matrixTranspose(node)); }

    /**
     * {@return this broadcast to a larger shape, as NumPy's broadcast_to}
     *
     * @param dims the target shape
     */
    public Tensor broadcastTo(int... dims) { return wrap(Ops.broadcastTo(node, new Shape(dims))); }

    /**
     * {@return this without size-1 axes}
     *
     * @param axes the size-1 axes to remove; none for all of them
     */
    public Tensor squeeze(int... axes) { return wrap(Ops.squeeze(node, axes)); }

    /**
     * {@return this with a new size-1 axis}
     *
     * @param axis where the new axis lands in the result
     */
    public Tensor unsqueeze(int axis) { return wrap(Ops.unsqueeze(node, axis)); }

    /**
     * {@return the elements [start, end) along an axis}
     *
     * @param axis  the axis
     * @param start the first index; negative counts from the end
     * @param end   the index after the last; negative counts from the end
     */
    public Tensor slice(int axis, int start, int end) { return wrap(Ops.slice(node, axis, start, end, 1)); }

    /**
     * {@return the elements start, start + step, ... below end along an axis (Python's slicing)}
     *
     * @param axis  the axis
     * @param start the first index; negative counts from the end
     * @param end   the bound; negative counts from the end
     * @param step  the stride between the elements taken
     */
    public Tensor slice(int axis, int start, int end, int step) { return wrap(Ops.slice(node, axis, start, end, step)); }

    // ---- integer indexing (i32 indices; an index outside [0, n), negative ones too, fails at run time) ----
    /**
     * torch.gather: out[..., j, ...] = this[..., idx[..., j, ...], ...] along axis; idx has this
     * tensor's rank and off the axis at most its sizes.
     *
     * @param axis the axis to index
     * @param idx  i32 indices
     * @return the gathered elements, of idx's shape
     */
    public Tensor gather(int axis, Tensor idx) { return wrap(Ops.gather(node, axis, other("gather", idx))); }

    /**
     * {@return numpy's take_along_axis: as gather, with idx equal to this tensor off the axis}
     *
     * @param idx  i32 indices
     * @param axis the axis to index
     */
    public Tensor takeAlongAxis(Tensor idx, int axis) {
        return wrap(Ops.takeAlongAxis(node, other("takeAlongAxis", idx), axis));
    }

    /**
     * {@return torch.index_select: the slices along axis at the 1-D idx}
     *
     * @param axis the axis to index
     * @param idx  1-D i32 indices
     */
    public Tensor indexSelect(int axis, Tensor idx) {
        return wrap(Ops.indexSelect(node, axis, other("indexSelect", idx)));
    }

    /**
     * torch.scatter_add: this tensor plus updates[..., j, ...] added at [..., idx[..., j, ...], ...]
     * along axis, duplicate indices accumulating; updates at least as long as idx on every axis.
     *
     * @param axis    the axis to index
     * @param idx     i32 indices
     * @param updates the values to add
     * @return the sums, of this tensor's shape
     */
    public Tensor scatterAdd(int axis, Tensor idx, Tensor updates) {
        return wrap(Ops.scatterAdd(node, axis, other("scatterAdd", idx), other("scatterAdd", updates)));
    }

    /**
     * {@return the matrix product: [m, k]·[k, n], leading axes broadcast as NumPy's matmul, a 1-D
     * operand taken as a row (left) or column (right) vector}
     *
     * @param o the right operand
     */
    public Tensor matmul(Tensor o) { return wrap(Ops.matmul(node, other("matmul", o))); }

    /**
     * {@return the inner product of two vectors of equal length, a scalar}
     *
     * @param o the other vector
     */
    public Tensor dot(Tensor o) { return wrap(Ops.dot(node, other("dot", o))); }

    /**
     * {@return the values converted to another dtype}
     *
     * @param dtype the new element type
     */
    public Tensor cast(DType dtype) { return wrap(Ops.cast(node, dtype)); }

    /** {@return this value with a zero derivative (PyTorch's detach)} */
    public Tensor stopGradient() { return wrap(Ops.stopGradient(node)); }

    // ---- derivatives ----
    /**
     * {@return d this / d x for a scalar this: a tensor of x's shape, itself differentiable}
     *
     * @param x a floating input or parameter of this tensor's graph
     */
    public Tensor grad(Tensor x) {
        return grad(java.util.Collections.singletonList(x)).get(0);
    }

    /**
     * {@return the partial derivatives of this scalar with respect to each of {@code wrt}, in order}
     *
     * @param wrt floating inputs or parameters of this tensor's graph, at least one
     */
    public List<Tensor> grad(Tensor... wrt) {
        return grad(Arrays.asList(wrt));
    }

    /**
     * {@return the partial derivatives of this scalar with respect to each of {@code wrt}, in order}
     *
     * @param wrt floating inputs or parameters of this tensor's graph, at least one
     */
    public List<Tensor> grad(List<Tensor> wrt) {
        return graph.wrapAll(Autodiff.grad(node, graph.unwrapAll("grad", wrt)));
    }

    @Override
    public String toString() {
        return "Tensor(" + node.describe() + ")";
    }
}

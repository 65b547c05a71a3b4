package dev.nabla.compiler.ir;

import java.util.List;

/**
 * What a node computes. The result's shape and dtype live on the {@link Node}; an op record
 * carries only what the shape does not already say (axes, a permutation, slice offsets).
 */
public sealed interface Op {

    /** A value fed at each run. */
    record Input(String name) implements Op {}

    /** State that persists across runs and that optimizers update. */
    record Parameter(String name) implements Op {}

    record Constant(Literal value) implements Op {}

    /** Elementwise function of one tensor. */
    record Unary(UnaryFn fn) implements Op {}

    /** Elementwise function of two tensors of the same shape and dtype. */
    record Binary(BinaryFn fn) implements Op {}

    /** Elementwise comparison of two tensors of the same shape; the result is a bool mask. */
    record Compare(CompareFn fn) implements Op {}

    /** Fused multiply-add a*b + c with a single rounding (as PyTorch's add with alpha); one shape. */
    record Fma() implements Op {}

    /** where(cond, a, b): a where cond is true, else b; all three of one shape. */
    record Where() implements Op {}

    /**
     * Reduction over {@code axes} (sorted, distinct); with keepDims the axes stay as size 1. A max
     * or min says where its derivative goes on a tie ({@link Ties}); a sum or product shares it.
     */
    record Reduce(ReduceFn fn, List<Integer> axes, boolean keepDims, Ties ties) implements Op {
        public Reduce {
            axes = List.copyOf(axes);
            if (!ties.appliesTo(fn)) {
                throw new IllegalArgumentException(fn.opName() + " has no ties to break: only max and min take "
                        + ties);
            }
        }

        public Reduce(ReduceFn fn, List<Integer> axes, boolean keepDims) {
            this(fn, axes, keepDims, Ties.SHARED);
        }
    }

    /** Same elements, row-major, in the node's shape. */
    record Reshape() implements Op {}

    /** Output axis i is input axis perm[i]. */
    record Permute(List<Integer> perm) implements Op {
        public Permute {
            perm = List.copyOf(perm);
        }
    }

    /** NumPy broadcast of the input (already of the output's rank) to the node's shape. */
    record BroadcastTo() implements Op {}

    /** Output element i along axis a is input element starts[a] + i * steps[a]. */
    record Slice(List<Integer> starts, List<Integer> steps) implements Op {
        public Slice {
            starts = List.copyOf(starts);
            steps = List.copyOf(steps);
        }
    }

    /**
     * The inverse placement of {@link Slice}: the input lands at starts[a] + i * steps[a] of a
     * zero tensor of the node's shape. It is the derivative of a slice.
     */
    record Pad(List<Integer> starts, List<Integer> steps) implements Op {
        public Pad {
            starts = List.copyOf(starts);
            steps = List.copyOf(steps);
        }
    }

    /**
     * Sliding windows over the last axes (convolution's im2col, pooling's windows): [..., in...]
     * becomes [..., K, out...], element [..., k, o...] being the input at o·stride + k·dilation.
     */
    record Windows(WindowShape window) implements Op {}

    /**
     * The adjoint of {@link Windows}: [..., K, out...] to the node's shape [..., in...], each
     * element added to the input position it was read from. It is the derivative of windows.
     */
    record WindowsSum(WindowShape window) implements Op {}

    /** Inputs joined along {@code axis}. */
    record Concat(int axis) implements Op {}

    /**
     * Integer-indexed gather along {@code axis} (numpy's take_along_axis): inputs x and i32
     * indices of x's rank, equal to x off the axis; out[..., j, ...] = x[..., indices[..., j, ...], ...].
     * One primitive covers torch.gather, indexSelect and embedding: those broadcast their indices
     * to this form, and broadcasting is a stride-0 view in lowering, so it costs no memory. An
     * index outside [0, size of the axis) is a run-time error (negative ones too, as torch.gather).
     */
    record Gather(int axis) implements Op {}

    /**
     * The adjoint of {@link Gather}: zeros of the node's shape with updates[..., j, ...] added at
     * [..., indices[..., j, ...], ...] along {@code axis}; duplicate indices accumulate. Inputs:
     * the i32 indices and the updates, of one shape, equal to the node's off the axis.
     */
    record ScatterAdd(int axis) implements Op {}

    /** Matrix product over the last two axes, with equal leading (batch) axes. */
    record MatMul() implements Op {}

    /** Conversion to the node's dtype. */
    record Cast() implements Op {}

    /**
     * Random values drawn from input 0, a key tensor [..., 2] of i32 (JAX's key layout, one
     * Philox key per row): the output is the key's leading axes, then the sample's. A pure
     * function of the key, with a zero derivative; see {@link dev.nabla.compiler.random.Draws}
     * for exactly which bits each element gets.
     */
    record Random(Distribution dist) implements Op {}

    /** The input's value, with a zero derivative. */
    record StopGradient() implements Op {}

    /**
     * A function with the user's own derivative rules. Inputs: the primal's result (input 0, whose
     * value this node takes: an identity at run time), then the {@code arity} arguments the rules
     * see, then the variables the primal reads other than through its arguments (its rules cannot
     * give derivatives with respect to those: asking for one is an error). Derivatives never look
     * inside the primal; they call the rules.
     */
    record Custom(CustomRule rule, int arity) implements Op {}

    /**
     * One output of a loop: the {@code output}-th of {@link LoopBody#outputCount()} (the final
     * carries, then the stacked per-step outputs). Inputs: the initial carries, the stacked
     * per-step inputs, then the outer values the body reads ({@link LoopBody#captured()}). All
     * outputs of one loop over the same inputs are one run: backends and transforms treat them as
     * a family.
     */
    record Loop(LoopBody body, int output) implements Op {}

    /**
     * One output of a conditional: the {@code output}-th result of the branch that input 0 (an
     * i32 or bool scalar, clamped to the branches) selects; only that branch runs. Inputs: the
     * index, then the outer values the branches read ({@link CondBranches#captured()}).
     */
    record Cond(CondBranches branches, int output) implements Op {}
}

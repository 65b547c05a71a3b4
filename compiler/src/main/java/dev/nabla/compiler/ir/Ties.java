package dev.nabla.compiler.ir;

/**
 * Where the derivative of a max or min reduction goes when a slice holds its extreme more than
 * once. The value is the same either way; only the gradient's routing differs.
 */
public enum Ties {
    /** Shared evenly among the equal extremes, as {@code torch.amax}/{@code amin} and {@code jnp.max}. */
    SHARED,
    /**
     * All to the first of them in row-major order over the reduced axes, as PyTorch's max pooling
     * and {@code torch.max(x, dim)}. A slice holding NaN (its extreme is then NaN) sends it to its
     * first element, where PyTorch picks a NaN.
     */
    FIRST;

    /** Whether a reduction by {@code fn} can take this rule: FIRST only a max or a min. */
    public boolean appliesTo(ReduceFn fn) {
        return this == SHARED || fn == ReduceFn.MAX || fn == ReduceFn.MIN;
    }
}

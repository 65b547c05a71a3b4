package dev.nabla.nn;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.Shape;

/**
 * PyTorch's {@code nn.LayerNorm(shape, eps)}: normalizes the last axes, weight 1 and bias 0.
 *
 * @param normalized the shape of the last axes, normalized together; also the weight's and bias's
 * @param eps        added to the variance, for stability
 */
public record LayerNorm(Shape normalized, double eps) implements Layer {

    /**
     * Layer norm with PyTorch's default eps, 1e-5.
     *
     * @param normalized the lengths of the last axes, normalized together
     */
    public LayerNorm(int... normalized) {
        this(Shape.of(normalized), 1e-5);
    }

    @Override
    public void declare(Declarations d) {
        d.parameter("weight", normalized, Initializers.ones());
        d.parameter("bias", normalized, Initializers.zeros());
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        return Nabla.layerNorm(x, normalized.rank(), scope.get("weight"), scope.get("bias"), eps);
    }
}

package dev.nabla.nn;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.Shape;

/** PyTorch's {@code nn.LayerNorm(shape, eps)}: normalizes the last axes, weight 1 and bias 0. */
public record LayerNorm(Shape normalized, double eps) implements Layer {

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

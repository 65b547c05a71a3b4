package dev.nabla.nn;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.Shape;

/** PyTorch's {@code nn.GroupNorm(groups, channels, eps)}: weight 1 and bias 0 per channel. */
public record GroupNorm(int groups, int channels, double eps) implements Layer {

    public GroupNorm(int groups, int channels) {
        this(groups, channels, 1e-5);
    }

    @Override
    public void declare(Declarations d) {
        d.parameter("weight", Shape.of(channels), Initializers.ones());
        d.parameter("bias", Shape.of(channels), Initializers.zeros());
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        return Nabla.groupNorm(x, groups, scope.get("weight"), scope.get("bias"), eps);
    }
}

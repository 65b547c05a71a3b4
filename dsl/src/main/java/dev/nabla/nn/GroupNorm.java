package dev.nabla.nn;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.Shape;

/**
 * PyTorch's {@code nn.GroupNorm(groups, channels, eps)}: weight 1 and bias 0 per channel.
 *
 * @param groups   the number of groups the channels are split into; divides {@code channels}
 * @param channels C, the number of channels
 * @param eps      added to the variance, for stability
 */
public record GroupNorm(int groups, int channels, double eps) implements Layer {

    /**
     * Group norm with PyTorch's default eps, 1e-5.
     *
     * @param groups   the number of groups the channels are split into
     * @param channels C, the number of channels
     */
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

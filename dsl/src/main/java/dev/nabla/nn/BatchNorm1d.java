package dev.nabla.nn;

import dev.nabla.Tensor;
import dev.nabla.core.NablaException.ShapeException;

/**
 * PyTorch's {@code nn.BatchNorm1d(channels, eps, momentum)} over [N, C] or [N, C, L]; as {@link BatchNorm2d}.
 *
 * @param channels C, the number of channels
 * @param eps      added to the variance, for stability
 * @param momentum how far each training step moves the running statistics toward the batch's
 */
public record BatchNorm1d(int channels, double eps, double momentum) implements Layer {

    /**
     * Batch norm with PyTorch's defaults: eps 1e-5, momentum 0.1.
     *
     * @param channels C, the number of channels
     */
    public BatchNorm1d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    @Override
    public void declare(Declarations d) {
        BatchNorm2d.declareBatchNorm(d, channels);
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        if ((x.rank() != 2 && x.rank() != 3) || x.shape().dim(1) != channels) {
            throw new ShapeException("BatchNorm1d(" + channels + "): needs an input [N, " + channels + "] or [N, "
                    + channels + ", L], got " + x.shape());
        }
        return BatchNorm2d.batchNorm(x, scope, eps, momentum);
    }
}

package dev.nabla.nn;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;

/**
 * PyTorch's {@code nn.BatchNorm2d(channels, eps, momentum)} over [N, C, H, W]. In training mode
 * it normalizes with the batch's mean and (biased) variance and each training step moves the
 * running statistics toward the batch's (the unbiased variance, as PyTorch); in evaluation mode
 * it normalizes with the running statistics.
 *
 * @param channels C, the number of channels
 * @param eps      added to the variance, for stability
 * @param momentum how far each training step moves the running statistics toward the batch's
 */
public record BatchNorm2d(int channels, double eps, double momentum) implements Layer {

    /**
     * Batch norm with PyTorch's defaults: eps 1e-5, momentum 0.1.
     *
     * @param channels C, the number of channels
     */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    @Override
    public void declare(Declarations d) {
        declareBatchNorm(d, channels);
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        if (x.rank() != 4 || x.shape().dim(1) != channels) {
            throw new ShapeException("BatchNorm2d(" + channels + "): needs an input [N, " + channels + ", H, W], got "
                    + x.shape());
        }
        return batchNorm(x, scope, eps, momentum);
    }

    /** Weight, bias and the running statistics, PyTorch's names. */
    static void declareBatchNorm(Declarations d, int channels) {
        d.parameter("weight", Shape.of(channels), Initializers.ones());
        d.parameter("bias", Shape.of(channels), Initializers.zeros());
        d.buffer("running_mean", Shape.of(channels), Initializers.zeros());
        d.buffer("running_var", Shape.of(channels), Initializers.ones());
        // PyTorch keeps it (an int64 there) in every state dict; here it counts training steps.
        d.buffer("num_batches_tracked", Shape.SCALAR, DType.I32, Initializers.zeros());
    }

    static Tensor batchNorm(Tensor x, Scope scope, double eps, double momentum) {
        Tensor y = Nabla.batchNorm(x, scope.get("running_mean"), scope.get("running_var"), scope.get("weight"),
                scope.get("bias"), scope.training(), momentum, eps);
        // Integers have no arithmetic of their own: count in f64 (exact far past i32's range).
        Tensor count = scope.get("num_batches_tracked");
        scope.updateOnStep("num_batches_tracked", count.cast(DType.F64).add(1).cast(DType.I32), y);
        return y;
    }
}

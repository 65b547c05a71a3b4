package dev.nabla.nn;

import dev.nabla.Tensor;
import dev.nabla.compiler.NablaException.ShapeException;
import dev.nabla.compiler.ir.Shape;

/**
 * PyTorch's {@code nn.BatchNorm2d(channels, eps, momentum)} over [N, C, H, W]. In training mode
 * it normalizes with the batch's mean and (biased) variance and each training step moves the
 * running statistics toward the batch's (the unbiased variance, as PyTorch); in evaluation mode
 * it normalizes with the running statistics.
 */
public record BatchNorm2d(int channels, double eps, double momentum) implements Layer {

    public BatchNorm2d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    @Override
    public void declare(Declarations d) {
        d.parameter("weight", Shape.of(channels), Initializers.ones());
        d.parameter("bias", Shape.of(channels), Initializers.zeros());
        d.buffer("running_mean", Shape.of(channels), Initializers.zeros());
        d.buffer("running_var", Shape.of(channels), Initializers.ones());
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        if (x.rank() != 4 || x.shape().dim(1) != channels) {
            throw new ShapeException("BatchNorm2d(" + channels + "): needs an input [N, " + channels + ", H, W], got "
                    + x.shape());
        }
        int[] axes = {0, 2, 3};
        Tensor mean;
        Tensor var;
        if (scope.training()) {
            mean = x.meanKeepDims(axes);
            var = x.var(axes, 0, true);
            long n = x.shape().size() / channels;
            Tensor running = scope.get("running_mean");
            Tensor runningVar = scope.get("running_var");
            Tensor batchMean = mean.reshape(channels).stopGradient();
            Tensor unbiased = var.reshape(channels).mul((double) n / Math.max(1, n - 1)).stopGradient();
            scope.updateOnStep("running_mean", running.mul(1 - momentum).add(batchMean.mul(momentum)));
            scope.updateOnStep("running_var", runningVar.mul(1 - momentum).add(unbiased.mul(momentum)));
        } else {
            mean = scope.get("running_mean").reshape(1, channels, 1, 1);
            var = scope.get("running_var").reshape(1, channels, 1, 1);
        }
        Tensor normalized = x.sub(mean).mul(var.add(eps).rsqrt());
        return normalized.mul(scope.get("weight").reshape(1, channels, 1, 1))
                .add(scope.get("bias").reshape(1, channels, 1, 1));
    }
}

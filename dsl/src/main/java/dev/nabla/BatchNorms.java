package dev.nabla;

import dev.nabla.core.NablaException.ShapeException;

/**
 * Batch normalization over [N, C, ...] as PyTorch's F.batch_norm: per channel, with the batch's
 * mean and biased variance in training mode and the running statistics in evaluation mode.
 */
final class BatchNorms {
    private BatchNorms() {}

    static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                            boolean training, double momentum, double eps) {
        if (x.rank() < 2) {
            throw new ShapeException("batchNorm: needs an input [N, C, ...], got " + x.node().describe());
        }
        int channels = x.shape().dim(1);
        for (Tensor perChannel : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (perChannel != null && (perChannel.rank() != 1 || perChannel.shape().dim(0) != channels)) {
                throw new ShapeException("batchNorm: running statistics, weight and bias must be [" + channels
                        + "] for " + x.node().describe() + ", got " + perChannel.node().describe());
            }
        }
        if (!training && (runningMean == null || runningVar == null)) {
            throw new ShapeException("batchNorm: evaluation mode needs the running mean and variance");
        }
        int[] axes = new int[x.rank() - 1];
        int[] perChannel = new int[x.rank()];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        for (int d = 0, k = 0; d < x.rank(); d++) {
            if (d != 1) {
                axes[k++] = d;
            }
        }
        Tensor mean;
        Tensor var;
        if (training) {
            mean = x.meanKeepDims(axes);
            var = x.var(axes, 0, true);
            // The running statistics move in the steps whose loss uses this batch's statistics.
            long n = x.shape().size() / Math.max(1, channels);
            // The running variance moves toward the unbiased one, as PyTorch's.
            if (runningMean != null) {
                Tensor batchMean = mean.reshape(channels).stopGradient();
                x.graph().assignOnStep(runningMean, runningMean.mul(1 - momentum).add(batchMean.mul(momentum)), mean);
            }
            if (runningVar != null) {
                Tensor unbiased = var.reshape(channels).mul((double) n / Math.max(1, n - 1)).stopGradient();
                x.graph().assignOnStep(runningVar, runningVar.mul(1 - momentum).add(unbiased.mul(momentum)), mean);
            }
        } else {
            mean = runningMean.reshape(perChannel);
            var = runningVar.reshape(perChannel);
        }
        Tensor y = x.sub(mean).mul(var.add(eps).rsqrt());
        if (weight != null) {
            y = y.mul(weight.reshape(perChannel));
        }
        return bias == null ? y : y.add(bias.reshape(perChannel));
    }
}

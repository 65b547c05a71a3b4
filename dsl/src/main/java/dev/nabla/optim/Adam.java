package dev.nabla.optim;

/**
 * Adam with bias correction, AMSGrad and L2 weight decay (torch.optim.Adam), or with decoupled
 * weight decay when {@code decoupled} is true (torch.optim.AdamW).
 *
 * @param lr          the learning rate
 * @param beta1       the decay of the running mean of gradients, in [0, 1)
 * @param beta2       the decay of the running mean of squared gradients, in [0, 1)
 * @param eps         added to the denominator, for stability
 * @param weightDecay the weight decay's coefficient: an L2 penalty added to the gradient, or
 *                    with {@code decoupled} a shrinking of the parameters themselves
 * @param amsgrad     whether to divide by the largest second moment seen so far (AMSGrad)
 * @param maximize    whether to maximize the loss instead of minimizing it
 * @param decoupled   whether weight decay is decoupled from the gradient, as in AdamW
 */
public record Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
                   boolean maximize, boolean decoupled) implements Optimizer {
    /**
     * Checks the hyper-parameters.
     *
     * @throws dev.nabla.core.NablaException if a rate is negative or not finite, or a beta is
     *         outside [0, 1)
     */
    public Adam {
        String name = decoupled ? "adamW" : "adam";
        Checks.nonNegative(name, "learning rate", lr);
        Checks.unitInterval(name, "beta1", beta1);
        Checks.unitInterval(name, "beta2", beta2);
        Checks.nonNegative(name, "eps", eps);
        Checks.nonNegative(name, "weight decay", weightDecay);
    }

    /**
     * {@return a copy with other betas}
     *
     * @param beta1 the new decay of the mean of gradients, in [0, 1)
     * @param beta2 the new decay of the mean of squared gradients, in [0, 1)
     */
    public Adam withBetas(double beta1, double beta2) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    /**
     * {@return a copy with another eps}
     *
     * @param eps the new eps, at least 0
     */
    public Adam withEps(double eps) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    /**
     * {@return a copy with another weight decay (L2, or decoupled for AdamW)}
     *
     * @param weightDecay the new coefficient, at least 0
     */
    public Adam withWeightDecay(double weightDecay) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    /**
     * {@return a copy with AMSGrad on or off}
     *
     * @param amsgrad true for AMSGrad
     */
    public Adam withAmsgrad(boolean amsgrad) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    /**
     * {@return a copy that maximizes, or minimizes, the loss}
     *
     * @param maximize true to maximize
     */
    public Adam withMaximize(boolean maximize) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }
}

package dev.nabla.optim;

/**
 * RMSprop with smoothing constant alpha, momentum and the centered variant (torch.optim.RMSprop).
 *
 * @param lr          the learning rate
 * @param alpha       the decay of the running mean of squared gradients
 * @param eps         added to the denominator, for stability
 * @param weightDecay the L2 penalty's coefficient, added to the gradient
 * @param momentum    the momentum factor; 0 for none
 * @param centered    whether to divide by an estimate of the gradient's variance rather than
 *                    its mean square
 * @param maximize    whether to maximize the loss instead of minimizing it
 */
public record RMSprop(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered,
                      boolean maximize) implements Optimizer {
    /**
     * Checks the hyper-parameters.
     *
     * @throws dev.nabla.core.NablaException if one is negative or not finite
     */
    public RMSprop {
        Checks.nonNegative("rmsprop", "learning rate", lr);
        Checks.nonNegative("rmsprop", "alpha", alpha);
        Checks.nonNegative("rmsprop", "eps", eps);
        Checks.nonNegative("rmsprop", "weight decay", weightDecay);
        Checks.nonNegative("rmsprop", "momentum", momentum);
    }

    /**
     * {@return a copy with another smoothing constant}
     *
     * @param alpha the new alpha, at least 0
     */
    public RMSprop withAlpha(double alpha) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    /**
     * {@return a copy with another eps}
     *
     * @param eps the new eps, at least 0
     */
    public RMSprop withEps(double eps) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    /**
     * {@return a copy with another L2 weight decay}
     *
     * @param weightDecay the new coefficient, at least 0
     */
    public RMSprop withWeightDecay(double weightDecay) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    /**
     * {@return a copy with another momentum}
     *
     * @param momentum the new momentum factor, at least 0
     */
    public RMSprop withMomentum(double momentum) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    /**
     * {@return a copy with the centered variant on or off}
     *
     * @param centered true for the centered variant
     */
    public RMSprop withCentered(boolean centered) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    /**
     * {@return a copy that maximizes, or minimizes, the loss}
     *
     * @param maximize true to maximize
     */
    public RMSprop withMaximize(boolean maximize) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }
}

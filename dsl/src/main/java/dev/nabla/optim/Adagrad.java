package dev.nabla.optim;

/**
 * Adagrad with learning-rate decay and an initial accumulator value (torch.optim.Adagrad).
 *
 * @param lr                      the learning rate
 * @param lrDecay                 the rate's decay: step t uses {@code lr / (1 + (t - 1) * lrDecay)}
 * @param weightDecay             the L2 penalty's coefficient, added to the gradient
 * @param initialAccumulatorValue where each element's sum of squared gradients starts
 * @param eps                     added to the denominator's square root, for stability
 * @param maximize                whether to maximize the loss instead of minimizing it
 */
public record Adagrad(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps,
                      boolean maximize) implements Optimizer {
    /**
     * Checks the hyper-parameters.
     *
     * @throws dev.nabla.core.NablaException if one is negative or not finite
     */
    public Adagrad {
        Checks.nonNegative("adagrad", "learning rate", lr);
        Checks.nonNegative("adagrad", "lr decay", lrDecay);
        Checks.nonNegative("adagrad", "weight decay", weightDecay);
        Checks.nonNegative("adagrad", "initial accumulator value", initialAccumulatorValue);
        Checks.nonNegative("adagrad", "eps", eps);
    }

    /**
     * {@return a copy with another learning-rate decay}
     *
     * @param lrDecay the new decay, at least 0
     */
    public Adagrad withLrDecay(double lrDecay) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    /**
     * {@return a copy with another L2 weight decay}
     *
     * @param weightDecay the new coefficient, at least 0
     */
    public Adagrad withWeightDecay(double weightDecay) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    /**
     * {@return a copy whose accumulators start at another value}
     *
     * @param value the new starting value, at least 0
     */
    public Adagrad withInitialAccumulatorValue(double value) {
        return new Adagrad(lr, lrDecay, weightDecay, value, eps, maximize);
    }

    /**
     * {@return a copy with another eps}
     *
     * @param eps the new eps, at least 0
     */
    public Adagrad withEps(double eps) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    /**
     * {@return a copy that maximizes, or minimizes, the loss}
     *
     * @param maximize true to maximize
     */
    public Adagrad withMaximize(boolean maximize) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }
}

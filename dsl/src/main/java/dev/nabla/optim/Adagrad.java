package dev.nabla.optim;

/** Adagrad with learning-rate decay and an initial accumulator value (torch.optim.Adagrad). */
public record Adagrad(double lr, double lrDecay, double weightDecay, double initialAccumulatorValue, double eps,
                      boolean maximize) implements Optimizer {
    public Adagrad {
        Checks.nonNegative("adagrad", "learning rate", lr);
        Checks.nonNegative("adagrad", "lr decay", lrDecay);
        Checks.nonNegative("adagrad", "weight decay", weightDecay);
        Checks.nonNegative("adagrad", "initial accumulator value", initialAccumulatorValue);
        Checks.nonNegative("adagrad", "eps", eps);
    }

    public Adagrad withLrDecay(double lrDecay) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public Adagrad withWeightDecay(double weightDecay) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public Adagrad withInitialAccumulatorValue(double value) {
        return new Adagrad(lr, lrDecay, weightDecay, value, eps, maximize);
    }

    public Adagrad withEps(double eps) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }

    public Adagrad withMaximize(boolean maximize) {
        return new Adagrad(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize);
    }
}

package dev.nabla.optim;

/** RMSprop with smoothing constant alpha, momentum and the centered variant (torch.optim.RMSprop). */
public record RMSprop(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered,
                      boolean maximize) implements Optimizer {
    public RMSprop {
        Checks.nonNegative("rmsprop", "learning rate", lr);
        Checks.nonNegative("rmsprop", "alpha", alpha);
        Checks.nonNegative("rmsprop", "eps", eps);
        Checks.nonNegative("rmsprop", "weight decay", weightDecay);
        Checks.nonNegative("rmsprop", "momentum", momentum);
    }

    public RMSprop withAlpha(double alpha) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RMSprop withEps(double eps) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RMSprop withWeightDecay(double weightDecay) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RMSprop withMomentum(double momentum) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RMSprop withCentered(boolean centered) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }

    public RMSprop withMaximize(boolean maximize) {
        return new RMSprop(lr, alpha, eps, weightDecay, momentum, centered, maximize);
    }
}

package dev.nabla.optim;

import dev.nabla.core.NablaException;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and
 * maximization, as torch.optim.SGD.
 */
public record Sgd(double lr, double momentum, double dampening, boolean nesterov, double weightDecay,
                  boolean maximize) implements Optimizer {
    public Sgd {
        Checks.nonNegative("sgd", "learning rate", lr);
        Checks.nonNegative("sgd", "momentum", momentum);
        Checks.nonNegative("sgd", "weight decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new NablaException("sgd: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum "
                    + momentum + " and dampening " + dampening);
        }
    }

    public Sgd withMomentum(double momentum) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    public Sgd withDampening(double dampening) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    public Sgd withNesterov(boolean nesterov) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    public Sgd withWeightDecay(double weightDecay) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    public Sgd withMaximize(boolean maximize) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }
}

package dev.nabla.optim;

import dev.nabla.core.NablaException;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and
 * maximization, as torch.optim.SGD.
 *
 * @param lr          the learning rate
 * @param momentum    the momentum factor; 0 for none
 * @param dampening   how much of each new gradient the momentum buffer leaves out
 * @param nesterov    whether to use Nesterov momentum (needs momentum and no dampening)
 * @param weightDecay the L2 penalty's coefficient, added to the gradient
 * @param maximize    whether to maximize the loss instead of minimizing it
 */
public record Sgd(double lr, double momentum, double dampening, boolean nesterov, double weightDecay,
                  boolean maximize) implements Optimizer {
    /**
     * Checks the hyper-parameters.
     *
     * @throws dev.nabla.core.NablaException if a rate is negative or not finite, or Nesterov
     *         momentum is asked without momentum or with dampening
     */
    public Sgd {
        Checks.nonNegative("sgd", "learning rate", lr);
        Checks.nonNegative("sgd", "momentum", momentum);
        Checks.nonNegative("sgd", "weight decay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new NablaException("sgd: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum "
                    + momentum + " and dampening " + dampening);
        }
    }

    /**
     * {@return a copy with another momentum}
     *
     * @param momentum the new momentum factor, at least 0
     */
    public Sgd withMomentum(double momentum) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    /**
     * {@return a copy with another dampening}
     *
     * @param dampening the new dampening
     */
    public Sgd withDampening(double dampening) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    /**
     * {@return a copy with Nesterov momentum on or off}
     *
     * @param nesterov true for Nesterov momentum
     */
    public Sgd withNesterov(boolean nesterov) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    /**
     * {@return a copy with another L2 weight decay}
     *
     * @param weightDecay the new coefficient, at least 0
     */
    public Sgd withWeightDecay(double weightDecay) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }

    /**
     * {@return a copy that maximizes, or minimizes, the loss}
     *
     * @param maximize true to maximize
     */
    public Sgd withMaximize(boolean maximize) {
        return new Sgd(lr, momentum, dampening, nesterov, weightDecay, maximize);
    }
}

package dev.nabla.optim;

/**
 * Adam with bias correction, AMSGrad and L2 weight decay (torch.optim.Adam), or with decoupled
 * weight decay when {@code decoupled} is true (torch.optim.AdamW).
 */
public record Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean amsgrad,
                   boolean maximize, boolean decoupled) implements Optimizer {
    public Adam {
        String name = decoupled ? "adamW" : "adam";
        Checks.nonNegative(name, "learning rate", lr);
        Checks.unitInterval(name, "beta1", beta1);
        Checks.unitInterval(name, "beta2", beta2);
        Checks.nonNegative(name, "eps", eps);
        Checks.nonNegative(name, "weight decay", weightDecay);
    }

    public Adam withBetas(double beta1, double beta2) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    public Adam withEps(double eps) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    public Adam withWeightDecay(double weightDecay) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    public Adam withAmsgrad(boolean amsgrad) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }

    public Adam withMaximize(boolean maximize) {
        return new Adam(lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, decoupled);
    }
}

package dev.nabla.optim;

/** Optimizers with PyTorch's defaults; change any hyper-parameter with the {@code with...} methods. */
public final class Optimizers {
    private Optimizers() {}

    /**
     * {@return torch.optim.SGD(lr): no momentum, no weight decay}
     *
     * @param lr the learning rate
     */
    public static Sgd sgd(double lr) {
        return new Sgd(lr, 0, 0, false, 0, false);
    }

    /**
     * {@return torch.optim.Adam(lr): betas (0.9, 0.999), eps 1e-8, no weight decay}
     *
     * @param lr the learning rate
     */
    public static Adam adam(double lr) {
        return new Adam(lr, 0.9, 0.999, 1e-8, 0, false, false, false);
    }

    /**
     * {@return torch.optim.AdamW(lr): betas (0.9, 0.999), eps 1e-8, decoupled weight decay 0.01}
     *
     * @param lr the learning rate
     */
    public static Adam adamW(double lr) {
        return new Adam(lr, 0.9, 0.999, 1e-8, 0.01, false, false, true);
    }

    /**
     * {@return torch.optim.RMSprop(lr): alpha 0.99, eps 1e-8, no momentum, not centered}
     *
     * @param lr the learning rate
     */
    public static RMSprop rmsprop(double lr) {
        return new RMSprop(lr, 0.99, 1e-8, 0, 0, false, false);
    }

    /**
     * {@return torch.optim.Adagrad(lr): no lr decay, accumulator starting at 0, eps 1e-10}
     *
     * @param lr the learning rate
     */
    public static Adagrad adagrad(double lr) {
        return new Adagrad(lr, 0, 0, 0, 1e-10, false);
    }
}

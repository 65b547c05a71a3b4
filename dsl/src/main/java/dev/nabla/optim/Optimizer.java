package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.List;

/**
 * An update rule and its hyper-parameters, with PyTorch's exact semantics. Instances are
 * immutable; the {@code with...} methods return changed copies. Build one with {@link Optimizers}.
 */
public sealed interface Optimizer permits Sgd, Adam, RMSprop, Adagrad {
    /** The base learning rate. */
    double lr();

    /** One compiled training step minimizing a scalar loss over every parameter it depends on. */
    default Trainer minimize(Tensor loss) {
        return Trainer.builder(loss).group(this).build();
    }

    /** One compiled training step minimizing a scalar loss over the given parameters. */
    default Trainer minimize(Tensor loss, List<Tensor> parameters) {
        return Trainer.builder(loss).group(this, parameters).build();
    }

    /**
     * The same rule driven the imperative way: zero the gradients, accumulate them with
     * backward, then step.
     */
    default ImperativeOptimizer imperative(Tensor loss, List<Tensor> parameters) {
        return new ImperativeOptimizer(this, loss, parameters);
    }
}

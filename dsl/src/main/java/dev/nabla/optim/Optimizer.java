package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.List;

/**
 * An update rule and its hyper-parameters, with PyTorch's exact semantics. Instances are
 * immutable; the {@code with...} methods return changed copies. Build one with {@link Optimizers}.
 */
public sealed interface Optimizer permits Sgd, Adam, RMSprop, Adagrad {
    /** {@return the base learning rate} */
    double lr();

    /**
     * {@return one compiled training step minimizing a scalar loss over every parameter it depends on}
     *
     * @param loss a floating scalar
     * @throws dev.nabla.core.NablaException if the loss is not a floating scalar or depends on no
     *         parameter
     */
    default Trainer minimize(Tensor loss) {
        return Trainer.builder(loss).group(this).build();
    }

    /**
     * {@return one compiled training step minimizing a scalar loss over the given parameters}
     *
     * @param loss       a floating scalar
     * @param parameters floating parameters of the loss's graph ({@code Graph.parameter})
     * @throws dev.nabla.core.NablaException if the loss is not a floating scalar, a parameter is
     *         not a floating parameter of its graph, or the loss depends on none of them
     */
    default Trainer minimize(Tensor loss, List<Tensor> parameters) {
        return Trainer.builder(loss).group(this, parameters).build();
    }

    /**
     * The same rule driven the imperative way: zero the gradients, accumulate them with
     * backward, then step.
     *
     * @param loss       a floating scalar
     * @param parameters the floating parameters to update, at least one
     * @return the optimizer, with its gradient buffers at zero
     */
    default ImperativeOptimizer imperative(Tensor loss, List<Tensor> parameters) {
        return new ImperativeOptimizer(this, loss, parameters);
    }
}

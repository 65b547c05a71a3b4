package dev.nabla.optim;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NDArray;
import java.util.Map;

/**
 * One parameter as an update rule sees it: its gradient, its learning rate and step count
 * (themselves parameters, so they live with the device), and the state the rule allocates.
 * The rule records new values with {@link #assign}; they are applied together after each run.
 * Like PyTorch, scalar hyper-parameter arithmetic (bias corrections, decayed rates) is done in
 * f64 and rounded to the parameter's dtype only where it meets a tensor ({@link #typed}).
 */
final class ParamSlot {
    final Tensor param;
    final Tensor grad;
    /** The learning rate, an f64 scalar. */
    final Tensor lr;
    /** The 1-based number of the step being taken (PyTorch's state['step'] after its increment), f64. */
    final Tensor step;
    private final String prefix;
    private final Map<Tensor, Tensor> assignments;
    /** State already made, by name: a rule applied again (for another step program) reuses it. */
    private final Map<String, Tensor> made;

    ParamSlot(Tensor param, Tensor grad, Tensor lr, String prefix, Map<Tensor, Tensor> assignments,
              Map<String, Tensor> made) {
        this.param = param;
        this.grad = grad;
        this.lr = lr;
        this.prefix = prefix;
        this.assignments = assignments;
        this.made = made;
        Tensor counter = made("step", () -> NDArray.scalar(0.0));
        this.step = counter.add(1);
        assign(counter, step);
    }

    /** A state tensor of the parameter's shape and dtype, starting at {@code initial}. */
    Tensor state(String name, double initial) {
        return made(name, () -> NDArray.full(param.dtype(), param.shape(), initial));
    }

    private Tensor made(String name, java.util.function.Supplier<NDArray> initial) {
        return made.computeIfAbsent(prefix + "/" + name, full -> graph().parameter(full, initial.get()));
    }

    /** An f64 scalar rounded to the parameter's dtype. */
    Tensor typed(Tensor scalar) {
        return scalar.cast(param.dtype());
    }

    Graph graph() {
        return param.graph();
    }

    void assign(Tensor target, Tensor value) {
        assignments.put(target, value);
    }
}

package dev.nabla.optim;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An optimizer's update from gradients computed elsewhere: PyTorch's {@code p.grad = g;
 * optimizer.step()}, for gradients summed over the machines of a cluster, say. One compiled
 * program takes a gradient per parameter as its inputs and updates the parameters and the
 * optimizer's state (moments, step counts) in place, by the same rules as a {@link Trainer}.
 *
 * <pre>{@code
 * GradientStep adam = GradientStep.of(Optimizers.adam(1e-3), List.copyOf(model.parameters().values()));
 * adam.step(meanGradients);            // one NDArray per parameter, in that order
 * Map<String, NDArray> now = model.values();
 * }</pre>
 *
 * <p>Its state ({@link #state}: the parameters under their names in the graph, the optimizer's
 * under {@code optimizer/...}) loads into a step built the same way, in this JVM or another
 * ({@link #load}), which then continues as if never interrupted.
 */
public final class GradientStep implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final List<Tensor> parameters;
    /** The program's gradient inputs, one per parameter, in the same order. */
    private final List<Tensor> gradients;
    private final CompiledGraph compiled;
    private final CompiledGraph.PreparedRun update;
    private final Map<String, Tensor> state;
    private volatile boolean closed;

    private GradientStep(Optimizer optimizer, List<Tensor> parameters) {
        this.parameters = List.copyOf(parameters);
        Graph graph = parameters.get(0).graph();
        String prefix = "gradstep" + INSTANCES.incrementAndGet();
        List<Tensor> lrs = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        for (Tensor p : parameters) {
            String name = prefix + "/group0/" + p.node().variableName();
            lrs.add(graph.parameter(name + "/lr", NDArray.scalar(optimizer.lr())));
            grads.add(graph.input(name + "/grad", p.dtype(), p.shape().dims()));
        }
        this.gradients = List.copyOf(grads);
        StepPrograms programs = new StepPrograms(graph, prefix,
                List.of(new StepPrograms.Group(optimizer, this.parameters, lrs)), null, null);
        Map<Tensor, Tensor> assignments = programs.updates(gradients);
        this.state = TrainerCheckpoints.stateOf(graph, List.of(), assignments, prefix);
        this.compiled = graph.compile();
        this.update = compiled.prepare(List.of(), assignments);
    }

    /**
     * {@return the update of {@code optimizer} for the given parameters, compiled}
     *
     * @param optimizer  the update rule
     * @param parameters floating parameters of one graph, each once; {@link #step} takes their
     *                   gradients in this order
     * @throws dev.nabla.core.NablaException if there is no parameter, or one is not a floating
     *         parameter, belongs to another graph or is listed twice
     */
    public static GradientStep of(Optimizer optimizer, List<Tensor> parameters) {
        if (optimizer == null || parameters == null || parameters.isEmpty()) {
            throw new NablaException("GradientStep.of: needs an optimizer and at least one parameter");
        }
        Set<Tensor> seen = new HashSet<>();
        for (Tensor p : parameters) {
            if (p == null || !(p.node().op() instanceof Op.Parameter) || !p.dtype().isFloating()) {
                throw new NablaException("GradientStep.of: " + (p == null ? "null" : p.node().describe())
                        + " is not a floating parameter; only f32 and f64 parameters (Graph.parameter) are trained");
            }
            if (p.graph() != parameters.get(0).graph()) {
                throw new NablaException("GradientStep.of: " + p.node().describe() + " belongs to another graph than "
                        + parameters.get(0).node().describe());
            }
            if (!seen.add(p)) {
                throw new NablaException("GradientStep.of: " + p.node().describe() + " is listed twice");
            }
        }
        return new GradientStep(optimizer, parameters);
    }

    /** {@return the parameters, in the order {@link #step} takes their gradients} */
    public List<Tensor> parameters() {
        return parameters;
    }

    /**
     * Updates every parameter from its gradient.
     *
     * @param grads one gradient per parameter, in {@link #parameters()}' order, each of its
     *              parameter's dtype and shape
     * @throws dev.nabla.core.NablaException.FeedException if the number, a dtype or a shape of the
     *         gradients does not fit
     */
    public void step(List<NDArray> grads) {
        requireOpen("step");
        if (grads == null || grads.size() != parameters.size()) {
            throw new FeedException("step: expected " + parameters.size() + " gradients, one per parameter ("
                    + names() + "), got " + (grads == null ? "null" : grads.size()));
        }
        Map<Tensor, NDArray> feeds = new HashMap<>(grads.size() * 2);
        for (int i = 0; i < grads.size(); i++) {
            Tensor p = parameters.get(i);
            NDArray g = grads.get(i);
            if (g == null || g.dtype() != p.dtype() || !g.shape().equals(p.shape())) {
                throw new FeedException("step: the gradient of '" + p.node().variableName() + "' must be " + p.dtype()
                        + p.shape() + ", got " + (g == null ? "null" : g.dtype() + "" + g.shape()));
            }
            feeds.put(gradients.get(i), g);
        }
        update.run(feeds);
    }

    /**
     * {@return a parameter's current value}
     *
     * @param p a parameter of the graph
     */
    public NDArray parameter(Tensor p) {
        requireOpen("parameter");
        return compiled.parameter(p);
    }

    /** {@return everything the next step depends on, by name: the parameters and the optimizer's state} */
    public Map<String, NDArray> state() {
        requireOpen("state");
        Map<String, NDArray> out = new LinkedHashMap<>();
        state.forEach((name, t) -> out.put(name, compiled.parameter(t)));
        return out;
    }

    /**
     * Sets everything {@link #state} gave (of a step built the same way). Names, shapes and dtypes
     * must match exactly, or nothing is changed and the error lists the differences.
     *
     * @param values the state, by name
     * @throws dev.nabla.core.NablaException.FeedException if the values do not fit this step
     */
    public void load(Map<String, NDArray> values) {
        requireOpen("load");
        List<String> problems = new ArrayList<>();
        state.forEach((name, t) -> {
            NDArray v = values.get(name);
            if (v == null) {
                problems.add("missing '" + name + "'");
            } else if (v.dtype() != t.dtype() || !v.shape().equals(t.shape())) {
                problems.add("'" + name + "' is " + v.dtype() + v.shape() + ", expected " + t.dtype() + t.shape());
            }
        });
        values.keySet().stream().filter(k -> !state.containsKey(k)).forEach(k -> problems.add("unexpected '" + k + "'"));
        if (!problems.isEmpty()) {
            throw new FeedException("load: the state does not fit this gradient step (built another way?): "
                    + String.join("; ", problems));
        }
        state.forEach((name, t) -> compiled.setParameter(t, values.get(name)));
    }

    /** Frees the parameters' values here and the optimizer's state; later calls are errors. */
    @Override
    public void close() {
        closed = true;
        compiled.close();
    }

    private List<String> names() {
        return parameters.stream().map(p -> p.node().variableName()).toList();
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new NablaException(op + ": this gradient step is closed; build a new one to train again");
        }
    }
}

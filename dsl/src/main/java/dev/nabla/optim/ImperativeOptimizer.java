package dev.nabla.optim;

import dev.nabla.CompiledGraph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The imperative loop PyTorch users know, on the same machinery as {@link Trainer}: gradients
 * accumulate in buffers that live with the parameters; {@link #zeroGrad}, {@link #backward} and
 * {@link #step} are each one compiled program.
 *
 * <pre>{@code
 * var opt = Optimizers.sgd(0.1).imperative(loss, List.of(a));
 * for (int i = 0; i < 20; i++) {
 *     opt.zeroGrad();
 *     opt.backward();
 *     opt.step();
 * }
 * }</pre>
 */
public final class ImperativeOptimizer implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Tensor loss;
    private final Map<Tensor, Tensor> gradBuffers = new LinkedHashMap<>();
    private final Map<Tensor, Tensor> zero = new LinkedHashMap<>();
    private final Map<Tensor, Tensor> accumulate = new LinkedHashMap<>();
    private final Map<Tensor, Tensor> update = new LinkedHashMap<>();
    private final CompiledGraph compiled;
    private volatile boolean closed;

    ImperativeOptimizer(Optimizer optimizer, Tensor loss, List<Tensor> parameters) {
        this.loss = loss;
        // Reuse the trainer's checks: a floating scalar loss and parameters of its graph.
        Trainer.builder(loss).group(optimizer, parameters);
        if (parameters.isEmpty()) {
            throw new NablaException("imperative: name at least one parameter");
        }
        String prefix = "imperative" + INSTANCES.incrementAndGet();
        List<Tensor> grads = loss.grad(parameters);
        for (int i = 0; i < parameters.size(); i++) {
            Tensor p = parameters.get(i);
            String name = prefix + "/" + p.node().variableName();
            Tensor buffer = p.graph().parameter(name + "/grad", NDArray.full(p.dtype(), p.shape(), 0));
            gradBuffers.put(p, buffer);
            zero.put(buffer, p.graph().zeros(p.dtype(), p.shape().dims()));
            accumulate.put(buffer, buffer.add(grads.get(i)));
            Tensor lr = p.graph().parameter(name + "/lr", NDArray.scalar(optimizer.lr()));
            UpdateRules.apply(optimizer, new ParamSlot(p, buffer, lr, name, update, new java.util.HashMap<>()));
        }
        this.compiled = loss.graph().compile();
    }

    /** Sets every gradient buffer to zero. */
    public void zeroGrad() {
        requireOpen("zeroGrad");
        compiled.run(Map.of(), List.of(), zero);
    }

    /**
     * Adds the loss's gradients to the buffers, for a graph that needs no fed inputs.
     *
     * @return the loss
     */
    public NDArray backward() {
        return backward(Map.of());
    }

    /**
     * Adds the loss's gradients to the buffers.
     *
     * @param feeds a value for each input the loss needs
     * @return the loss
     */
    public NDArray backward(Map<Tensor, NDArray> feeds) {
        requireOpen("backward");
        return compiled.run(feeds, List.of(loss), accumulate).get(0);
    }

    /** Updates the parameters from the accumulated gradients. */
    public void step() {
        requireOpen("step");
        compiled.run(Map.of(), List.of(), update);
    }

    /**
     * {@return a parameter's current value}
     *
     * @param p a parameter of the loss's graph
     */
    public NDArray parameter(Tensor p) {
        requireOpen("parameter");
        return compiled.parameter(p);
    }

    /**
     * {@return the accumulated gradient of a parameter}
     *
     * @param p one of the parameters this optimizer updates
     * @throws dev.nabla.core.NablaException if this optimizer does not update {@code p}
     */
    public NDArray grad(Tensor p) {
        requireOpen("grad");
        Tensor buffer = gradBuffers.get(p);
        if (buffer == null) {
            throw new NablaException("grad: " + p.node().describe() + " is not optimized here");
        }
        return compiled.parameter(buffer);
    }

    /** Frees the parameters' values, gradient buffers and optimizer state; later calls are errors. */
    @Override
    public void close() {
        closed = true;
        compiled.close();
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new NablaException(op + ": this optimizer is closed; build a new one to train again");
        }
    }
}

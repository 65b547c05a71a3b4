package dev.nabla.spark;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.Traced;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.nn.Model;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A trainer's model on one executor: built once from the recipe, its gradient program compiled
 * once per padded share size, and shared by the executor's concurrent tasks. Each step's weights
 * are loaded once, by the first of its tasks; evaluations then run side by side (a read lock),
 * a load alone (the write lock), so every evaluation sees exactly its step's weights.
 */
final class GradientWorker {
    private final TrainingRecipe recipe;
    private final Model model;
    private final List<String> names;
    private final Traced<List<Tensor>> program;
    private final CompiledGraph compiled;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private long loaded = -1;
    /** The parameters' names in the driver's order, as the loaded weights give them (guarded by the lock). */
    private List<String> driverOrder = List.of();

    GradientWorker(TrainingRecipe recipe) {
        this.recipe = recipe;
        Graph graph = Graph.create();
        this.model = recipe.model(graph);
        this.names = List.copyOf(model.parameters().keySet());
        this.program = Traced.of(graph, recipe.specs(), in -> recipe.lossAndGradients(model, in));
        this.compiled = graph.compile();
    }

    /** The summed loss and gradients of {@code rows} of the block, with the step's weights. */
    PartialGradients gradients(Weights weights, Block block, int[] rows, int partition) {
        NDArray[] in = block.take(rows, recipe.padded(rows.length), recipe.labels());
        lockFor(weights);
        List<NDArray> out;
        List<String> order;
        try {
            Traced.Variant<List<Tensor>> v = program.variant(in);
            out = compiled.eval(v.feeds(in), v.result().toArray(Tensor[]::new));
            order = driverOrder;
        } finally {
            lock.readLock().unlock();
        }
        // The gradients in the driver's order (the same names, checked when loading).
        List<NDArray> grads = new ArrayList<>(names.size());
        for (String name : order) {
            grads.add(out.get(1 + names.indexOf(name)));
        }
        return PartialGradients.of(partition, rows.length, out.get(0), grads);
    }

    /** Returns holding the read lock, with {@code weights} loaded. */
    private void lockFor(Weights weights) {
        lock.readLock().lock();
        if (loaded == weights.version()) {
            return;
        }
        lock.readLock().unlock();
        lock.writeLock().lock();
        try {
            if (loaded != weights.version()) {
                load(weights);
                loaded = weights.version();
            }
            lock.readLock().lock();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void load(Weights weights) {
        try {
            Map<String, NDArray> values = weights.toMap();
            model.load(values);
            driverOrder = List.copyOf(values.keySet());
        } catch (FeedException e) {
            FeedException mismatch = new FeedException("the parameters broadcast for this step do not fit the model the"
                    + " factory built on this executor (does it build the same layers everywhere?): " + e.getMessage());
            mismatch.initCause(e);
            throw mismatch;
        }
    }
}

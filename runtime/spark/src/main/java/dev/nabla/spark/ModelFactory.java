package dev.nabla.spark;

import dev.nabla.Graph;
import dev.nabla.nn.Model;
import java.io.Serializable;

/**
 * Builds the model in a graph: on the driver, and again on every executor, from this object sent
 * there (so it must be serializable: a lambda or method reference is, when what it captures is).
 * Every call must build the same layers, so that the parameters' PyTorch names and shapes agree
 * everywhere; the initial values do not matter on executors, which load the driver's.
 *
 * <pre>{@code
 * ModelFactory mlp = g -> Model.create(g, Sequential.of(new Linear(64, 64), Layers.relu(), new Linear(64, 10)), 42);
 * }</pre>
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
    /**
     * {@return a model created in {@code graph}} The trainer and the scorer refuse one of another
     * graph.
     *
     * @param graph the graph to build in: a new one on each call
     */
    Model create(Graph graph);
}

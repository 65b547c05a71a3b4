package dev.nabla.spark;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.InputSpec;
import dev.nabla.Tensor;
import dev.nabla.Traced;
import dev.nabla.nn.Model;
import dev.nabla.core.NDArray;
import java.util.List;

/**
 * A scorer's model on one executor, in evaluation mode: built and loaded once, then shared by the
 * executor's tasks (evaluations may run at once), one compiled program per batch size.
 */
final class ScoreWorker {
    private final Model model;
    private final Traced<Tensor> program;
    private final CompiledGraph compiled;
    private boolean loaded;

    ScoreWorker(ModelFactory factory, int features, int batchSize) {
        Graph graph = Graph.create();
        this.model = TrainingRecipe.build(factory, graph);
        this.program = Traced.of(graph, List.of(InputSpec.f32("features", batchSize, features).dynamic(0)),
                in -> model.evaluate(in.get(0)));
        this.compiled = graph.compile();
    }

    /** The model's outputs for features f32 [n, F], with {@code weights} loaded the first time. */
    NDArray score(Weights weights, NDArray features) {
        synchronized (this) {
            if (!loaded) {
                model.load(weights.toMap());
                loaded = true;
            }
        }
        return compiled.eval(program, features);
    }
}

package dev.nabla.spark;

import dev.nabla.Graph;
import dev.nabla.InputSpec;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Op;
import dev.nabla.nn.Model;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything an executor needs to build the gradient program: the model's factory, the loss,
 * the examples' width and label kind, and the row count a partition's share is padded to a
 * multiple of (so that shares of varying size reuse a few compiled programs).
 *
 * @param factory  builds the model
 * @param loss     the loss of each example
 * @param features how many features an example has
 * @param labels   the labels' kind
 * @param padTo    the multiple a share's rows are padded to
 */
record TrainingRecipe(ModelFactory factory, ExampleLoss loss, int features, Labels labels, int padTo)
        implements Serializable {

    /** The model built in {@code graph}. */
    Model model(Graph graph) {
        return build(factory, graph);
    }

    /** What {@code factory} builds in {@code graph}, checked to be a model of that graph. */
    static Model build(ModelFactory factory, Graph graph) {
        Model model = factory.create(graph);
        if (model == null || model.graph() != graph) {
            throw new NablaException("the model factory must return a Model created in the graph it is given, got "
                    + (model == null ? "null" : "a model of another graph"));
        }
        return model;
    }

    /** Checks, on the driver, that the model can train this way (so executors never find out). */
    static void checkModel(Model model) {
        if (model.parameters().isEmpty()) {
            throw new NablaException("SparkTrainer: the model has no parameters to train");
        }
        model.parameters().forEach((name, p) -> {
            if (p.dtype() != DType.F32) {
                throw new NablaException("SparkTrainer: parameter '" + name + "' is " + p.dtype()
                        + "; training on Spark takes f32 models");
            }
        });
        if (!model.buffers().isEmpty()) {
            throw new NablaException("SparkTrainer: the model has buffers " + List.copyOf(model.buffers().keySet())
                    + " (batch norm's running statistics): each partition would move them by its own share of the"
                    + " batch, which data-parallel training here does not combine; use a model without batch norm");
        }
    }

    /** Checks, on the driver, that the loss gives what the gradient program needs. */
    void checkLoss(Model model) {
        List<Tensor> traced = lossAndGradients(model, inputs(model.graph(), padTo));
        boolean random = Program.of(List.of(traced.get(0).node())).nodes().stream()
                .anyMatch(n -> n.op() instanceof Op.Random);
        if (random) {
            throw new NablaException("SparkTrainer: the loss draws random numbers (dropout?): every executor would"
                    + " draw the same ones at every step, which is not what dropout means; train without them");
        }
    }

    /** Features f32 [n, F], labels [n] and the padding mask f32 [n], for any n. */
    List<InputSpec> specs() {
        return List.of(InputSpec.f32("features", padTo, features).dynamic(0),
                InputSpec.of("labels", labels.dtype(), padTo).dynamic(0), InputSpec.f32("mask", padTo).dynamic(0));
    }

    private List<Tensor> inputs(Graph graph, int n) {
        return List.of(graph.input("features", n, features), graph.input("labels", labels.dtype(), n),
                graph.input("mask", n));
    }

    /** The masked sum of the examples' losses, then its gradient for each of the model's parameters. */
    List<Tensor> lossAndGradients(Model model, List<Tensor> in) {
        Tensor x = in.get(0);
        Tensor losses = loss.apply(model, x, in.get(1));
        int n = x.shape().dim(0);
        if (losses == null || losses.dtype() != DType.F32 || losses.rank() != 1 || losses.shape().dim(0) != n) {
            throw new NablaException("SparkTrainer: the loss must give one f32 value per example, f32[" + n + "] for "
                    + n + " examples; got " + (losses == null ? "null" : losses.node().describe())
                    + " (see ExampleLosses; do not take the mean: the trainer does)");
        }
        Tensor total = losses.mul(in.get(2)).sum();
        List<Tensor> out = new ArrayList<>();
        out.add(total);
        out.addAll(total.grad(List.copyOf(model.parameters().values())));
        return out;
    }

    /** The rows a share of {@code rows} examples is padded to. */
    int padded(int rows) {
        return (rows + padTo - 1) / padTo * padTo;
    }
}

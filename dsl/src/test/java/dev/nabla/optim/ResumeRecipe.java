package dev.nabla.optim;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * One training run built the same way every time (in this JVM or a fresh one): a small network
 * with batch norm and dropout, cross-entropy, an optimizer with state and a schedule, and batches
 * that depend only on the step's number. Its main trains in a child JVM for the resume test.
 */
final class ResumeRecipe implements AutoCloseable {
    static final int BATCH = 8;
    static final int FEATURES = 6;
    static final int CLASSES = 3;
    private static final Layer NET = Sequential.of(new Linear(FEATURES, 16), new BatchNorm1d(16), Layers.relu(),
            new Dropout(0.25), new Linear(16, CLASSES));

    final Graph graph;
    final Model net;
    final Tensor x;
    final Tensor y;
    final Trainer trainer;

    ResumeRecipe(String optimizer) {
        graph = Graph.create();
        net = Model.create(graph, NET, 5);
        x = graph.input("x", BATCH, FEATURES);
        y = graph.input("y", DType.I32, BATCH);
        Tensor loss = Nabla.crossEntropy(net.forward(x), y);
        Optimizer rule = switch (optimizer) {
            case "sgd" -> Optimizers.sgd(0.05).withMomentum(0.9).withNesterov(true).withWeightDecay(1e-3);
            case "adam" -> Optimizers.adam(0.01).withAmsgrad(true);
            default -> throw new IllegalArgumentException(optimizer);
        };
        trainer = Trainer.builder(loss).group(rule).schedule(LrSchedules.step(2, 0.5)).build();
    }

    /** Step {@code step}'s batch: a function of the step's number only. */
    Map<Tensor, NDArray> batch(int step) {
        float[] features = new float[BATCH * FEATURES];
        double[] labels = new double[BATCH];
        for (int i = 0; i < BATCH; i++) {
            labels[i] = (step * 7 + i) % CLASSES;
            for (int f = 0; f < FEATURES; f++) {
                features[i * FEATURES + f] = (float) Math.sin(0.37 * step + 1.3 * i + 0.71 * f) + (float) labels[i] * 0.2f;
            }
        }
        return Map.of(x, NDArray.of(features, BATCH, FEATURES), y, NDArray.fromDoubles(DType.I32, Shape.of(BATCH), labels));
    }

    /** Steps {@code from} (inclusive) to {@code to} (exclusive), with a schedule step after steps 2, 5 and 8. */
    void train(int from, int to) {
        for (int step = from; step < to; step++) {
            trainer.step(batch(step));
            if (step % 3 == 2 && step < 10) {
                trainer.scheduleStep();
            }
        }
    }

    @Override
    public void close() {
        trainer.close();
        graph.close();
    }

    /**
     * In a fresh JVM: {@code optimizer checkpoint from to out} loads the checkpoint, trains steps
     * from..to, and writes the model's state dict to out.
     */
    public static void main(String[] args) throws IOException {
        try (ResumeRecipe run = new ResumeRecipe(args[0])) {
            Map<String, String> meta = run.trainer.load(Path.of(args[1]));
            int from = Integer.parseInt(args[2]);
            if (!meta.get("step").equals(args[2])) {
                throw new IllegalStateException("the checkpoint was saved at step " + meta.get("step"));
            }
            run.train(from, Integer.parseInt(args[3]));
            SafeTensors.write(Path.of(args[4]), run.net.values());
        }
    }
}

package dev.nabla.examples;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.InputSpec;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.Traced;
import dev.nabla.data.Batch;
import dev.nabla.data.Batches;
import dev.nabla.data.Dataset;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A model's whole life: data read from a CSV file, training on shuffled batches that keep the
 * partial last one, a checkpoint in the middle, the trained model loaded into a fresh program and
 * evaluated at any batch size, training resumed from the checkpoint in a new trainer (ending bit
 * for bit where the uninterrupted run ended), and a state dict PyTorch loads as it is.
 */
public final class ModelLife {
    private static final Layer NET = Sequential.of(new Linear(64, 64), Layers.relu(), new Dropout(0.1),
            new Linear(64, DigitsData.CLASSES));
    private static final int BATCH = 64;
    private static final int EPOCHS = 8;
    private static final int CHECKPOINT_EPOCH = 4;
    private static final int TEST = 360;

    public static void main(String[] args) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nabla-life");
            run(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteAll(dir);
        }
    }

    private static void deleteAll(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e.getMessage());
        }
    }

    private static void run(Path dir) throws IOException {
        Dataset.Split split = DigitsData.split(TEST);
        // Shuffled anew each epoch (from the seed and the epoch alone); the last, smaller batch is kept.
        Batches loader = split.train().batches(BATCH).shuffle(1);
        int last = split.train().size() % BATCH;
        System.out.printf("%d training images: %d batches of %d and one of %d%n", split.train().size(),
                loader.batchCount() - 1, BATCH, last);
        Path checkpoint = dir.resolve("checkpoint.safetensors");
        Path weights = dir.resolve("digits-mlp.safetensors");

        System.out.println("-- train, saving a checkpoint after epoch " + CHECKPOINT_EPOCH);
        Map<String, NDArray> uninterrupted;
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 42);
            try (Trainer adam = trainer(g, net)) {
                train(adam, loader, 1, EPOCHS, checkpoint);
                // Two step programs, each compiled once: batches of 64 rows, and the last one.
                System.out.println("step programs: " + adam.stepPrograms());
            }
            // The trainer is closed; the model's values are the trained ones.
            uninterrupted = net.values();
            net.save(weights);
        }

        System.out.println("-- a fresh program loads the model and evaluates it");
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 7);   // its own initial values, all replaced by load
            net.load(weights);
            Traced<Tensor> predict = Traced.of(g, List.of(InputSpec.f32("x", 1, 64).dynamic(0)),
                    in -> net.evaluate(in.get(0)));
            try (CompiledGraph run = g.compile()) {
                NDArray scores = run.eval(predict, split.test().column("features"));
                int right = DigitsData.correct(scores.toFloatArray(), split.test().column("label"));
                System.out.printf("test accuracy: %.1f%% of %d images%n", 100.0 * right / TEST, TEST);
                NDArray one = run.eval(predict, split.test().rows(0, 1).column("features"));
                System.out.printf("first test image: label %d, predicted %d%n",
                        (int) split.test().column("label").getDouble(0), argmax(one.toFloatArray()));
            }
        }

        System.out.println("-- a new trainer resumes from the checkpoint");
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 42);
            try (Trainer adam = trainer(g, net)) {
                Map<String, String> saved = adam.load(checkpoint);
                train(adam, loader, Integer.parseInt(saved.get("epoch")) + 1, EPOCHS, null);
            }
            boolean same = equalBits(uninterrupted, net.values());
            System.out.println("parameters equal to the uninterrupted run's, bit for bit: " + same);
        }

        System.out.println("-- for PyTorch: " + weights.getFileName() + " holds "
                + SafeTensors.read(weights).tensors().keySet());
        System.out.println("   model.load_state_dict(safetensors.torch.load_file(\"" + weights.getFileName() + "\"))");
    }

    /** Adam on the cross-entropy of the model, for batches of any number of rows. */
    private static Trainer trainer(Graph g, Model net) {
        return Trainer.builder(g, List.of(InputSpec.f32("x", BATCH, 64).dynamic(0),
                        InputSpec.i32("label", BATCH).dynamic(0)),
                in -> Nabla.crossEntropy(net.forward(in.get(0)), in.get(1)))
                .group(Optimizers.adam(0.01)).build();
    }

    private static void train(Trainer adam, Batches loader, int from, int to, Path checkpoint) throws IOException {
        for (int epoch = from; epoch <= to; epoch++) {
            double sum = 0;
            for (Batch b : loader.epoch(epoch)) {
                sum += adam.step(b.get("features"), b.get("label")).item() * b.size();
            }
            System.out.printf("epoch %d  loss %.6f%n", epoch, sum / loader.examplesPerEpoch());
            if (epoch == CHECKPOINT_EPOCH && checkpoint != null) {
                adam.save(checkpoint, Map.of("epoch", Integer.toString(epoch)));
                System.out.println("saved " + checkpoint.getFileName());
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            best = v[i] > v[best] ? i : best;
        }
        return best;
    }

    private static boolean equalBits(Map<String, NDArray> a, Map<String, NDArray> b) {
        return a.keySet().equals(b.keySet()) && a.keySet().stream()
                .allMatch(k -> Arrays.equals(a.get(k).toDoubleArray(), b.get(k).toDoubleArray()));
    }
}

package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.data.Batch;
import dev.nabla.data.Batches;
import dev.nabla.data.Dataset;
import dev.nabla.data.ProgressBar;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Trains a 64-32-10 tanh network on UCI's handwritten digits (8x8 images) with Adam and a
 * softmax cross-entropy loss, one compiled step per mini-batch (from a shuffling, prefetching
 * {@link Batches} loader); then reports the accuracy on held-out images and plots the loss curve.
 */
public final class DigitsClassifier {
    private static final int PIXELS = DigitsData.PIXELS;
    private static final int CLASSES = DigitsData.CLASSES;
    private static final int HIDDEN = 32;
    private static final int BATCH = 64;
    private static final int EPOCHS = 30;
    private static final int TEST = 360;

    public static void main(String[] args) {
        Dataset.Split split = DigitsData.split(TEST);
        Dataset train = split.train();
        Dataset test = split.test();
        System.out.printf("%d training and %d test images of 8x8 pixels%n", train.size(), test.size());

        try (var g = Graph.create()) {
            Random init = new Random(42);
            Tensor w1 = g.parameter("w1", uniform(init, PIXELS, HIDDEN));
            Tensor b1 = g.parameter("b1", NDArray.of(new float[HIDDEN], HIDDEN));
            Tensor w2 = g.parameter("w2", uniform(init, HIDDEN, CLASSES));
            Tensor b2 = g.parameter("b2", NDArray.of(new float[CLASSES], CLASSES));

            Tensor x = g.input("x", BATCH, PIXELS);
            Tensor labels = g.input("labels", DType.I32, BATCH);
            Tensor y = labels.oneHot(CLASSES, DType.F32);
            Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
            Tensor loss = y.mul(logits.logSoftmax(1)).sum(1).mean().neg();

            Tensor xTest = g.input("xTest", TEST, PIXELS);
            Tensor testLogits = xTest.matmul(w1).add(b1).tanh().matmul(w2).add(b2);

            List<Double> losses = new ArrayList<>();
            try (Trainer adam = Optimizers.adam(0.01).minimize(loss)) {
                // The trainer runs on Device.best(): a GPU when TornadoVM reports one. Batches go there,
                // gathered and copied on the loader's thread while the previous step runs. The graph's
                // inputs have BATCH rows, so the last, smaller batch of each epoch is dropped.
                Device device = adam.compiled().device();
                Batches loader = train.batches(BATCH).shuffle(1).dropLast(true).map(b -> b.to(device));
                var bar = ProgressBar.to(System.out, EPOCHS).label("epoch");
                for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                    long start = System.nanoTime();
                    double sum = 0;
                    for (Batch batch : loader.epoch(epoch)) {
                        sum += adam.step(batch.feeds(x, labels)).item();
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    double mean = sum / loader.batchCount();
                    losses.add(mean);
                    bar.update(epoch, "loss %.4f  %,8.0f images/s", mean, loader.examplesPerEpoch() / seconds);
                }
                NDArray testImages = test.column("features").to(device);
                float[] scores = adam.compiled().eval(Map.of(xTest, testImages), testLogits).get(0).toFloatArray();
                System.out.printf("test accuracy: %.1f%% of %d images%n",
                        100.0 * DigitsData.correct(scores, test.column("label")) / TEST, TEST);
            }

            var chart = Plots.chart("Digits: training loss", "epoch", "mean cross-entropy");
            double[] epochs = new double[losses.size()];
            for (int i = 0; i < epochs.length; i++) {
                epochs[i] = i + 1;
            }
            chart.addSeries("loss", epochs, losses.stream().mapToDouble(Double::doubleValue).toArray())
                    .setMarker(SeriesMarkers.CIRCLE);
            System.out.println("plot: " + Plots.save(chart, "digits-loss"));
        }
    }

    /** PyTorch's default Linear initialization: uniform in ±1/sqrt(fan in). */
    private static NDArray uniform(Random random, int fanIn, int fanOut) {
        float bound = (float) (1 / Math.sqrt(fanIn));
        float[] w = new float[fanIn * fanOut];
        for (int i = 0; i < w.length; i++) {
            w[i] = (random.nextFloat() * 2 - 1) * bound;
        }
        return NDArray.of(w, fanIn, fanOut);
    }
}

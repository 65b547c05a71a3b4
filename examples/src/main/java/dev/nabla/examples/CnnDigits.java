package dev.nabla.examples;

import dev.nabla.ConvOptions;
import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.data.Batch;
import dev.nabla.data.Batches;
import dev.nabla.data.Dataset;
import dev.nabla.data.ProgressBar;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.LrSchedules;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A small convolutional network on the same digits as {@link DigitsClassifier}, built from the
 * {@code nn} layers: two 3x3 convolutions with batch norm and max pooling, then dropout and a
 * linear layer, trained with Adam on integer labels. Evaluation mode (batch norm's running
 * statistics, no dropout) scores the held-out images after each epoch; the plot shows the loss
 * and the error rate.
 */
public final class CnnDigits {
    private static final int BATCH = 64;
    private static final int EPOCHS = 15;
    private static final int TEST = 360;

    public static void main(String[] args) {
        Dataset.Split split = DigitsData.split(TEST);
        Dataset train = split.train();
        Dataset test = split.test();

        var same = ConvOptions.defaults().padding(1);
        var net = Sequential.of(
                new Conv2d(1, 32, 3, same), new BatchNorm2d(32), Layers.relu(), Layers.maxPool2d(2),   // 32 x 4 x 4
                new Conv2d(32, 64, 3, same), new BatchNorm2d(64), Layers.relu(), Layers.maxPool2d(2),  // 64 x 2 x 2
                Layers.flatten(), new Dropout(0.25), new Linear(256, 10));
        try (var g = Graph.create()) {
            Model model = Model.create(g, net, 42);
            System.out.println("parameters: " + model.parameters().keySet());
            // The loader's rows of 64 pixels become one-channel 8x8 images in the graph.
            Tensor x = g.input("x", BATCH, DigitsData.PIXELS);
            Tensor labels = g.input("labels", DType.I32, BATCH);
            Tensor loss = Nabla.crossEntropy(model.forward(x.reshape(BATCH, 1, 8, 8)), labels);
            Tensor xTest = g.input("xTest", TEST, DigitsData.PIXELS);
            Tensor testLogits = model.evaluate(xTest.reshape(TEST, 1, 8, 8));

            List<Double> losses = new ArrayList<>();
            List<Double> accuracies = new ArrayList<>();
            // Adam with the learning rate annealed to 0 over the epochs (PyTorch's CosineAnnealingLR).
            try (Trainer adam = Trainer.builder(loss).group(Optimizers.adam(0.01))
                    .schedule(LrSchedules.cosine(EPOCHS, 0)).build()) {
                Device device = adam.compiled().device();
                NDArray testImages = test.column("features").to(device);
                // Fixed-size batches (the graph's inputs have BATCH rows): the last partial one is dropped.
                Batches loader = train.batches(BATCH).shuffle(1).dropLast(true).map(b -> b.to(device));
                var bar = ProgressBar.to(System.out, EPOCHS).label("epoch");
                for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                    long start = System.nanoTime();
                    double sum = 0;
                    for (Batch batch : loader.epoch(epoch)) {
                        sum += adam.step(batch.feeds(x, labels)).item();
                    }
                    double seconds = (System.nanoTime() - start) / 1e9;
                    adam.scheduleStep();
                    float[] scores = adam.compiled().eval(Map.of(xTest, testImages), testLogits).get(0).toFloatArray();
                    double accuracy = 100.0 * DigitsData.correct(scores, test.column("label")) / TEST;
                    double mean = sum / loader.batchCount();
                    losses.add(mean);
                    accuracies.add(accuracy);
                    bar.update(epoch, "loss %.4f  test accuracy %5.1f%%  %,8.0f images/s", mean, accuracy,
                            loader.examplesPerEpoch() / seconds);
                }
            }
            System.out.printf("test accuracy: %.1f%% of %d images%n", accuracies.get(EPOCHS - 1), TEST);

            var chart = Plots.chart("Digits with a CNN", "epoch", "cross-entropy / error rate");
            double[] epochs = new double[EPOCHS];
            double[] errors = new double[EPOCHS];
            for (int i = 0; i < EPOCHS; i++) {
                epochs[i] = i + 1;
                errors[i] = 1 - accuracies.get(i) / 100;
            }
            chart.addSeries("training loss", epochs, losses.stream().mapToDouble(Double::doubleValue).toArray())
                    .setMarker(SeriesMarkers.CIRCLE);
            chart.addSeries("test error rate", epochs, errors).setMarker(SeriesMarkers.DIAMOND);
            System.out.println("plot: " + Plots.save(chart, "digits-cnn"));
        }
    }
}

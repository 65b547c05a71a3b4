package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A small CNN from the nn layers (convolutions, batch norm with running statistics, dropout with
 * its key state, integer labels) trained for a few SGD steps on TornadoVM and on the reference
 * interpreter: the losses, the trained weights and the running statistics agree.
 */
class TornadoVmLayersTest {
    private static Device tornado;

    @BeforeAll
    static void findDevice() {
        tornado = TornadoVmDevices.first();
    }

    /** Losses, then every state-dict tensor, after three steps on {@code device}. */
    private static List<double[]> train(Device device) {
        try (var g = Graph.create()) {
            var net = Sequential.of(new Conv2d(1, 4, 3, ConvOptions.defaults().padding(1)), new BatchNorm2d(4),
                    Layers.relu(), Layers.maxPool2d(2), Layers.flatten(), new Dropout(0.25), new Linear(64, 3));
            Model model = Model.create(g, net, 5);
            Tensor x = g.input("x", 6, 1, 8, 8);
            Tensor labels = g.input("labels", DType.I32, 6);
            Tensor loss = Nabla.crossEntropy(model.forward(x), labels);
            Random rnd = new Random(2);
            float[] pixels = new float[6 * 64];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = rnd.nextFloat();
            }
            NDArray xv = NDArray.of(pixels, 6, 1, 8, 8).to(device);
            NDArray yv = NDArray.fromDoubles(DType.I32, Shape.of(6), new double[] {0, 1, 2, 2, 1, 0}).to(device);
            List<double[]> out = new ArrayList<>();
            try (Trainer sgd = Trainer.builder(loss).group(Optimizers.sgd(0.1)).device(device).build()) {
                double[] losses = new double[3];
                for (int step = 0; step < 3; step++) {
                    losses[step] = sgd.step(Map.of(x, xv, labels, yv)).item();
                }
                out.add(losses);
                for (Tensor t : model.stateDict().values()) {
                    out.add(sgd.parameter(t).toDoubleArray());
                }
            }
            return out;
        }
    }

    @Test
    void trainingStepsMatchTheReference() {
        List<double[]> expected = train(Device.of("reference:cpu"));
        List<double[]> actual = train(tornado);
        assertEquals(expected.size(), actual.size());
        for (int k = 0; k < expected.size(); k++) {
            double[] e = expected.get(k);
            double[] a = actual.get(k);
            assertEquals(e.length, a.length);
            for (int i = 0; i < e.length; i++) {
                // f32, three steps: PoCL contracts a * b + c into fma and sums in its own order.
                assertEquals(e[i], a[i], 1e-3 * Math.max(1, Math.abs(e[i])), "tensor " + k + " [" + i + "]");
            }
        }
        // The dropout masks are the same bits on both (same Philox key states), so the values agree.
        assertArrayEquals(expected.get(0), actual.get(0), 1e-3);
    }
}

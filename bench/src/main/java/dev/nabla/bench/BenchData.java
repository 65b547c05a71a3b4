package dev.nabla.bench;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NDArray;
import java.util.Random;

/** What the benchmarks run on: normal samples, and the MLP the training-step benchmarks train. */
final class BenchData {
    private BenchData() {}

    /** The MLP 784-256-10 (tanh, softmax cross-entropy) with one batch of 128 to train it on. */
    record Mlp(Graph graph, Tensor images, Tensor labels, Tensor loss, NDArray imageValues, NDArray labelValues) {}

    static Mlp mlp(Random random) {
        Graph g = Graph.create();
        Tensor w1 = g.parameter("w1", gaussian(random, 0.05f, 784, 256));
        Tensor b1 = g.parameter("b1", gaussian(random, 0f, 256));
        Tensor w2 = g.parameter("w2", gaussian(random, 0.05f, 256, 10));
        Tensor b2 = g.parameter("b2", gaussian(random, 0f, 10));
        Tensor x = g.input("x", 128, 784);
        Tensor y = g.input("y", 128, 10);
        Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
        Tensor loss = y.mul(logits.logSoftmax(1)).sum(1).mean().neg();
        float[] oneHot = new float[128 * 10];
        for (int i = 0; i < 128; i++) {
            oneHot[i * 10 + random.nextInt(10)] = 1;
        }
        return new Mlp(g, x, y, loss, gaussian(random, 1f, 128, 784), NDArray.of(oneHot, 128, 10));
    }

    /** An f32 array of the given shape, each value a standard normal sample times {@code scale}. */
    static NDArray gaussian(Random random, float scale, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian() * scale;
        }
        return NDArray.of(v, dims);
    }
}

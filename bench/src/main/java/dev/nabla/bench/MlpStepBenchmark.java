package dev.nabla.bench;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.runtime.NDArray;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One training step of a 784-256-10 tanh MLP with softmax cross-entropy, batch 128, float32,
 * plain SGD (lr 0.01) in the compiled step program.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class MlpStepBenchmark {
    private Trainer sgd;
    private Map<Tensor, NDArray> batch;

    @Setup
    public void build() {
        Random random = new Random(3);
        Graph g = Graph.create();
        Tensor w1 = g.parameter("w1", gaussian(random, 0.05f, 784, 256));
        Tensor b1 = g.parameter("b1", gaussian(random, 0f, 256));
        Tensor w2 = g.parameter("w2", gaussian(random, 0.05f, 256, 10));
        Tensor b2 = g.parameter("b2", gaussian(random, 0f, 10));
        Tensor x = g.input("x", 128, 784);
        Tensor y = g.input("y", 128, 10);
        Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
        Tensor loss = y.mul(logits.logSoftmax(1)).sum(1).mean().neg();
        sgd = Optimizers.sgd(0.01).minimize(loss);
        float[] labels = new float[128 * 10];
        for (int i = 0; i < 128; i++) {
            labels[i * 10 + random.nextInt(10)] = 1;
        }
        batch = Map.of(x, gaussian(random, 1f, 128, 784), y, NDArray.of(labels, 128, 10));
    }

    private static NDArray gaussian(Random random, float scale, int... dims) {
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

    @Benchmark
    public NDArray trainingStep() {
        return sgd.step(batch);
    }
}

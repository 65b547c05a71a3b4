package dev.nabla.bench;

import dev.nabla.Tensor;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
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
        BenchData.Mlp mlp = BenchData.mlp(new Random(3));
        sgd = Optimizers.sgd(0.01).minimize(mlp.loss());
        batch = Map.of(mlp.images(), mlp.imageValues(), mlp.labels(), mlp.labelValues());
    }

    @Benchmark
    public NDArray trainingStep() {
        return sgd.step(batch);
    }
}

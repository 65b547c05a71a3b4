package dev.nabla.bench;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The seed's SGD on 3a^2 + 6a - 9: 10,000 compiled steps per invocation, time per step. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class SgdStepBenchmark {
    private Graph graph;
    private Tensor a;
    private Trainer sgd;

    @Setup
    public void build() {
        graph = Graph.create();
        a = graph.scalar("a", 10.0f);
        sgd = Optimizers.sgd(0.1).minimize(a.pow(2).mul(3).add(a.mul(6)).sub(9));
    }

    @Benchmark
    @OperationsPerInvocation(10_000)
    public NDArray tenThousandSteps() {
        sgd.compiled().setParameter(a, NDArray.scalar(10.0f));
        for (int i = 0; i < 10_000; i++) {
            sgd.step();
        }
        return sgd.parameter(a);
    }
}

package dev.nabla.bench;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * From nothing to the first value: build the seed's graphs, differentiate (with simplification),
 * compile (lowering, code generation, class loading) and run once. Warm: the JVM has done it
 * before (JMH warm-up); cold is reported by the single-shot mode run in bench/run.sh.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class CompileLatencyBenchmark {
    @Benchmark
    public NDArray secondDerivative() {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 5.0f);
            return g.compile().eval(x.pow(2).grad(x).grad(x));
        }
    }

    @Benchmark
    public List<NDArray> partials() {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 1.0f);
            Tensor y = g.scalar("y", 1.0f);
            Tensor z = x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
            List<Tensor> dz = z.grad(x, y);
            return g.compile().eval(dz.get(0), dz.get(1));
        }
    }
}

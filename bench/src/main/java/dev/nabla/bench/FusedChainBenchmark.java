package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * y = sin(x) * exp(-x*x) + 3*x*x over float32 vectors, fused into one kernel, written into a
 * preallocated output (as PyTorch's side uses out= tensors). Threads: -Dnabla.threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FusedChainBenchmark {
    @Param({"1048576", "16777216"})
    public int size;

    private CompiledGraph run;
    private Tensor x;
    private Tensor y;
    private Map<Tensor, NDArray> feed;
    private float[] out;

    @Setup
    public void build() {
        Graph g = Graph.create();
        x = g.input("x", size);
        y = x.sin().mul(x.mul(x).neg().exp()).add(x.mul(x).mul(3));
        run = g.compile();
        float[] data = new float[size];
        Random random = new Random(1);
        for (int i = 0; i < size; i++) {
            data[i] = (float) random.nextGaussian();
        }
        feed = Map.of(x, NDArray.of(data, size));
        out = new float[size];
    }

    @Benchmark
    public float[] fusedChain() {
        run.evalInto(feed, y, out);
        return out;
    }
}

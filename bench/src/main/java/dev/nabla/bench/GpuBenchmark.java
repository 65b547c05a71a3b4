package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 18's device targets, with everything on the device between runs so that the device's
 * own speed shows: a square SGEMM whose operands are parameters (through cuBLAS or Nabla's tiled
 * kernel, {@code -p cublas=true,false}, on TornadoVM's CUDA backend; elsewhere always the
 * kernel), the fused chain sin(x)·exp(−x²)+3x² summed over an input fed again (so it stays on
 * the device: one read of x per run), the MLP training step on a new batch each step, and one
 * run of a scalar program (the host's overhead per run plus a launch). Every result that comes
 * back is a scalar: the product is summed on the device so that its 64 MB do not cross the bus
 * at every run (the sum reads the product once, a small part of the SGEMM's time).
 *
 * <p>Sizes are parameters: the defaults are the GPU's (4096² SGEMM, 64M floats); on PoCL use
 * {@code -p n=256 -p chain=1048576}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class GpuBenchmark {
    @Param({"jvm:cpu"})
    public String device;

    /** The SGEMM's size: n x n times n x n. */
    @Param({"4096"})
    public int n;

    /** The fused chain's length. */
    @Param({"67108864"})
    public int chain;

    /** Whether products go to cuBLAS where TornadoVM's CUDA backend offers it. */
    @Param({"true"})
    public boolean cublas;

    private Graph graph;
    private CompiledGraph run;
    private Tensor productSum;
    private Tensor chainSum;
    private Map<Tensor, NDArray> chainFeed;
    private Tensor scalarOut;
    private Map<Tensor, NDArray> scalarFeed;
    private Trainer mlp;
    private BenchData.Mlp net;
    private Map<Tensor, NDArray>[] batches;
    private int step;

    @Setup
    @SuppressWarnings("unchecked")
    public void build() {
        System.setProperty("nabla.tornadovm.cublas", Boolean.toString(cublas));
        Device d = Device.of(device);
        Random random = new Random(7);
        graph = Graph.create();
        Tensor a = graph.parameter("a", BenchData.gaussian(random, 1, n, n));
        Tensor b = graph.parameter("b", BenchData.gaussian(random, 1, n, n));
        productSum = a.matmul(b).sum();
        Tensor x = graph.input("x", chain);
        chainSum = x.sin().mul(x.mul(x).neg().exp()).add(x.mul(x).mul(3)).sum();
        Tensor s = graph.input("s");
        scalarOut = s.add(1);
        run = graph.compile(d);
        chainFeed = Map.of(x, BenchData.gaussian(random, 1, chain).to(d));
        scalarFeed = Map.of(s, NDArray.scalar(2f).to(d));

        net = BenchData.mlp(random);
        mlp = Trainer.builder(net.loss()).group(Optimizers.sgd(0.01)).device(d).build();
        // A few batches taken in turn: each step feeds another array, which crosses the bus.
        batches = new Map[4];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = Map.of(net.images(), BenchData.gaussian(random, 1, 128, 784).to(d), net.labels(),
                    net.labelValues().to(d));
        }
    }

    @TearDown
    public void close() {
        mlp.close();
        net.graph().close();
        graph.close();
    }

    @Benchmark
    public NDArray sgemm() {
        return run.eval(productSum);
    }

    @Benchmark
    public NDArray fusedChainSum() {
        return run.eval(chainFeed, chainSum).get(0);
    }

    @Benchmark
    public NDArray mlpStep() {
        step = (step + 1) % batches.length;
        return mlp.step(batches[step]);
    }

    @Benchmark
    public NDArray scalarRun() {
        return run.eval(scalarFeed, scalarOut).get(0);
    }
}

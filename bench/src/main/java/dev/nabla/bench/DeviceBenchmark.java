package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same workloads on any device (-p device=jvm:cpu,tornadovm:0.0; bench/run-devices.sh runs
 * every device present): the seed's matrix product with its operands copied to the device at
 * every call and with them held as parameters (which stay on the device), the fused chain on 1M
 * floats, and an MLP training step whose parameters stay on the device while each batch is
 * copied in. An input crosses to the device when fed another array than the last run's: the
 * product's operands ({@code x.to(device)} at every call) and the MLP's batch do, the fused
 * chain's input (the same array at every call) stays; every result is read back to the host.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class DeviceBenchmark {
    @Param({"jvm:cpu"})
    public String device;

    private Device d;
    private Graph graph;
    private Tensor a;
    private Tensor b;
    private NDArray av;
    private NDArray bv;
    private CompiledGraph run;
    private Tensor fedProduct;
    private Tensor residentProduct;
    private Tensor chain;
    private Map<Tensor, NDArray> feeds;
    private Trainer mlp;
    private Tensor images;
    private Tensor truth;
    private NDArray imageValues;
    private NDArray truthValues;

    @Setup
    public void build() {
        d = Device.of(device);
        Random random = new Random(5);
        graph = Graph.create();
        a = graph.input("a", 512, 1024);
        b = graph.input("b", 1024, 512);
        fedProduct = a.matmul(b);
        av = BenchData.gaussian(random, 1, 512, 1024);
        bv = BenchData.gaussian(random, 1, 1024, 512);
        residentProduct = graph.parameter("pa", av).matmul(graph.parameter("pb", bv));
        Tensor x = graph.input("x", 1 << 20);
        chain = x.sin().mul(x.mul(x).neg().exp()).add(x.mul(x).mul(3));
        run = graph.compile(d);
        feeds = Map.of(x, BenchData.gaussian(random, 1, 1 << 20).to(d));

        BenchData.Mlp net = BenchData.mlp(random);
        mlp = Trainer.builder(net.loss()).group(Optimizers.sgd(0.01)).device(d).build();
        images = net.images();
        truth = net.labels();
        imageValues = net.imageValues();
        truthValues = net.labelValues();
    }

    @TearDown
    public void close() {
        mlp.close();
        graph.close();
    }

    /** The operands copied to the device at every call, as {@code x.to(device)} does. */
    @Benchmark
    public NDArray matmulFed() {
        return run.eval(Map.of(a, av.to(d), b, bv.to(d)), fedProduct).get(0);
    }

    @Benchmark
    public NDArray matmulOnDevice() {
        return run.eval(residentProduct);
    }

    @Benchmark
    public NDArray fusedChain() {
        return run.eval(feeds, chain).get(0);
    }

    @Benchmark
    public NDArray mlpStep() {
        return mlp.step(Map.of(images, imageValues.to(d), truth, truthValues.to(d)));
    }
}

package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The program transforms beside JAX's (bench/jax/transforms.py runs the same workloads):
 * the Hessian of f(v) = sum(softplus(A v)) + v.v / 2 (v in R^100, A 50x100, f64), per call and
 * from building to the first value; and per-example gradients of the 784-256-10 MLP for a batch
 * of 128, as vmap(grad) and as a loop of 128 single-example gradients.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class TransformsBenchmark {
    private static final int N = 100;
    private static final int M = 50;
    private static final int BATCH = 128;

    private double[] a;
    private NDArray v;
    private Graph hessianGraph;
    private CompiledGraph hessianRun;
    private Tensor hessianInput;
    private Tensor hessian;

    private Graph mlpGraph;
    private CompiledGraph mlpRun;
    private Map<Tensor, NDArray> batchFeeds;
    private Tensor[] perExample;
    private Tensor[] singleGrads;
    private List<Map<Tensor, NDArray>> rowFeeds;

    @Setup
    public void build() {
        Random random = new Random(1);
        a = new double[M * N];
        double[] vv = new double[N];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextGaussian() / Math.sqrt(N);
        }
        for (int i = 0; i < N; i++) {
            vv[i] = random.nextGaussian();
        }
        v = NDArray.of(vv, N);
        hessianGraph = Graph.create();
        hessianInput = hessianGraph.input("v", DType.F64, N);
        hessian = Nabla.hessian(softplusLayer(hessianGraph, hessianInput, a), hessianInput);
        hessianRun = hessianGraph.compile();
        buildMlp(random);
    }

    private static Tensor softplusLayer(Graph g, Tensor v, double[] a) {
        Tensor matrix = g.constant(NDArray.of(a, M, N));
        return matrix.matmul(v).softplus().sum().add(v.dot(v).mul(0.5));
    }

    /** The MLP of BenchData written for one example, its gradients, and their vmap over a batch. */
    private void buildMlp(Random random) {
        mlpGraph = Graph.create();
        Graph g = mlpGraph;
        Tensor w1 = g.parameter("w1", BenchData.gaussian(random, 0.05f, 784, 256));
        Tensor b1 = g.parameter("b1", BenchData.gaussian(random, 0f, 256));
        Tensor w2 = g.parameter("w2", BenchData.gaussian(random, 0.05f, 256, 10));
        Tensor b2 = g.parameter("b2", BenchData.gaussian(random, 0f, 10));
        Tensor x = g.input("x", 784);
        Tensor y = g.input("y", 10);
        Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
        Tensor loss = y.mul(logits.logSoftmax(0)).sum().neg();
        List<Tensor> grads = loss.grad(w1, b1, w2, b2);
        singleGrads = grads.toArray(Tensor[]::new);
        Tensor xs = g.input("xs", BATCH, 784);
        Tensor ys = g.input("ys", BATCH, 10);
        perExample = Nabla.vmap(x, xs).and(y, ys).apply(grads).toArray(Tensor[]::new);
        NDArray images = BenchData.gaussian(random, 1f, BATCH, 784);
        float[] oneHot = new float[BATCH * 10];
        for (int i = 0; i < BATCH; i++) {
            oneHot[i * 10 + random.nextInt(10)] = 1;
        }
        batchFeeds = Map.of(xs, images, ys, NDArray.of(oneHot, BATCH, 10));
        rowFeeds = new ArrayList<>();
        float[] pixels = images.toFloatArray();
        for (int b = 0; b < BATCH; b++) {
            float[] row = java.util.Arrays.copyOfRange(pixels, b * 784, (b + 1) * 784);
            float[] label = java.util.Arrays.copyOfRange(oneHot, b * 10, (b + 1) * 10);
            rowFeeds.add(Map.of(x, NDArray.of(row, 784), y, NDArray.of(label, 10)));
        }
        mlpRun = g.compile();
    }

    @TearDown
    public void close() {
        hessianGraph.close();
        mlpGraph.close();
    }

    /** The compiled Hessian, one call. */
    @Benchmark
    public NDArray hessianCall() {
        return hessianRun.eval(Map.of(hessianInput, v), hessian).get(0);
    }

    /** A new graph: build f, its Hessian, compile, first value. */
    @Benchmark
    public NDArray hessianBuildCompileFirstCall() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("v", DType.F64, N);
            Tensor h = Nabla.hessian(softplusLayer(g, x, a), x);
            return g.compile().eval(Map.of(x, v), h).get(0);
        }
    }

    /** Per-example gradients of a batch of 128 as one vmap(grad) program. */
    @Benchmark
    public List<NDArray> perExampleGradientsVmap() {
        return mlpRun.eval(batchFeeds, perExample);
    }

    /** The same, as 128 calls of the single-example gradient. */
    @Benchmark
    public Object perExampleGradientsLoop() {
        Object last = null;
        for (Map<Tensor, NDArray> feeds : rowFeeds) {
            last = mlpRun.eval(feeds, singleGrads);
        }
        return last;
    }
}

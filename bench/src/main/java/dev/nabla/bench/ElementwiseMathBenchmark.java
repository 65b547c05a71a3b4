package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
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
 * One transcendental function (or an activation built from one) over 1M elements, one generated
 * SIMD kernel into a preallocated output: the cost of the JVM backend's own vector math.
 * Threads: -Dnabla.threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ElementwiseMathBenchmark {
    @Param({"exp", "log", "sin", "tanh", "sigmoid"})
    public String fn;

    @Param({"F32", "F64"})
    public String dtype;

    static final int SIZE = 1 << 20;

    private CompiledGraph run;
    private Tensor y;
    private Map<Tensor, NDArray> feed;
    private float[] floats;
    private double[] doubles;

    @Setup
    public void build() {
        DType t = DType.valueOf(dtype);
        Graph g = Graph.create();
        Tensor x = g.input("x", t, SIZE);
        y = switch (fn) {
            case "exp" -> x.exp();
            case "log" -> x.abs().log();
            case "sin" -> x.sin();
            case "tanh" -> x.tanh();
            case "sigmoid" -> x.sigmoid();
            default -> throw new IllegalArgumentException(fn);
        };
        run = g.compile();
        Random random = new Random(1);
        double[] data = new double[SIZE];
        for (int i = 0; i < SIZE; i++) {
            data[i] = random.nextGaussian() * 3;
        }
        feed = Map.of(x, NDArray.fromDoubles(t, x.shape(), data));
        floats = new float[SIZE];
        doubles = new double[SIZE];
    }

    @Benchmark
    public Object elementwise() {
        if (dtype.equals("F32")) {
            run.evalInto(feed, y, floats);
            return floats;
        }
        run.evalInto(feed, y, doubles);
        return doubles;
    }
}

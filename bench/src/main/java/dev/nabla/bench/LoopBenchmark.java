package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Scan;
import dev.nabla.ScalarFunction;
import dev.nabla.Tensor;
import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.jvm.JvmBackend;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Loops in the graph beside JAX (bench/jax/loops.py runs the same workloads):
 * <ul>
 *   <li>the seed's SGD on f(a) = 3a^2 + 6a - 9 (lr 0.1, f32, from a = 10) as one
 *       {@code Nabla.fori} of 10,000 steps, compiled once: through {@code eval} and through
 *       {@code run.function(a, a0)}; JMH reports the time per step. Beside them, for
 *       comparison, the same arithmetic as hand-written Java loops;</li>
 *   <li>the gradient of an RNN, h' = tanh(h W + x U + b), loss = the sum of every step's h
 *       (batch 16, hidden 64, input 32, f32), over T steps as one {@code Nabla.scan} and as T cells
 *       built by a Java loop: per call (the report divides by T), from nothing to the first
 *       gradient (build, grad, compile, first run), and build, grad and compile without the run.</li>
 * </ul>
 * The first-value benchmarks scale each cell's pre-activation by a factor that changes with
 * every operation (1 + k ulp), so that the loop bodies, forward and backward, have constants of
 * their own and the JVM backend's code caches (keyed by structure, constants included) never
 * serve an earlier operation's kernels: code generation is measured every time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dnabla.threads=1"})
public class LoopBenchmark {
    static final int SGD_STEPS = 10_000;
    static final int BATCH = 16;
    static final int HIDDEN = 64;
    static final int INPUT = 32;

    /** The seed's SGD step: a - 0.1 f'(a). */
    static Tensor sgdStep(Tensor a) {
        return a.sub(a.pow(2).mul(3).add(a.mul(6)).sub(9).grad(a).mul(0.1f));
    }

    @State(Scope.Benchmark)
    public static class Sgd {
        Graph graph;
        Tensor a0;
        Tensor a;
        CompiledGraph run;
        Map<Tensor, NDArray> feeds;
        ScalarFunction function;
        /** The start, from a field: the hand-written loops must not fold it. */
        float start = 10f;

        @Setup
        public void build() {
            graph = Graph.create();
            a0 = graph.input("a0", DType.F32);
            a = Nabla.fori(SGD_STEPS, a0, LoopBenchmark::sgdStep);
            run = graph.compile();
            feeds = Map.of(a0, NDArray.scalar(start));
            function = run.function(a, a0);
            // The hand-written loops compute the compiled loop's value, bit for bit.
            float compiled = run.eval(feeds, a).get(0).getFloat(0);
            if (compiled != (float) roundedDoubles(start) || compiled != floats(start)) {
                throw new AssertionError(compiled + " " + roundedDoubles(start) + " " + floats(start));
            }
        }

        @TearDown
        public void close() {
            graph.close();
        }
    }

    /** The RNN's graph: its gradient with respect to W, U and b, and the feeds. */
    record Rnn(Graph graph, List<Tensor> grads, Map<Tensor, NDArray> feeds) implements AutoCloseable {
        Tensor[] outputs() {
            return grads.toArray(Tensor[]::new);
        }

        @Override
        public void close() {
            graph.close();
        }
    }

    /** The RNN's weights and inputs for T steps, made once: the first-gradient timings exclude them. */
    record RnnData(int steps, NDArray w, NDArray u, NDArray b, NDArray h0, NDArray xs) {
        static RnnData of(int steps) {
            Random random = new Random(5);
            return new RnnData(steps, BenchData.gaussian(random, (float) (1 / Math.sqrt(HIDDEN)), HIDDEN, HIDDEN),
                    BenchData.gaussian(random, (float) (1 / Math.sqrt(INPUT)), INPUT, HIDDEN),
                    BenchData.gaussian(random, 0.1f, HIDDEN), BenchData.gaussian(random, 1f, BATCH, HIDDEN),
                    BenchData.gaussian(random, 1f, steps, BATCH, INPUT));
        }
    }

    /**
     * The RNN over T steps, as one scan or unrolled, and its gradient; each cell's pre-activation
     * is scaled by {@code scale} (1 leaves the program as written).
     */
    static Rnn rnn(RnnData data, boolean unrolled, float scale) {
        Graph g = Graph.create();
        Tensor w = g.parameter("w", data.w());
        Tensor u = g.parameter("u", data.u());
        Tensor b = g.parameter("b", data.b());
        Tensor h0 = g.input("h0", BATCH, HIDDEN);
        Tensor xs = g.input("xs", data.steps(), BATCH, INPUT);
        Tensor loss;
        if (unrolled) {
            Tensor h = h0;
            Tensor[] hs = new Tensor[data.steps()];
            for (int t = 0; t < data.steps(); t++) {
                h = cell(h, xs.slice(0, t, t + 1).squeeze(0), w, u, b, scale);
                hs[t] = h;
            }
            loss = Nabla.stack(0, hs).sum();
        } else {
            loss = Nabla.scan(h0, xs, (h, x) -> {
                Tensor next = cell(h, x, w, u, b, scale);
                return Scan.Step.of(next, next);
            }).stacked().sum();
        }
        return new Rnn(g, loss.grad(List.of(w, u, b)), Map.of(h0, data.h0(), xs, data.xs()));
    }

    static Tensor cell(Tensor h, Tensor x, Tensor w, Tensor u, Tensor b, float scale) {
        Tensor z = h.matmul(w).add(x.matmul(u)).add(b);
        return (scale == 1 ? z : z.mul(scale)).tanh();
    }

    /** A compiled RNN gradient over T steps, as a scan. */
    @State(Scope.Benchmark)
    public static class ScanRnn {
        @Param({"100", "1000", "10000"})
        public int steps;
        Rnn rnn;
        CompiledGraph run;

        @Setup
        public void build() {
            rnn = rnn(RnnData.of(steps), false, 1);
            run = rnn.graph().compile();
        }

        @TearDown
        public void close() {
            rnn.close();
        }
    }

    /** The same unrolled (the graph holds T cells and their gradients). */
    @State(Scope.Benchmark)
    public static class UnrolledRnn {
        @Param({"100", "1000"})
        public int steps;
        Rnn rnn;
        CompiledGraph run;

        @Setup
        public void build() {
            rnn = rnn(RnnData.of(steps), true, 1);
            run = rnn.graph().compile();
        }

        @TearDown
        public void close() {
            rnn.close();
        }
    }

    @State(Scope.Benchmark)
    public static class ScanData {
        @Param({"100", "1000", "10000"})
        public int steps;
        RnnData data;

        @Setup
        public void build() {
            data = RnnData.of(steps);
        }
    }

    @State(Scope.Benchmark)
    public static class UnrolledData {
        @Param({"100", "1000"})
        public int steps;
        RnnData data;

        @Setup
        public void build() {
            data = RnnData.of(steps);
        }
    }

    /** A factor for the pre-activation, new with every operation and within 1.2e-4 of 1. */
    @State(Scope.Thread)
    public static class Scale {
        int count;

        float next() {
            // 1 + k ulp, cycling through 1000 values: no two operations close in time share one.
            return 1f + Math.ulp(1f) * (1 + count++ % 1000);
        }
    }

    /** The seed's SGD: one call of the compiled 10,000-step loop through eval. */
    @Benchmark
    @OperationsPerInvocation(SGD_STEPS)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public NDArray sgdFori(Sgd s) {
        return s.run.eval(s.feeds, s.a).get(0);
    }

    /** The same through the compiled function of doubles. */
    @Benchmark
    @OperationsPerInvocation(SGD_STEPS)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double sgdForiFunction(Sgd s) {
        return s.function.apply(10.0);
    }

    /**
     * For comparison, hand-written Java doing what the generated loop does: the body's four
     * operations (6a, 6 + 6a, 0.1 (6 + 6a), a - ...) in f64, each result rounded to f32 and back.
     */
    @Benchmark
    @OperationsPerInvocation(SGD_STEPS)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double sgdJavaRoundedDoubles(Sgd s) {
        return roundedDoubles(s.start);
    }

    /** The same four operations in f32 arithmetic: the same values (f64 has more than 2 x 24 + 2 bits). */
    @Benchmark
    @OperationsPerInvocation(SGD_STEPS)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public float sgdJavaFloats(Sgd s) {
        return floats(s.start);
    }

    static double roundedDoubles(float start) {
        double a = start;
        for (int i = 0; i < SGD_STEPS; i++) {
            double m = (float) (6.0 * a);
            double sum = (float) (6.0 + m);
            double step = (float) (0.10000000149011612 * sum);
            a = (float) (a - step);
        }
        return a;
    }

    static float floats(float start) {
        float a = start;
        for (int i = 0; i < SGD_STEPS; i++) {
            a = a - 0.1f * (6f + 6f * a);
        }
        return a;
    }

    /** The RNN's gradient over T steps through one scan, one call. */
    @Benchmark
    public List<NDArray> rnnScanGradient(ScanRnn r) {
        return r.run.eval(r.rnn.feeds(), r.rnn.outputs());
    }

    /**
     * The same unrolled, one call. Its program has a generated kernel for each cell's elementwise
     * steps, each run once a call, so the JIT takes longer to compile them all: 20 seconds of warm-up.
     */
    @Benchmark
    @Warmup(iterations = 20, time = 1)
    public List<NDArray> rnnUnrolledGradient(UnrolledRnn r) {
        return r.run.eval(r.rnn.feeds(), r.rnn.outputs());
    }

    /** From nothing to the first gradient through a scan: build, grad, compile, run once. */
    @Benchmark
    public List<NDArray> rnnScanFirstGradient(ScanData d, Scale scale) {
        try (Rnn r = rnn(d.data, false, scale.next())) {
            return r.graph().compile().eval(r.feeds(), r.outputs());
        }
    }

    /**
     * As {@link #rnnScanFirstGradient}, but every operation builds the same program: the code
     * caches serve kernels generated and JIT-compiled before, so this is the first gradient
     * without code generation and without the JIT's warm-up of new kernels.
     */
    @Benchmark
    public List<NDArray> rnnScanFirstGradientSeenBefore(ScanData d) {
        try (Rnn r = rnn(d.data, false, 1)) {
            return r.graph().compile().eval(r.feeds(), r.outputs());
        }
    }

    /** The same unrolled. */
    @Benchmark
    public List<NDArray> rnnUnrolledFirstGradient(UnrolledData d, Scale scale) {
        try (Rnn r = rnn(d.data, true, scale.next())) {
            return r.graph().compile().eval(r.feeds(), r.outputs());
        }
    }

    /** Build, grad and compile (lowering, code generation) through a scan, without running. */
    @Benchmark
    public Executable rnnScanBuildCompile(ScanData d, Scale scale) {
        try (Rnn r = rnn(d.data, false, scale.next())) {
            return compiled(r);
        }
    }

    /** The same unrolled. */
    @Benchmark
    public Executable rnnUnrolledBuildCompile(UnrolledData d, Scale scale) {
        try (Rnn r = rnn(d.data, true, scale.next())) {
            return compiled(r);
        }
    }

    /** The gradient's program compiled as {@code eval} compiles it on its first call. */
    private static Executable compiled(Rnn r) {
        return new JvmBackend().compile(Program.of(r.grads().stream().map(Tensor::node).toList()), null);
    }

    /**
     * Where the first gradient's time goes, in a JVM that has done it before (the last of four
     * rounds is printed): build and grad, compile alone (lowering, code generation), then the
     * first calls, and the node count of the gradient program. CPU time of this thread, so that
     * other work on a shared machine (and the JIT's own threads) count less. With the argument
     * {@code same} every round builds the same program, whose kernels the code caches then
     * serve already JIT-compiled; without it each has constants of its own, as in the benchmarks.
     */
    public static void main(String[] args) {
        boolean same = args.length > 0 && args[0].equals("same");
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        Scale scale = new Scale();
        for (int round = 0; round < 4; round++) {
            for (int steps : new int[] {100, 1000, 10_000}) {
                RnnData data = RnnData.of(steps);
                for (boolean unrolled : new boolean[] {false, true}) {
                    if (unrolled && steps > 1000) {
                        continue;
                    }
                    long t0 = cpu.getCurrentThreadCpuTime();
                    try (Rnn r = rnn(data, unrolled, same ? 1 : scale.next())) {
                        long t1 = cpu.getCurrentThreadCpuTime();
                        Program program = compiled(r).program();
                        long t2 = cpu.getCurrentThreadCpuTime();
                        CompiledGraph run = r.graph().compile();
                        StringBuilder calls = new StringBuilder();
                        for (int k = 0; k < 6; k++) {
                            long s = cpu.getCurrentThreadCpuTime();
                            run.eval(r.feeds(), r.outputs());
                            calls.append(String.format(" %.1f", (cpu.getCurrentThreadCpuTime() - s) / 1e6));
                        }
                        if (round == 3) {
                            System.out.printf("T=%d %s: %d nodes, build+grad %.1f ms, compile %.1f ms, calls%s ms%n",
                                    steps, unrolled ? "unrolled" : "scan", program.nodes().size(), (t1 - t0) / 1e6,
                                    (t2 - t1) / 1e6, calls);
                        }
                    }
                }
            }
        }
    }
}

package dev.nabla.bench;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.compiler.Program;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The n-th derivative of tanh at 0.5, from nothing to its value: build a fresh graph,
 * differentiate, compile (lowering, code generation, class loading) and evaluate once. Taylor
 * mode ({@link Nabla#derivative}) at n = 10, 20, 30; nested grad at n = 10 and 12, beyond which
 * its graph (about 2.1 times larger per order) is out of reach.
 *
 * <p>Each operation adds its own tiny constant to x (1e-300 times a counter, which leaves x
 * unchanged in f64), so that its program's structure is new: the JVM backend caches generated
 * code by structure, and without the shift every operation after the first would skip code
 * generation. {@link #main} prints the node counts.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dnabla.threads=1"})
public class TaylorBenchmark {
    /** A counter that makes every operation's graph structurally new. */
    @State(Scope.Thread)
    public static class Shift {
        long count;

        double next() {
            return 1e-300 * ++count;
        }
    }

    @State(Scope.Benchmark)
    public static class TaylorOrder {
        @Param({"10", "20", "30"})
        public int n;
    }

    @State(Scope.Benchmark)
    public static class NestedOrder {
        @Param({"10", "12"})
        public int n;
    }

    @Benchmark
    public double taylor(TaylorOrder order, Shift shift) {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 0.5);
            Tensor y = x.add(shift.next()).tanh();
            return g.compile().eval(Nabla.derivative(y, x, order.n)).getDouble(0);
        }
    }

    @Benchmark
    public double nestedGrad(NestedOrder order, Shift shift) {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 0.5);
            Tensor d = x.add(shift.next()).tanh();
            for (int k = 0; k < order.n; k++) {
                d = d.grad(x);
            }
            return g.compile().eval(d).getDouble(0);
        }
    }

    /** Node counts of d^n tanh, without the benchmarks' shift (which adds two: the constant and the add). */
    public static void main(String[] args) {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 0.5);
            Tensor y = x.tanh();
            Tensor nested = y;
            System.out.println("n  taylor nodes  nested grad nodes");
            for (int n = 1; n <= 30; n++) {
                Tensor taylor = Nabla.derivative(y, x, n);
                String grad = "";
                if (n <= 12) {
                    nested = nested.grad(x);
                    grad = String.valueOf(nodes(nested));
                }
                System.out.printf("%2d  %12d  %17s%n", n, nodes(taylor), grad);
            }
        }
    }

    private static int nodes(Tensor t) {
        return Program.of(List.of(t.node())).nodes().size();
    }
}

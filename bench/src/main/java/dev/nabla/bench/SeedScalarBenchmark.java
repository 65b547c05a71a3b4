package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
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
 * The seed's scalar programs (value and derivatives) evaluated on the best backend present,
 * a call at a time. With only the reference interpreter this measures the interpreter.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class SeedScalarBenchmark {
    private CompiledGraph run;
    private Tensor x;
    private Tensor y;
    private Tensor square;
    private Tensor dy;
    private Tensor d2y;
    private Tensor dzdx;
    private Tensor dzdy;
    private Map<Tensor, NDArray> atFive;
    private dev.nabla.ScalarFunction dyFunction;
    private dev.nabla.ScalarFunction dzdyFunction;
    private Map<Tensor, NDArray> atOneOne;

    @Setup
    public void build() {
        Graph g = Graph.create();
        x = g.input("x");
        y = g.input("y");
        square = x.pow(2);
        dy = square.grad(x);
        d2y = dy.grad(x);
        Tensor z = x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
        List<Tensor> partials = z.grad(x, y);
        dzdx = partials.get(0);
        dzdy = partials.get(1);
        run = g.compile();
        atFive = Map.of(x, NDArray.scalar(5.0f));
        dyFunction = run.function(dy, x);
        dzdyFunction = run.function(dzdy, x, y);
        atOneOne = Map.of(x, NDArray.scalar(1.0f), y, NDArray.scalar(1.0f));
    }

    /** y = x^2 and dy/dx at x = 5. */
    @Benchmark
    public List<NDArray> firstDerivative() {
        return run.eval(atFive, square, dy);
    }

    /** dy/dx alone at x = 5: one feed, one output. */
    @Benchmark
    public List<NDArray> derivativeOnly() {
        return run.eval(atFive, dy);
    }

    /** dy/dx and d2y/dx2 at x = 5. */
    @Benchmark
    public List<NDArray> secondDerivative() {
        return run.eval(atFive, dy, d2y);
    }

    /** Both partials of z = x^2 y + 3 x y^5 + x^3 at (1, 1). */
    @Benchmark
    public List<NDArray> partials() {
        return run.eval(atOneOne, dzdx, dzdy);
    }

    /** dy/dx at x = 5 through a compiled function of doubles (no NDArrays, no allocation). */
    @Benchmark
    public double firstDerivativeFunction() {
        return dyFunction.apply(5.0);
    }

    /** dz/dy at (1, 1) through a compiled function of doubles. */
    @Benchmark
    public double partialFunction() {
        return dzdyFunction.apply(1.0, 1.0);
    }
}

package dev.nabla;

import java.util.function.ToDoubleFunction;

/**
 * A compiled function of scalars (see {@link CompiledGraph#function}): call it with plain
 * doubles, one per argument tensor, in the order they were named. With the JVM backend a call
 * runs generated straight-line code and allocates nothing. Not thread-safe: use one per thread.
 */
public final class ScalarFunction {
    private final ToDoubleFunction<double[]> body;
    private final double[] one = new double[1];
    private final double[] two = new double[2];

    ScalarFunction(ToDoubleFunction<double[]> body) {
        this.body = body;
    }

    public double apply(double x) {
        one[0] = x;
        return body.applyAsDouble(one);
    }

    public double apply(double x, double y) {
        two[0] = x;
        two[1] = y;
        return body.applyAsDouble(two);
    }

    public double apply(double... args) {
        return body.applyAsDouble(args);
    }
}

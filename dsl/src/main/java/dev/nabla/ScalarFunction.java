package dev.nabla;

import dev.nabla.runtime.ScalarCall;

/**
 * A compiled function of scalars (see {@link CompiledGraph#function}): call it with plain
 * doubles, one per argument tensor, in the order they were named. Each argument is rounded to
 * its tensor's dtype, as a fed value is. With the JVM backend a call runs generated
 * straight-line code and allocates nothing. Safe to call from several threads at once (a call
 * that overlaps another makes its own small argument arrays); calls after its compiled graph
 * was closed are errors.
 */
public final class ScalarFunction {
    private final ScalarCall call;

    ScalarFunction(ScalarCall call) {
        this.call = call;
    }

    /**
     * {@return the function's value at one argument}
     *
     * @param x the argument
     */
    public double apply(double x) {
        return call.call(x);
    }

    /**
     * {@return the function's value at two arguments}
     *
     * @param x the first argument
     * @param y the second
     */
    public double apply(double x, double y) {
        return call.call(x, y);
    }

    /**
     * {@return the function's value at any number of arguments}
     *
     * @param args one value per argument tensor, in order
     */
    public double apply(double... args) {
        return call.call(args);
    }
}

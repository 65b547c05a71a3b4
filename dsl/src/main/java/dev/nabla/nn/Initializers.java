package dev.nabla.nn;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.NDArray;
import java.util.function.DoubleSupplier;

/** The initializers PyTorch's layers use by default, and constants. */
public final class Initializers {
    private Initializers() {}

    public static Initializer zeros() {
        return (shape, dtype, random) -> NDArray.full(dtype, shape, 0);
    }

    public static Initializer ones() {
        return (shape, dtype, random) -> NDArray.full(dtype, shape, 1);
    }

    /** Uniform in [-bound, bound). */
    public static Initializer uniform(double bound) {
        return (shape, dtype, random) -> filled(shape, dtype, () -> (random.nextDouble() * 2 - 1) * bound);
    }

    /**
     * PyTorch's default for Linear and Conv weights, kaiming_uniform(a = √5): uniform in
     * ±1/√fanIn, fanIn being the product of all axes but the first ([out, in, kernel...]).
     */
    public static Initializer kaimingUniformDefault() {
        return (shape, dtype, random) -> uniform(1 / Math.sqrt(fanIn(shape))).create(shape, dtype, random);
    }

    /** PyTorch's default for Linear and Conv biases: uniform in ±1/√fanIn of the layer's weight. */
    public static Initializer biasFor(Shape weight) {
        return uniform(1 / Math.sqrt(fanIn(weight)));
    }

    /** Normal with the given mean and standard deviation. */
    public static Initializer normal(double mean, double std) {
        return (shape, dtype, random) -> filled(shape, dtype, () -> mean + std * random.nextGaussian());
    }

    /** The number of inputs each output sees: all axes but the first. */
    public static int fanIn(Shape weight) {
        int fan = 1;
        for (int d = 1; d < weight.rank(); d++) {
            fan *= weight.dim(d);
        }
        return Math.max(fan, 1);
    }

    private static NDArray filled(Shape shape, DType dtype, DoubleSupplier next) {
        double[] v = new double[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = next.getAsDouble();
        }
        return NDArray.fromDoubles(dtype, shape, v);
    }
}

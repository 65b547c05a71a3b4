package dev.nabla.nn;

import dev.nabla.Init;
import dev.nabla.core.Shape;

/** The initializers PyTorch's layers use by default, as {@link Initializer}s over {@link Init}. */
public final class Initializers {
    private Initializers() {}

    /** {@return an initializer of zeros} */
    public static Initializer zeros() {
        return (shape, dtype, seed) -> Init.zeros(dtype, shape.dims());
    }

    /** {@return an initializer of ones} */
    public static Initializer ones() {
        return (shape, dtype, seed) -> Init.ones(dtype, shape.dims());
    }

    /**
     * {@return an initializer drawing uniformly in [lo, hi)}
     *
     * @param lo the lowest value
     * @param hi the bound above every value
     */
    public static Initializer uniform(double lo, double hi) {
        return (shape, dtype, seed) -> Init.uniform(seed, dtype, lo, hi, shape.dims());
    }

    /**
     * {@return an initializer drawing from a normal distribution}
     *
     * @param mean its mean
     * @param std  its standard deviation
     */
    public static Initializer normal(double mean, double std) {
        return (shape, dtype, seed) -> Init.normal(seed, dtype, mean, std, shape.dims());
    }

    /**
     * PyTorch's default for Linear and Conv weights, kaiming_uniform(a = √5): uniform in
     * ±1/√fanIn, fanIn being the product of all axes but the first ([out, in, kernel...]).
     *
     * @return the initializer
     */
    public static Initializer kaimingUniformDefault() {
        return (shape, dtype, seed) -> Init.convWeight(seed, dtype, shape.dims());
    }

    /**
     * {@return PyTorch's default for Linear and Conv biases: uniform in ±1/√fanIn of the layer's weight}
     *
     * @param weight the shape of the layer's weight, [out, in, kernel...]
     */
    public static Initializer biasFor(Shape weight) {
        return (shape, dtype, seed) -> Init.bias(seed, dtype, weight.dims());
    }
}

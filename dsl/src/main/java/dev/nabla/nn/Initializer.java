package dev.nabla.nn;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;

/**
 * Makes a parameter's initial value from its shape and a seed of its own (see
 * {@link dev.nabla.Init}: Philox draws, so a seed gives the same values everywhere).
 */
@FunctionalInterface
public interface Initializer {
    /**
     * {@return a parameter's initial value}
     *
     * @param shape the parameter's shape
     * @param dtype its element type
     * @param seed  the parameter's own seed: the same seed gives the same values
     */
    NDArray create(Shape shape, DType dtype, long seed);
}

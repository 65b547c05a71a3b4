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
    NDArray create(Shape shape, DType dtype, long seed);
}

package dev.nabla.nn;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.NDArray;

/**
 * Makes a parameter's initial value from its shape and a seed of its own (see
 * {@link dev.nabla.Init}: Philox draws, so a seed gives the same values everywhere).
 */
@FunctionalInterface
public interface Initializer {
    NDArray create(Shape shape, DType dtype, long seed);
}

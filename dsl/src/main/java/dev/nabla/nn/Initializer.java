package dev.nabla.nn;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.NDArray;
import java.util.random.RandomGenerator;

/** Makes a parameter's initial value from its shape and a random generator of its own. */
@FunctionalInterface
public interface Initializer {
    NDArray create(Shape shape, DType dtype, RandomGenerator random);
}

package dev.nabla;

import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import java.util.Set;
import java.util.TreeSet;

/**
 * An input whose shape may vary between runs along some axes (the batch, a sequence's length):
 * {@code InputSpec.f32("x", 64, 784).dynamic(0)} is an f32 input of 784 features and any number
 * of rows, first traced with 64. See {@link Traced}.
 *
 * @param name        the input's name, not blank
 * @param dtype       its element type
 * @param shape       the shape first traced; the dynamic axes take other sizes later
 * @param dynamicAxes the axes whose size may vary (copied)
 */
public record InputSpec(String name, DType dtype, Shape shape, Set<Integer> dynamicAxes) {
    /**
     * Checks the name and the dynamic axes.
     *
     * @throws dev.nabla.core.NablaException.ShapeException if the name is blank or a dynamic axis is
     *         not an axis of the shape
     */
    public InputSpec {
        if (name == null || name.isBlank()) {
            throw new ShapeException("InputSpec: an input needs a non-blank name");
        }
        dynamicAxes = Set.copyOf(new TreeSet<>(dynamicAxes));
        for (int axis : dynamicAxes) {
            if (axis < 0 || axis >= shape.rank()) {
                throw new ShapeException("InputSpec '" + name + "': axis " + axis + " cannot vary, the shape " + shape
                        + " has axes 0 to " + (shape.rank() - 1));
            }
        }
    }

    /**
     * {@return an input of fixed shape (until {@link #dynamic} says which axes vary)}
     *
     * @param name  the input's name
     * @param dtype its element type
     * @param dims  its shape
     */
    public static InputSpec of(String name, DType dtype, int... dims) {
        return new InputSpec(name, dtype, new Shape(dims), Set.of());
    }

    /**
     * {@return an f32 input of fixed shape (until {@link #dynamic} says which axes vary)}
     *
     * @param name the input's name
     * @param dims its shape
     */
    public static InputSpec f32(String name, int... dims) {
        return of(name, DType.F32, dims);
    }

    /**
     * {@return an i32 input of fixed shape (until {@link #dynamic} says which axes vary)}
     *
     * @param name the input's name
     * @param dims its shape
     */
    public static InputSpec i32(String name, int... dims) {
        return of(name, DType.I32, dims);
    }

    /**
     * {@return the same input with {@code axes} taking any size at each run; the sizes given are traced first}
     *
     * @param axes axes of the shape, from 0
     */
    public InputSpec dynamic(int... axes) {
        Set<Integer> all = new TreeSet<>(dynamicAxes);
        for (int a : axes) {
            all.add(a);
        }
        return new InputSpec(name, dtype, shape, all);
    }

    /** Whether {@code concrete} is a shape this input accepts: the fixed axes as declared. */
    boolean accepts(Shape concrete) {
        if (concrete.rank() != shape.rank()) {
            return false;
        }
        for (int a = 0; a < shape.rank(); a++) {
            if (!dynamicAxes.contains(a) && concrete.dim(a) != shape.dim(a)) {
                return false;
            }
        }
        return true;
    }

    /** The shape with its dynamic axes written as '*': how errors show what is expected. */
    String pattern() {
        StringBuilder s = new StringBuilder("[");
        for (int a = 0; a < shape.rank(); a++) {
            s.append(a == 0 ? "" : ",").append(dynamicAxes.contains(a) ? "*" : Integer.toString(shape.dim(a)));
        }
        return s.append("]").toString();
    }
}

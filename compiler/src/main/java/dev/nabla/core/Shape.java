package dev.nabla.core;

import dev.nabla.core.NablaException.ShapeException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A static tensor shape: a list of non-negative dimensions; rank 0 is a scalar.
 *
 * @param dims the length of each axis, outermost first (copied, never shared)
 */
public record Shape(int... dims) {
    /** The shape of a scalar: no axes, one element. */
    public static final Shape SCALAR = new Shape();

    /**
     * Checks and copies the dimensions.
     *
     * @throws NablaException.ShapeException if a dimension is negative
     */
    public Shape {
        dims = dims.clone();
        for (int d : dims) {
            if (d < 0) {
                throw new ShapeException("shape: negative dimension " + d + " in shape " + Arrays.toString(dims)
                        + "; every dimension must be 0 or more");
            }
        }
    }

    /**
     * {@return the shape with these dimensions}
     *
     * @param dims the length of each axis, outermost first
     * @throws NablaException.ShapeException if a dimension is negative
     */
    public static Shape of(int... dims) {
        return new Shape(dims);
    }

    /**
     * {@return this shape with a leading axis of {@code n}: a stack of n values of this shape}
     *
     * @param n the length of the new leading axis
     */
    public Shape prepend(int n) {
        int[] d = new int[dims.length + 1];
        d[0] = n;
        System.arraycopy(dims, 0, d, 1, dims.length);
        return new Shape(d);
    }

    /** {@return this shape without its leading axis} */
    public Shape dropFirst() {
        return new Shape(java.util.Arrays.copyOfRange(dims, 1, dims.length));
    }

    /** {@return a copy of the dimensions, outermost first} */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** {@return the number of axes: 0 for a scalar} */
    public int rank() {
        return dims.length;
    }

    /**
     * {@return the length of one axis}
     *
     * @param axis the axis, from 0 (outermost) to {@code rank() - 1}
     */
    public int dim(int axis) {
        return dims[axis];
    }

    /** {@return whether this shape has no axes} */
    public boolean isScalar() {
        return dims.length == 0;
    }

    /**
     * {@return the number of elements (1 for a scalar)}
     *
     * @throws NablaException.ShapeException if it exceeds 2^31-1
     */
    public int size() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new ShapeException("shape: " + this + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** {@return the row-major strides, in elements: how far one step along each axis moves} */
    public int[] strides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }
}

package dev.nabla.compiler.ir;

import dev.nabla.compiler.NablaException.ShapeException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** A static tensor shape: a list of non-negative dimensions; rank 0 is a scalar. */
public record Shape(int... dims) {
    public static final Shape SCALAR = new Shape();

    public Shape {
        dims = dims.clone();
        for (int d : dims) {
            if (d < 0) {
                throw new ShapeException("shape: negative dimension " + d + " in shape " + Arrays.toString(dims)
                        + "; every dimension must be 0 or more");
            }
        }
    }

    public static Shape of(int... dims) {
        return new Shape(dims);
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis];
    }

    public boolean isScalar() {
        return dims.length == 0;
    }

    /** Number of elements (1 for a scalar). */
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

    /** Row-major strides, in elements. */
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

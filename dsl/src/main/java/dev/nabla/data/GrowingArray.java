package dev.nabla.data;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.Arrays;

/**
 * Values of unknown count, appended one at a time into the storage an {@link NDArray} of
 * {@code dtype} wraps (float[] for f32, else double[]). Memory grows with the values that
 * actually arrive, never with what a file declares, and stops at {@code cap}.
 */
final class GrowingArray {
    private static final int FIRST = 1 << 12;

    private final DType dtype;
    private final long cap;
    private float[] floats;
    private double[] doubles;
    private int size;

    /** At most {@code cap} values; {@link #add} past it returns false. */
    GrowingArray(DType dtype, long cap) {
        this.dtype = dtype;
        this.cap = Math.min(cap, Integer.MAX_VALUE - 8); // the largest Java array
        int first = (int) Math.min(this.cap, FIRST);
        if (dtype == DType.F32) {
            floats = new float[first];
        } else {
            doubles = new double[first];
        }
    }

    int size() {
        return size;
    }

    /** Appends a value rounded to the dtype; false when the array holds {@code cap} values already. */
    boolean add(double v) {
        if (size == capacity() && !grow()) {
            return false;
        }
        if (floats != null) {
            floats[size++] = (float) v;
        } else {
            doubles[size++] = dtype.round(v);
        }
        return true;
    }

    private int capacity() {
        return floats != null ? floats.length : doubles.length;
    }

    private boolean grow() {
        long next = Math.min(cap, Math.max(FIRST, 2L * capacity()));
        if (next <= capacity()) {
            return false;
        }
        if (floats != null) {
            floats = Arrays.copyOf(floats, (int) next);
        } else {
            doubles = Arrays.copyOf(doubles, (int) next);
        }
        return true;
    }

    /** The values as an array of {@code shape}, which must hold exactly {@link #size()} elements. */
    NDArray toArray(Shape shape) {
        Object storage = floats != null
                ? (floats.length == size ? floats : Arrays.copyOf(floats, size))
                : (doubles.length == size ? doubles : Arrays.copyOf(doubles, size));
        return NDArray.wrap(dtype, shape, storage);
    }
}

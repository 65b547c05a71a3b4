package dev.nabla.compiler.lower;

import dev.nabla.core.Shape;
import java.util.Arrays;

/**
 * A strided window on a buffer, as NumPy views are: element (i0, i1, ...) of {@code shape} is
 * buffer element {@code offset + sum(i_d * strides[d])}. Reshape (where the layout allows),
 * permute, broadcast (stride 0) and slice are views, so they move no data.
 */
public record View(int buffer, Shape shape, int[] strides, int offset) {
    public View {
        strides = strides.clone();
        if (strides.length != shape.rank()) {
            throw new IllegalArgumentException("strides " + Arrays.toString(strides) + " for shape " + shape);
        }
    }

    /** The whole buffer, row-major. */
    public static View contiguous(int buffer, Shape shape) {
        return new View(buffer, shape, shape.strides(), 0);
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    public int stride(int axis) {
        return strides[axis];
    }

    /** Whether element i of the row-major walk over {@code shape} is buffer element offset + i. */
    public boolean isContiguous() {
        if (shape.size() <= 1) {
            return true;
        }
        int expected = 1;
        for (int a = strides.length - 1; a >= 0; a--) {
            if (strides[a] != expected) {
                return false;
            }
            expected *= shape.dim(a);
        }
        return true;
    }

    public View permute(int[] perm) {
        int[] dims = new int[perm.length];
        int[] st = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            dims[i] = shape.dim(perm[i]);
            st[i] = strides[perm[i]];
        }
        return new View(buffer, new Shape(dims), st, offset);
    }

    /** Broadcast to {@code to} (same rank): size-1 axes that grow get stride 0. */
    public View broadcast(Shape to) {
        int[] st = strides.clone();
        for (int i = 0; i < st.length; i++) {
            if (shape.dim(i) == 1 && to.dim(i) != 1) {
                st[i] = 0;
            }
        }
        return new View(buffer, to, st, offset);
    }

    public View slice(int[] starts, int[] steps, Shape to) {
        int off = offset;
        int[] st = strides.clone();
        for (int i = 0; i < st.length; i++) {
            off += starts[i] * st[i];
            st[i] *= steps[i];
        }
        return new View(buffer, to, st, off);
    }

    /**
     * The same elements in {@code to}'s row-major order without copying, or null when the layout
     * does not allow it (then the caller copies first). Works axis group by axis group: each run
     * of source axes that multiplies to a run of target axes must itself be contiguous.
     */
    public View reshape(Shape to) {
        if (shape.size() == 0 || to.size() <= 1) {
            return new View(buffer, to, to.strides(), offset);
        }
        // Drop size-1 source axes: their strides do not matter.
        int[] dims = Arrays.stream(range(shape.rank())).filter(i -> shape.dim(i) != 1).map(shape::dim).toArray();
        int[] st = Arrays.stream(range(shape.rank())).filter(i -> shape.dim(i) != 1).map(i -> strides[i]).toArray();
        int[] out = new int[to.rank()];
        int s = 0;
        int t = 0;
        while (t < to.rank()) {
            if (to.dim(t) == 1) {
                out[t++] = 0;
                continue;
            }
            int s0 = s;
            int t0 = t;
            long sp = dims[s++];
            long tp = to.dim(t++);
            while (sp != tp) {
                if (sp < tp) {
                    sp *= dims[s++];
                } else {
                    tp *= to.dim(t++);
                }
            }
            for (int k = s0; k < s - 1; k++) {
                if (st[k] != st[k + 1] * dims[k + 1]) {
                    return null;
                }
            }
            // Target axes t0..t-1 split the source run whose innermost stride is st[s-1].
            int inner = st[s - 1];
            for (int k = t - 1; k >= t0; k--) {
                out[k] = to.dim(k) == 1 ? 0 : inner;
                inner *= to.dim(k);
            }
        }
        return new View(buffer, to, out, offset);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof View v && v.buffer == buffer && v.offset == offset && v.shape.equals(shape)
                && Arrays.equals(v.strides, strides);
    }

    @Override
    public int hashCode() {
        return (buffer * 31 + offset) * 31 + Arrays.hashCode(strides);
    }

    @Override
    public String toString() {
        return "b" + buffer + shape + (isContiguous() && offset == 0 ? "" : "{strides=" + Arrays.toString(strides)
                + ", offset=" + offset + "}");
    }
}

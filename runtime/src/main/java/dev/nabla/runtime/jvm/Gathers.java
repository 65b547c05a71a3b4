package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.View;

/**
 * Reads a strided view into a contiguous run: elements [start, start + n) of the row-major walk
 * over {@code shape}. Broadcast scalars become a fill, and runs along a unit-stride innermost
 * axis become block copies.
 */
final class Gathers {
    private Gathers() {}

    /** A view's elements in a fresh contiguous array of its buffer's storage type. */
    static Object contiguous(View v, Object[] buffers) {
        Object source = buffers[v.buffer()];
        Lanes lanes = Lanes.of(source instanceof float[] ? DType.F32 : DType.F64);
        Object out = lanes.newArray(v.shape().size());
        gather(lanes, v, v.shape(), source, 0, v.shape().size(), out, 0);
        return out;
    }

    static void gather(Lanes lanes, View view, Shape shape, Object source, int start, int n, Object dst, int dstOff) {
        gather(lanes, view, shape, source, start, n, dst, dstOff, new int[shape.rank()]);
    }

    /**
     * As {@link #gather(Lanes, View, Shape, Object, int, int, Object, int)}, with {@code index}
     * (at least the shape's rank long) as scratch for the walk: kernels that gather chunk after
     * chunk pass their own and allocate nothing.
     */
    static void gather(Lanes lanes, View view, Shape shape, Object source, int start, int n, Object dst, int dstOff,
                       int[] index) {
        if (n == 0) {
            return;
        }
        int rank = shape.rank();
        if (allZero(view)) {
            lanes.fill(dst, dstOff, valueAt(source, view.offset()), n);
            return;
        }
        // Trailing axes that walk memory as one strided run are merged into it, so that runs are
        // as long as the layout allows (a broadcast over a middle axis of small rows otherwise
        // copies a few elements per call).
        int innerStride = view.stride(rank - 1);
        int inner = shape.dim(rank - 1);
        int first = rank - 1;
        while (first > 0 && view.stride(first - 1) == inner * innerStride) {
            first--;
            inner *= shape.dim(first);
        }
        int rest = start;
        int pos = rest % inner;
        rest /= inner;
        for (int d = first - 1; d >= 0; d--) {
            index[d] = rest % shape.dim(d);
            rest /= shape.dim(d);
        }
        // The offset of the current run, kept up to date as the walk advances.
        int at = view.offset() + pos * innerStride;
        for (int d = 0; d < first; d++) {
            at += index[d] * view.stride(d);
        }
        int done = 0;
        while (done < n) {
            int run = Math.min(n - done, inner - pos);
            if (innerStride == 1) {
                lanes.convert(dst, dstOff + done, source, at, run);
            } else if (innerStride == 0) {
                lanes.fill(dst, dstOff + done, valueAt(source, at), run);
            } else {
                copyStrided(dst, dstOff + done, 1, source, at, innerStride, run);
            }
            done += run;
            pos += run;
            at += run * innerStride;
            if (pos == inner && done < n) {
                pos = 0;
                at -= inner * innerStride;
                for (int d = first - 1; d >= 0; d--) {
                    index[d]++;
                    at += view.stride(d);
                    if (index[d] < shape.dim(d)) {
                        break;
                    }
                    index[d] = 0;
                    at -= shape.dim(d) * view.stride(d);
                }
            }
        }
    }

    /**
     * dst[dOff + i·dStride] = src[sOff + i·sStride] for i below n, converting between float and
     * double storage; direct loops, since one virtual call per element cost more than the copy.
     */
    static void copyStrided(Object dst, int dOff, int dStride, Object src, int sOff, int sStride, int n) {
        if (dStride == 1 && sStride == 1 && dst.getClass() == src.getClass()) {
            System.arraycopy(src, sOff, dst, dOff, n);
        } else if (dst instanceof float[] d && src instanceof float[] f) {
            for (int i = 0; i < n; i++) {
                d[dOff + i * dStride] = f[sOff + i * sStride];
            }
        } else if (dst instanceof double[] d && src instanceof double[] f) {
            for (int i = 0; i < n; i++) {
                d[dOff + i * dStride] = f[sOff + i * sStride];
            }
        } else if (dst instanceof float[] d) {
            double[] f = (double[]) src;
            for (int i = 0; i < n; i++) {
                d[dOff + i * dStride] = (float) f[sOff + i * sStride];
            }
        } else {
            double[] d = (double[]) dst;
            float[] f = (float[]) src;
            for (int i = 0; i < n; i++) {
                d[dOff + i * dStride] = f[sOff + i * sStride];
            }
        }
    }

    private static boolean allZero(View view) {
        for (int d = 0; d < view.shape().rank(); d++) {
            if (view.stride(d) != 0) {
                return false;
            }
        }
        return true;
    }

    static double valueAt(Object array, int i) {
        return array instanceof float[] f ? f[i] : ((double[]) array)[i];
    }
}

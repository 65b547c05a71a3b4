package dev.nabla.runtime.jvm;

import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.WindowShape;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Sliding windows (im2col) and their adjoint (col2im) as row copies: for each leading index and
 * window position, each row of output positions is one strided copy (or add) of an input row.
 * Work splits over the leading indices, whose planes never overlap, so results do not depend
 * on the number of threads.
 */
final class WindowRunners {
    private WindowRunners() {}

    /** Where the rows of one window position lie in an input plane, and how long they are. */
    private record Rows(int lead, int inPlane, int outPlane, int rowLength, int lastStride, int[] rowOffsets,
                        int[] positionOffsets) {

        static Rows of(WindowShape w, Shape input, Shape windows) {
            int s = w.spatialRank();
            int leadRank = input.rank() - s;
            int lead = 1;
            for (int d = 0; d < leadRank; d++) {
                lead *= input.dim(d);
            }
            int[] inStrides = input.strides();
            int inPlane = input.size() / Math.max(1, lead);
            int[] out = new int[s];
            for (int d = 0; d < s; d++) {
                out[d] = windows.dim(leadRank + 1 + d);
            }
            int rowLength = out[s - 1];
            int rows = 1;
            for (int d = 0; d < s - 1; d++) {
                rows *= out[d];
            }
            // Each row's first input element, for window position 0.
            int[] rowOffsets = new int[rows];
            int[] at = new int[Math.max(0, s - 1)];
            for (int r = 0; r < rows; r++) {
                int off = 0;
                for (int d = 0; d < s - 1; d++) {
                    off += at[d] * w.stride().get(d) * inStrides[leadRank + d];
                }
                rowOffsets[r] = off;
                for (int d = s - 2; d >= 0 && ++at[d] == out[d]; d--) {
                    at[d] = 0;
                }
            }
            return new Rows(lead, inPlane, rows * rowLength, rowLength, w.stride().get(s - 1), rowOffsets,
                    w.positionOffsets(inStrides));
        }

        int k() {
            return positionOffsets.length;
        }
    }

    static StepRunner windows(Step.Windows step) {
        View src = step.source();
        Rows rows = Rows.of(step.window(), src.shape(), step.shape());
        Contiguous input = new Contiguous(src);
        int grain = Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / Math.max(1, rows.k() * rows.outPlane()));
        return buffers -> input.with(buffers, (source, base) -> {
            Object dst = buffers[step.output()];
            Parallel.forRange(rows.lead(), grain, (from, to) -> {
                if (dst instanceof float[] d && source instanceof float[] f) {
                    copyPlanes(rows, d, f, base, from, to);
                    return;
                }
                for (int l = from; l < to; l++) {
                    for (int k = 0; k < rows.k(); k++) {
                        int from0 = base + l * rows.inPlane() + rows.positionOffsets()[k];
                        int to0 = (l * rows.k() + k) * rows.outPlane();
                        for (int r = 0; r < rows.rowOffsets().length; r++) {
                            Gathers.copyStrided(dst, to0 + r * rows.rowLength(), 1, source,
                                    from0 + rows.rowOffsets()[r], rows.lastStride(), rows.rowLength());
                        }
                    }
                }
            });
        });
    }

    static StepRunner windowsSum(Step.WindowsSum step) {
        View src = step.source();
        Rows rows = Rows.of(step.window(), step.shape(), src.shape());
        Contiguous windows = new Contiguous(src);
        Lanes lanes = Lanes.of(step.dtype().storage());
        int grain = Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / Math.max(1, rows.k() * rows.outPlane()));
        return buffers -> windows.with(buffers, (source, base) -> {
            Object dst = buffers[step.output()];
            lanes.fill(dst, 0, 0, step.shape().size());
            Parallel.forRange(rows.lead(), grain, (from, to) -> {
                if (dst instanceof float[] d && source instanceof float[] f) {
                    addPlanes(rows, d, f, base, from, to);
                    return;
                }
                for (int l = from; l < to; l++) {
                    for (int k = 0; k < rows.k(); k++) {
                        int to0 = l * rows.inPlane() + rows.positionOffsets()[k];
                        int from0 = base + (l * rows.k() + k) * rows.outPlane();
                        for (int r = 0; r < rows.rowOffsets().length; r++) {
                            addStrided(dst, to0 + rows.rowOffsets()[r], rows.lastStride(), source,
                                    from0 + r * rows.rowLength(), rows.rowLength());
                        }
                    }
                }
            });
        });
    }

    /**
     * Planes [from, to) of float windows, in one method: pooling's rows are a few elements long,
     * and a call per row (with its type tests) cost more than the copy.
     */
    private static void copyPlanes(Rows rows, float[] dst, float[] src, int base, int from, int to) {
        int[] rowOffsets = rows.rowOffsets();
        int[] positionOffsets = rows.positionOffsets();
        int length = rows.rowLength();
        int stride = rows.lastStride();
        for (int l = from; l < to; l++) {
            for (int k = 0; k < positionOffsets.length; k++) {
                int from0 = base + l * rows.inPlane() + positionOffsets[k];
                int to0 = (l * positionOffsets.length + k) * rows.outPlane();
                for (int r = 0; r < rowOffsets.length; r++) {
                    int s = from0 + rowOffsets[r];
                    int d = to0 + r * length;
                    for (int i = 0; i < length; i++) {
                        dst[d + i] = src[s + i * stride];
                    }
                }
            }
        }
    }

    /** The adjoint of {@link #copyPlanes}: each window row added into its input row. */
    private static void addPlanes(Rows rows, float[] dst, float[] src, int base, int from, int to) {
        int[] rowOffsets = rows.rowOffsets();
        int[] positionOffsets = rows.positionOffsets();
        int length = rows.rowLength();
        int stride = rows.lastStride();
        for (int l = from; l < to; l++) {
            for (int k = 0; k < positionOffsets.length; k++) {
                int to0 = l * rows.inPlane() + positionOffsets[k];
                int from0 = base + (l * positionOffsets.length + k) * rows.outPlane();
                for (int r = 0; r < rowOffsets.length; r++) {
                    int d = to0 + rowOffsets[r];
                    int s = from0 + r * length;
                    for (int i = 0; i < length; i++) {
                        dst[d + i * stride] += src[s + i];
                    }
                }
            }
        }
    }

    /** dst[dOff + i·dStride] += src[sOff + i]; both of one storage type. */
    private static void addStrided(Object dst, int dOff, int dStride, Object src, int sOff, int n) {
        if (dStride == 1) {
            // Unit stride as its own loop, which the JIT vectorizes.
            if (dst instanceof float[] d) {
                float[] f = (float[]) src;
                for (int i = 0; i < n; i++) {
                    d[dOff + i] += f[sOff + i];
                }
            } else {
                double[] d = (double[]) dst;
                double[] f = (double[]) src;
                for (int i = 0; i < n; i++) {
                    d[dOff + i] += f[sOff + i];
                }
            }
        } else if (dst instanceof float[] d) {
            float[] f = (float[]) src;
            for (int i = 0; i < n; i++) {
                d[dOff + i * dStride] += f[sOff + i];
            }
        } else {
            double[] d = (double[]) dst;
            double[] f = (double[]) src;
            for (int i = 0; i < n; i++) {
                d[dOff + i * dStride] += f[sOff + i];
            }
        }
    }

    /** A step's source as a row-major array: the buffer itself when the view is, else a copy. */
    private static final class Contiguous {
        private final View view;
        private final boolean direct;
        private final Queue<Object> spare = new ConcurrentLinkedQueue<>();

        Contiguous(View view) {
            this.view = view;
            this.direct = view.isContiguous();
        }

        interface Body {
            void run(Object source, int base);
        }

        void with(Object[] buffers, Body body) {
            Object source = buffers[view.buffer()];
            if (direct) {
                body.run(source, view.offset());
                return;
            }
            Lanes lanes = Lanes.of(source instanceof float[] ? dev.nabla.core.DType.F32
                    : dev.nabla.core.DType.F64);
            Object copy = spare.poll();
            if (copy == null) {
                copy = lanes.newArray(view.shape().size());
            }
            try {
                Gathers.gather(lanes, view, view.shape(), source, 0, view.shape().size(), copy, 0);
                body.run(copy, 0);
            } finally {
                spare.offer(copy);
            }
        }
    }
}

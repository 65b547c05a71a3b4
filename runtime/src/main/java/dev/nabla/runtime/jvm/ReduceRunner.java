package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.Step;
import java.util.function.IntFunction;

/**
 * A reduction with its fused elementwise body, evaluated chunk by chunk and folded straight
 * away, so it is never stored. The reduced axes are one contiguous run (rows, columns, batches,
 * everything), or are made one by iterating over permuted views ({@link #withReducedAxesLast}).
 */
final class ReduceRunner implements StepRunner {
    private final Step.Reduce step;
    private final ChunkKernel kernel;
    private final Lanes lanes;
    /** Elements before, inside and after the reduced run of axes. */
    private final int outer;
    private final int reduced;
    private final int inner;

    ReduceRunner(Step.Reduce step, IntFunction<DType> storageOf) {
        step = withReducedAxesLast(step);
        this.step = step;
        this.kernel = new ChunkKernel(step.body(), step.inShape(), step.dtype(), storageOf);
        this.lanes = kernel.lanes();
        int[] axes = step.axes();
        Shape s = step.inShape();
        if (axes.length == 0) {
            // Nothing reduced: every element its own row of one.
            outer = s.size();
            reduced = 1;
            inner = 1;
        } else {
            outer = product(s, 0, axes[0]);
            reduced = product(s, axes[0], axes[axes.length - 1] + 1);
            inner = product(s, axes[axes.length - 1] + 1, s.rank());
        }
    }

    private static boolean isRun(int[] axes) {
        for (int i = 1; i < axes.length; i++) {
            if (axes[i] != axes[i - 1] + 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * The same reduction iterated with the kept axes first and the reduced ones last, when the
     * reduced axes are not one run (batch norm's statistics over N, H and W of [N, C, H, W]): the
     * body's views are permuted, which moves no data, and the reduction folds contiguous rows
     * in parallel instead of scattering each element into its output. The kept axes keep their
     * order, so the outputs keep their layout.
     */
    private static Step.Reduce withReducedAxesLast(Step.Reduce step) {
        int[] axes = step.axes();
        if (isRun(axes)) {
            return step;
        }
        int rank = step.inShape().rank();
        boolean[] reducedAxis = new boolean[rank];
        for (int a : axes) {
            reducedAxis[a] = true;
        }
        int[] perm = new int[rank];
        int k = 0;
        for (int d = 0; d < rank; d++) {
            if (!reducedAxis[d]) {
                perm[k++] = d;
            }
        }
        int[] last = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            perm[k] = axes[i];
            last[i] = k++;
        }
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = step.inShape().dim(perm[d]);
        }
        return new Step.Reduce(step.output(), step.fn(), new Shape(dims), last, step.dtype(), permuted(step.body(), perm));
    }

    private static Expr permuted(Expr e, int[] perm) {
        return switch (e) {
            case Expr.Load(var view) -> new Expr.Load(view.permute(perm));
            case Expr.Const c -> c;
            case Expr.Unary(var fn, var x) -> new Expr.Unary(fn, permuted(x, perm));
            case Expr.Binary(var fn, var a, var b) -> new Expr.Binary(fn, permuted(a, perm), permuted(b, perm));
            case Expr.Fma(var a, var b, var c) -> new Expr.Fma(permuted(a, perm), permuted(b, perm), permuted(c, perm));
            case Expr.Compare(var fn, var a, var b) -> new Expr.Compare(fn, permuted(a, perm), permuted(b, perm));
            case Expr.Where(var c, var a, var b) -> new Expr.Where(permuted(c, perm), permuted(a, perm), permuted(b, perm));
        };
    }

    private static int product(Shape s, int from, int to) {
        int p = 1;
        for (int d = from; d < to; d++) {
            p *= s.dim(d);
        }
        return p;
    }

    @Override
    public void run(Object[] buffers) {
        Object out = buffers[step.output()];
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / Math.max(1, reduced)),
                    (from, to) -> rows(buffers, out, from, to));
        } else {
            Parallel.forRange(outer, Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / Math.max(1, reduced * inner)),
                    (from, to) -> columns(buffers, out, from, to));
        }
    }

    /** Reduced elements are contiguous: fold each row's chunks into one number. */
    private void rows(Object[] buffers, Object out, int from, int to) {
        if (reduced < ChunkKernel.CHUNK / 2) {
            shortRows(buffers, out, from, to);
            return;
        }
        ChunkKernel.Scratch s = kernel.acquire();
        try {
            int[] offset = s.offset;
            for (int o = from; o < to; o++) {
                double acc = step.fn().identity();
                int base = o * reduced;
                for (int at = 0; at < reduced; at += ChunkKernel.CHUNK) {
                    int n = Math.min(ChunkKernel.CHUNK, reduced - at);
                    Object values = kernel.evaluate(buffers, s, base + at, n, offset);
                    acc = lanes.reduce(step.fn(), values, offset[0], n, acc);
                }
                lanes.fill(out, o, acc, 1);
            }
        } finally {
            kernel.release(s);
        }
    }

    /**
     * Rows much shorter than a chunk (a softmax over 10 classes): the body is evaluated for as many
     * whole rows as fill a chunk, then each row is folded. One evaluation per row cost more than
     * the row's arithmetic (about 0.1 us each, against a few ns).
     */
    private void shortRows(Object[] buffers, Object out, int from, int to) {
        int rowsPerChunk = Math.max(1, ChunkKernel.CHUNK / Math.max(1, reduced));
        ChunkKernel.Scratch s = kernel.acquire();
        try {
            int[] offset = s.offset;
            for (int o = from; o < to; o += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, to - o);
                Object values = reduced == 0 ? null : kernel.evaluate(buffers, s, o * reduced, rows * reduced, offset);
                for (int r = 0; r < rows; r++) {
                    double acc = reduced == 0 ? step.fn().identity()
                            : lanes.reduce(step.fn(), values, offset[0] + r * reduced, reduced, step.fn().identity());
                    lanes.fill(out, o + r, acc, 1);
                }
            }
        } finally {
            kernel.release(s);
        }
    }

    /** Kept elements are innermost: accumulate whole rows of them, one reduced index at a time. */
    private void columns(Object[] buffers, Object out, int from, int to) {
        if (inner < ChunkKernel.CHUNK / 2) {
            shortColumns(buffers, out, from, to);
            return;
        }
        ChunkKernel.Scratch s = kernel.acquire();
        try {
            int[] offset = s.offset;
            for (int o = from; o < to; o++) {
                lanes.fill(out, o * inner, step.fn().identity(), inner);
                for (int r = 0; r < reduced; r++) {
                    int base = (o * reduced + r) * inner;
                    for (int at = 0; at < inner; at += ChunkKernel.CHUNK) {
                        int n = Math.min(ChunkKernel.CHUNK, inner - at);
                        Object values = kernel.evaluate(buffers, s, base + at, n, offset);
                        lanes.accumulate(step.fn(), out, o * inner + at, values, offset[0], n);
                    }
                }
            }
        } finally {
            kernel.release(s);
        }
    }

    /**
     * Rows of kept elements much shorter than a chunk (max pooling's windows over a few output
     * positions): the body is evaluated for as many whole rows as fill a chunk, across reduced
     * indices and outputs, then each row is accumulated into its output's. One evaluation per
     * row cost more than the row's arithmetic, as in {@link #shortRows}.
     */
    private void shortColumns(Object[] buffers, Object out, int from, int to) {
        lanes.fill(out, from * inner, step.fn().identity(), (to - from) * inner);
        if (reduced == 0 || inner == 0) {
            return;
        }
        int rowsPerChunk = ChunkKernel.CHUNK / inner;
        ChunkKernel.Scratch s = kernel.acquire();
        try {
            int[] offset = s.offset;
            int end = to * reduced;
            for (int row = from * reduced; row < end; row += rowsPerChunk) {
                int rows = Math.min(rowsPerChunk, end - row);
                Object values = kernel.evaluate(buffers, s, row * inner, rows * inner, offset);
                for (int r = 0; r < rows; r++) {
                    int o = (row + r) / reduced;
                    lanes.accumulate(step.fn(), out, o * inner, values, offset[0] + r * inner, inner);
                }
            }
        } finally {
            kernel.release(s);
        }
    }
}

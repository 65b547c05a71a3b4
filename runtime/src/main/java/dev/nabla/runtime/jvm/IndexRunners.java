package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;

/**
 * Gather and scatter-add: walks the indices' shape row by row (a row: the last axis), reading
 * every view through its strides, so broadcast indices (indexSelect, embedding) cost no copy.
 * Every index is checked against the axis' size before it is used ({@link Ops#checkedIndex}).
 */
final class IndexRunners {
    private IndexRunners() {}

    static StepRunner gather(Step.Gather g) {
        View x = g.x();
        View idx = g.indices();
        int axis = g.axis();
        int size = x.shape().dim(axis);
        int axisStride = x.stride(axis);
        // x's position off the axis follows the output's; along the axis the index replaces it.
        int[] xStrides = x.strides();
        xStrides[axis] = 0;
        int[] iStrides = idx.strides();
        Rows rows = new Rows(idx.shape());
        int last = idx.shape().rank() - 1;
        int n = idx.shape().dim(last);
        return buffers -> {
            double[] ind = (double[]) buffers[idx.buffer()];
            Object src = buffers[x.buffer()];
            Object out = buffers[g.output()];
            for (int r = 0; r < rows.count; r++) {
                int xAt = x.offset() + rows.offset(r, xStrides);
                int iAt = idx.offset() + rows.offset(r, iStrides);
                int outAt = r * n;
                if (iStrides[last] == 0 && n > 0) {
                    // One index for the row (an embedding's): checked once, the row copied.
                    int at = Ops.checkedIndex("gather", ind[iAt], axis, size);
                    Gathers.copyStrided(out, outAt, 1, src, xAt + at * axisStride, xStrides[last], n);
                } else if (out instanceof float[] o) {
                    float[] s = (float[]) src;
                    for (int j = 0; j < n; j++) {
                        int at = Ops.checkedIndex("gather", ind[iAt + j * iStrides[last]], axis, size);
                        o[outAt + j] = s[xAt + j * xStrides[last] + at * axisStride];
                    }
                } else {
                    double[] o = (double[]) out;
                    double[] s = (double[]) src;
                    for (int j = 0; j < n; j++) {
                        int at = Ops.checkedIndex("gather", ind[iAt + j * iStrides[last]], axis, size);
                        o[outAt + j] = s[xAt + j * xStrides[last] + at * axisStride];
                    }
                }
            }
        };
    }

    /**
     * Sums in double, rounded once to the output's type at the end: the reference's order and
     * rounding, so f32 results agree bit for bit however many duplicates accumulate. Every index
     * is checked first (once per row where the row shares one), so a bad index changes nothing.
     * Where the updates are far fewer than the output's elements (an embedding's gradient: a
     * batch's rows of a large table), only the sums they reach are cleared and rounded.
     */
    static StepRunner scatterAdd(Step.ScatterAdd s) {
        View idx = s.indices();
        View upd = s.updates();
        int axis = s.axis();
        int size = s.shape().dim(axis);
        int total = s.shape().size();
        int[] outStrides = s.shape().strides();
        int axisStride = outStrides[axis];
        outStrides[axis] = 0;
        int[] iStrides = idx.strides();
        int[] uStrides = upd.strides();
        Rows rows = new Rows(idx.shape());
        int last = idx.shape().rank() - 1;
        int n = idx.shape().dim(last);
        int count = rows.count * n;
        // An f32 result's double sums, and where each update lands, between runs: kept for the
        // next run, as workspaces are.
        java.util.Queue<double[]> spareSums = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Queue<int[]> spareTargets = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Queue<RunSums> spareRuns = new java.util.concurrent.ConcurrentLinkedQueue<>();
        // Each row of updates lands on one contiguous run of the output (one index per row).
        boolean runs = iStrides[last] == 0 && outStrides[last] == 1 && n > 0 && total % n == 0;
        return buffers -> {
            double[] ind = (double[]) buffers[idx.buffer()];
            Object out = buffers[s.output()];
            int[] targets = spareTargets.poll();
            if (targets == null) {
                targets = new int[count];
            }
            for (int r = 0; r < rows.count; r++) {
                int oAt = rows.offset(r, outStrides);
                int iAt = idx.offset() + rows.offset(r, iStrides);
                if (iStrides[last] == 0 && n > 0) {
                    // One index for the row (an embedding's gradient): checked once.
                    int to = oAt + Ops.checkedIndex("scatterAdd", ind[iAt], axis, size) * axisStride;
                    for (int j = 0; j < n; j++) {
                        targets[r * n + j] = to + j * outStrides[last];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        int at = Ops.checkedIndex("scatterAdd", ind[iAt + j * iStrides[last]], axis, size);
                        targets[r * n + j] = oAt + j * outStrides[last] + at * axisStride;
                    }
                }
            }
            boolean sparse = out instanceof float[] && (long) count * SPARSE_RATIO < total;
            if (sparse && runs && wholeRuns(targets, rows.count, n)) {
                // An embedding's gradient: its rows summed into compact storage, not a table-sized one.
                RunSums runSums = spareRuns.poll();
                if (runSums == null) {
                    runSums = new RunSums(total / n, count);
                }
                runSums.scatter((float[]) out, total, targets, rows, n, buffers[upd.buffer()], upd.offset(), uStrides);
                spareRuns.offer(runSums);
                spareTargets.offer(targets);
                return;
            }
            double[] sums = out instanceof double[] d ? d : spareSums.poll();
            if (sums == null) {
                sums = new double[total];
            }
            if (sparse) {
                for (int t = 0; t < count; t++) {
                    sums[targets[t]] = 0;
                }
            } else {
                java.util.Arrays.fill(sums, 0, total, 0.0);
            }
            Object updates = buffers[upd.buffer()];
            for (int r = 0; r < rows.count; r++) {
                int uAt = upd.offset() + rows.offset(r, uStrides);
                if (updates instanceof float[] u) {
                    for (int j = 0; j < n; j++) {
                        sums[targets[r * n + j]] += u[uAt + j * uStrides[last]];
                    }
                } else {
                    double[] u = (double[]) updates;
                    for (int j = 0; j < n; j++) {
                        sums[targets[r * n + j]] += u[uAt + j * uStrides[last]];
                    }
                }
            }
            if (out instanceof float[] o) {
                if (sparse) {
                    java.util.Arrays.fill(o, 0, total, 0f);
                    for (int t = 0; t < count; t++) {
                        o[targets[t]] = (float) sums[targets[t]];
                    }
                } else {
                    for (int i = 0; i < total; i++) {
                        o[i] = (float) sums[i];
                    }
                }
                spareSums.offer(sums);
            }
            spareTargets.offer(targets);
        };
    }

    /** Whether every row's targets start a run of n at a multiple of n (then run = target / n). */
    private static boolean wholeRuns(int[] targets, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            if (targets[r * n] % n != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * A sparse scatter-add of whole runs (an embedding's gradient: a batch's rows of a large
     * table) summed in storage the size of the updates: each run reached gets a slot on first
     * reach, its updates are summed there in double in row order (the reference's order and
     * rounding, as the dense sums), and only the reached runs are written after the output is
     * zeroed. A table-sized array of double sums, cold in cache after the optimizer's passes,
     * cost more than the rest of the step's scatter.
     */
    private static final class RunSums {
        /** Per run of the output: its slot, or -1 (all -1 between runs). */
        private final int[] slotOfRun;
        /** Per slot: its run. */
        private final int[] runOfSlot;
        private final double[] sums;

        RunSums(int runs, int count) {
            slotOfRun = new int[runs];
            java.util.Arrays.fill(slotOfRun, -1);
            runOfSlot = new int[runs];
            sums = new double[count];
        }

        void scatter(float[] out, int total, int[] targets, Rows rows, int n, Object updates, int uOffset,
                int[] uStrides) {
            int last = uStrides.length - 1;
            int used = 0;
            for (int r = 0; r < rows.count; r++) {
                int run = targets[r * n] / n;
                int slot = slotOfRun[run];
                if (slot < 0) {
                    slot = used++;
                    slotOfRun[run] = slot;
                    runOfSlot[slot] = run;
                    java.util.Arrays.fill(sums, slot * n, slot * n + n, 0.0);
                }
                int at = slot * n;
                int uAt = uOffset + rows.offset(r, uStrides);
                if (updates instanceof float[] u) {
                    for (int j = 0; j < n; j++) {
                        sums[at + j] += u[uAt + j * uStrides[last]];
                    }
                } else {
                    double[] u = (double[]) updates;
                    for (int j = 0; j < n; j++) {
                        sums[at + j] += u[uAt + j * uStrides[last]];
                    }
                }
            }
            java.util.Arrays.fill(out, 0, total, 0f);
            for (int slot = 0; slot < used; slot++) {
                int run = runOfSlot[slot];
                for (int j = 0; j < n; j++) {
                    out[run * n + j] = (float) sums[slot * n + j];
                }
                slotOfRun[run] = -1;
            }
        }
    }

    /**
     * Updates reaching at most one in this many of the output's elements clear and round only
     * the sums they reach, not all of them.
     */
    private static final int SPARSE_RATIO = 4;

    /** The rows of a shape (every axis but the last) and a view's offset at the start of each. */
    private static final class Rows {
        final Shape shape;
        final int count;

        Rows(Shape shape) {
            this.shape = shape;
            int last = shape.dim(shape.rank() - 1);
            this.count = last == 0 ? 0 : shape.size() / last;
        }

        int offset(int row, int[] strides) {
            int at = 0;
            for (int d = shape.rank() - 2; d >= 0; d--) {
                at += (row % shape.dim(d)) * strides[d];
                row /= shape.dim(d);
            }
            return at;
        }
    }
}

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
                if (out instanceof float[] o) {
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
     * rounding, so f32 results agree bit for bit however many duplicates accumulate.
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
        // An f32 result's double sums between runs: kept for the next run, as workspaces are.
        java.util.Queue<double[]> spare = new java.util.concurrent.ConcurrentLinkedQueue<>();
        return buffers -> {
            double[] ind = (double[]) buffers[idx.buffer()];
            Object out = buffers[s.output()];
            double[] sums = out instanceof double[] d ? d : spare.poll();
            if (sums == null) {
                sums = new double[total];
            }
            java.util.Arrays.fill(sums, 0, total, 0.0);
            for (int r = 0; r < rows.count; r++) {
                int oAt = rows.offset(r, outStrides);
                int iAt = idx.offset() + rows.offset(r, iStrides);
                int uAt = upd.offset() + rows.offset(r, uStrides);
                for (int j = 0; j < n; j++) {
                    int at = Ops.checkedIndex("scatterAdd", ind[iAt + j * iStrides[last]], axis, size);
                    sums[oAt + j * outStrides[last] + at * axisStride] += read(buffers[upd.buffer()], uAt + j * uStrides[last]);
                }
            }
            if (out instanceof float[] o) {
                for (int i = 0; i < total; i++) {
                    o[i] = (float) sums[i];
                }
                spare.offer(sums);
            }
        };
    }

    private static double read(Object array, int at) {
        return array instanceof float[] f ? f[at] : ((double[]) array)[at];
    }

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

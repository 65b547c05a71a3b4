package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;

/** Data movement: contiguous copies with dtype conversion, padding and concatenation. */
final class CopyRunners {
    private CopyRunners() {}

    static StepRunner copy(Step.Copy step) {
        Lanes lanes = Lanes.of(step.to().storage());
        View src = step.source();
        int size = src.shape().size();
        return buffers -> {
            Object out = buffers[step.output()];
            Gathers.gather(lanes, src, src.shape(), buffers[src.buffer()], 0, size, out, 0);
            if (step.to() == DType.BOOL || step.to() == DType.I32) {
                double[] d = (double[]) out;
                for (int i = 0; i < size; i++) {
                    d[i] = step.to().round(d[i]);
                }
            }
        };
    }

    static StepRunner pad(Step.Pad step) {
        Lanes lanes = Lanes.of(step.dtype().storage());
        View src = step.source();
        Shape small = src.shape();
        // The source's elements land on a strided view of the output.
        View target = View.contiguous(step.output(), step.shape()).slice(step.starts(), step.steps(), small);
        // The source's values between gather and scatter: kept for the next run, as workspaces are.
        java.util.Queue<Object> spare = new java.util.concurrent.ConcurrentLinkedQueue<>();
        return buffers -> {
            Object out = buffers[step.output()];
            lanes.fill(out, 0, 0, step.shape().size());
            Object values = spare.poll();
            if (values == null) {
                values = lanes.newArray(small.size());
            }
            try {
                Gathers.gather(lanes, src, small, buffers[src.buffer()], 0, small.size(), values, 0);
                scatter(lanes, values, target, out);
            } finally {
                spare.offer(values);
            }
        };
    }

    /** out at the positions of {@code target} (row-major over its shape) = values. */
    private static void scatter(Lanes lanes, Object values, View target, Object out) {
        Shape shape = target.shape();
        int rank = shape.rank();
        if (rank == 0) {
            lanes.convert(out, target.offset(), values, 0, 1);
            return;
        }
        // Row by row along the innermost axis: one strided copy per row, the offset computed once.
        int inner = shape.dim(rank - 1);
        int innerStride = target.stride(rank - 1);
        int[] index = new int[rank];
        for (int i = 0; i < shape.size(); i += inner) {
            int at = target.offset();
            for (int d = 0; d < rank - 1; d++) {
                at += index[d] * target.stride(d);
            }
            Gathers.copyStrided(out, at, innerStride, values, i, 1, inner);
            for (int d = rank - 2; d >= 0 && ++index[d] == shape.dim(d); d--) {
                index[d] = 0;
            }
        }
    }

    static StepRunner concat(Step.Concat step) {
        Lanes lanes = Lanes.of(step.dtype().storage());
        int axis = step.axis();
        Shape shape = step.shape();
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= shape.dim(d);
        }
        int inner = 1;
        for (int d = axis + 1; d < shape.rank(); d++) {
            inner *= shape.dim(d);
        }
        int rows = outer;
        int innerSize = inner;
        return buffers -> {
            Object out = buffers[step.output()];
            int rowLength = shape.dim(axis) * innerSize;
            int[] index = new int[shape.rank()];
            int at = 0;
            for (View part : step.parts()) {
                int block = part.shape().dim(axis) * innerSize;
                for (int o = 0; o < rows; o++) {
                    Gathers.gather(lanes, part, part.shape(), buffers[part.buffer()], o * block, block, out,
                            o * rowLength + at, index);
                }
                at += block;
            }
        };
    }
}

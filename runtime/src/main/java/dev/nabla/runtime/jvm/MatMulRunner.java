package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;

/** Batched matrix product over strided views, one batch after another. */
final class MatMulRunner implements StepRunner {
    private final Step.MatMul step;
    private final int batches;
    private final int m;
    private final int k;
    private final int n;

    MatMulRunner(Step.MatMul step) {
        this.step = step;
        ProductGeometry g = ProductGeometry.of(step);
        this.batches = g.batches();
        this.m = g.m();
        this.k = g.k();
        this.n = g.n();
    }

    @Override
    public void run(Object[] buffers) {
        View a = step.a();
        View b = step.b();
        int r = a.shape().rank();
        for (int batch = 0; batch < batches; batch++) {
            int aOff = a.offset() + batchOffset(a, batch);
            int bOff = b.offset() + batchOffset(b, batch);
            int cOff = batch * m * n;
            if (step.dtype() == DType.F32) {
                Matmul.sgemm(m, n, k, (float[]) buffers[a.buffer()], aOff, a.stride(r - 2), a.stride(r - 1),
                        (float[]) buffers[b.buffer()], bOff, b.stride(r - 2), b.stride(r - 1),
                        (float[]) buffers[step.output()], cOff);
            } else {
                Matmul.dgemm(m, n, k, (double[]) buffers[a.buffer()], aOff, a.stride(r - 2), a.stride(r - 1),
                        (double[]) buffers[b.buffer()], bOff, b.stride(r - 2), b.stride(r - 1),
                        (double[]) buffers[step.output()], cOff);
            }
        }
    }

    /** The buffer offset of a batch's matrix, from the view's batch strides. */
    /** Where each of {@code batches} matrices of a view starts: its offset plus {@link #batchOffset}. */
    static int[] batchStarts(View v, int batches) {
        int[] starts = new int[batches];
        for (int batch = 0; batch < batches; batch++) {
            starts[batch] = v.offset() + batchOffset(v, batch);
        }
        return starts;
    }

    static int batchOffset(View v, int batch) {
        int offset = 0;
        int rest = batch;
        for (int d = v.shape().rank() - 3; d >= 0; d--) {
            offset += (rest % v.shape().dim(d)) * v.stride(d);
            rest /= v.shape().dim(d);
        }
        return offset;
    }
}

package dev.nabla.runtime.jvm;

import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;

/**
 * A batched f32 product whose B is a convolution's windows, never stored ({@link WindowFusion}):
 * each batch's GEMM packs B straight from the input. B's view indexes the window array as it
 * would the stored windows: rows of window positions across all positions, or their transpose.
 */
final class WindowMatMulRunner implements StepRunner {
    private final Step.MatMul step;
    private final WindowFusion.Operand windows;
    private final boolean transB;
    private final int batches;
    private final int m;
    private final int k;
    private final int n;

    WindowMatMulRunner(Step.MatMul step, WindowFusion.Operand windows) {
        this.step = step;
        this.windows = windows;
        ProductGeometry g = ProductGeometry.of(step);
        this.batches = g.batches();
        this.m = g.m();
        this.k = g.k();
        this.n = g.n();
        int r = step.b().shape().rank();
        this.transB = step.b().stride(r - 2) == 1 && step.b().stride(r - 1) != 1;
    }

    @Override
    public void run(Object[] buffers) {
        View a = step.a();
        View b = step.b();
        int r = a.shape().rank();
        float[] source = (float[]) buffers[windows.source()];
        float[] c = (float[]) buffers[step.output()];
        for (int batch = 0; batch < batches; batch++) {
            int aOff = a.offset() + MatMulRunner.batchOffset(a, batch);
            int bOff = b.offset() + MatMulRunner.batchOffset(b, batch);
            Matmul.sgemm(m, n, k, (float[]) buffers[a.buffer()], aOff, a.stride(r - 2), a.stride(r - 1),
                    windows.matrix(), source, bOff, transB, c, batch * m * n);
        }
    }
}

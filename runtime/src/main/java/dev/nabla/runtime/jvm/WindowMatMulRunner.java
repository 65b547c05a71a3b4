package dev.nabla.runtime.jvm;

import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;

/**
 * A batched f32 product whose B is a convolution's windows, never stored ({@link WindowFusion}):
 * the matrices (a convolution's images) go to GEMM together, which packs B straight from the
 * input or, for stride-1 windows, reads it in place (see Gemm.sgemmBatched). B's view indexes
 * the window array as it would the stored windows: rows of window positions across all
 * positions, or their transpose.
 */
final class WindowMatMulRunner implements StepRunner {
    private final Step.MatMul step;
    private final WindowFusion.Operand windows;
    private final boolean transB;
    private final int m;
    private final int k;
    private final int n;
    /** Where each matrix's A, B (in the window array) and C start. */
    private final int[] aOffsets;
    private final int[] bOffsets;
    private final int[] cOffsets;

    WindowMatMulRunner(Step.MatMul step, WindowFusion.Operand windows) {
        this.step = step;
        this.windows = windows;
        ProductGeometry g = ProductGeometry.of(step);
        int batches = g.batches();
        this.m = g.m();
        this.k = g.k();
        this.n = g.n();
        int r = step.b().shape().rank();
        this.transB = step.b().stride(r - 2) == 1 && step.b().stride(r - 1) != 1;
        this.aOffsets = MatMulRunner.batchStarts(step.a(), batches);
        this.bOffsets = MatMulRunner.batchStarts(step.b(), batches);
        this.cOffsets = new int[batches];
        for (int batch = 0; batch < batches; batch++) {
            cOffsets[batch] = batch * m * n;
        }
    }

    @Override
    public void run(Object[] buffers) {
        View a = step.a();
        int r = a.shape().rank();
        Matmul.sgemmBatched(m, n, k, (float[]) buffers[a.buffer()], aOffsets, a.stride(r - 2), a.stride(r - 1),
                windows.matrix(), (float[]) buffers[windows.source()], bOffsets, transB,
                (float[]) buffers[step.output()], cOffsets);
    }
}

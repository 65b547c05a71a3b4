package dev.nabla.runtime.jvm;

import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.jvm.gemm.Gemm;

/**
 * A windows sum of a matrix product that is never stored ({@link WindowSumFusion}): the sum is
 * zeroed, then each of the product's matrices is added into it tile by tile where the windows
 * read. Matrices add into planes of their own, so they are spread over the threads a whole
 * matrix at a time, and each one's adds keep their order whatever the thread count.
 */
final class WindowSumMatMulRunner implements StepRunner {
    private final WindowSumFusion.Pair pair;
    private final int batches;
    private final int m;
    private final int k;
    private final int n;

    WindowSumMatMulRunner(WindowSumFusion.Pair pair) {
        this.pair = pair;
        ProductGeometry g = ProductGeometry.of(pair.product());
        this.batches = g.batches();
        this.m = g.m();
        this.k = g.k();
        this.n = g.n();
    }

    @Override
    public void run(Object[] buffers) {
        View a = pair.product().a();
        View b = pair.product().b();
        int r = a.shape().rank();
        float[] target = (float[]) buffers[pair.sum().output()];
        java.util.Arrays.fill(target, 0, pair.sum().shape().size(), 0f);
        long fmas = (long) m * n * k;
        int grain = (int) Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / Math.max(1, fmas));
        Parallel.forRange(batches, grain, (from, to) -> {
            for (int batch = from; batch < to; batch++) {
                Matmul.sgemmIntoWindows(m, n, k, (float[]) buffers[a.buffer()], a.offset()
                        + MatMulRunner.batchOffset(a, batch), a.stride(r - 2), a.stride(r - 1),
                        (float[]) buffers[b.buffer()], b.offset() + MatMulRunner.batchOffset(b, batch), b.stride(r - 2),
                        b.stride(r - 1), pair.matrix(), target, batch * m * n);
            }
        });
    }
}

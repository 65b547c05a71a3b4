package dev.nabla.runtime.jvm;

import dev.nabla.compiler.lower.Step;
import dev.nabla.runtime.jvm.gemm.Gemm;

/**
 * A convolution's weight gradient summed over its batch ({@link WindowGradientFusion}), as two
 * steps: in the product's place, one summed product (Gemm.sgemmWindowsSummed) into the first
 * m x n values of the product's buffer; in the sum's place, a copy of them into the sum's output.
 * Where the summed path does not run for these shapes (decided once: it depends on nothing
 * else), the batched product and the sum run as they would apart.
 */
final class WindowGradientRunner {
    private final WindowGradientFusion.Pair pair;
    private final int m;
    private final int n;
    private final int k;
    private final int[] aOffsets;
    private final int[] bOffsets;
    private final boolean transA;
    private final StepRunner product;
    private final StepRunner sum;

    WindowGradientRunner(WindowGradientFusion.Pair pair, StepRunner product, StepRunner sum) {
        this.pair = pair;
        Step.MatMul step = pair.product();
        ProductGeometry g = ProductGeometry.of(step);
        this.m = g.m();
        this.n = g.n();
        this.k = g.k();
        this.aOffsets = MatMulRunner.batchStarts(step.a(), g.batches());
        this.bOffsets = MatMulRunner.batchStarts(step.b(), g.batches());
        this.transA = step.a().stride(step.a().shape().rank() - 1) != 1;
        boolean summed = Gemm.sgemmWindowsSummedRuns(m, n, k, pair.windows().matrix(), bOffsets);
        this.product = summed ? this::sumProducts : product;
        this.sum = summed ? this::copyOut : sum;
    }

    /** The runner for the product's step. */
    StepRunner productStep() {
        return product;
    }

    /** The runner for the sum's step. */
    StepRunner sumStep() {
        return sum;
    }

    private void sumProducts(Object[] buffers) {
        boolean ran = Gemm.sgemmWindowsSummed(m, n, k, (float[]) buffers[pair.product().a().buffer()], aOffsets,
                transA, pair.windows().matrix(), (float[]) buffers[pair.windows().source()], bOffsets,
                (float[]) buffers[pair.product().output()], 0, Parallel.threads());
        if (!ran) {
            throw new IllegalStateException("the summed weight gradient refused shapes it had accepted");
        }
    }

    private void copyOut(Object[] buffers) {
        System.arraycopy(buffers[pair.product().output()], 0, buffers[pair.sum().output()], 0, m * n);
    }
}

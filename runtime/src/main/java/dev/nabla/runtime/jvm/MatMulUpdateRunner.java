package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;

/**
 * An SGD update fused with the matrix product it scales ({@link UpdateFusion}): out = W + s.(A.B),
 * equal bit for bit to the product followed by the elementwise {@code fma(product, s, w)}.
 */
final class MatMulUpdateRunner implements StepRunner {
    private final Step.MatMul product;
    private final View scale;
    private final View addend;
    private final int output;
    private final int m;
    private final int k;
    private final int n;

    MatMulUpdateRunner(UpdateFusion.Pair pair) {
        this.product = pair.product();
        this.scale = pair.scale();
        this.addend = pair.addend();
        this.output = pair.update().output();
        this.m = product.a().shape().dim(0);
        this.k = product.a().shape().dim(1);
        this.n = product.b().shape().dim(1);
    }

    @Override
    public void run(Object[] buffers) {
        View a = product.a();
        View b = product.b();
        Object out = buffers[output];
        // A destination the caller chose may be one of the operands (GEMM must not write over
        // what it reads): then the update goes to a scratch array and is copied over.
        boolean aliased = out == buffers[addend.buffer()] || out == buffers[a.buffer()]
                || out == buffers[b.buffer()];
        if (product.dtype() == DType.F32) {
            float s = ((float[]) buffers[scale.buffer()])[scale.offset()];
            float[] target = aliased ? new float[m * n] : (float[]) out;
            Matmul.sgemmUpdate(m, n, k, (float[]) buffers[a.buffer()], a.offset(), a.stride(0), a.stride(1),
                    (float[]) buffers[b.buffer()], b.offset(), b.stride(0), b.stride(1), s,
                    (float[]) buffers[addend.buffer()], target);
            if (aliased) {
                System.arraycopy(target, 0, out, 0, target.length);
            }
        } else {
            double s = ((double[]) buffers[scale.buffer()])[scale.offset()];
            double[] target = aliased ? new double[m * n] : (double[]) out;
            Matmul.dgemmUpdate(m, n, k, (double[]) buffers[a.buffer()], a.offset(), a.stride(0), a.stride(1),
                    (double[]) buffers[b.buffer()], b.offset(), b.stride(0), b.stride(1), s,
                    (double[]) buffers[addend.buffer()], target);
            if (aliased) {
                System.arraycopy(target, 0, out, 0, target.length);
            }
        }
    }
}

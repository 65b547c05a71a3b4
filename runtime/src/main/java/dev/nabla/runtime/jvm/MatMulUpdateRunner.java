package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.DType;
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
        Object w = buffers[addend.buffer()];
        if (product.dtype() == DType.F32) {
            float s = ((float[]) buffers[scale.buffer()])[scale.offset()];
            if (out == w || out == buffers[a.buffer()] || out == buffers[b.buffer()]) {
                // A destination the caller chose is one of the operands: multiply, then update.
                float[] c = new float[m * n];
                Matmul.sgemm(m, n, k, (float[]) buffers[a.buffer()], a.offset(), a.stride(0), a.stride(1),
                        (float[]) buffers[b.buffer()], b.offset(), b.stride(0), b.stride(1), c, 0);
                float[] ws = (float[]) w;
                float[] o = (float[]) out;
                for (int i = 0; i < c.length; i++) {
                    o[i] = Math.fma(c[i], s, ws[i]);
                }
                return;
            }
            Matmul.sgemmUpdate(m, n, k, (float[]) buffers[a.buffer()], a.offset(), a.stride(0), a.stride(1),
                    (float[]) buffers[b.buffer()], b.offset(), b.stride(0), b.stride(1), s, (float[]) w, (float[]) out);
        } else {
            double s = ((double[]) buffers[scale.buffer()])[scale.offset()];
            if (out == w || out == buffers[a.buffer()] || out == buffers[b.buffer()]) {
                double[] c = new double[m * n];
                Matmul.dgemm(m, n, k, (double[]) buffers[a.buffer()], a.offset(), a.stride(0), a.stride(1),
                        (double[]) buffers[b.buffer()], b.offset(), b.stride(0), b.stride(1), c, 0);
                double[] ws = (double[]) w;
                double[] o = (double[]) out;
                for (int i = 0; i < c.length; i++) {
                    o[i] = Math.fma(c[i], s, ws[i]);
                }
                return;
            }
            Matmul.dgemmUpdate(m, n, k, (double[]) buffers[a.buffer()], a.offset(), a.stride(0), a.stride(1),
                    (double[]) buffers[b.buffer()], b.offset(), b.stride(0), b.stride(1), s, (double[]) w,
                    (double[]) out);
        }
    }
}

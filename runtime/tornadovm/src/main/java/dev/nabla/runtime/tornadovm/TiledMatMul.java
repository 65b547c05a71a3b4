package dev.nabla.runtime.tornadovm;

import dev.nabla.core.DType;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;

/**
 * A batched matrix product as a tiled {@code KernelContext} kernel: each work-group of TILE x
 * TILE work-items computes one TILE x TILE block of the product, staging the blocks of both
 * operands it needs in local memory, so each operand element is read from global memory once per
 * block instead of once per product element. Work-item x runs along the product's columns, the
 * contiguous direction of B and C, so that neighbouring work-items read neighbouring memory.
 * Work dimension z is the batch. Sizes that are not multiples of TILE are padded with zeros.
 */
final class TiledMatMul {
    static final int TILE = 16;

    private TiledMatMul() {}

    /** The product's dimensions: batches, rows (m), inner (k), columns (n). */
    record Dims(int batches, int rows, int inner, int cols) {
        static Dims of(Step.MatMul m) {
            int r = m.a().shape().rank();
            int batches = 1;
            for (int d = 0; d < r - 2; d++) {
                batches *= m.a().shape().dim(d);
            }
            return new Dims(batches, m.a().shape().dim(r - 2), m.a().shape().dim(r - 1), m.b().shape().dim(r - 1));
        }

        /** The global work size: columns and rows rounded up to whole tiles, then batches. */
        int[] global() {
            return new int[] {roundUp(cols), roundUp(rows), batches};
        }

        private static int roundUp(int n) {
            return Math.max(1, (n + TILE - 1) / TILE) * TILE;
        }
    }

    /** The kernel body; {@code a}, {@code b} and {@code out} name the arrays, {@code cast} converts to the output storage. */
    static String body(Step.MatMul m, String a, String b, String out, String cast) {
        View va = m.a();
        View vb = m.b();
        int r = va.shape().rank();
        Dims d = Dims.of(m);
        String t = m.dtype() == DType.F32 ? "float" : "double";
        String local = m.dtype() == DType.F32 ? "allocateFloatLocalArray" : "allocateDoubleLocalArray";
        int tt = TILE * TILE;
        return """
                        int lc = kc.localIdx;
                        int lr = kc.localIdy;
                        int col = kc.groupIdx * %1$d + lc;
                        int row = kc.groupIdy * %1$d + lr;
                        int batch = kc.globalIdz;
                        int ao = %2$s;
                        int bo = %3$s;
                        %4$s[] as = kc.%5$s(%6$d);
                        %4$s[] bs = kc.%5$s(%6$d);
                        %4$s acc = 0;
                        for (int t = 0; t < %7$d; t += %1$d) {
                            int ak = t + lc;
                            int bk = t + lr;
                            %4$s av = 0;
                            %4$s bv = 0;
                            if (row < %8$d && ak < %7$d) {
                                av = (%4$s) %9$s.get(ao + row * %10$d + ak * %11$d);
                            }
                            if (bk < %7$d && col < %12$d) {
                                bv = (%4$s) %13$s.get(bo + bk * %14$d + col * %15$d);
                            }
                            as[lr * %1$d + lc] = av;
                            bs[lr * %1$d + lc] = bv;
                            kc.localBarrier();
                            for (int p = 0; p < %1$d; p++) {
                                acc = acc + as[lr * %1$d + p] * bs[p * %1$d + lc];
                            }
                            kc.localBarrier();
                        }
                        if (row < %8$d && col < %12$d) {
                            %16$s.set(batch * %17$d + row * %12$d + col, %18$s(acc));
                        }
                """.formatted(TILE, batchOffset(va), batchOffset(vb), t, local, tt, d.inner(), d.rows(), a,
                va.stride(r - 2), va.stride(r - 1), d.cols(), b, vb.stride(r - 2), vb.stride(r - 1), out,
                d.rows() * d.cols(), cast);
    }

    /** The buffer offset of matrix number {@code batch} in a view [..., m, k]: its batch axes' strides. */
    private static String batchOffset(View v) {
        StringBuilder s = new StringBuilder().append(v.offset());
        int divisor = 1;
        for (int d = v.shape().rank() - 3; d >= 0; d--) {
            if (v.stride(d) != 0 && v.shape().dim(d) != 1) {
                s.append(" + ((batch / ").append(divisor).append(") % ").append(v.shape().dim(d)).append(") * ")
                        .append(v.stride(d));
            }
            divisor *= v.shape().dim(d);
        }
        return "(" + s + ")";
    }
}

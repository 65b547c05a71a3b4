package dev.nabla.runtime.jvm;

import dev.nabla.runtime.jvm.gemm.Gemm;
import dev.nabla.runtime.jvm.gemm.WindowMatrix;

/**
 * Matrix products over strided operands: C[m×n] (row-major, contiguous) = A[m×k] · B[k×n], with
 * A(i, p) at a[aOff + i*aRow + p*aCol] and B likewise. Row-major and transposed operands go to
 * the packed SIMD GEMM as they are (a transpose is a flag, not a copy); any other layout is
 * copied into a contiguous array first.
 */
final class Matmul {
    private Matmul() {}

    /** How a strided rows×cols operand can be handed to GEMM. */
    private enum Layout { ROW_MAJOR, TRANSPOSED, OTHER }

    private static Layout layout(int rows, int cols, int rowStride, int colStride) {
        if ((cols <= 1 || colStride == 1) && (rows <= 1 || rowStride == cols)) {
            return Layout.ROW_MAJOR;
        }
        if ((rows <= 1 || rowStride == 1) && (cols <= 1 || colStride == rows)) {
            return Layout.TRANSPOSED;
        }
        return Layout.OTHER;
    }

    /** A float operand as GEMM takes it: an array, where it starts, and whether it is stored transposed. */
    private record FloatOperand(float[] data, int off, boolean transposed) {
        /** A strided rows×cols operand, copied into a row-major array when GEMM cannot read it as it is. */
        static FloatOperand of(float[] x, int off, int rows, int cols, int rowStride, int colStride) {
            // An empty operand reads nothing, but its view may start past the end of its buffer (an
            // empty slice there); GEMM checks every offset, so it gets 0.
            off = rows == 0 || cols == 0 ? 0 : off;
            return switch (layout(rows, cols, rowStride, colStride)) {
                case ROW_MAJOR -> new FloatOperand(x, off, false);
                case TRANSPOSED -> new FloatOperand(x, off, true);
                case OTHER -> new FloatOperand(packFloat(x, off, rows, cols, rowStride, colStride), 0, false);
            };
        }
    }

    static void sgemm(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int bRow,
                      int bCol, float[] c, int cOff) {
        sgemm(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, 0, null, c, cOff);
    }

    /** C[m×n] = W + alpha · A · B, W contiguous like C (see Gemm.sgemmUpdate). */
    static void sgemmUpdate(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff,
                            int bRow, int bCol, float alpha, float[] w, float[] c) {
        sgemm(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, alpha, w, c, 0);
    }

    private static void sgemm(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff,
                              int bRow, int bCol, float alpha, float[] w, float[] c, int cOff) {
        FloatOperand fa = FloatOperand.of(a, aOff, m, k, aRow, aCol);
        FloatOperand fb = FloatOperand.of(b, bOff, k, n, bRow, bCol);
        if (w != null) {
            Gemm.sgemmUpdate(m, n, k, fa.data(), fa.off(), fa.transposed(), fb.data(), fb.off(), fb.transposed(), alpha,
                    w, 0, c, cOff, Parallel.threads());
        } else {
            Gemm.sgemm(m, n, k, fa.data(), fa.off(), fa.transposed(), fb.data(), fb.off(), fb.transposed(), c, cOff,
                    Parallel.threads());
        }
    }

    /** C[m×n] = A · B where B is a convolution's windows, read from {@code source} (see Gemm). */
    static void sgemm(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, WindowMatrix b, float[] source,
                      int bOff, boolean transB, float[] c, int cOff) {
        FloatOperand fa = FloatOperand.of(a, aOff, m, k, aRow, aCol);
        Gemm.sgemm(m, n, k, fa.data(), fa.off(), fa.transposed(), b, source, bOff, transB, c, cOff, Parallel.threads());
    }

    /**
     * C_i = A_i · B_i for each i, the B_i a convolution's windows read from {@code source}, each
     * operand from its offset (see Gemm.sgemmBatched); A's strides are those of every A_i.
     */
    static void sgemmBatched(int m, int n, int k, float[] a, int[] aOffs, int aRow, int aCol, WindowMatrix b,
                             float[] source, int[] bOffs, boolean transB, float[] c, int[] cOffs) {
        Layout la = layout(m, k, aRow, aCol);
        if (la == Layout.OTHER || m == 0 || k == 0) {
            for (int i = 0; i < aOffs.length; i++) {
                sgemm(m, n, k, a, aOffs[i], aRow, aCol, b, source, bOffs[i], transB, c, cOffs[i]);
            }
            return;
        }
        Gemm.sgemmBatched(m, n, k, a, aOffs, la == Layout.TRANSPOSED, b, source, bOffs, transB, c, cOffs,
                Parallel.threads());
    }

    /** A · B added into a window matrix's source where its windows read (see Gemm.sgemmIntoWindows). */
    static void sgemmIntoWindows(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff,
                                 int bRow, int bCol, WindowMatrix c, float[] target, int cOff) {
        FloatOperand fa = FloatOperand.of(a, aOff, m, k, aRow, aCol);
        FloatOperand fb = FloatOperand.of(b, bOff, k, n, bRow, bCol);
        Gemm.sgemmIntoWindows(m, n, k, fa.data(), fa.off(), fa.transposed(), fb.data(), fb.off(), fb.transposed(), c,
                target, cOff);
    }

    static void dgemm(int m, int n, int k, double[] a, int aOff, int aRow, int aCol, double[] b, int bOff, int bRow,
                      int bCol, double[] c, int cOff) {
        dgemm(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, 0, null, c, cOff);
    }

    /** C[m×n] = W + alpha · A · B, W contiguous like C (see Gemm.dgemmUpdate). */
    static void dgemmUpdate(int m, int n, int k, double[] a, int aOff, int aRow, int aCol, double[] b, int bOff,
                            int bRow, int bCol, double alpha, double[] w, double[] c) {
        dgemm(m, n, k, a, aOff, aRow, aCol, b, bOff, bRow, bCol, alpha, w, c, 0);
    }

    private static void dgemm(int m, int n, int k, double[] a, int aOff, int aRow, int aCol, double[] b, int bOff,
                              int bRow, int bCol, double alpha, double[] w, double[] c, int cOff) {
        // An empty operand reads nothing, but its view may start past the end of its buffer (an
        // empty slice there); GEMM checks every offset, so it gets 0.
        aOff = m == 0 || k == 0 ? 0 : aOff;
        bOff = k == 0 || n == 0 ? 0 : bOff;
        Layout la = layout(m, k, aRow, aCol);
        Layout lb = layout(k, n, bRow, bCol);
        if (la == Layout.OTHER) {
            a = packDouble(a, aOff, m, k, aRow, aCol);
            aOff = 0;
            la = Layout.ROW_MAJOR;
        }
        if (lb == Layout.OTHER) {
            b = packDouble(b, bOff, k, n, bRow, bCol);
            bOff = 0;
            lb = Layout.ROW_MAJOR;
        }
        if (w != null) {
            Gemm.dgemmUpdate(m, n, k, a, aOff, la == Layout.TRANSPOSED, b, bOff, lb == Layout.TRANSPOSED, alpha, w, 0,
                    c, cOff, Parallel.threads());
        } else {
            Gemm.dgemm(m, n, k, a, aOff, la == Layout.TRANSPOSED, b, bOff, lb == Layout.TRANSPOSED, c, cOff,
                    Parallel.threads());
        }
    }

    private static float[] packFloat(float[] x, int off, int rows, int cols, int rowStride, int colStride) {
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = x[off + i * rowStride + j * colStride];
            }
        }
        return out;
    }

    private static double[] packDouble(double[] x, int off, int rows, int cols, int rowStride, int colStride) {
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = x[off + i * rowStride + j * colStride];
            }
        }
        return out;
    }
}

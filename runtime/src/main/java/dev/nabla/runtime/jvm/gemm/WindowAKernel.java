package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;
import static dev.nabla.runtime.jvm.gemm.FloatKernel.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * {@link FloatKernel}'s 12 x NR tile with A read in place instead of packed: A's row r is the
 * run of {@code source} from {@code rowOffsets[rowFrom + r] + column}, B a packed panel. A
 * direct convolution's weight gradient ({@link DirectConvolution#weightGradient}) multiplies
 * window rows, runs of the padded input, by the output gradient: its A needs no packing, and
 * packing the windows transposed was a third of that product's time. The loop is FloatKernel's
 * (see there why it is written out, and why overwriting and accumulating are two methods).
 */
final class WindowAKernel {
    private static final int HALF = SPECIES.length();

    private WindowAKernel() {}

    /** C[0..MR)[0..NR) = A.B, not reading C: A as above over {@code kc} steps, B a packed panel. */
    static void multiply(int kc, float[] source, int[] rowOffsets, int rowFrom, int column, float[] packedB,
            int bStart, float[] c, int cStart, int ldc) {
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c0lo = zero, c0hi = zero;
        FloatVector c1lo = zero, c1hi = zero;
        FloatVector c2lo = zero, c2hi = zero;
        FloatVector c3lo = zero, c3hi = zero;
        FloatVector c4lo = zero, c4hi = zero;
        FloatVector c5lo = zero, c5hi = zero;
        FloatVector c6lo = zero, c6hi = zero;
        FloatVector c7lo = zero, c7hi = zero;
        FloatVector c8lo = zero, c8hi = zero;
        FloatVector c9lo = zero, c9hi = zero;
        FloatVector c10lo = zero, c10hi = zero;
        FloatVector c11lo = zero, c11hi = zero;
        int a0 = rowOffsets[rowFrom + 0] + column;
        int a1 = rowOffsets[rowFrom + 1] + column;
        int a2 = rowOffsets[rowFrom + 2] + column;
        int a3 = rowOffsets[rowFrom + 3] + column;
        int a4 = rowOffsets[rowFrom + 4] + column;
        int a5 = rowOffsets[rowFrom + 5] + column;
        int a6 = rowOffsets[rowFrom + 6] + column;
        int a7 = rowOffsets[rowFrom + 7] + column;
        int a8 = rowOffsets[rowFrom + 8] + column;
        int a9 = rowOffsets[rowFrom + 9] + column;
        int a10 = rowOffsets[rowFrom + 10] + column;
        int a11 = rowOffsets[rowFrom + 11] + column;
        for (int p = 0; p < kc; p++) {
            // Each of A's rows is a run of the source: index p plus a start, which C2 checks once per loop.
            int bi = bStart + p * NR;
            FloatVector lo = FloatVector.fromArray(SPECIES, packedB, bi);
            FloatVector hi = FloatVector.fromArray(SPECIES, packedB, bi + HALF);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, source[a0 + p]);
            c0lo = a.fma(lo, c0lo);
            c0hi = a.fma(hi, c0hi);
            a = FloatVector.broadcast(SPECIES, source[a1 + p]);
            c1lo = a.fma(lo, c1lo);
            c1hi = a.fma(hi, c1hi);
            a = FloatVector.broadcast(SPECIES, source[a2 + p]);
            c2lo = a.fma(lo, c2lo);
            c2hi = a.fma(hi, c2hi);
            a = FloatVector.broadcast(SPECIES, source[a3 + p]);
            c3lo = a.fma(lo, c3lo);
            c3hi = a.fma(hi, c3hi);
            a = FloatVector.broadcast(SPECIES, source[a4 + p]);
            c4lo = a.fma(lo, c4lo);
            c4hi = a.fma(hi, c4hi);
            a = FloatVector.broadcast(SPECIES, source[a5 + p]);
            c5lo = a.fma(lo, c5lo);
            c5hi = a.fma(hi, c5hi);
            a = FloatVector.broadcast(SPECIES, source[a6 + p]);
            c6lo = a.fma(lo, c6lo);
            c6hi = a.fma(hi, c6hi);
            a = FloatVector.broadcast(SPECIES, source[a7 + p]);
            c7lo = a.fma(lo, c7lo);
            c7hi = a.fma(hi, c7hi);
            a = FloatVector.broadcast(SPECIES, source[a8 + p]);
            c8lo = a.fma(lo, c8lo);
            c8hi = a.fma(hi, c8hi);
            a = FloatVector.broadcast(SPECIES, source[a9 + p]);
            c9lo = a.fma(lo, c9lo);
            c9hi = a.fma(hi, c9hi);
            a = FloatVector.broadcast(SPECIES, source[a10 + p]);
            c10lo = a.fma(lo, c10lo);
            c10hi = a.fma(hi, c10hi);
            a = FloatVector.broadcast(SPECIES, source[a11 + p]);
            c11lo = a.fma(lo, c11lo);
            c11hi = a.fma(hi, c11hi);
        }
        c0lo.intoArray(c, cStart + 0 * ldc);
        c0hi.intoArray(c, cStart + 0 * ldc + HALF);
        c1lo.intoArray(c, cStart + 1 * ldc);
        c1hi.intoArray(c, cStart + 1 * ldc + HALF);
        c2lo.intoArray(c, cStart + 2 * ldc);
        c2hi.intoArray(c, cStart + 2 * ldc + HALF);
        c3lo.intoArray(c, cStart + 3 * ldc);
        c3hi.intoArray(c, cStart + 3 * ldc + HALF);
        c4lo.intoArray(c, cStart + 4 * ldc);
        c4hi.intoArray(c, cStart + 4 * ldc + HALF);
        c5lo.intoArray(c, cStart + 5 * ldc);
        c5hi.intoArray(c, cStart + 5 * ldc + HALF);
        c6lo.intoArray(c, cStart + 6 * ldc);
        c6hi.intoArray(c, cStart + 6 * ldc + HALF);
        c7lo.intoArray(c, cStart + 7 * ldc);
        c7hi.intoArray(c, cStart + 7 * ldc + HALF);
        c8lo.intoArray(c, cStart + 8 * ldc);
        c8hi.intoArray(c, cStart + 8 * ldc + HALF);
        c9lo.intoArray(c, cStart + 9 * ldc);
        c9hi.intoArray(c, cStart + 9 * ldc + HALF);
        c10lo.intoArray(c, cStart + 10 * ldc);
        c10hi.intoArray(c, cStart + 10 * ldc + HALF);
        c11lo.intoArray(c, cStart + 11 * ldc);
        c11hi.intoArray(c, cStart + 11 * ldc + HALF);
    }

    /** C[0..MR)[0..NR) += A.B, as {@link #multiply}. */
    static void multiplyAdd(int kc, float[] source, int[] rowOffsets, int rowFrom, int column, float[] packedB,
            int bStart, float[] c, int cStart, int ldc) {
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c0lo = zero, c0hi = zero;
        FloatVector c1lo = zero, c1hi = zero;
        FloatVector c2lo = zero, c2hi = zero;
        FloatVector c3lo = zero, c3hi = zero;
        FloatVector c4lo = zero, c4hi = zero;
        FloatVector c5lo = zero, c5hi = zero;
        FloatVector c6lo = zero, c6hi = zero;
        FloatVector c7lo = zero, c7hi = zero;
        FloatVector c8lo = zero, c8hi = zero;
        FloatVector c9lo = zero, c9hi = zero;
        FloatVector c10lo = zero, c10hi = zero;
        FloatVector c11lo = zero, c11hi = zero;
        int a0 = rowOffsets[rowFrom + 0] + column;
        int a1 = rowOffsets[rowFrom + 1] + column;
        int a2 = rowOffsets[rowFrom + 2] + column;
        int a3 = rowOffsets[rowFrom + 3] + column;
        int a4 = rowOffsets[rowFrom + 4] + column;
        int a5 = rowOffsets[rowFrom + 5] + column;
        int a6 = rowOffsets[rowFrom + 6] + column;
        int a7 = rowOffsets[rowFrom + 7] + column;
        int a8 = rowOffsets[rowFrom + 8] + column;
        int a9 = rowOffsets[rowFrom + 9] + column;
        int a10 = rowOffsets[rowFrom + 10] + column;
        int a11 = rowOffsets[rowFrom + 11] + column;
        for (int p = 0; p < kc; p++) {
            // Each of A's rows is a run of the source: index p plus a start, which C2 checks once per loop.
            int bi = bStart + p * NR;
            FloatVector lo = FloatVector.fromArray(SPECIES, packedB, bi);
            FloatVector hi = FloatVector.fromArray(SPECIES, packedB, bi + HALF);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, source[a0 + p]);
            c0lo = a.fma(lo, c0lo);
            c0hi = a.fma(hi, c0hi);
            a = FloatVector.broadcast(SPECIES, source[a1 + p]);
            c1lo = a.fma(lo, c1lo);
            c1hi = a.fma(hi, c1hi);
            a = FloatVector.broadcast(SPECIES, source[a2 + p]);
            c2lo = a.fma(lo, c2lo);
            c2hi = a.fma(hi, c2hi);
            a = FloatVector.broadcast(SPECIES, source[a3 + p]);
            c3lo = a.fma(lo, c3lo);
            c3hi = a.fma(hi, c3hi);
            a = FloatVector.broadcast(SPECIES, source[a4 + p]);
            c4lo = a.fma(lo, c4lo);
            c4hi = a.fma(hi, c4hi);
            a = FloatVector.broadcast(SPECIES, source[a5 + p]);
            c5lo = a.fma(lo, c5lo);
            c5hi = a.fma(hi, c5hi);
            a = FloatVector.broadcast(SPECIES, source[a6 + p]);
            c6lo = a.fma(lo, c6lo);
            c6hi = a.fma(hi, c6hi);
            a = FloatVector.broadcast(SPECIES, source[a7 + p]);
            c7lo = a.fma(lo, c7lo);
            c7hi = a.fma(hi, c7hi);
            a = FloatVector.broadcast(SPECIES, source[a8 + p]);
            c8lo = a.fma(lo, c8lo);
            c8hi = a.fma(hi, c8hi);
            a = FloatVector.broadcast(SPECIES, source[a9 + p]);
            c9lo = a.fma(lo, c9lo);
            c9hi = a.fma(hi, c9hi);
            a = FloatVector.broadcast(SPECIES, source[a10 + p]);
            c10lo = a.fma(lo, c10lo);
            c10hi = a.fma(hi, c10hi);
            a = FloatVector.broadcast(SPECIES, source[a11 + p]);
            c11lo = a.fma(lo, c11lo);
            c11hi = a.fma(hi, c11hi);
        }
        c0lo.add(FloatVector.fromArray(SPECIES, c, cStart + 0 * ldc)).intoArray(c, cStart + 0 * ldc);
        c0hi.add(FloatVector.fromArray(SPECIES, c, cStart + 0 * ldc + HALF)).intoArray(c, cStart + 0 * ldc + HALF);
        c1lo.add(FloatVector.fromArray(SPECIES, c, cStart + 1 * ldc)).intoArray(c, cStart + 1 * ldc);
        c1hi.add(FloatVector.fromArray(SPECIES, c, cStart + 1 * ldc + HALF)).intoArray(c, cStart + 1 * ldc + HALF);
        c2lo.add(FloatVector.fromArray(SPECIES, c, cStart + 2 * ldc)).intoArray(c, cStart + 2 * ldc);
        c2hi.add(FloatVector.fromArray(SPECIES, c, cStart + 2 * ldc + HALF)).intoArray(c, cStart + 2 * ldc + HALF);
        c3lo.add(FloatVector.fromArray(SPECIES, c, cStart + 3 * ldc)).intoArray(c, cStart + 3 * ldc);
        c3hi.add(FloatVector.fromArray(SPECIES, c, cStart + 3 * ldc + HALF)).intoArray(c, cStart + 3 * ldc + HALF);
        c4lo.add(FloatVector.fromArray(SPECIES, c, cStart + 4 * ldc)).intoArray(c, cStart + 4 * ldc);
        c4hi.add(FloatVector.fromArray(SPECIES, c, cStart + 4 * ldc + HALF)).intoArray(c, cStart + 4 * ldc + HALF);
        c5lo.add(FloatVector.fromArray(SPECIES, c, cStart + 5 * ldc)).intoArray(c, cStart + 5 * ldc);
        c5hi.add(FloatVector.fromArray(SPECIES, c, cStart + 5 * ldc + HALF)).intoArray(c, cStart + 5 * ldc + HALF);
        c6lo.add(FloatVector.fromArray(SPECIES, c, cStart + 6 * ldc)).intoArray(c, cStart + 6 * ldc);
        c6hi.add(FloatVector.fromArray(SPECIES, c, cStart + 6 * ldc + HALF)).intoArray(c, cStart + 6 * ldc + HALF);
        c7lo.add(FloatVector.fromArray(SPECIES, c, cStart + 7 * ldc)).intoArray(c, cStart + 7 * ldc);
        c7hi.add(FloatVector.fromArray(SPECIES, c, cStart + 7 * ldc + HALF)).intoArray(c, cStart + 7 * ldc + HALF);
        c8lo.add(FloatVector.fromArray(SPECIES, c, cStart + 8 * ldc)).intoArray(c, cStart + 8 * ldc);
        c8hi.add(FloatVector.fromArray(SPECIES, c, cStart + 8 * ldc + HALF)).intoArray(c, cStart + 8 * ldc + HALF);
        c9lo.add(FloatVector.fromArray(SPECIES, c, cStart + 9 * ldc)).intoArray(c, cStart + 9 * ldc);
        c9hi.add(FloatVector.fromArray(SPECIES, c, cStart + 9 * ldc + HALF)).intoArray(c, cStart + 9 * ldc + HALF);
        c10lo.add(FloatVector.fromArray(SPECIES, c, cStart + 10 * ldc)).intoArray(c, cStart + 10 * ldc);
        c10hi.add(FloatVector.fromArray(SPECIES, c, cStart + 10 * ldc + HALF)).intoArray(c, cStart + 10 * ldc + HALF);
        c11lo.add(FloatVector.fromArray(SPECIES, c, cStart + 11 * ldc)).intoArray(c, cStart + 11 * ldc);
        c11hi.add(FloatVector.fromArray(SPECIES, c, cStart + 11 * ldc + HALF)).intoArray(c, cStart + 11 * ldc + HALF);
    }
}

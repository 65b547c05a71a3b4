package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.SPECIES;

import jdk.incubator.vector.FloatVector;

/**
 * {@link WindowBKernel} for 8 rows of three vectors: a tile of 8 x {@link #NR}. Convolutions
 * mostly have channel counts that are multiples of 8 and not of 12 (6, 16, 64, 256): with 12-row
 * panels a 64-channel product computes 72 rows, an eighth of its work dropped. Per step it loads
 * three vectors of B and broadcasts 8 values of A for its 24 fmas, as many registers as the
 * 12 x 2 tile (see FloatKernel, measured level with it with A and B in L1).
 */
final class WindowBKernel8 {
    /** Rows of a tile. */
    static final int MR = 8;
    /** Columns of a tile: three vectors. */
    static final int NR = 3 * SPECIES.length();

    private static final int L = SPECIES.length();

    private WindowBKernel8() {}

    /** C[0..MR)[0..NR) = A.B, not reading C: A a packed panel of {@code kc} steps of MR values, B's row p at {@code rowOffsets[rowFrom + p] + column}. */
    static void multiply(int kc, float[] packedA, int aStart, float[] source, int[] rowOffsets, int rowFrom,
            int column, float[] c, int cStart, int ldc) {
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c0x = zero, c0y = zero, c0z = zero;
        FloatVector c1x = zero, c1y = zero, c1z = zero;
        FloatVector c2x = zero, c2y = zero, c2z = zero;
        FloatVector c3x = zero, c3y = zero, c3z = zero;
        FloatVector c4x = zero, c4y = zero, c4z = zero;
        FloatVector c5x = zero, c5y = zero, c5z = zero;
        FloatVector c6x = zero, c6y = zero, c6z = zero;
        FloatVector c7x = zero, c7y = zero, c7z = zero;
        for (int p = 0; p < kc; p++) {
            int bi = rowOffsets[rowFrom + p] + column;
            int ai = aStart + p * MR;
            FloatVector x = FloatVector.fromArray(SPECIES, source, bi);
            FloatVector y = FloatVector.fromArray(SPECIES, source, bi + L);
            FloatVector z = FloatVector.fromArray(SPECIES, source, bi + 2 * L);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, packedA[ai + 0]);
            c0x = a.fma(x, c0x);
            c0y = a.fma(y, c0y);
            c0z = a.fma(z, c0z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 1]);
            c1x = a.fma(x, c1x);
            c1y = a.fma(y, c1y);
            c1z = a.fma(z, c1z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 2]);
            c2x = a.fma(x, c2x);
            c2y = a.fma(y, c2y);
            c2z = a.fma(z, c2z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 3]);
            c3x = a.fma(x, c3x);
            c3y = a.fma(y, c3y);
            c3z = a.fma(z, c3z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 4]);
            c4x = a.fma(x, c4x);
            c4y = a.fma(y, c4y);
            c4z = a.fma(z, c4z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 5]);
            c5x = a.fma(x, c5x);
            c5y = a.fma(y, c5y);
            c5z = a.fma(z, c5z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 6]);
            c6x = a.fma(x, c6x);
            c6y = a.fma(y, c6y);
            c6z = a.fma(z, c6z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 7]);
            c7x = a.fma(x, c7x);
            c7y = a.fma(y, c7y);
            c7z = a.fma(z, c7z);
        }
        c0x.intoArray(c, cStart + 0 * ldc);
        c0y.intoArray(c, cStart + 0 * ldc + L);
        c0z.intoArray(c, cStart + 0 * ldc + 2 * L);
        c1x.intoArray(c, cStart + 1 * ldc);
        c1y.intoArray(c, cStart + 1 * ldc + L);
        c1z.intoArray(c, cStart + 1 * ldc + 2 * L);
        c2x.intoArray(c, cStart + 2 * ldc);
        c2y.intoArray(c, cStart + 2 * ldc + L);
        c2z.intoArray(c, cStart + 2 * ldc + 2 * L);
        c3x.intoArray(c, cStart + 3 * ldc);
        c3y.intoArray(c, cStart + 3 * ldc + L);
        c3z.intoArray(c, cStart + 3 * ldc + 2 * L);
        c4x.intoArray(c, cStart + 4 * ldc);
        c4y.intoArray(c, cStart + 4 * ldc + L);
        c4z.intoArray(c, cStart + 4 * ldc + 2 * L);
        c5x.intoArray(c, cStart + 5 * ldc);
        c5y.intoArray(c, cStart + 5 * ldc + L);
        c5z.intoArray(c, cStart + 5 * ldc + 2 * L);
        c6x.intoArray(c, cStart + 6 * ldc);
        c6y.intoArray(c, cStart + 6 * ldc + L);
        c6z.intoArray(c, cStart + 6 * ldc + 2 * L);
        c7x.intoArray(c, cStart + 7 * ldc);
        c7y.intoArray(c, cStart + 7 * ldc + L);
        c7z.intoArray(c, cStart + 7 * ldc + 2 * L);
    }

    /** C[0..MR)[0..NR) += A.B, as {@link #multiply}. */
    static void multiplyAdd(int kc, float[] packedA, int aStart, float[] source, int[] rowOffsets, int rowFrom,
            int column, float[] c, int cStart, int ldc) {
        FloatVector zero = FloatVector.zero(SPECIES);
        FloatVector c0x = zero, c0y = zero, c0z = zero;
        FloatVector c1x = zero, c1y = zero, c1z = zero;
        FloatVector c2x = zero, c2y = zero, c2z = zero;
        FloatVector c3x = zero, c3y = zero, c3z = zero;
        FloatVector c4x = zero, c4y = zero, c4z = zero;
        FloatVector c5x = zero, c5y = zero, c5z = zero;
        FloatVector c6x = zero, c6y = zero, c6z = zero;
        FloatVector c7x = zero, c7y = zero, c7z = zero;
        for (int p = 0; p < kc; p++) {
            int bi = rowOffsets[rowFrom + p] + column;
            int ai = aStart + p * MR;
            FloatVector x = FloatVector.fromArray(SPECIES, source, bi);
            FloatVector y = FloatVector.fromArray(SPECIES, source, bi + L);
            FloatVector z = FloatVector.fromArray(SPECIES, source, bi + 2 * L);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, packedA[ai + 0]);
            c0x = a.fma(x, c0x);
            c0y = a.fma(y, c0y);
            c0z = a.fma(z, c0z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 1]);
            c1x = a.fma(x, c1x);
            c1y = a.fma(y, c1y);
            c1z = a.fma(z, c1z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 2]);
            c2x = a.fma(x, c2x);
            c2y = a.fma(y, c2y);
            c2z = a.fma(z, c2z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 3]);
            c3x = a.fma(x, c3x);
            c3y = a.fma(y, c3y);
            c3z = a.fma(z, c3z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 4]);
            c4x = a.fma(x, c4x);
            c4y = a.fma(y, c4y);
            c4z = a.fma(z, c4z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 5]);
            c5x = a.fma(x, c5x);
            c5y = a.fma(y, c5y);
            c5z = a.fma(z, c5z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 6]);
            c6x = a.fma(x, c6x);
            c6y = a.fma(y, c6y);
            c6z = a.fma(z, c6z);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 7]);
            c7x = a.fma(x, c7x);
            c7y = a.fma(y, c7y);
            c7z = a.fma(z, c7z);
        }
        c0x.add(FloatVector.fromArray(SPECIES, c, cStart + 0 * ldc)).intoArray(c, cStart + 0 * ldc);
        c0y.add(FloatVector.fromArray(SPECIES, c, cStart + 0 * ldc + L)).intoArray(c, cStart + 0 * ldc + L);
        c0z.add(FloatVector.fromArray(SPECIES, c, cStart + 0 * ldc + 2 * L)).intoArray(c, cStart + 0 * ldc + 2 * L);
        c1x.add(FloatVector.fromArray(SPECIES, c, cStart + 1 * ldc)).intoArray(c, cStart + 1 * ldc);
        c1y.add(FloatVector.fromArray(SPECIES, c, cStart + 1 * ldc + L)).intoArray(c, cStart + 1 * ldc + L);
        c1z.add(FloatVector.fromArray(SPECIES, c, cStart + 1 * ldc + 2 * L)).intoArray(c, cStart + 1 * ldc + 2 * L);
        c2x.add(FloatVector.fromArray(SPECIES, c, cStart + 2 * ldc)).intoArray(c, cStart + 2 * ldc);
        c2y.add(FloatVector.fromArray(SPECIES, c, cStart + 2 * ldc + L)).intoArray(c, cStart + 2 * ldc + L);
        c2z.add(FloatVector.fromArray(SPECIES, c, cStart + 2 * ldc + 2 * L)).intoArray(c, cStart + 2 * ldc + 2 * L);
        c3x.add(FloatVector.fromArray(SPECIES, c, cStart + 3 * ldc)).intoArray(c, cStart + 3 * ldc);
        c3y.add(FloatVector.fromArray(SPECIES, c, cStart + 3 * ldc + L)).intoArray(c, cStart + 3 * ldc + L);
        c3z.add(FloatVector.fromArray(SPECIES, c, cStart + 3 * ldc + 2 * L)).intoArray(c, cStart + 3 * ldc + 2 * L);
        c4x.add(FloatVector.fromArray(SPECIES, c, cStart + 4 * ldc)).intoArray(c, cStart + 4 * ldc);
        c4y.add(FloatVector.fromArray(SPECIES, c, cStart + 4 * ldc + L)).intoArray(c, cStart + 4 * ldc + L);
        c4z.add(FloatVector.fromArray(SPECIES, c, cStart + 4 * ldc + 2 * L)).intoArray(c, cStart + 4 * ldc + 2 * L);
        c5x.add(FloatVector.fromArray(SPECIES, c, cStart + 5 * ldc)).intoArray(c, cStart + 5 * ldc);
        c5y.add(FloatVector.fromArray(SPECIES, c, cStart + 5 * ldc + L)).intoArray(c, cStart + 5 * ldc + L);
        c5z.add(FloatVector.fromArray(SPECIES, c, cStart + 5 * ldc + 2 * L)).intoArray(c, cStart + 5 * ldc + 2 * L);
        c6x.add(FloatVector.fromArray(SPECIES, c, cStart + 6 * ldc)).intoArray(c, cStart + 6 * ldc);
        c6y.add(FloatVector.fromArray(SPECIES, c, cStart + 6 * ldc + L)).intoArray(c, cStart + 6 * ldc + L);
        c6z.add(FloatVector.fromArray(SPECIES, c, cStart + 6 * ldc + 2 * L)).intoArray(c, cStart + 6 * ldc + 2 * L);
        c7x.add(FloatVector.fromArray(SPECIES, c, cStart + 7 * ldc)).intoArray(c, cStart + 7 * ldc);
        c7y.add(FloatVector.fromArray(SPECIES, c, cStart + 7 * ldc + L)).intoArray(c, cStart + 7 * ldc + L);
        c7z.add(FloatVector.fromArray(SPECIES, c, cStart + 7 * ldc + 2 * L)).intoArray(c, cStart + 7 * ldc + 2 * L);
    }
}

package dev.nabla.runtime.jvm.gemm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes 8 x 8 blocks of doubles in registers, for packing, as {@link FloatTranspose} does
 * for floats: 3 rounds of two-vector lane selections, their indexes loaded in the method (why:
 * {@link FloatTranspose}). Used only with 8-lane vectors.
 */
final class DoubleTranspose {
    /** Whether this machine's vectors are the 8 lanes the code is written for. */
    static final boolean ENABLED = DoubleKernel.SPECIES.length() == 8;
    /** The block's side. */
    static final int SIDE = 8;

    private static final VectorSpecies<Double> S = DoubleKernel.SPECIES;
    /** The selection indexes, round by round, low then high, as {@link FloatTranspose} keeps them. */
    private static final double[] INDEXES = indexes();

    private static double[] indexes() {
        double[] indexes = new double[3 * 2 * SIDE];
        for (int i = 0; i < indexes.length; i++) {
            indexes[i] = FloatTranspose.selection(SIDE, i);
        }
        return indexes;
    }

    private DoubleTranspose() {}

    /**
     * Writes column c of a block ({@code rows} rows of 8 values, {@code srcStride} apart; rows
     * past {@code rows} read as zeros) as 8 values at {@code dstAt + c * dstStride}, for c
     * from 0 up. A {@code dstStride} under 8 makes the stores overlap: each writes the lanes
     * past its column over the start of the next column's, which the next store then fixes.
     */
    static void block(double[] src, int srcAt, int srcStride, int rows, double[] dst, int dstAt, int dstStride) {
        DoubleVector low0 = DoubleVector.fromArray(S, INDEXES, 0 * SIDE);
        DoubleVector high0 = DoubleVector.fromArray(S, INDEXES, 1 * SIDE);
        DoubleVector low1 = DoubleVector.fromArray(S, INDEXES, 2 * SIDE);
        DoubleVector high1 = DoubleVector.fromArray(S, INDEXES, 3 * SIDE);
        DoubleVector low2 = DoubleVector.fromArray(S, INDEXES, 4 * SIDE);
        DoubleVector high2 = DoubleVector.fromArray(S, INDEXES, 5 * SIDE);
        DoubleVector zero = DoubleVector.zero(S);
        DoubleVector r0 = DoubleVector.fromArray(S, src, srcAt);
        DoubleVector r1 = rows > 1 ? DoubleVector.fromArray(S, src, srcAt + 1 * srcStride) : zero;
        DoubleVector r2 = rows > 2 ? DoubleVector.fromArray(S, src, srcAt + 2 * srcStride) : zero;
        DoubleVector r3 = rows > 3 ? DoubleVector.fromArray(S, src, srcAt + 3 * srcStride) : zero;
        DoubleVector r4 = rows > 4 ? DoubleVector.fromArray(S, src, srcAt + 4 * srcStride) : zero;
        DoubleVector r5 = rows > 5 ? DoubleVector.fromArray(S, src, srcAt + 5 * srcStride) : zero;
        DoubleVector r6 = rows > 6 ? DoubleVector.fromArray(S, src, srcAt + 6 * srcStride) : zero;
        DoubleVector r7 = rows > 7 ? DoubleVector.fromArray(S, src, srcAt + 7 * srcStride) : zero;
        DoubleVector s0r0 = low0.selectFrom(r0, r1);
        DoubleVector s0r1 = high0.selectFrom(r0, r1);
        DoubleVector s0r2 = low0.selectFrom(r2, r3);
        DoubleVector s0r3 = high0.selectFrom(r2, r3);
        DoubleVector s0r4 = low0.selectFrom(r4, r5);
        DoubleVector s0r5 = high0.selectFrom(r4, r5);
        DoubleVector s0r6 = low0.selectFrom(r6, r7);
        DoubleVector s0r7 = high0.selectFrom(r6, r7);
        DoubleVector s1r0 = low1.selectFrom(s0r0, s0r2);
        DoubleVector s1r2 = high1.selectFrom(s0r0, s0r2);
        DoubleVector s1r1 = low1.selectFrom(s0r1, s0r3);
        DoubleVector s1r3 = high1.selectFrom(s0r1, s0r3);
        DoubleVector s1r4 = low1.selectFrom(s0r4, s0r6);
        DoubleVector s1r6 = high1.selectFrom(s0r4, s0r6);
        DoubleVector s1r5 = low1.selectFrom(s0r5, s0r7);
        DoubleVector s1r7 = high1.selectFrom(s0r5, s0r7);
        DoubleVector s2r0 = low2.selectFrom(s1r0, s1r4);
        DoubleVector s2r4 = high2.selectFrom(s1r0, s1r4);
        DoubleVector s2r1 = low2.selectFrom(s1r1, s1r5);
        DoubleVector s2r5 = high2.selectFrom(s1r1, s1r5);
        DoubleVector s2r2 = low2.selectFrom(s1r2, s1r6);
        DoubleVector s2r6 = high2.selectFrom(s1r2, s1r6);
        DoubleVector s2r3 = low2.selectFrom(s1r3, s1r7);
        DoubleVector s2r7 = high2.selectFrom(s1r3, s1r7);
        s2r0.intoArray(dst, dstAt);
        s2r1.intoArray(dst, dstAt + 1 * dstStride);
        s2r2.intoArray(dst, dstAt + 2 * dstStride);
        s2r3.intoArray(dst, dstAt + 3 * dstStride);
        s2r4.intoArray(dst, dstAt + 4 * dstStride);
        s2r5.intoArray(dst, dstAt + 5 * dstStride);
        s2r6.intoArray(dst, dstAt + 6 * dstStride);
        s2r7.intoArray(dst, dstAt + 7 * dstStride);
    }
}

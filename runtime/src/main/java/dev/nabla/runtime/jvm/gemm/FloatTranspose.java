package dev.nabla.runtime.jvm.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes 16 x 16 blocks of floats in registers, for packing: 4 rounds of two-vector lane
 * selections ({@code selectFrom}, one AVX-512 permute each), each swapping one bit of the row
 * index with one bit of the lane index. Packing a row-major A (12 rows side by side) or a B stored
 * transposed one value at a time took about 2.5 times as long: 0.31 against 0.12 ns a value for
 * the MLP's 128 x 784 input in cache, 0.53 against 0.35 for a 2048 x 2048 A from memory; the MLP's
 * 128 x 784 . 784 x 256 product got 6-7% faster.
 *
 * <p>Written out for 16-lane vectors (AVX-512) and used only with them ({@link #ENABLED}): a
 * vector that crosses a loop, or an array of vectors, is not kept in registers by C2. The
 * selection indexes are loaded in the method from a float array, never kept as vector objects
 * in a field or an array: C2 knows a loaded vector's exact class, but only guesses a stored
 * one's from the type profile, and once the Vector API's shared methods have seen enough
 * failed guesses in a JVM's life (over 100 class-check traps, counted over every method a
 * compilation inlines), it compiles each guess with a slow path, a real call that boxes every
 * vector: 23 MB of garbage per 512 x 512 product, and packing ten times slower.
 */
final class FloatTranspose {
    /** Whether this machine's vectors are the 16 lanes the code is written for. */
    static final boolean ENABLED = FloatKernel.SPECIES.length() == 16;
    /** The block's side. */
    static final int SIDE = 16;

    private static final VectorSpecies<Float> S = FloatKernel.SPECIES;
    /**
     * The selection indexes, round by round: low then high, 16 lanes each. Round b pairs rows r
     * and r + h (h = 2^b): the low row keeps lanes with bit b clear from both, the high row those
     * with bit b set. Index i < 16 selects lane i of the first vector, 16 + i lane i of the second.
     */
    private static final float[] INDEXES = indexes();

    private static float[] indexes() {
        float[] indexes = new float[4 * 2 * SIDE];
        for (int i = 0; i < indexes.length; i++) {
            indexes[i] = selection(SIDE, i);
        }
        return indexes;
    }

    /**
     * Entry {@code i} of the selection indexes for blocks of side {@code side}: round
     * {@code i / (2 side)}, the high row's when {@code i / side} is odd, lane {@code i % side}.
     */
    static int selection(int side, int i) {
        int h = 1 << (i / (2 * side));
        boolean high = (i / side) % 2 == 1;
        int c = i % side;
        if ((c & h) == 0) {
            return high ? c + h : c;
        }
        return high ? side + c : side + c - h;
    }

    private FloatTranspose() {}

    /**
     * Writes column c of a block ({@code rows} rows of 16 values, {@code srcStride} apart; rows
     * past {@code rows} read as zeros) as 16 values at {@code dstAt + c * dstStride}, for c
     * from 0 up. A {@code dstStride} under 16 makes the stores overlap: each writes the lanes
     * past its column over the start of the next column's, which the next store then fixes.
     */
    static void block(float[] src, int srcAt, int srcStride, int rows, float[] dst, int dstAt, int dstStride) {
        FloatVector low0 = FloatVector.fromArray(S, INDEXES, 0 * SIDE);
        FloatVector high0 = FloatVector.fromArray(S, INDEXES, 1 * SIDE);
        FloatVector low1 = FloatVector.fromArray(S, INDEXES, 2 * SIDE);
        FloatVector high1 = FloatVector.fromArray(S, INDEXES, 3 * SIDE);
        FloatVector low2 = FloatVector.fromArray(S, INDEXES, 4 * SIDE);
        FloatVector high2 = FloatVector.fromArray(S, INDEXES, 5 * SIDE);
        FloatVector low3 = FloatVector.fromArray(S, INDEXES, 6 * SIDE);
        FloatVector high3 = FloatVector.fromArray(S, INDEXES, 7 * SIDE);
        FloatVector zero = FloatVector.zero(S);
        FloatVector r0 = FloatVector.fromArray(S, src, srcAt);
        FloatVector r1 = rows > 1 ? FloatVector.fromArray(S, src, srcAt + 1 * srcStride) : zero;
        FloatVector r2 = rows > 2 ? FloatVector.fromArray(S, src, srcAt + 2 * srcStride) : zero;
        FloatVector r3 = rows > 3 ? FloatVector.fromArray(S, src, srcAt + 3 * srcStride) : zero;
        FloatVector r4 = rows > 4 ? FloatVector.fromArray(S, src, srcAt + 4 * srcStride) : zero;
        FloatVector r5 = rows > 5 ? FloatVector.fromArray(S, src, srcAt + 5 * srcStride) : zero;
        FloatVector r6 = rows > 6 ? FloatVector.fromArray(S, src, srcAt + 6 * srcStride) : zero;
        FloatVector r7 = rows > 7 ? FloatVector.fromArray(S, src, srcAt + 7 * srcStride) : zero;
        FloatVector r8 = rows > 8 ? FloatVector.fromArray(S, src, srcAt + 8 * srcStride) : zero;
        FloatVector r9 = rows > 9 ? FloatVector.fromArray(S, src, srcAt + 9 * srcStride) : zero;
        FloatVector r10 = rows > 10 ? FloatVector.fromArray(S, src, srcAt + 10 * srcStride) : zero;
        FloatVector r11 = rows > 11 ? FloatVector.fromArray(S, src, srcAt + 11 * srcStride) : zero;
        FloatVector r12 = rows > 12 ? FloatVector.fromArray(S, src, srcAt + 12 * srcStride) : zero;
        FloatVector r13 = rows > 13 ? FloatVector.fromArray(S, src, srcAt + 13 * srcStride) : zero;
        FloatVector r14 = rows > 14 ? FloatVector.fromArray(S, src, srcAt + 14 * srcStride) : zero;
        FloatVector r15 = rows > 15 ? FloatVector.fromArray(S, src, srcAt + 15 * srcStride) : zero;
        FloatVector s0r0 = low0.selectFrom(r0, r1);
        FloatVector s0r1 = high0.selectFrom(r0, r1);
        FloatVector s0r2 = low0.selectFrom(r2, r3);
        FloatVector s0r3 = high0.selectFrom(r2, r3);
        FloatVector s0r4 = low0.selectFrom(r4, r5);
        FloatVector s0r5 = high0.selectFrom(r4, r5);
        FloatVector s0r6 = low0.selectFrom(r6, r7);
        FloatVector s0r7 = high0.selectFrom(r6, r7);
        FloatVector s0r8 = low0.selectFrom(r8, r9);
        FloatVector s0r9 = high0.selectFrom(r8, r9);
        FloatVector s0r10 = low0.selectFrom(r10, r11);
        FloatVector s0r11 = high0.selectFrom(r10, r11);
        FloatVector s0r12 = low0.selectFrom(r12, r13);
        FloatVector s0r13 = high0.selectFrom(r12, r13);
        FloatVector s0r14 = low0.selectFrom(r14, r15);
        FloatVector s0r15 = high0.selectFrom(r14, r15);
        FloatVector s1r0 = low1.selectFrom(s0r0, s0r2);
        FloatVector s1r2 = high1.selectFrom(s0r0, s0r2);
        FloatVector s1r1 = low1.selectFrom(s0r1, s0r3);
        FloatVector s1r3 = high1.selectFrom(s0r1, s0r3);
        FloatVector s1r4 = low1.selectFrom(s0r4, s0r6);
        FloatVector s1r6 = high1.selectFrom(s0r4, s0r6);
        FloatVector s1r5 = low1.selectFrom(s0r5, s0r7);
        FloatVector s1r7 = high1.selectFrom(s0r5, s0r7);
        FloatVector s1r8 = low1.selectFrom(s0r8, s0r10);
        FloatVector s1r10 = high1.selectFrom(s0r8, s0r10);
        FloatVector s1r9 = low1.selectFrom(s0r9, s0r11);
        FloatVector s1r11 = high1.selectFrom(s0r9, s0r11);
        FloatVector s1r12 = low1.selectFrom(s0r12, s0r14);
        FloatVector s1r14 = high1.selectFrom(s0r12, s0r14);
        FloatVector s1r13 = low1.selectFrom(s0r13, s0r15);
        FloatVector s1r15 = high1.selectFrom(s0r13, s0r15);
        FloatVector s2r0 = low2.selectFrom(s1r0, s1r4);
        FloatVector s2r4 = high2.selectFrom(s1r0, s1r4);
        FloatVector s2r1 = low2.selectFrom(s1r1, s1r5);
        FloatVector s2r5 = high2.selectFrom(s1r1, s1r5);
        FloatVector s2r2 = low2.selectFrom(s1r2, s1r6);
        FloatVector s2r6 = high2.selectFrom(s1r2, s1r6);
        FloatVector s2r3 = low2.selectFrom(s1r3, s1r7);
        FloatVector s2r7 = high2.selectFrom(s1r3, s1r7);
        FloatVector s2r8 = low2.selectFrom(s1r8, s1r12);
        FloatVector s2r12 = high2.selectFrom(s1r8, s1r12);
        FloatVector s2r9 = low2.selectFrom(s1r9, s1r13);
        FloatVector s2r13 = high2.selectFrom(s1r9, s1r13);
        FloatVector s2r10 = low2.selectFrom(s1r10, s1r14);
        FloatVector s2r14 = high2.selectFrom(s1r10, s1r14);
        FloatVector s2r11 = low2.selectFrom(s1r11, s1r15);
        FloatVector s2r15 = high2.selectFrom(s1r11, s1r15);
        FloatVector s3r0 = low3.selectFrom(s2r0, s2r8);
        FloatVector s3r8 = high3.selectFrom(s2r0, s2r8);
        FloatVector s3r1 = low3.selectFrom(s2r1, s2r9);
        FloatVector s3r9 = high3.selectFrom(s2r1, s2r9);
        FloatVector s3r2 = low3.selectFrom(s2r2, s2r10);
        FloatVector s3r10 = high3.selectFrom(s2r2, s2r10);
        FloatVector s3r3 = low3.selectFrom(s2r3, s2r11);
        FloatVector s3r11 = high3.selectFrom(s2r3, s2r11);
        FloatVector s3r4 = low3.selectFrom(s2r4, s2r12);
        FloatVector s3r12 = high3.selectFrom(s2r4, s2r12);
        FloatVector s3r5 = low3.selectFrom(s2r5, s2r13);
        FloatVector s3r13 = high3.selectFrom(s2r5, s2r13);
        FloatVector s3r6 = low3.selectFrom(s2r6, s2r14);
        FloatVector s3r14 = high3.selectFrom(s2r6, s2r14);
        FloatVector s3r7 = low3.selectFrom(s2r7, s2r15);
        FloatVector s3r15 = high3.selectFrom(s2r7, s2r15);
        s3r0.intoArray(dst, dstAt);
        s3r1.intoArray(dst, dstAt + 1 * dstStride);
        s3r2.intoArray(dst, dstAt + 2 * dstStride);
        s3r3.intoArray(dst, dstAt + 3 * dstStride);
        s3r4.intoArray(dst, dstAt + 4 * dstStride);
        s3r5.intoArray(dst, dstAt + 5 * dstStride);
        s3r6.intoArray(dst, dstAt + 6 * dstStride);
        s3r7.intoArray(dst, dstAt + 7 * dstStride);
        s3r8.intoArray(dst, dstAt + 8 * dstStride);
        s3r9.intoArray(dst, dstAt + 9 * dstStride);
        s3r10.intoArray(dst, dstAt + 10 * dstStride);
        s3r11.intoArray(dst, dstAt + 11 * dstStride);
        s3r12.intoArray(dst, dstAt + 12 * dstStride);
        s3r13.intoArray(dst, dstAt + 13 * dstStride);
        s3r14.intoArray(dst, dstAt + 14 * dstStride);
        s3r15.intoArray(dst, dstAt + 15 * dstStride);
    }
}

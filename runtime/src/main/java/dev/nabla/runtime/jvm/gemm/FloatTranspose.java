package dev.nabla.runtime.jvm.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs a 12-row panel of a row-major A (see FloatPacking.packA) 16 steps at a time by transposing
 * one 16 x 16 block (12 rows and 4 of zeros) in registers: 4 rounds of two-vector lane selections
 * ({@code selectFrom}, one AVX-512 permute each), each swapping one bit of the row index with
 * one bit of the lane index. Copying one value at a time took about 2.5 times as long (0.31
 * against 0.12 ns a value for the MLP's 128 x 784 input in cache, 0.53 against 0.35 for a 2048 x 2048
 * A from memory); the MLP's 128 x 784 . 784 x 256 product got 6-7% faster.
 *
 * <p>Written out for 16-lane vectors (AVX-512) and used only with them: a vector that crosses a
 * loop or an array of vectors is not kept in registers by C2. Stores run front to back, 16 lanes
 * at a time: the lanes past a step's 12 values land on the next step's, which the following store
 * overwrites, and the last store of a panel writes 4 values past it, so the packed buffer keeps
 * {@link #SLACK} spare values at its end.
 */
final class FloatTranspose {
    /** Whether this machine's vectors are the 16 lanes the code is written for. */
    static final boolean ENABLED = FloatKernel.SPECIES.length() == 16;
    /** Values a packed buffer needs past its last panel for the overlapping stores. */
    static final int SLACK = 16;

    private static final VectorSpecies<Float> S = FloatKernel.SPECIES;
    private static final FloatVector[] LOW = new FloatVector[4];
    private static final FloatVector[] HIGH = new FloatVector[4];

    static {
        if (ENABLED) {
            // Round b pairs rows r and r + h (h = 2^b): the low row keeps lanes with bit b clear from
            // both, the high row those with bit b set. Index i < 16 selects lane i of the first
            // vector, 16 + i lane i of the second.
            for (int b = 0; b < 4; b++) {
                int h = 1 << b;
                float[] low = new float[16];
                float[] high = new float[16];
                for (int c = 0; c < 16; c++) {
                    low[c] = (c & h) == 0 ? c : 16 + c - h;
                    high[c] = (c & h) == 0 ? c + h : 16 + c;
                }
                LOW[b] = FloatVector.fromArray(S, low, 0);
                HIGH[b] = FloatVector.fromArray(S, high, 0);
            }
        }
    }

    private FloatTranspose() {}

    /**
     * Packs steps [0, returned) of the 12 rows at {@code src} (rows {@code lda} apart) into
     * {@code packed} from {@code dst}, 12 values per step: as many steps as fill whole blocks of
     * 16; the caller packs the rest.
     */
    static int panel(int kc, float[] a, int src, int lda, float[] packed, int dst) {
        int steps = kc - kc % 16;
        FloatVector low0 = LOW[0], high0 = HIGH[0];
        FloatVector low1 = LOW[1], high1 = HIGH[1];
        FloatVector low2 = LOW[2], high2 = HIGH[2];
        FloatVector low3 = LOW[3], high3 = HIGH[3];
        FloatVector zero = FloatVector.zero(S);
        for (int p = 0; p < steps; p += 16) {
            int at = src + p;
            FloatVector g0r0 = FloatVector.fromArray(S, a, at);
            FloatVector g0r1 = FloatVector.fromArray(S, a, at + 1 * lda);
            FloatVector g0r2 = FloatVector.fromArray(S, a, at + 2 * lda);
            FloatVector g0r3 = FloatVector.fromArray(S, a, at + 3 * lda);
            FloatVector g0r4 = FloatVector.fromArray(S, a, at + 4 * lda);
            FloatVector g0r5 = FloatVector.fromArray(S, a, at + 5 * lda);
            FloatVector g0r6 = FloatVector.fromArray(S, a, at + 6 * lda);
            FloatVector g0r7 = FloatVector.fromArray(S, a, at + 7 * lda);
            FloatVector g0r8 = FloatVector.fromArray(S, a, at + 8 * lda);
            FloatVector g0r9 = FloatVector.fromArray(S, a, at + 9 * lda);
            FloatVector g0r10 = FloatVector.fromArray(S, a, at + 10 * lda);
            FloatVector g0r11 = FloatVector.fromArray(S, a, at + 11 * lda);
            FloatVector g0s0r0 = low0.selectFrom(g0r0, g0r1);
            FloatVector g0s0r1 = high0.selectFrom(g0r0, g0r1);
            FloatVector g0s0r2 = low0.selectFrom(g0r2, g0r3);
            FloatVector g0s0r3 = high0.selectFrom(g0r2, g0r3);
            FloatVector g0s0r4 = low0.selectFrom(g0r4, g0r5);
            FloatVector g0s0r5 = high0.selectFrom(g0r4, g0r5);
            FloatVector g0s0r6 = low0.selectFrom(g0r6, g0r7);
            FloatVector g0s0r7 = high0.selectFrom(g0r6, g0r7);
            FloatVector g0s0r8 = low0.selectFrom(g0r8, g0r9);
            FloatVector g0s0r9 = high0.selectFrom(g0r8, g0r9);
            FloatVector g0s0r10 = low0.selectFrom(g0r10, g0r11);
            FloatVector g0s0r11 = high0.selectFrom(g0r10, g0r11);
            FloatVector g0s0r12 = low0.selectFrom(zero, zero);
            FloatVector g0s0r13 = high0.selectFrom(zero, zero);
            FloatVector g0s0r14 = low0.selectFrom(zero, zero);
            FloatVector g0s0r15 = high0.selectFrom(zero, zero);
            FloatVector g0s1r0 = low1.selectFrom(g0s0r0, g0s0r2);
            FloatVector g0s1r2 = high1.selectFrom(g0s0r0, g0s0r2);
            FloatVector g0s1r1 = low1.selectFrom(g0s0r1, g0s0r3);
            FloatVector g0s1r3 = high1.selectFrom(g0s0r1, g0s0r3);
            FloatVector g0s1r4 = low1.selectFrom(g0s0r4, g0s0r6);
            FloatVector g0s1r6 = high1.selectFrom(g0s0r4, g0s0r6);
            FloatVector g0s1r5 = low1.selectFrom(g0s0r5, g0s0r7);
            FloatVector g0s1r7 = high1.selectFrom(g0s0r5, g0s0r7);
            FloatVector g0s1r8 = low1.selectFrom(g0s0r8, g0s0r10);
            FloatVector g0s1r10 = high1.selectFrom(g0s0r8, g0s0r10);
            FloatVector g0s1r9 = low1.selectFrom(g0s0r9, g0s0r11);
            FloatVector g0s1r11 = high1.selectFrom(g0s0r9, g0s0r11);
            FloatVector g0s1r12 = low1.selectFrom(g0s0r12, g0s0r14);
            FloatVector g0s1r14 = high1.selectFrom(g0s0r12, g0s0r14);
            FloatVector g0s1r13 = low1.selectFrom(g0s0r13, g0s0r15);
            FloatVector g0s1r15 = high1.selectFrom(g0s0r13, g0s0r15);
            FloatVector g0s2r0 = low2.selectFrom(g0s1r0, g0s1r4);
            FloatVector g0s2r4 = high2.selectFrom(g0s1r0, g0s1r4);
            FloatVector g0s2r1 = low2.selectFrom(g0s1r1, g0s1r5);
            FloatVector g0s2r5 = high2.selectFrom(g0s1r1, g0s1r5);
            FloatVector g0s2r2 = low2.selectFrom(g0s1r2, g0s1r6);
            FloatVector g0s2r6 = high2.selectFrom(g0s1r2, g0s1r6);
            FloatVector g0s2r3 = low2.selectFrom(g0s1r3, g0s1r7);
            FloatVector g0s2r7 = high2.selectFrom(g0s1r3, g0s1r7);
            FloatVector g0s2r8 = low2.selectFrom(g0s1r8, g0s1r12);
            FloatVector g0s2r12 = high2.selectFrom(g0s1r8, g0s1r12);
            FloatVector g0s2r9 = low2.selectFrom(g0s1r9, g0s1r13);
            FloatVector g0s2r13 = high2.selectFrom(g0s1r9, g0s1r13);
            FloatVector g0s2r10 = low2.selectFrom(g0s1r10, g0s1r14);
            FloatVector g0s2r14 = high2.selectFrom(g0s1r10, g0s1r14);
            FloatVector g0s2r11 = low2.selectFrom(g0s1r11, g0s1r15);
            FloatVector g0s2r15 = high2.selectFrom(g0s1r11, g0s1r15);
            FloatVector g0s3r0 = low3.selectFrom(g0s2r0, g0s2r8);
            FloatVector g0s3r8 = high3.selectFrom(g0s2r0, g0s2r8);
            FloatVector g0s3r1 = low3.selectFrom(g0s2r1, g0s2r9);
            FloatVector g0s3r9 = high3.selectFrom(g0s2r1, g0s2r9);
            FloatVector g0s3r2 = low3.selectFrom(g0s2r2, g0s2r10);
            FloatVector g0s3r10 = high3.selectFrom(g0s2r2, g0s2r10);
            FloatVector g0s3r3 = low3.selectFrom(g0s2r3, g0s2r11);
            FloatVector g0s3r11 = high3.selectFrom(g0s2r3, g0s2r11);
            FloatVector g0s3r4 = low3.selectFrom(g0s2r4, g0s2r12);
            FloatVector g0s3r12 = high3.selectFrom(g0s2r4, g0s2r12);
            FloatVector g0s3r5 = low3.selectFrom(g0s2r5, g0s2r13);
            FloatVector g0s3r13 = high3.selectFrom(g0s2r5, g0s2r13);
            FloatVector g0s3r6 = low3.selectFrom(g0s2r6, g0s2r14);
            FloatVector g0s3r14 = high3.selectFrom(g0s2r6, g0s2r14);
            FloatVector g0s3r7 = low3.selectFrom(g0s2r7, g0s2r15);
            FloatVector g0s3r15 = high3.selectFrom(g0s2r7, g0s2r15);
            int to = dst + p * 12;
            g0s3r0.intoArray(packed, to);
            g0s3r1.intoArray(packed, to + 12);
            g0s3r2.intoArray(packed, to + 24);
            g0s3r3.intoArray(packed, to + 36);
            g0s3r4.intoArray(packed, to + 48);
            g0s3r5.intoArray(packed, to + 60);
            g0s3r6.intoArray(packed, to + 72);
            g0s3r7.intoArray(packed, to + 84);
            g0s3r8.intoArray(packed, to + 96);
            g0s3r9.intoArray(packed, to + 108);
            g0s3r10.intoArray(packed, to + 120);
            g0s3r11.intoArray(packed, to + 132);
            g0s3r12.intoArray(packed, to + 144);
            g0s3r13.intoArray(packed, to + 156);
            g0s3r14.intoArray(packed, to + 168);
            g0s3r15.intoArray(packed, to + 180);
        }
        return steps;
    }
}

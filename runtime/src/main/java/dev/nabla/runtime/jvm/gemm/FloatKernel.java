package dev.nabla.runtime.jvm.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float micro-kernel: one 12 x {@link #NR} tile of C from packed panels of A and B, held in
 * 24 vector registers while it walks the shared dimension.
 * The build makes DoubleKernel (types swapped) and WindowBKernel (B read in place) of it: runtime/pom.xml.
 *
 * <p>Each step loads two vectors of a B row and broadcasts 12 values of an A column: 24 fmas
 * for 14 loads, so the two fma ports, not the loads, set the pace. 24 accumulators, two B
 * vectors and one broadcast take 27 of AVX-512's 32 vector registers. Measured with A and B
 * in L1, against 14 x 2, 8 x 2, 8 x 3, 6 x 4 and 4 x 4 vectors: 12 x 2 was fastest or level:
 * 85-90% of the fma peak with packed B 16 bytes off a cache line, 229-233 of 230-236 GFLOP/s
 * with B on one ({@link LineAlignment}), with 32-bit values; 113-115 of 116-119 with 64-bit
 * ones. Unrolling the loop by hand (2 or 4 steps) made C2 slower, not faster.
 * With 16 registers (AVX2) this tile spills, costing about 8% against a 6-row one.
 *
 * <p>Written for C2, which alone turns Vector API calls into SIMD instructions:
 * <ul>
 *   <li>Straight-line code, no helper taking or returning vectors: C2 stops inlining in a method
 *       this large, and a vector that crosses a call left standing gets boxed.
 *   <li>Overwriting and accumulating are two methods, not one with a flag: C2 compiles a branch
 *       it has not yet seen taken as a trap, and taking it later throws the compiled kernel
 *       away, leaving the interpreter and C1 (some 100 times slower on vectors) to run it for the
 *       second or so that recompiling takes.
 *   <li>The accumulators start at zero and C is added at the end: loading C first would hold
 *       every fma chain until C arrives from memory.
 * </ul>
 */
final class FloatKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Rows of a tile: values of A broadcast per step. */
    static final int MR = 12;
    /** Columns of a tile: two vectors. */
    static final int NR = 2 * SPECIES.length();

    private static final int HALF = SPECIES.length();

    private FloatKernel() {}

    /**
     * C[0..MR)[0..NR) = A.B, not reading C, summing {@code kc} steps. A is a packed
     * panel ({@code kc} groups of MR values, one per row), B a packed panel ({@code kc} rows of
     * NR values); {@code ldc} is the distance between rows of C.
     */
    static void multiply(int kc, float[] packedA, int aStart, float[] packedB, int bStart,
            float[] c, int cStart, int ldc) {
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
        for (int p = 0; p < kc; p++) {
            // Indices as p * constant + start: the form C2's range-check elimination hoists.
            int bi = bStart + p * NR;
            int ai = aStart + p * MR;
            FloatVector lo = FloatVector.fromArray(SPECIES, packedB, bi);
            FloatVector hi = FloatVector.fromArray(SPECIES, packedB, bi + HALF);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, packedA[ai + 0]);
            c0lo = a.fma(lo, c0lo);
            c0hi = a.fma(hi, c0hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 1]);
            c1lo = a.fma(lo, c1lo);
            c1hi = a.fma(hi, c1hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 2]);
            c2lo = a.fma(lo, c2lo);
            c2hi = a.fma(hi, c2hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 3]);
            c3lo = a.fma(lo, c3lo);
            c3hi = a.fma(hi, c3hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 4]);
            c4lo = a.fma(lo, c4lo);
            c4hi = a.fma(hi, c4hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 5]);
            c5lo = a.fma(lo, c5lo);
            c5hi = a.fma(hi, c5hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 6]);
            c6lo = a.fma(lo, c6lo);
            c6hi = a.fma(hi, c6hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 7]);
            c7lo = a.fma(lo, c7lo);
            c7hi = a.fma(hi, c7hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 8]);
            c8lo = a.fma(lo, c8lo);
            c8hi = a.fma(hi, c8hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 9]);
            c9lo = a.fma(lo, c9lo);
            c9hi = a.fma(hi, c9hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 10]);
            c10lo = a.fma(lo, c10lo);
            c10hi = a.fma(hi, c10hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 11]);
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

    /**
     * C[0..MR)[0..NR) += A.B, summing {@code kc} steps. A is a packed
     * panel ({@code kc} groups of MR values, one per row), B a packed panel ({@code kc} rows of
     * NR values); {@code ldc} is the distance between rows of C.
     */
    static void multiplyAdd(int kc, float[] packedA, int aStart, float[] packedB, int bStart,
            float[] c, int cStart, int ldc) {
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
        for (int p = 0; p < kc; p++) {
            // Indices as p * constant + start: the form C2's range-check elimination hoists.
            int bi = bStart + p * NR;
            int ai = aStart + p * MR;
            FloatVector lo = FloatVector.fromArray(SPECIES, packedB, bi);
            FloatVector hi = FloatVector.fromArray(SPECIES, packedB, bi + HALF);
            FloatVector a;
            a = FloatVector.broadcast(SPECIES, packedA[ai + 0]);
            c0lo = a.fma(lo, c0lo);
            c0hi = a.fma(hi, c0hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 1]);
            c1lo = a.fma(lo, c1lo);
            c1hi = a.fma(hi, c1hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 2]);
            c2lo = a.fma(lo, c2lo);
            c2hi = a.fma(hi, c2hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 3]);
            c3lo = a.fma(lo, c3lo);
            c3hi = a.fma(hi, c3hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 4]);
            c4lo = a.fma(lo, c4lo);
            c4hi = a.fma(hi, c4hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 5]);
            c5lo = a.fma(lo, c5lo);
            c5hi = a.fma(hi, c5hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 6]);
            c6lo = a.fma(lo, c6lo);
            c6hi = a.fma(hi, c6hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 7]);
            c7lo = a.fma(lo, c7lo);
            c7hi = a.fma(hi, c7hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 8]);
            c8lo = a.fma(lo, c8lo);
            c8hi = a.fma(hi, c8hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 9]);
            c9lo = a.fma(lo, c9lo);
            c9hi = a.fma(hi, c9hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 10]);
            c10lo = a.fma(lo, c10lo);
            c10hi = a.fma(hi, c10hi);
            a = FloatVector.broadcast(SPECIES, packedA[ai + 11]);
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

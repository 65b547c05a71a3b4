package dev.nabla.runtime.jvm.gemm;

/** Checks a call's arguments up front, so that a bad one fails with a sentence, not deep in a kernel. */
final class GemmArguments {
    private GemmArguments() {}

    /**
     * @param lengths the lengths of a, b and c
     * @param batch how many multiplications, stored one after another in each array
     */
    static void check(int batch, int m, int n, int k, int aLength, int aOffset, int bLength, int bOffset,
            int cLength, int cOffset, boolean sameAC, boolean sameBC, int threads, String element) {
        if (batch < 0 || m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("sizes must not be negative, got "
                    + (batch != 1 ? "batch=" + batch + ", " : "") + "m=" + m + ", n=" + n + ", k=" + k);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        long aSize = (long) batch * m * k;
        long bSize = (long) batch * k * n;
        long cSize = (long) batch * m * n;
        checkRange("a", aLength, aOffset, aSize, element);
        checkRange("b", bLength, bOffset, bSize, element);
        checkRange("c", cLength, cOffset, cSize, element);
        if (sameAC && overlap(aOffset, aSize, cOffset, cSize)) {
            throw new IllegalArgumentException("c overlaps a in the same array: C would overwrite A while A is read");
        }
        if (sameBC && overlap(bOffset, bSize, cOffset, cSize)) {
            throw new IllegalArgumentException("c overlaps b in the same array: C would overwrite B while B is read");
        }
    }

    /** W of an update, C = W + alpha.A.B: m x n, and not in C's array (C is written before W is read). */
    static void checkAddend(int m, int n, int wLength, int wOffset, boolean sameWC, String element) {
        checkRange("w", wLength, wOffset, (long) m * n, element);
        if (sameWC) {
            throw new IllegalArgumentException("w is c's array: C holds partial sums before W is added; pass W in"
                    + " another array");
        }
    }

    /** A window matrix's source: its planes from the offset, and not C's array (C is written while it is read). */
    static void checkWindowSource(int offset, int size, int length, boolean sameC) {
        checkRange("the windows' source", length, offset, size, "float");
        if (sameC) {
            throw new IllegalArgumentException("c is the windows' source: C would overwrite the input while it is read");
        }
    }

    /** The target a product is added into through its windows (Gemm.sgemmIntoWindows). */
    static void checkWindowTarget(int offset, int size, int length, boolean positions, boolean wholeRows,
            boolean operand) {
        checkRange("the windows' source", length, offset, size, "float");
        if (!positions || !wholeRows) {
            throw new IllegalArgumentException("the product's rows must be whole rows of the window array: n equal"
                    + " to the windows' positions, from a multiple of it");
        }
        if (operand) {
            throw new IllegalArgumentException("the windows' source is an operand's array: the adds would change it"
                    + " while it is read");
        }
    }

    private static void checkRange(String name, int length, int offset, long size, String element) {
        if (offset < 0 || offset + size > length) {
            throw new IllegalArgumentException(name + " needs " + size + " " + element + "s from offset " + offset
                    + " but holds " + length);
        }
    }

    private static boolean overlap(int start1, long size1, int start2, long size2) {
        return size1 > 0 && size2 > 0 && start1 < start2 + size2 && start2 < start1 + size1;
    }
}

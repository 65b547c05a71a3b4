package dev.nabla.runtime.jvm.gemm;

/** Splits a dimension into near-equal blocks, so that no block is a sliver left over at the end. */
final class Blocking {
    private Blocking() {}

    /**
     * The block length for a dimension of {@code extent}: at most {@code limit} (rounded up to
     * {@code multiple}), as even as the fewest blocks allow, and a multiple of {@code multiple}.
     */
    static int blockLength(int extent, int limit, int multiple) {
        int blocks = Math.max(1, ceilDiv(extent, limit));
        return roundUp(ceilDiv(extent, blocks), multiple);
    }

    static int roundUp(int value, int multiple) {
        return ceilDiv(value, multiple) * multiple;
    }

    static int ceilDiv(int value, int divisor) {
        return (value + divisor - 1) / divisor;
    }
}

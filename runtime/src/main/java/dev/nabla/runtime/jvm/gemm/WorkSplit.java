package dev.nabla.runtime.jvm.gemm;

/**
 * How a multiplication is cut into parts for threads: C is split into bands of whole tiles, along
 * its columns or its rows, and each band is an independent smaller multiplication.
 *
 * <p>Every thread packs the operand it shares with the others in full (all of A when C is split
 * into column bands), so the split runs across the wider side of C, which makes the shared operand
 * the smaller one.
 *
 * @param parts how many bands
 * @param byColumns whether the bands are column bands (else row bands)
 * @param extent the length of the split side
 * @param unit the tile length along it: bands start at multiples of it
 */
record WorkSplit(int parts, boolean byColumns, int extent, int unit) {
    /**
     * A part gets at least this many multiply-adds. Splitting a cube in two, against one thread,
     * measured on 2 cores of an AVX-512 virtual machine: 64^3 0.7x, 128^3 0.85-1.0x, 192^3 1.2x,
     * 256^3 1.25x, 512^3 1.6-1.7x, 1024^3 2x. So two parts start at 2 * 128^3 (about 161^3): far
     * above the 64^3 a kernel call alone would suggest, because waking a helper and collecting
     * its part costs tens of microseconds here, and each helper packs the shared operand again.
     */
    static final long MIN_FMAS_PER_PART = 128L * 128 * 128;

    static WorkSplit of(int m, int n, int k, int threads, int tileRows, int tileCols) {
        boolean byColumns = n >= m;
        int extent = byColumns ? n : m;
        int unit = byColumns ? tileCols : tileRows;
        long fmas = (long) m * n * k;
        long parts = Math.min(threads, fmas / MIN_FMAS_PER_PART);
        parts = Math.min(parts, Blocking.ceilDiv(extent, unit));
        return new WorkSplit((int) Math.max(1, parts), byColumns, extent, unit);
    }

    /** Where band {@code part} starts along the split side (band part + 1 starts where it ends). */
    int start(int part) {
        int units = Blocking.ceilDiv(extent, unit);
        return Math.min(extent, (int) ((long) units * part / parts) * unit);
    }
}

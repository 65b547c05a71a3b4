package dev.nabla.runtime.jvm.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * How to read a {@link WindowMatrix}'s rows over one range of positions a vector at a time: for
 * each window position and each vector of positions, the loads that make it. A vector's lanes
 * are consecutive positions; where their offsets run on (stride 1, within an output row, away
 * from the padding) one load gives them, so a vector is zeros, one load, or a blend of up to
 * {@link #MAX_RUNS} loads (across output rows and the padding's edges), else values one by one.
 * The plan depends on the window position but not on the plane, so it is made once for a range
 * and replayed for every row of the array over it: a block of B packs its rows from one plan,
 * and every later block over the same positions (the next slice of k, the next image, the next
 * run) reuses it ({@link WindowMatrix#plan}).
 */
final class WindowPlan {
    private static final VectorSpecies<Float> S = FloatKernel.SPECIES;
    static final int LANES = S.length();
    /** Loads blended into one vector at most; more (output rows under a vector's width) go lane by lane. */
    static final int MAX_RUNS = 4;

    private static final byte ZERO = 0;
    private static final byte FULL = 1;
    private static final byte RUNS = 2;
    private static final byte SINGLE = 3;

    final WindowMatrix matrix;
    /** The position of lane 0 of vector 0. */
    final int origin;
    /** Lanes from the origin that hold positions: [from, to); others are zeros. */
    final int from;
    final int to;
    final int vectors;
    /** Per window position k and vector v, at k * vectors + v. */
    private final byte[] kind;
    private final int[] runCount;
    /** Per run j of entry e, at e * MAX_RUNS + j: the source offset (from the plane's start) lane 0 would read, and the run's lanes. */
    private final int[] offsets;
    private final long[] masks;
    /** Per entry: the lowest and highest run offset, to check a plane's loads against the source once. */
    private final int[] lowest;
    private final int[] highest;
    /** Per lane of a SINGLE entry, at e * LANES + i: its offset from the plane's start, or -1 for a zero. */
    private final int[] laneOffsets;

    WindowPlan(WindowMatrix w, int origin, int from, int to) {
        this.matrix = w;
        this.origin = origin;
        this.from = from;
        this.to = to;
        this.vectors = Blocking.ceilDiv(to, LANES);
        int entries = w.windowSize * vectors;
        kind = new byte[entries];
        runCount = new int[entries];
        offsets = new int[entries * MAX_RUNS];
        masks = new long[entries * MAX_RUNS];
        lowest = new int[entries];
        highest = new int[entries];
        laneOffsets = new int[entries * LANES];
        for (int k = 0; k < w.windowSize; k++) {
            for (int v = 0; v < vectors; v++) {
                describe(k * vectors + v, k, v * LANES);
            }
        }
    }

    /** Entry e: the vector whose lane 0 is lane {@code lane0} from the origin, for window position k. */
    private void describe(int e, int k, int lane0) {
        WindowMatrix w = matrix;
        int runs = 0;
        boolean single = false;
        int first = Math.max(lane0, from);
        int last = Math.min(lane0 + LANES, to);
        java.util.Arrays.fill(laneOffsets, e * LANES, e * LANES + LANES, -1);
        for (int lane = first; lane < last; ) {
            int position = origin + lane;
            int r = position / w.rowLength;
            int o = position - r * w.rowLength;
            int length = Math.min(w.rowLength - o, last - lane);
            int rowOffset = w.rowOffsets[k * w.rows + r];
            int a = Math.max(o, w.validFrom[k]);
            int b = Math.min(o + length, w.validTo[k]);
            for (int out = a; rowOffset != WindowMatrix.PADDING && out < b; out++) {
                laneOffsets[e * LANES + lane - lane0 + out - o] = rowOffset + out * w.step;
            }
            if (rowOffset != WindowMatrix.PADDING && a < b) {
                if (w.step != 1) {
                    single = true;
                } else {
                    // Lanes [a - o + lane, b - o + lane) read rowOffset + a on: lane 0 would read this.
                    int lane0Offset = rowOffset + a - (a - o + lane - lane0);
                    long bits = ((1L << (b - a)) - 1) << (a - o + lane - lane0);
                    if (runs > 0 && offsets[e * MAX_RUNS + runs - 1] == lane0Offset) {
                        masks[e * MAX_RUNS + runs - 1] |= bits;
                    } else if (runs < MAX_RUNS) {
                        offsets[e * MAX_RUNS + runs] = lane0Offset;
                        masks[e * MAX_RUNS + runs] = bits;
                        runs++;
                    } else {
                        single = true;
                    }
                }
            }
            lane += length;
        }
        runCount[e] = runs;
        if (single) {
            kind[e] = SINGLE;
        } else if (runs == 0) {
            kind[e] = ZERO;
        } else if (runs == 1 && masks[e * MAX_RUNS] == (LANES == 64 ? -1L : (1L << LANES) - 1)) {
            kind[e] = FULL;
        } else {
            kind[e] = RUNS;
        }
        int low = Integer.MAX_VALUE;
        int high = Integer.MIN_VALUE;
        for (int j = 0; j < runs; j++) {
            low = Math.min(low, offsets[e * MAX_RUNS + j]);
            high = Math.max(high, offsets[e * MAX_RUNS + j]);
        }
        lowest[e] = low;
        highest[e] = high;
    }

    /**
     * Writes vector v of a row of the array, whose window position k gives {@code entry} = k x
     * {@link #vectors} and whose plane
     * starts at {@code base} in the source, into {@code dst} at {@code at}, as LANES values.
     */
    void write(int entry, int base, int v, float[] source, float[] dst, int at) {
        int e = entry + v;
        switch (kind[e]) {
            case FULL -> FloatVector.fromArray(S, source, base + offsets[e * MAX_RUNS]).intoArray(dst, at);
            case ZERO -> FloatVector.zero(S).intoArray(dst, at);
            case RUNS -> {
                if (base + lowest[e] >= 0 && base + highest[e] + LANES <= source.length) {
                    blend(e, source, base, dst, at);
                } else {
                    lanes(e, source, base, dst, at);
                }
            }
            default -> lanes(e, source, base, dst, at);
        }
    }

    /**
     * The adjoint of {@link #write}: adds LANES values from {@code values} at {@code at} where
     * vector v of the row reads them in {@code target} (nothing where it reads the padding). Runs
     * are added one after another, so runs that fall on one element add up.
     */
    void add(int entry, int base, int v, float[] values, int at, float[] target) {
        int e = entry + v;
        switch (kind[e]) {
            case FULL -> {
                int to = base + offsets[e * MAX_RUNS];
                FloatVector.fromArray(S, target, to).add(FloatVector.fromArray(S, values, at)).intoArray(target, to);
            }
            case ZERO -> { }
            case RUNS -> {
                if (base + lowest[e] >= 0 && base + highest[e] + LANES <= target.length) {
                    for (int j = e * MAX_RUNS; j < e * MAX_RUNS + runCount[e]; j++) {
                        int to = base + offsets[j];
                        FloatVector.fromArray(S, target, to).add(FloatVector.fromArray(S, values, at),
                                VectorMask.fromLong(S, masks[j])).intoArray(target, to);
                    }
                } else {
                    addLanes(e, base, values, at, target);
                }
            }
            default -> addLanes(e, base, values, at, target);
        }
    }

    private void addLanes(int e, int base, float[] values, int at, float[] target) {
        for (int i = 0; i < LANES; i++) {
            int offset = laneOffsets[e * LANES + i];
            if (offset >= 0) {
                target[base + offset] += values[at + i];
            }
        }
    }

    /** Up to MAX_RUNS whole loads, each blended in over its run's lanes; all in the source. */
    private void blend(int e, float[] source, int base, float[] dst, int at) {
        int j = e * MAX_RUNS;
        int n = runCount[e];
        FloatVector v = FloatVector.zero(S).blend(FloatVector.fromArray(S, source, base + offsets[j]),
                VectorMask.fromLong(S, masks[j]));
        if (n > 1) {
            v = v.blend(FloatVector.fromArray(S, source, base + offsets[j + 1]), VectorMask.fromLong(S, masks[j + 1]));
        }
        if (n > 2) {
            v = v.blend(FloatVector.fromArray(S, source, base + offsets[j + 2]), VectorMask.fromLong(S, masks[j + 2]));
        }
        if (n > 3) {
            v = v.blend(FloatVector.fromArray(S, source, base + offsets[j + 3]), VectorMask.fromLong(S, masks[j + 3]));
        }
        v.intoArray(dst, at);
    }

    /** Lane by lane: strides over 1, many short output rows, or loads that would reach past the source. */
    private void lanes(int e, float[] source, int base, float[] dst, int at) {
        for (int i = 0; i < LANES; i++) {
            int offset = laneOffsets[e * LANES + i];
            dst[at + i] = offset < 0 ? 0f : source[base + offset];
        }
    }
}

package dev.nabla.compiler.random;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;

/**
 * The values of a random node, shared by every backend so that all give the same bits.
 *
 * <p>Keys: the node's key input is [..., 2] i32; key row r is the Philox key (k0, k1) =
 * (key[2r], key[2r+1]) and gives the {@code perKey} consecutive output elements from r * perKey
 * on (the output's shape is the key's leading axes, then the sample's). Element i of a row (its
 * row-major index within the row) uses the one Philox block of counter (i, 0, domain, 0), words
 * w0..w3; the domain keeps draws and key derivations apart: 0 draws, 1 split, 2 foldIn, 3 next.
 * A value depends only on its key and index, never on how the work is split.
 *
 * <ul>
 *   <li>bits: w0 as i32;
 *   <li>uniform f32: (w0 >>> 8) * 2^-24, the top 24 bits, in [0, 1);
 *   <li>uniform f64: the top 53 bits of the 64-bit w0:w1, times 2^-53, in [0, 1);
 *   <li>normal: Box-Muller on u1 = 1 - uniform (in (0, 1], so its log is finite) and u2 = uniform,
 *       both from the element's block (f32: u1 from w0, u2 from w1; f64: u1 from w0:w1, u2 from
 *       w2:w3): sqrt(-2 ln u1) cos(2 pi u2), in double with StrictMath, rounded to the dtype;
 *   <li>permutation: along each row of n, the indices 0..n-1 sorted by the unsigned 64-bit w0:w1
 *       of their element, ties by index (argsort of random bits);
 *   <li>split into [..., n, 2]: element (s, j) is word j of counter (s, 0, 1, 0);
 *   <li>foldIn(d): word j of counter (d, 0, 2, 0); next: word j of counter (0, 0, 3, 0).
 * </ul>
 */
public final class Draws {
    private static final int DRAW = 0;
    private static final int SPLIT = 1;
    private static final int FOLD_IN = 2;
    private static final int NEXT = 3;

    private final Distribution dist;
    private final DType dtype;
    private final int perKey;

    /** Draws of {@code dist} in {@code dtype}, {@code perKey} elements per key row. */
    public Draws(Distribution dist, DType dtype, int perKey) {
        this.dist = dist;
        this.dtype = dtype;
        this.perKey = perKey;
    }

    /** Elements per key row. */
    public int perKey() {
        return perKey;
    }

    /** Whether elements are computed a whole row at a time (a permutation): split work by rows. */
    public boolean byRows() {
        return dist instanceof Distribution.Permutation;
    }

    /**
     * Writes output elements [start, end) (flat, row-major) into {@code out}: a float[] for f32,
     * else a double[] (each dtype's storage), at the same indices. keys: the key words, as stored.
     * For a permutation, start and end must be on row boundaries.
     */
    public void fill(double[] keys, int start, int end, Object out) {
        if (byRows()) {
            for (int row = start / Math.max(1, perKey); row * perKey < end; row++) {
                int[] perm = permutation(word(keys, 2 * row), word(keys, 2 * row + 1), perKey);
                for (int i = 0; i < perKey; i++) {
                    store(out, row * perKey + i, perm[i]);
                }
            }
            return;
        }
        int[] block = new int[4];
        for (int e = start; e < end; e++) {
            int row = e / perKey;
            store(out, e, at(word(keys, 2 * row), word(keys, 2 * row + 1), e - row * perKey, block));
        }
    }

    /** Every element, as doubles (the reference interpreter's form). */
    public double[] all(double[] keys, int size) {
        double[] out = new double[size];
        if (dtype == DType.F32) {
            float[] f = new float[size];
            fill(keys, 0, size, f);
            for (int i = 0; i < size; i++) {
                out[i] = f[i];
            }
        } else {
            fill(keys, 0, size, out);
        }
        return out;
    }

    private void store(Object out, int i, double v) {
        if (out instanceof float[] f) {
            f[i] = (float) v;
        } else {
            ((double[]) out)[i] = v;
        }
    }

    private static int word(double[] keys, int i) {
        return (int) keys[i];
    }

    /** Element i of the row of key (k0, k1). */
    private double at(int k0, int k1, int i, int[] b) {
        switch (dist) {
            case Distribution.Split s -> {
                Philox.block(i >>> 1, 0, SPLIT, 0, k0, k1, b);
                return b[i & 1];
            }
            case Distribution.FoldIn(int data) -> {
                Philox.block(data, 0, FOLD_IN, 0, k0, k1, b);
                return b[i];
            }
            case Distribution.Next n -> {
                Philox.block(0, 0, NEXT, 0, k0, k1, b);
                return b[i];
            }
            default -> Philox.block(i, 0, DRAW, 0, k0, k1, b);
        }
        return switch (dist) {
            case Distribution.Bits bits -> b[0];
            case Distribution.Uniform u -> dtype == DType.F32 ? uniform24(b[0]) : uniform53(b[0], b[1]);
            case Distribution.Normal n -> dtype == DType.F32
                    ? (float) boxMuller(1 - uniform24(b[0]), uniform24(b[1]))
                    : boxMuller(1 - uniform53(b[0], b[1]), uniform53(b[2], b[3]));
            default -> throw new IllegalStateException(dist.name() + " is not drawn element by element");
        };
    }

    /** The top 24 bits of a word as a float in [0, 1): exact in f32. */
    public static float uniform24(int w) {
        return (w >>> 8) * 0x1p-24f;
    }

    /** The top 53 bits of hi:lo as a double in [0, 1). */
    public static double uniform53(int hi, int lo) {
        return ((hi & 0xFFFFFFFFL) << 21 | (lo >>> 11)) * 0x1p-53;
    }

    private static double boxMuller(double u1, double u2) {
        return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    /** 0..n-1 sorted by the random 64 bits of each index's block, ties by index. */
    public static int[] permutation(int k0, int k1, int n) {
        long[] sortKeys = new long[n];
        int[] b = new int[4];
        for (int i = 0; i < n; i++) {
            Philox.block(i, 0, DRAW, 0, k0, k1, b);
            sortKeys[i] = (long) b[0] << 32 | (b[1] & 0xFFFFFFFFL);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // A stable sort by unsigned key: equal keys keep index order.
        java.util.Arrays.sort(order, (x, y) -> Long.compareUnsigned(sortKeys[x], sortKeys[y]));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = order[i];
        }
        return out;
    }
}

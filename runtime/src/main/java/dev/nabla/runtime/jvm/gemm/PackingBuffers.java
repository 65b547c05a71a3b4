package dev.nabla.runtime.jvm.gemm;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Packing buffers, lent to one multiplication at a time and kept between calls so that a steady
 * stream of multiplications allocates nothing. A small shared pool rather than a thread-local:
 * virtual threads, or a burst of short-lived callers, would each keep megabytes of their own.
 * Buffers only grow, up to what the block sizes bound: about 1.2 MiB for floats and as much for
 * doubles (plus, for a C of few columns computed transposed, its transpose, up to 16 x 1024 values,
 * and for a B read from a convolution's windows, 16 lines of up to 256 values). A direct
 * convolution (DirectConvolution) adds its padded input and packed gradient, each at most
 * DirectConvolution.MAX_COPY values, its wide chunk (768 values per output channel) and its
 * weights, flipped or transposed.
 * A packed B is made at least half a G1 region from the start (2 MiB with this machine's 4 MiB
 * regions), so that its panels start on cache lines ({@link LineAlignment}).
 */
final class PackingBuffers {
    /** Enough for every pool thread and as many callers; more are dropped for the collector. */
    private static final int KEPT = 2 * Runtime.getRuntime().availableProcessors();
    /** A stack: the set used last goes out first, its arrays likeliest still in cache. */
    private static final ConcurrentLinkedDeque<PackingBuffers> IDLE = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger IDLE_COUNT = new AtomicInteger();

    private float[] floatA = new float[0];
    private float[] floatB = new float[0];
    private float[] floatNarrow = new float[0];
    private final float[] floatTile = new float[FloatKernel.MR * FloatKernel.NR];
    private float[] floatLines = new float[0];
    private float[] floatPadded = new float[0];
    private float[] floatWide = new float[0];
    private float[] floatWeights = new float[0];

    private double[] doubleA = new double[0];
    private double[] doubleB = new double[0];
    private double[] doubleNarrow = new double[0];
    private final double[] doubleTile = new double[DoubleKernel.MR * DoubleKernel.NR];

    private PackingBuffers() {}

    static PackingBuffers acquire() {
        PackingBuffers buffers = IDLE.poll();
        if (buffers == null) {
            return new PackingBuffers();
        }
        IDLE_COUNT.decrementAndGet();
        return buffers;
    }

    static void release(PackingBuffers buffers) {
        if (IDLE_COUNT.incrementAndGet() <= KEPT) {
            IDLE.push(buffers);
        } else {
            IDLE_COUNT.decrementAndGet();
        }
    }

    float[] floatA(int length) {
        if (floatA.length < length) {
            floatA = new float[length];
        }
        return floatA;
    }

    /** Where a narrow C is computed transposed (see FloatGemm.multiplyNarrow). */
    float[] floatNarrow(int length) {
        if (floatNarrow.length < length) {
            floatNarrow = new float[length];
        }
        return floatNarrow;
    }

    /** Room for {@code length} values from {@link LineAlignment#floatStart()}, which starts a cache line. */
    float[] floatB(int length) {
        if (floatB.length < LineAlignment.floatStart() + length) {
            floatB = LineAlignment.floats(length);
        }
        return floatB;
    }

    /** Where B's columns are written before they are transposed into panels, when B is a window matrix (WindowPacking). */
    float[] floatLines(int length) {
        if (floatLines.length < length) {
            floatLines = new float[length];
        }
        return floatLines;
    }

    /** A direct convolution's padded copy of its input (DirectConvolution, at most MAX_COPY values and slack). */
    float[] floatPadded(int length) {
        if (floatPadded.length < length) {
            floatPadded = new float[length];
        }
        return floatPadded;
    }

    /** Where a direct convolution computes a chunk of wide positions, before the outputs among them move to C. */
    float[] floatWide(int length) {
        if (floatWide.length < length) {
            floatWide = new float[length];
        }
        return floatWide;
    }

    /** A direct input gradient's flipped weights, before they are packed. */
    float[] floatWeights(int length) {
        if (floatWeights.length < length) {
            floatWeights = new float[length];
        }
        return floatWeights;
    }

    /** Where the kernel writes a tile that sticks out of C, before its inside is copied over. */
    float[] floatTile() {
        return floatTile;
    }

    double[] doubleA(int length) {
        if (doubleA.length < length) {
            doubleA = new double[length];
        }
        return doubleA;
    }

    /** Where a narrow C is computed transposed (see DoubleGemm.multiplyNarrow). */
    double[] doubleNarrow(int length) {
        if (doubleNarrow.length < length) {
            doubleNarrow = new double[length];
        }
        return doubleNarrow;
    }

    /** Room for {@code length} values from {@link LineAlignment#doubleStart()}, which starts a cache line. */
    double[] doubleB(int length) {
        if (doubleB.length < LineAlignment.doubleStart() + length) {
            doubleB = LineAlignment.doubles(length);
        }
        return doubleB;
    }

    double[] doubleTile() {
        return doubleTile;
    }
}

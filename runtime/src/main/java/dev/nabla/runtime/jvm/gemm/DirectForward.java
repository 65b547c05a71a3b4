package dev.nabla.runtime.jvm.gemm;

import static dev.nabla.runtime.jvm.gemm.FloatKernel.MR;
import static dev.nabla.runtime.jvm.gemm.FloatKernel.NR;

import dev.nabla.runtime.jvm.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1 convolution's product over a padded copy of its input ({@link DirectLayout}):
 * packed A (weights) times window rows read in place by {@link WindowBKernel} or {@link
 * WindowBKernel8}, over wide positions a chunk at a time; the outputs among them are then moved
 * (or added) into C, the rest dropped. See {@link DirectConvolution} for when it runs.
 */
final class DirectForward {
    /** Depth of a slice of k, as FloatGemm's: the forward product sums as the packed GEMM does, bit for bit. */
    static final int KC = FloatGemm.KC;
    /** Wide positions computed at a time before they are moved into C (whole tiles of either shape). */
    static final int CHUNK = 16 * WindowBKernel8.NR;
    /** Tile columns per thread at least: fewer are not worth a task. */
    private static final int MIN_TILES_PER_PART = 8;

    private static final VectorSpecies<Float> SPECIES = FloatKernel.SPECIES;

    private DirectForward() {}

    /**
     * The tile a product with B in place runs on: 12 rows (FloatKernel's) or 8, whichever pads
     * fewer rows, so that 64 channels compute 64 rows and not 72.
     */
    enum Tile {
        TWELVE(MR, NR),
        EIGHT(WindowBKernel8.MR, WindowBKernel8.NR);

        final int rows;
        final int columns;

        Tile(int rows, int columns) {
            this.rows = rows;
            this.columns = columns;
        }

        static Tile forRows(int rows) {
            return Blocking.roundUp(rows, EIGHT.rows) < Blocking.roundUp(rows, TWELVE.rows) ? EIGHT : TWELVE;
        }

        /** A's panels of this tile's rows, every step of k in a panel side by side (zeros past A's rows). */
        float[] pack(int m, int k, float[] a, int start, int rowStride, int colStride, PackingBuffers buffers) {
            float[] packed = buffers.floatA(Blocking.roundUp(m, rows) * k + FloatPacking.SLACK);
            if (this == TWELVE) {
                FloatPacking.packA(m, k, a, start, rowStride, colStride, packed);
                return packed;
            }
            for (int i0 = 0; i0 < m; i0 += rows) {
                int panel = i0 * k;
                int full = Math.min(rows, m - i0);
                for (int p = 0; p < k; p++) {
                    int at = start + i0 * rowStride + p * colStride;
                    int to = panel + p * rows;
                    for (int r = 0; r < full; r++) {
                        packed[to + r] = a[at + r * rowStride];
                    }
                    java.util.Arrays.fill(packed, to + full, to + rows, 0f);
                }
            }
            return packed;
        }

        /** One tile of the wide chunk ({@link #CHUNK} values a row), over {@code kc} steps of k. */
        void multiply(boolean accumulate, int kc, float[] packedA, int aStart, float[] copy, int[] rowOffsets,
                int rowFrom, int column, float[] wide, int cStart) {
            if (this == EIGHT) {
                if (accumulate) {
                    WindowBKernel8.multiplyAdd(kc, packedA, aStart, copy, rowOffsets, rowFrom, column, wide, cStart,
                            CHUNK);
                } else {
                    WindowBKernel8.multiply(kc, packedA, aStart, copy, rowOffsets, rowFrom, column, wide, cStart,
                            CHUNK);
                }
            } else if (accumulate) {
                WindowBKernel.multiplyAdd(kc, packedA, aStart, copy, rowOffsets, rowFrom, column, wide, cStart, CHUNK);
            } else {
                WindowBKernel.multiply(kc, packedA, aStart, copy, rowOffsets, rowFrom, column, wide, cStart, CHUNK);
            }
        }
    }

    /**
     * C (= or +=) packedA . windows of the copy, C's {@code rows} rows {@code positions} apart
     * from {@code cStart}; the wide positions are split over up to {@code threads} tasks.
     */
    static void convolve(Tile tile, DirectLayout layout, int rows, int depth, float[] packedA, float[] copy,
            int[] rowOffsets, float[] c, int cStart, int positions, boolean add, int threads) {
        int tiles = Blocking.ceilDiv(layout.span, tile.columns);
        int parts = Math.max(1, Math.min(threads, tiles / MIN_TILES_PER_PART));
        if (parts == 1) {
            columns(tile, layout, rows, depth, packedA, copy, rowOffsets, c, cStart, positions, add, 0,
                    tiles * tile.columns);
            return;
        }
        WorkerPool.forEachPart(parts, part -> {
            int from = (int) ((long) tiles * part / parts) * tile.columns;
            int to = (int) ((long) tiles * (part + 1) / parts) * tile.columns;
            columns(tile, layout, rows, depth, packedA, copy, rowOffsets, c, cStart, positions, add, from, to);
        });
    }

    /** The wide positions [from, to) (whole tiles), a chunk at a time. */
    private static void columns(Tile tile, DirectLayout layout, int rows, int depth, float[] packedA, float[] copy,
            int[] rowOffsets, float[] c, int cStart, int positions, boolean add, int from, int to) {
        int tall = Blocking.roundUp(rows, tile.rows);
        int kBlock = Blocking.blockLength(depth, KC, 1);
        PackingBuffers buffers = PackingBuffers.acquire();
        try {
            float[] wide = buffers.floatWide(tall * CHUNK);
            for (int c0 = from; c0 < to; c0 += CHUNK) {
                int width = Math.min(CHUNK, to - c0);
                for (int k0 = 0; k0 < depth; k0 += kBlock) {
                    int kc = Math.min(kBlock, depth - k0);
                    for (int j = 0; j < width; j += tile.columns) {
                        for (int i0 = 0; i0 < tall; i0 += tile.rows) {
                            tile.multiply(k0 > 0, kc, packedA, i0 * depth + k0 * tile.rows, copy, rowOffsets, k0,
                                    c0 + j, wide, i0 * CHUNK + j);
                        }
                    }
                }
                moveOut(layout, rows, wide, c0, c0 + width, c, cStart, positions, add);
            }
        } finally {
            PackingBuffers.release(buffers);
        }
    }

    /** Moves (or adds) the outputs among wide positions [from, to) from {@code wide} into C. */
    private static void moveOut(DirectLayout layout, int rows, float[] wide, int from, int to, float[] c, int cStart,
            int positions, boolean add) {
        int[] rowStarts = layout.rowStarts;
        int length = layout.rowLength;
        for (int q = 0; q < rowStarts.length; q++) {
            int lo = Math.max(rowStarts[q], from);
            int hi = Math.min(rowStarts[q] + length, to);
            if (lo >= hi) {
                continue;
            }
            int target = cStart + q * length + lo - rowStarts[q];
            for (int r = 0; r < rows; r++) {
                int at = r * CHUNK + lo - from;
                if (add) {
                    addRun(wide, at, c, target + r * positions, hi - lo);
                } else {
                    System.arraycopy(wide, at, c, target + r * positions, hi - lo);
                }
            }
        }
    }

    private static void addRun(float[] from, int at, float[] to, int target, int length) {
        int i = 0;
        for (; i <= length - SPECIES.length(); i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, from, at + i).add(FloatVector.fromArray(SPECIES, to, target + i))
                    .intoArray(to, target + i);
        }
        for (; i < length; i++) {
            to[target + i] += from[at + i];
        }
    }
}

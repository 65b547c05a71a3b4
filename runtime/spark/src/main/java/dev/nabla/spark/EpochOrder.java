package dev.nabla.spark;

import dev.nabla.core.NablaException;
import java.io.Serializable;

/**
 * The order of the examples in each epoch, and so the global batches: epoch e visits example i
 * (its place in the data, partition by partition) at {@link #position}(e, i), a random
 * permutation of 0..N-1 drawn from the seed and e; batch b of the epoch holds the examples at
 * positions b·size to (b+1)·size (the last batch may be smaller). Any machine computes a row's
 * position from the row's index alone, so no permutation is stored or sent, and the batches do not
 * depend on how the data is partitioned. {@link #rows} lists a batch, to repeat the same training
 * on one machine.
 *
 * <p>The permutation is a Feistel network over the smallest power of four at least N (four rounds
 * of SplitMix64's mixer) with cycle walking: indices it maps past N are mapped again until they
 * land inside, which keeps it a permutation of 0..N-1.
 *
 * @param examples  N, the number of examples, from 1 to 2^32
 * @param batchSize the examples per global batch, at least 1
 * @param seed      the seed every epoch's permutation is drawn from
 */
public record EpochOrder(long examples, int batchSize, long seed) implements Serializable {
    private static final int ROUNDS = 4;
    /** Positions and row numbers share one long when sorting a partition's rows (see PartitionPlan). */
    static final long MAX_EXAMPLES = 1L << 32;

    /**
     * Checks the sizes.
     *
     * @throws NablaException if the number of examples is outside 1 to 2^32 or the batch size is
     *         below 1
     */
    public EpochOrder {
        if (examples < 1 || examples > MAX_EXAMPLES) {
            throw new NablaException("EpochOrder: needs 1 to " + MAX_EXAMPLES + " examples, got " + examples);
        }
        if (batchSize < 1) {
            throw new NablaException("EpochOrder: the batch size must be at least 1, got " + batchSize);
        }
    }

    /** {@return the batches per epoch, the last one partial when the batch size does not divide N} */
    public long batches() {
        return (examples + batchSize - 1) / batchSize;
    }

    /**
     * {@return the first position of batch {@code b} of an epoch}
     *
     * @param b the batch, from 0
     */
    public long start(long b) {
        return b * batchSize;
    }

    /**
     * {@return one past the last position of batch {@code b}}
     *
     * @param b the batch, from 0
     */
    public long end(long b) {
        return Math.min(examples, (b + 1) * batchSize);
    }

    /**
     * {@return where example {@code row} comes in epoch {@code epoch}'s order, from 0 to N-1}
     *
     * @param epoch the epoch, from 0
     * @param row   the example's index in the data, from 0 to N-1
     * @throws NablaException if the row is outside 0 to N-1
     */
    public long position(long epoch, long row) {
        if (row < 0 || row >= examples) {
            throw new NablaException("EpochOrder.position: row " + row + " is outside 0.." + (examples - 1));
        }
        int half = halfBits();
        long v = row;
        do {
            v = permute(epoch, v, half);
        } while (v >= examples);
        return v;
    }

    /**
     * {@return the examples (their indices in the data) of batch {@code b} in epoch {@code epoch},
     * in the epoch's order} It takes a pass over all N indices.
     *
     * @param epoch the epoch, from 0
     * @param b     the batch, from 0
     */
    public long[] rows(long epoch, long b) {
        long from = start(b);
        long[] out = new long[(int) (end(b) - from)];
        for (long i = 0; i < examples; i++) {
            long p = position(epoch, i);
            if (p >= from && p < from + out.length) {
                out[(int) (p - from)] = i;
            }
        }
        return out;
    }

    /** Half the bits of the smallest power of four that is at least the number of examples (at least 1). */
    private int halfBits() {
        int bits = 64 - Long.numberOfLeadingZeros(Math.max(1, examples - 1));
        return Math.max(1, (bits + 1) / 2);
    }

    /** A bijection of [0, 4^half): a balanced Feistel network whose round keys come from the seed and epoch. */
    private long permute(long epoch, long v, int half) {
        long mask = (1L << half) - 1;
        long left = v >>> half;
        long right = v & mask;
        for (int r = 0; r < ROUNDS; r++) {
            long next = left ^ (mix(seed ^ mix(epoch * 0x9E3779B97F4A7C15L + r) ^ right) & mask);
            left = right;
            right = next;
        }
        return left << half | right;
    }

    /** SplitMix64's finalizer: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

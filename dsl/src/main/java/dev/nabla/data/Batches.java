package dev.nabla.data;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.IndexException;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Mini-batches of a {@link Dataset}, PyTorch's {@code DataLoader}: a batch size, an optional
 * shuffle from a seed, drop-last, and prefetching on a background thread. Settings return a new
 * {@code Batches}; an {@link Epoch} iterates one epoch's batches.
 *
 * <pre>{@code
 * Batches loader = train.batches(64).shuffle(7).dropLast(true);   // prefetches 2 batches by default
 * for (int e = 0; e < epochs; e++) {
 *     try (Epoch epoch = loader.epoch(e)) {                      // close stops the prefetching thread
 *         for (Batch b : epoch) {
 *             trainer.step(b.feeds(x, y));
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Order: without {@link #shuffle} every epoch is 0..N-1; with it, epoch e's order is a function
 * of the seed and e alone ({@link #order}), so a run resumed with {@link #epoch(int, int)} sees
 * exactly the batches an uninterrupted run would. Batch b holds examples order[b*size ..
 * (b+1)*size); the last may be smaller unless {@link #dropLast} drops it.
 */
public final class Batches {
    /** A generous bound: each prefetched batch is held in memory. */
    static final int MAX_PREFETCH = 1024;

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int prefetch;
    private final UnaryOperator<Batch> transform;

    private Batches(Dataset dataset, int batchSize, boolean shuffle, long seed, boolean dropLast, int prefetch,
            UnaryOperator<Batch> transform) {
        this.dataset = dataset;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        this.prefetch = prefetch;
        this.transform = transform;
    }

    static Batches of(Dataset dataset, int batchSize) {
        if (batchSize < 1) {
            throw new NablaException("Dataset.batches: the batch size must be at least 1, got " + batchSize);
        }
        return new Batches(dataset, batchSize, false, 0, false, 2, UnaryOperator.identity());
    }

    /**
     * {@return this loader with each epoch in its own random order, from {@code seed} and the epoch's number}
     *
     * @param seed the seed of every epoch's order
     */
    public Batches shuffle(long seed) {
        return new Batches(dataset, batchSize, true, seed, dropLast, prefetch, transform);
    }

    /**
     * {@return this loader, dropping the last batch of each epoch when it is smaller than the
     * batch size, or keeping it (the default)}
     *
     * @param drop true to drop it
     */
    public Batches dropLast(boolean drop) {
        return new Batches(dataset, batchSize, shuffle, seed, drop, prefetch, transform);
    }

    /**
     * How many batches a background thread prepares ahead of the caller (default 2); 0 prepares
     * each batch in the caller's thread when it asks for it.
     *
     * @param batches 0 to 1024
     * @return this loader with that prefetch
     * @throws dev.nabla.core.NablaException if {@code batches} is out of range
     */
    public Batches prefetch(int batches) {
        if (batches < 0 || batches > MAX_PREFETCH) {
            throw new NablaException("Batches.prefetch: needs 0 to " + MAX_PREFETCH + " batches, got " + batches);
        }
        return new Batches(dataset, batchSize, shuffle, seed, dropLast, batches, transform);
    }

    /**
     * Applies {@code f} to each batch as it is prepared (on the prefetching thread when there is
     * one): augmentation, or {@code b -> b.to(device)} to upload ahead. Composes with earlier maps.
     *
     * @param f the transform; it must not return null
     * @return this loader with the transform added
     */
    public Batches map(UnaryOperator<Batch> f) {
        if (f == null) {
            throw new NablaException("Batches.map: the transform is null");
        }
        UnaryOperator<Batch> before = transform;
        return new Batches(dataset, batchSize, shuffle, seed, dropLast, prefetch, b -> f.apply(before.apply(b)));
    }

    /** {@return the dataset the batches come from} */
    public Dataset dataset() {
        return dataset;
    }

    /** {@return the number of examples in each batch but perhaps the last} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return the batches per epoch: N / size rounded up, or down when dropping the last partial batch} */
    public int batchCount() {
        int n = dataset.size();
        return dropLast ? n / batchSize : n / batchSize + (n % batchSize == 0 ? 0 : 1);
    }

    /** {@return the examples per epoch that batches cover: N, or fewer when the last partial batch is dropped} */
    public int examplesPerEpoch() {
        return dropLast ? batchCount() * batchSize : dataset.size();
    }

    /**
     * {@return the order of the examples in {@code epoch}: 0..N-1 unshuffled, else the seed's permutation for it}
     *
     * @param epoch the epoch's number, from 0
     */
    public int[] order(int epoch) {
        checkEpoch("Batches.order", epoch);
        int n = dataset.size();
        if (!shuffle) {
            int[] identity = new int[n];
            Arrays.setAll(identity, i -> i);
            return identity;
        }
        return Shuffle.epochOrder(seed, epoch, n);
    }

    /**
     * {@return the batches of {@code epoch}}
     *
     * @param epoch the epoch's number, from 0
     */
    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * {@return the batches of {@code epoch} from batch {@code fromBatch} on: resuming in the middle of an epoch}
     *
     * @param epoch     the epoch's number, from 0
     * @param fromBatch the first batch to give, from 0 to {@link #batchCount()}
     * @throws dev.nabla.core.NablaException.IndexException if {@code fromBatch} is out of range
     */
    public Epoch epoch(int epoch, int fromBatch) {
        checkEpoch("Batches.epoch", epoch);
        if (fromBatch < 0 || fromBatch > batchCount()) {
            throw new IndexException("Batches.epoch: cannot start at batch " + fromBatch + " of an epoch of "
                    + batchCount() + " batches; needs 0 to " + batchCount());
        }
        return new Epoch(this, epoch, fromBatch);
    }

    private static void checkEpoch(String op, int epoch) {
        if (epoch < 0) {
            throw new NablaException(op + ": epochs are numbered from 0, got " + epoch);
        }
    }

    int prefetch() {
        return prefetch;
    }

    /** Batch {@code index} of an epoch whose order is {@code order}, gathered into new arrays. */
    Batch prepare(int epoch, int[] order, int index) {
        int from = index * batchSize;
        int to = Math.min(from + batchSize, order.length);
        var batch = new Batch(epoch, index, to - from, dataset.names(), dataset.gatherColumns(order, from, to));
        Batch out = transform.apply(batch);
        if (out == null) {
            throw new NablaException("Batches.map: the transform returned null for batch " + index + " of epoch "
                    + epoch);
        }
        return out;
    }

    @Override
    public String toString() {
        return "Batches(" + batchCount() + " of " + batchSize + (dropLast ? ", drop last" : "")
                + (shuffle ? ", shuffled by seed " + seed : "") + ", prefetch " + prefetch + ") of " + dataset;
    }
}

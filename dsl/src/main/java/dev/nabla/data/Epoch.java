package dev.nabla.data;

import dev.nabla.core.NablaException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One epoch's batches, from {@link Batches#epoch}. Each {@link #iterator()} (each for loop) runs
 * through the epoch from its first batch, prepared ahead on a daemon thread when the loader
 * prefetches. Closing the epoch stops every such thread, and the for loops over it end; an
 * iterator that is abandoned without closing stops its thread once it is garbage collected.
 *
 * <pre>{@code
 * try (Epoch epoch = loader.epoch(3, 120)) {     // resume: epoch 3 from batch 120
 *     for (Batch b : epoch) {
 *         if (b.index() == stopAt) break;         // the try closes the epoch: no thread is left
 *     }
 * }
 * }</pre>
 */
public final class Epoch implements Iterable<Batch>, AutoCloseable {
    private final Batches batches;
    private final int number;
    private final int fromBatch;
    /**
     * How to stop each iterator started. For a prefetching one its cleaner's action, not the
     * iterator itself, so that an abandoned iterator can still be collected (and its thread end).
     */
    private final List<Runnable> stoppers = new ArrayList<>();
    private boolean closed;

    Epoch(Batches batches, int number, int fromBatch) {
        this.batches = batches;
        this.number = number;
        this.fromBatch = fromBatch;
    }

    /** {@return this epoch's number, from 0} */
    public int number() {
        return number;
    }

    /** {@return the index of the first batch an iteration gives} */
    public int fromBatch() {
        return fromBatch;
    }

    /** {@return the batches an iteration gives: the epoch's batch count less {@link #fromBatch()}} */
    public int remaining() {
        return batches.batchCount() - fromBatch;
    }

    /**
     * {@return an iteration through the epoch from batch {@link #fromBatch()}, prefetching on a
     * daemon thread when the loader prefetches}
     *
     * @throws dev.nabla.core.NablaException if the epoch is closed
     */
    @Override
    public synchronized Iterator<Batch> iterator() {
        if (closed) {
            throw new NablaException("Epoch.iterator: epoch " + number + " is closed; ask the loader for it again");
        }
        int[] order = batches.order(number);
        if (batches.prefetch() == 0) {
            var it = new BatchIterator.OnDemand(batches, number, order, fromBatch);
            stoppers.add(it::close);
            return it;
        }
        var it = new Prefetcher(batches, number, order, fromBatch);
        stoppers.add(it.stopper()::clean);
        return it;
    }

    /** Stops every prefetching thread this epoch started; their iterations end. */
    @Override
    public synchronized void close() {
        closed = true;
        stoppers.forEach(Runnable::run);
        stoppers.clear();
    }
}

package dev.nabla.data;

import java.util.Iterator;
import java.util.NoSuchElementException;

/** How an {@link Epoch} hands out its batches: prepared ahead on a thread, or on demand. */
sealed interface BatchIterator extends Iterator<Batch>, AutoCloseable permits Prefetcher, BatchIterator.OnDemand {
    /** Stops preparing batches; the iteration ends. Idempotent. */
    @Override
    void close();

    /** Prepares each batch in the caller's thread when it is asked for (prefetch 0). */
    final class OnDemand implements BatchIterator {
        private final Batches batches;
        private final int epoch;
        private final int[] order;
        private final int end;
        private int next;

        OnDemand(Batches batches, int epoch, int[] order, int from) {
            this.batches = batches;
            this.epoch = epoch;
            this.order = order;
            this.next = from;
            this.end = batches.batchCount();
        }

        @Override
        public boolean hasNext() {
            return next < end;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " has no batch after " + (end - 1));
            }
            int index = next++;
            try {
                return batches.prepare(epoch, order, index);
            } catch (RuntimeException e) { // an Error (out of memory) passes as it is
                close(); // as with prefetching, the epoch ends at a failure
                throw BatchException.preparing(epoch, index, e);
            }
        }

        @Override
        public void close() {
            next = end;
        }
    }
}

package dev.nabla.data;

import java.lang.ref.Cleaner;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Prepares an epoch's batches on a daemon thread, at most {@code prefetch} ahead of the caller
 * (a bounded queue). The thread stops when the epoch ends, when the iterator is closed, or when
 * an iterator abandoned without closing is garbage collected (a {@link Cleaner}): the worker and
 * the stop action never reference the iterator, so dropping it is enough to let it go.
 */
final class Prefetcher implements BatchIterator {
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "nabla-batches-cleaner");
        t.setDaemon(true);
        return t;
    });
    /** How long close waits for the worker to finish the batch in hand. */
    private static final long JOIN_MILLIS = 10_000;

    /** What the worker hands over. */
    private sealed interface Item {}

    private record Ready(Batch batch) implements Item {}

    private record Failed(int index, Throwable cause) implements Item {}

    private record End() implements Item {}

    private static final End END = new End();

    private final int epoch;
    private final BlockingQueue<Item> queue;
    private final Cleaner.Cleanable stop;
    private Item pending;
    private boolean done;
    /** The index of the batch the caller waits for, for messages. */
    private int expected;

    /** Starts the worker for batches from..batchCount-1 of {@code epoch}. */
    Prefetcher(Batches batches, int epoch, int[] order, int from) {
        this.epoch = epoch;
        this.expected = from;
        this.queue = new ArrayBlockingQueue<>(batches.prefetch());
        Thread worker = worker(batches, epoch, order, from, queue);
        this.stop = CLEANER.register(this, new Stop(worker, queue));
        worker.start();
    }

    private static Thread worker(Batches batches, int epoch, int[] order, int from, BlockingQueue<Item> queue) {
        var worker = new Thread(() -> work(batches, epoch, order, from, queue), "nabla-batches-epoch-" + epoch);
        worker.setDaemon(true);
        return worker;
    }

    /** The worker: a static method, so that it holds the queue but never the iterator. */
    private static void work(Batches batches, int epoch, int[] order, int from, BlockingQueue<Item> queue) {
        int count = batches.batchCount();
        try {
            for (int index = from; index < count; index++) {
                Item item;
                try {
                    item = new Ready(batches.prepare(epoch, order, index));
                } catch (Throwable t) { // handed to the caller's thread, which rethrows it with its cause
                    queue.put(new Failed(index, t));
                    return;
                }
                queue.put(item);
            }
            queue.put(END);
        } catch (InterruptedException e) {
            // Stopped: the iterator was closed or dropped.
        }
    }

    /** Stops the worker and ends the iteration; runs on close, or from the cleaner once the iterator is dropped. */
    private record Stop(Thread worker, BlockingQueue<Item> queue) implements Runnable {
        @Override
        public void run() {
            worker.interrupt();
            if (Thread.currentThread() != worker) {
                try {
                    worker.join(JOIN_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            queue.clear();
            queue.offer(END);
        }
    }

    @Override
    public boolean hasNext() {
        if (done) {
            return false;
        }
        if (pending == null) {
            try {
                pending = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new BatchException("Batches: interrupted while waiting for batch " + expected + " of epoch "
                        + epoch, e);
            }
        }
        return switch (pending) {
            case Ready r -> true;
            case End e -> {
                close();
                yield false;
            }
            case Failed f -> {
                close();
                throw BatchException.preparing(epoch, f.index(), f.cause());
            }
        };
    }

    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " has no more batches");
        }
        Batch batch = ((Ready) pending).batch();
        pending = null;
        expected++;
        return batch;
    }

    @Override
    public void close() {
        done = true;
        pending = null;
        stop.clean();
    }

    /** For the epoch: stops this iterator's worker without referencing the iterator. */
    Cleaner.Cleanable stopper() {
        return stop;
    }
}

package dev.nabla.runtime.jvm;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The JVM backend's one bounded pool, shared by every kernel and the GEMM: daemon threads,
 * started on first use, one fewer than the available processors because the caller works too.
 *
 * <p>Parts are claimed from a counter by the caller and by the helpers it asked for, and the
 * caller waits only for parts that a running thread has claimed, so a call finishes even when every
 * pool thread is busy with other calls, or is itself the caller.
 *
 * <p>With helpers parked between calls (a plain executor), two threads lost to one below about
 * 230^3 on the 2-core virtual machine this was tuned on: waking a parked thread, and the caller
 * after it, cost tens of microseconds each. So a thread that runs out of work, pool thread or
 * waiting caller, first polls for {@link #SPIN_NANOS}: back-to-back calls, as in a training loop,
 * find their helpers awake, and two threads pay from about 160^3 (see gemm.WorkSplit).
 */
public final class WorkerPool {
    /** How long an idle thread polls before parking: a few wake-ups' worth, a blink of CPU. */
    static final long SPIN_NANOS = 100_000;

    private WorkerPool() {}

    /** Holder idiom: the pool's threads start when a call first asks for a helper. */
    private static final class Pool {
        static final ConcurrentLinkedQueue<Runnable> TASKS = new ConcurrentLinkedQueue<>();
        static final Worker[] WORKERS = startWorkers(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));

        private static Worker[] startWorkers(int count) {
            Worker[] workers = new Worker[count];
            for (int i = 0; i < count; i++) {
                workers[i] = new Worker();
                workers[i].thread = Thread.ofPlatform().daemon().name("nabla-jvm-" + (i + 1)).start(workers[i]);
            }
            return workers;
        }

        static void submit(Runnable task) {
            TASKS.offer(task);
            for (Worker w : WORKERS) {
                if (w.parked) {
                    LockSupport.unpark(w.thread);
                    return;
                }
            }
        }
    }

    private static final class Worker implements Runnable {
        volatile Thread thread;
        /** Set before the last look at the queue and parking; submit reads it after offering. */
        volatile boolean parked;

        @Override
        public void run() {
            while (true) {
                Runnable task = pollSpinning();
                if (task == null) {
                    parked = true;
                    task = Pool.TASKS.poll();
                    if (task == null) {
                        LockSupport.park(this);
                    }
                    parked = false;
                }
                if (task != null) {
                    task.run();
                }
            }
        }

        private static Runnable pollSpinning() {
            long deadline = System.nanoTime() + SPIN_NANOS;
            Runnable task;
            while ((task = Pool.TASKS.poll()) == null && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            return task;
        }
    }

    /** Runs {@code body} once for each part in [0, parts), on the caller and up to parts - 1 helpers. */
    public static void forEachPart(int parts, IntConsumer body) {
        if (parts == 1) {
            body.accept(0);
            return;
        }
        AtomicInteger nextPart = new AtomicInteger();
        CountDownLatch partsDone = new CountDownLatch(parts);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable claimParts = () -> {
            for (int part = nextPart.getAndIncrement(); part < parts; part = nextPart.getAndIncrement()) {
                try {
                    body.accept(part);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    partsDone.countDown();
                }
            }
        };
        for (int i = 1; i < parts; i++) {
            Pool.submit(claimParts);
        }
        claimParts.run();
        await(partsDone);
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    /**
     * Waits for the parts other threads are running, spinning a little first. Interrupts are
     * kept for the caller but do not cut the wait short: those threads are still writing C.
     */
    private static void await(CountDownLatch latch) {
        long deadline = System.nanoTime() + SPIN_NANOS;
        while (latch.getCount() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}

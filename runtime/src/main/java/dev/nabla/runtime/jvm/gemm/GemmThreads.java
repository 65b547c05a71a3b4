package dev.nabla.runtime.jvm.gemm;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The shared pool that multiplications split their work over: one daemon thread per available
 * processor, started on first use.
 *
 * <p>The caller works too. Parts are claimed from a counter by the caller and by the helpers it
 * asked for, and the caller waits only for parts that a running thread has claimed, so a call
 * finishes even when every pool thread is busy with other calls, or is itself the caller.
 */
final class GemmThreads {
    private GemmThreads() {}

    /** Holder idiom: the pool's threads start when a call first asks for a helper. */
    private static final class Pool {
        static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(
                Runtime.getRuntime().availableProcessors(),
                Thread.ofPlatform().daemon().name("nabla-gemm-", 1).factory());
    }

    /** Runs {@code body} once for each part in [0, parts), on the caller and up to parts - 1 helpers. */
    static void forEachPart(int parts, IntConsumer body) {
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
            Pool.EXECUTOR.execute(claimParts);
        }
        claimParts.run();
        awaitUninterruptibly(partsDone);
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    /** Waits for parts other threads are running: they write into C, so returning early is no option. */
    private static void awaitUninterruptibly(CountDownLatch latch) {
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

package dev.nabla.runtime.jvm;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The JVM backend's one bounded pool (one thread per available processor, daemon, created on
 * first use). Work below a size threshold runs on the caller's thread: threads only pay off
 * when each gets tens of microseconds of work.
 */
public final class Parallel {
    /** Elements per task below which splitting costs more than it saves. */
    public static final int MIN_ELEMENTS_PER_TASK = 1 << 15;

    private static final int THREADS = Integer.getInteger("nabla.threads", Runtime.getRuntime().availableProcessors());

    private static final class Holder {
        static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "nabla-jvm-" + COUNTER.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Parallel() {}

    public static int threads() {
        return THREADS;
    }

    /** A range body: processes [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** Runs body over [0, n), split in up to threads() parts of at least minPerTask each. */
    public static void forRange(int n, int minPerTask, RangeTask body) {
        int parts = Math.min(THREADS, Math.max(1, n / Math.max(1, minPerTask)));
        if (parts <= 1 || Thread.currentThread().getName().startsWith("nabla-jvm-")) {
            body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        int chunk = (n + parts - 1) / parts;
        for (int p = 1; p < parts; p++) {
            int start = p * chunk;
            int end = Math.min(n, start + chunk);
            if (start < end) {
                futures.add(Holder.POOL.submit(() -> body.run(start, end)));
            }
        }
        body.run(0, Math.min(n, chunk));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running a kernel", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }
}

package dev.nabla.runtime.jvm;

/**
 * How kernels split work over the {@link WorkerPool}: at most {@link #threads()} parts (one per
 * processor unless {@code -Dnabla.threads=N} says otherwise), and none below a size at which
 * threads cost more than they save, so tiny tensors run on the caller's thread alone.
 */
public final class Parallel {
    /** Elements per task below which splitting costs more than it saves. */
    public static final int MIN_ELEMENTS_PER_TASK = 1 << 15;

    private static final int THREADS = Math.max(1,
            Integer.getInteger("nabla.threads", Runtime.getRuntime().availableProcessors()));

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
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        int chunk = (n + parts - 1) / parts;
        WorkerPool.forEachPart(parts, part -> {
            int start = part * chunk;
            int end = Math.min(n, start + chunk);
            if (start < end) {
                body.run(start, end);
            }
        });
    }
}

package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.compiler.random.Draws;

/**
 * A random step: the shared {@link Draws} over chunks of the output in parallel. Each element's
 * bits depend only on its key and index, so every thread count gives the same values.
 */
final class RandomRunner implements StepRunner {
    /** Philox costs tens of operations per element: split finer than a copy would. */
    private static final int MIN_PER_TASK = 1 << 12;

    private final Step.Random step;
    private final Draws draws;
    private final int size;
    /** The gathered key words between runs, as workspaces are kept. */
    private final java.util.Queue<double[]> spare = new java.util.concurrent.ConcurrentLinkedQueue<>();

    RandomRunner(Step.Random step) {
        this.step = step;
        this.draws = step.draws();
        this.size = step.shape().size();
    }

    @Override
    public void run(Object[] buffers) {
        View key = step.key();
        double[] keys = spare.poll();
        if (keys == null) {
            keys = new double[key.shape().size()];
        }
        try {
            Gathers.gather(Lanes.of(DType.F64), key, key.shape(), buffers[key.buffer()], 0, keys.length, keys, 0);
            Object out = buffers[step.output()];
            double[] k = keys;
            if (draws.byRows()) {
                int perRow = Math.max(1, draws.perKey());
                Parallel.forRange(size / perRow, Math.max(1, MIN_PER_TASK / perRow),
                        (start, end) -> draws.fill(k, start * perRow, end * perRow, out));
            } else {
                Parallel.forRange(size, MIN_PER_TASK, (start, end) -> draws.fill(k, start, end, out));
            }
        } finally {
            spare.offer(keys);
        }
    }
}

package dev.nabla.bench;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A long training run in a fixed heap: the digits example's network (64-32-10, tanh, softmax
 * cross-entropy, Adam, batches of 64) on 1,437 synthetic images, for a million steps by default.
 * The heap after a full collection at the end must not exceed the heap at step 1,000 (by more
 * than 256 KiB),
 * and the bytes allocated per step are reported. Prints one JSON line last; exits 1 on growth.
 *
 * <p>{@code bench/run-memory.sh} runs it with {@code -Xmx128m}; or
 * {@code java --add-modules=jdk.incubator.vector -Xmx128m -cp ... dev.nabla.bench.Soak [steps]}.
 */
public final class Soak {
    private static final int PIXELS = 64;
    private static final int HIDDEN = 32;
    private static final int CLASSES = 10;
    private static final int BATCH = 64;
    private static final int IMAGES = 1437;
    private static final long TOLERANCE = 256 * 1024;

    private Soak() {}

    public static void main(String[] args) throws InterruptedException {
        long steps = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        Random random = new Random(11);
        try (Graph g = Graph.create()) {
            Tensor w1 = g.parameter("w1", BenchData.gaussian(random, 0.125f, PIXELS, HIDDEN));
            Tensor b1 = g.parameter("b1", BenchData.gaussian(random, 0f, HIDDEN));
            Tensor w2 = g.parameter("w2", BenchData.gaussian(random, 0.18f, HIDDEN, CLASSES));
            Tensor b2 = g.parameter("b2", BenchData.gaussian(random, 0f, CLASSES));
            Tensor x = g.input("x", BATCH, PIXELS);
            Tensor y = g.input("y", BATCH, CLASSES);
            Tensor logits = x.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
            Tensor loss = y.mul(logits.logSoftmax(1)).sum(1).mean().neg();
            List<Map<Tensor, NDArray>> batches = batches(random, x, y);
            try (Trainer adam = Optimizers.adam(0.01).minimize(loss)) {
                long heapAt1000 = -1;
                long allocatedAt1000 = 0;
                long startAt1000 = 0;
                double lastLoss = Double.NaN;
                for (long step = 1; step <= steps; step++) {
                    lastLoss = adam.step(batches.get((int) (step % batches.size()))).item();
                    if (step == Math.min(1000, steps)) {
                        heapAt1000 = usedHeapAfterGc();
                        allocatedAt1000 = allocatedBytes();
                        startAt1000 = System.nanoTime();
                    }
                    if (step % 100_000 == 0) {
                        System.out.printf("step %,d: loss %.4f, heap after GC %,d bytes%n", step, lastLoss, usedHeapAfterGc());
                    }
                }
                double seconds = (System.nanoTime() - startAt1000) / 1e9;
                long measured = steps - Math.min(1000, steps);
                double bytesPerStep = measured == 0 ? 0 : (double) (allocatedBytes() - allocatedAt1000) / measured;
                long heapEnd = usedHeapAfterGc();
                boolean flat = heapEnd - heapAt1000 <= TOLERANCE;
                System.out.printf("{\"steps\": %d, \"seconds\": %.1f, \"stepsPerSecond\": %.0f, \"bytesPerStep\": %.1f,"
                                + " \"heapAt1000\": %d, \"heapEnd\": %d, \"maxHeap\": %d, \"lastLoss\": %.5f, \"flat\": %b}%n",
                        steps, seconds, measured / seconds, bytesPerStep, heapAt1000, heapEnd,
                        Runtime.getRuntime().maxMemory(), lastLoss, flat);
                if (!flat) {
                    System.exit(1);
                }
            }
        }
    }

    /** 1,437 images cut into batches of 64, made once. */
    private static List<Map<Tensor, NDArray>> batches(Random random, Tensor x, Tensor y) {
        List<Map<Tensor, NDArray>> batches = new ArrayList<>();
        for (int start = 0; start + BATCH <= IMAGES; start += BATCH) {
            float[] oneHot = new float[BATCH * CLASSES];
            for (int i = 0; i < BATCH; i++) {
                oneHot[i * CLASSES + random.nextInt(CLASSES)] = 1;
            }
            batches.add(Map.of(x, BenchData.gaussian(random, 0.5f, BATCH, PIXELS), y, NDArray.of(oneHot, BATCH, CLASSES)));
        }
        return batches;
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int k = 0; k < 3; k++) {
            System.gc();
            Thread.sleep(20);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}

package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the JVM backend allocates once warmed up, counted by the JVM itself
 * ({@code com.sun.management.ThreadMXBean}): a compiled scalar function allocates nothing per call
 * (README), and a tensor program allocates only the arrays it returns (docs/ARCHITECTURE.md:
 * temporaries come from pooled workspaces), plus a small constant for the result objects, the
 * feed map and the thread pool's hand-off.
 *
 * <p>The Vector API allocates a heap object per vector until C2 has compiled a kernel (about 40 KB
 * per 1000-element evaluation before, none after), so each check runs batches until the JIT has
 * done its work and takes the best batch; a leak per run (a temporary allocated instead of
 * pooled, a vector that stays boxed) shows in every batch.
 */
class JvmBackendAllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Bytes a run may allocate besides its results, for a program of {@code outputs} results: the
     * result list and arrays' objects, the feeds keyed by node, and per step split over threads
     * the pool's latch, counters and lambdas. Measured once warm: 2,500 bytes for one output,
     * 3,500 for three (split over threads), 4,700 for the 18 outputs (about 30 steps) below;
     * allowed: 3 KiB plus 256 bytes an output. A leaked [64, 64] temporary is 16 KiB.
     */
    private static long allowance(int outputs) {
        return (3 << 10) + 256L * outputs;
    }

    /** The fewest bytes per call over batches of {@code calls}, run for up to {@code seconds}. */
    private static long bestBytesPerCall(Runnable call, int calls, double seconds, long goal) {
        long best = Long.MAX_VALUE;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int within = 0;
        do {
            long before = THREADS.getTotalThreadAllocatedBytes();
            for (int i = 0; i < calls; i++) {
                call.run();
            }
            long perCall = (THREADS.getTotalThreadAllocatedBytes() - before) / calls;
            best = Math.min(best, perCall);
            within = perCall <= goal ? within + 1 : 0;
        } while (within < 3 && System.nanoTime() < end);
        return best;
    }

    @Test
    void aScalarFunctionAllocatesNothingPerCall() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor y = g.input("y", DType.F64);
            Tensor a = g.scalar("a", 2.0);
            Tensor f = x.sin().mul(a).add(x.pow(3)).div(y.mul(y).add(1));
            var run = g.compile(Device.host("jvm"));
            ScalarFunction df = run.function(f.grad(x), x, y);
            ScalarFunction ddf = run.function(f.grad(x).grad(y), x, y);
            ScalarFunction one = run.function(x.exp().mul(a), x);
            double sink = 0;
            for (int i = 0; i < 200_000; i++) {
                sink += df.apply(i * 1e-4, 0.5) + ddf.apply(0.25, i * 1e-4) + one.apply(i * 1e-5);
            }
            long least = Long.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                long before = THREADS.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 1_000_000; i++) {
                    sink += df.apply(i * 1e-6, 0.5) + ddf.apply(0.25, i * 1e-6) + one.apply(i * 1e-7);
                }
                least = Math.min(least, THREADS.getCurrentThreadAllocatedBytes() - before);
            }
            // Three million calls: 0 bytes, or a one-off of a few hundred (a recompilation's
            // bookkeeping); a single object per call would be 48 MB.
            assertThat(least).as("bytes allocated by 3,000,000 scalar-function calls (sink %s)", sink)
                    .isLessThanOrEqualTo(1024);
        }
    }

    /** Bytes the arrays of these results take. */
    private static long bytes(List<NDArray> results) {
        long returned = 0;
        for (NDArray r : results) {
            returned += (long) r.size() * (r.dtype() == DType.F32 ? Float.BYTES : Double.BYTES);
        }
        return returned;
    }

    /**
     * Bytes per run beyond the results of a program with every kind of step over [rows, cols]
     * (at most 32,768 elements: one thread, so that it warms up fast).
     */
    private static long[] everyKindOfStep(int rows, int cols, long goal) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, rows, cols);
            Tensor v = g.input("v", DType.F32, rows, 1);
            Tensor d = g.input("d", DType.F64, rows, cols);
            Tensor[] outputs = {
                // Generated SIMD kernels (64 elements or more).
                x.mul(2).exp().add(x.sin()),
                Nabla.where(x.gt(0.3), x.relu(), x.sign()),
                // Chunk kernels reading strided and broadcast views (gathers), chunk by chunk.
                x.transpose().exp().mul(2),
                x.add(v).pow(x).fma(x, x.sigmoid()),
                // Reductions of rows, columns, every kind; one over a non-contiguous axis set.
                x.sum(1), x.max(1), x.min(0), x.prod(0), x.exp().sum(),
                x.reshape(rows, 8, cols / 8).sum(0, 2),
                x.softmax(1), d.logSoftmax(0), d.mul(d).sum(1),
                // Copies, pads, concatenations, a matrix product, a cast.
                x.slice(1, 1, cols - 1).exp().sum().grad(x),
                Nabla.concat(1, x, x.exp()),
                x.transpose().reshape(-1).exp(),
                x.matmul(x.transpose().slice(1, 0, 16)),
                d.cast(DType.F32).tanh(),
            };
            var run = g.compile(Device.host("jvm"));
            Map<Tensor, NDArray> feeds = Map.of(
                    x, NDArray.full(DType.F32, x.shape(), 0.25),
                    v, NDArray.full(DType.F32, v.shape(), 0.5),
                    d, NDArray.full(DType.F64, d.shape(), -0.75));
            long returned = bytes(run.eval(feeds, outputs));
            long perRun = bestBytesPerCall(() -> run.eval(feeds, outputs), 50, 30, returned + goal);
            return new long[] {perRun - returned, returned, outputs.length};
        }
    }

    @Test
    void everyKindOfStepAllocatesOnlyWhatItReturns() {
        checkEveryKindOfStep();
    }

    /**
     * Its failures, 23 KB per run in about one JVM in three after the class's other tests (and in
     * half the JVMs without speculation), were the column minimum's vectors boxed, 256 per run:
     * the packing's 128-bit moves had made the Vector API's shared call sites see two vector
     * classes, and C2 compiled the minimum's loop with a type switch (FloatPacking.RUN).
     */
    static void checkEveryKindOfStep() {
        long[] small = everyKindOfStep(64, 64, allowance(18));
        assertThat(small[0]).as("bytes per run beyond the %d returned (%d outputs)", small[1], small[2])
                .isLessThanOrEqualTo(allowance((int) small[2]));
        // Eight times the elements, the same allocation beyond the results: nothing grows with the
        // data (a temporary, or a small object per chunk, row or vector, would).
        long[] large = everyKindOfStep(256, 128, small[0] + 1024);
        assertThat(large[0] - small[0]).as("growth of the bytes per run beyond the results, [64,64] to [256,128]"
                + " (%d and %d bytes)", small[0], large[0]).isLessThanOrEqualTo(1024);
    }

    /**
     * Every elementwise operator of the chunk kernels (they read strided and broadcast views, so
     * these outputs are not generated SIMD kernels), in both float types, and the column
     * reductions that accumulate rows: a run allocates only what it returns.
     */
    @Test
    void chunkKernelOperatorsAllocateOnlyWhatTheyReturn() {
        checkChunkKernelOperators();
    }

    static void checkChunkKernelOperators() {
        try (Graph g = Graph.create()) {
            List<Tensor> outputs = new java.util.ArrayList<>();
            Map<Tensor, NDArray> feeds = new java.util.HashMap<>();
            for (DType type : new DType[] {DType.F32, DType.F64}) {
                Tensor x = g.input("x" + type, type, 64, 64);
                Tensor v = g.input("v" + type, type, 64, 1);
                feeds.put(x, NDArray.full(type, x.shape(), 0.25));
                feeds.put(v, NDArray.full(type, v.shape(), 0.5));
                Tensor t = x.transpose();
                outputs.addAll(List.of(t.add(v), t.sub(v), t.mul(v), t.div(v), t.minimum(v), t.maximum(v),
                        t.neg(), t.abs(), t.sqrt(), t.relu(),
                        t.lt(v), t.le(v), t.gt(v), t.ge(v), t.eq(v),
                        x.sum(0), x.prod(0), x.max(0), x.min(0)));
            }
            Tensor[] all = outputs.toArray(new Tensor[0]);
            var run = g.compile(Device.host("jvm"));
            long returned = bytes(run.eval(feeds, all));
            long perRun = bestBytesPerCall(() -> run.eval(feeds, all), 50, 30, returned + allowance(all.length));
            assertThat(perRun - returned).as("bytes per run beyond the %d returned (%d outputs)", returned, all.length)
                    .isLessThanOrEqualTo(allowance(all.length));
        }
    }

    /**
     * A convolution and its gradients, whose windows are never stored (the products pack them from
     * the input, the input gradient's product adds into the sum): the plans that say how to read
     * the windows are made once and kept, so a run allocates only what it returns.
     */
    @Test
    void convolutionsAllocateOnlyWhatTheyReturn() {
        checkConvolutions();
    }

    static void checkConvolutions() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 4, 3, 20, 20);
            Tensor w = g.input("w", DType.F32, 5, 3, 3, 3);
            Tensor y = Nabla.conv2d(x, w, null, ConvOptions.defaults().padding(1));
            Tensor loss = y.mul(y).sum();
            List<Tensor> grads = loss.grad(List.of(w, x));
            Tensor[] outputs = {y, grads.get(0), grads.get(1)};
            var run = g.compile(Device.host("jvm"));
            Map<Tensor, NDArray> feeds = Map.of(x, NDArray.full(DType.F32, x.shape(), 0.25),
                    w, NDArray.full(DType.F32, w.shape(), -0.5));
            long returned = bytes(run.eval(feeds, outputs));
            long perRun = bestBytesPerCall(() -> run.eval(feeds, outputs), 20, 30, returned + allowance(3));
            assertThat(perRun - returned).as("bytes per run beyond the %d returned", returned)
                    .isLessThanOrEqualTo(allowance(3));
        }
    }

    @Test
    void workSplitOverThreadsAllocatesOnlyWhatItReturns() {
        checkWorkSplitOverThreads();
    }

    static void checkWorkSplitOverThreads() {
        // 131,072 elements: kernels and row reductions split in parts over the pool's threads.
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 512, 256);
            Tensor y = x.mul(2).exp().add(x.sin());
            Tensor s = x.softmax(1);
            Tensor p = x.matmul(x.transpose());
            var run = g.compile(Device.host("jvm"));
            Map<Tensor, NDArray> feeds = Map.of(x, NDArray.full(DType.F32, x.shape(), 0.25));
            long returned = bytes(run.eval(feeds, y, s, p));
            long perRun = bestBytesPerCall(() -> run.eval(feeds, y, s, p), 5, 30, returned + allowance(3));
            assertThat(perRun - returned).as("bytes per run beyond the %d returned", returned)
                    .isLessThanOrEqualTo(allowance(3));
            // Into the caller's array: nothing but the constant.
            float[] into = new float[s.shape().size()];
            long intoRun = bestBytesPerCall(() -> run.evalInto(feeds, s, into), 5, 30, allowance(1));
            assertThat(intoRun).as("bytes per evalInto run of a softmax").isLessThanOrEqualTo(allowance(1));
        }
    }
}

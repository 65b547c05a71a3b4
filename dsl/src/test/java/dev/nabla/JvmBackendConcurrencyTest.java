package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.jvm.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One compiled program of the JVM backend run from 8 threads at once, many times, each run with
 * its own feeds: every result must be the reference interpreter's. A run takes its temporaries
 * from a pool of workspaces and each kernel keeps per-thread registers, so two runs that shared
 * either would overwrite each other's values and show up here as wrong numbers.
 */
class JvmBackendConcurrencyTest {
    private static final Device JVM = BackendDifferentialTest.JVM;
    private static final Device REFERENCE = BackendDifferentialTest.REFERENCE;
    private static final int THREADS = 8;
    private static final int FEEDS = 12;

    /** A program with many kernels: fused chains, row and column reductions, matmul, pad, concat, views. */
    private record Program(Graph g, Tensor x, Tensor w, List<Tensor> outputs) {}

    private static Program program(DType dt, int rows, int cols) {
        Graph g = Graph.create();
        Tensor x = g.input("x", dt, rows, cols);
        Tensor w = g.input("w", dt, cols);
        Tensor h = x.mul(w).tanh().add(x.sin().mul(0.5));
        Tensor rowMax = h.maxKeepDims(1);
        Tensor centered = h.sub(rowMax).exp();
        Tensor soft = centered.div(centered.sumKeepDims(1));
        Tensor colMean = soft.mean(0);
        Tensor gram = h.matmul(h.transpose()).mul(1.0 / cols);
        Tensor mixed = gram.matmul(h).mul(1.0 / rows);
        Tensor rotated = Nabla.concat(1, mixed.slice(1, 3, cols), mixed.slice(1, 0, 3).cos());
        Tensor loss = rotated.mul(x.slice(1, 1, cols, 2).sumKeepDims(1)).sum().add(colMean.logSumExp());
        List<Tensor> grads = loss.grad(x, w);
        List<Tensor> outputs = new ArrayList<>(List.of(soft, colMean, rotated.transpose(), loss));
        outputs.addAll(grads);
        return new Program(g, x, w, outputs);
    }

    private static NDArray random(DType dt, Random r, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 4 * r.nextDouble() - 2;
        }
        return NDArray.fromDoubles(dt, new dev.nabla.core.Shape(dims), v);
    }

    private static void runConcurrently(DType dt, int rows, int cols, int iterations) throws Exception {
        Program p = program(dt, rows, cols);
        try (Graph g = p.g()) {
            Random r = new Random(rows * 31L + cols);
            List<Map<Tensor, NDArray>> feeds = new ArrayList<>();
            List<List<NDArray>> expected = new ArrayList<>();
            CompiledGraph reference = g.compile(REFERENCE);
            Tensor[] outs = p.outputs().toArray(Tensor[]::new);
            for (int f = 0; f < FEEDS; f++) {
                Map<Tensor, NDArray> feed = Map.of(p.x(), random(dt, r, rows, cols), p.w(), random(dt, r, cols));
                feeds.add(feed);
                expected.add(reference.eval(feed, outs));
            }
            // One compiled graph, so one executable, one workspace pool, the same kernels.
            CompiledGraph jvm = g.compile(JVM);
            CyclicBarrier start = new CyclicBarrier(THREADS);
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < iterations && failures.isEmpty(); i++) {
                            int f = (thread * 5 + i * 7) % FEEDS;
                            List<NDArray> got = jvm.eval(feeds.get(f), outs);
                            String problem = mismatch(expected.get(f), got, dt);
                            if (problem != null) {
                                failures.add("thread " + thread + ", run " + i + ", feed " + f + ": " + problem);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> d : done) {
                    d.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(failures).as("%s [%d,%d] from %d threads", dt, rows, cols, THREADS).isEmpty();
        }
    }

    /**
     * Null when every element is the reference's within rounding: 1e-4 relative for f32 (float
     * accumulation over at most a few thousand terms) and 1e-9 for f64, both against the largest
     * magnitude of the output. A run that read another run's temporaries is off by its own size.
     */
    private static String mismatch(List<NDArray> want, List<NDArray> got, DType dt) {
        double tol = dt == DType.F32 ? 1e-4 : 1e-9;
        for (int o = 0; o < want.size(); o++) {
            NDArray w = want.get(o);
            NDArray g = got.get(o);
            double scale = 1;
            for (int k = 0; k < w.size(); k++) {
                scale = Math.max(scale, Math.abs(w.getDouble(k)));
            }
            for (int k = 0; k < w.size(); k++) {
                if (!(Math.abs(w.getDouble(k) - g.getDouble(k)) <= tol * scale)) {
                    return "output " + o + " element " + k + ": reference " + w.getDouble(k) + ", jvm " + g.getDouble(k);
                }
            }
        }
        return null;
    }

    @Test
    void smallProgramsFromEightThreads() throws Exception {
        runConcurrently(DType.F64, 7, 33, 60);
        runConcurrently(DType.F32, 5, 1025, 30);
    }

    @Test
    void largeProgramsFromEightThreadsWhileTheirKernelsAlsoSplitAcrossThePool() throws Exception {
        // 9 x 8193 > 64K elements: kernels split across the pool while 8 callers run at once.
        assertThat(Parallel.threads()).as("nabla.threads (set for the tests in dsl/pom.xml)").isGreaterThan(1);
        runConcurrently(DType.F32, 9, 8193, 4);
    }
}

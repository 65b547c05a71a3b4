package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What a long job does to one graph: compile and close again and again, build and drop trainers
 * in a hyper-parameter sweep. Memory must stay flat (closing releases everything; an optimizer's
 * state belongs to its trainer), and everything closed refuses further use with a clear error.
 * The heap measurements are tagged "heap": mutation testing leaves them out (they take seconds and
 * depend on the collector's timing), and runs the rest.
 */
class LifetimeTest {
    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int k = 0; k < 4; k++) {
            System.gc();
            Thread.sleep(30);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static NDArray filled(int n, float value) {
        return NDArray.full(DType.F32, new Shape(n), value);
    }

    @Test
    @Tag("heap")
    void compilingAndClosingOnOneGraphRunsInFlatMemory() throws InterruptedException {
        // A 4 MB parameter: each compiled graph that stayed reachable would keep a copy of it.
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", filled(1 << 20, 0.5f));
            Tensor total = w.sum();
            for (int i = 0; i < 20; i++) {
                try (CompiledGraph c = g.compile()) {
                    c.eval(total);
                }
            }
            long before = usedHeapAfterGc();
            for (int i = 0; i < 300; i++) {
                try (CompiledGraph c = g.compile()) {
                    assertEquals(524288.0, c.eval(total).item());
                }
            }
            long grownMb = (usedHeapAfterGc() - before) >> 20;
            // The heap after a full collection wanders by 10-20 MB here (GEMM packing buffers, the
            // pool's threads); a leak grows it by 4 MB a round.
            assertThat(grownMb).as("heap growth over 300 compile-close rounds (a leak would be ~1200 MB)")
                    .isLessThan(100);
        }
    }

    @Test
    @Tag("heap")
    void aSweepOfTrainersOnOneLossRunsInFlatMemory() throws InterruptedException {
        // 256K weights with Adam: each trainer holds ~3 MB of values and state, and its nodes.
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 4, 512);
            Tensor w = g.parameter("w", NDArray.full(DType.F32, new Shape(512, 512), 0.001f));
            Tensor loss = x.matmul(w).tanh().mean();
            NDArray batch = NDArray.full(DType.F32, new Shape(4, 512), 0.25f);
            sweep(g, x, w, loss, batch, 20);
            long before = usedHeapAfterGc();
            int nodesBefore = w.node().table().size();
            sweep(g, x, w, loss, batch, 200);
            long grownMb = (usedHeapAfterGc() - before) >> 20;
            // The heap after a full collection wanders by 10-20 MB here; a leak grows it by 3 MB a trainer.
            assertThat(grownMb).as("heap growth over 200 trainers (a leak would be ~600 MB)").isLessThan(100);
            assertThat(w.node().table().size()).as("nodes alive after 200 more trainers")
                    .isLessThanOrEqualTo(nodesBefore + 50);
        }
    }

    private static void sweep(Graph g, Tensor x, Tensor w, Tensor loss, NDArray batch, int trainers) {
        NDArray initial = NDArray.full(DType.F32, new Shape(512, 512), 0.001f);
        NDArray last = null;
        for (int i = 0; i < trainers; i++) {
            // A trainer starts from the graph's current values: each trial of a sweep resets them.
            g.setValue(w, initial);
            try (Trainer t = Optimizers.adam(1e-3 * (1 + i % 5)).minimize(loss)) {
                double first = t.step(Map.of(x, batch)).item();
                double second = t.step(Map.of(x, batch)).item();
                assertThat(second).isLessThan(first);
                last = t.parameter(w);
            }
        }
        // The last trainer's values stay the graph's.
        try (CompiledGraph c = g.compile()) {
            assertEquals(last, c.parameter(w));
        }
    }

    @Test
    void droppedDerivativesLeaveNoNodesBehind() throws InterruptedException {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 0.5);
            Tensor y = x.tanh();
            int before = x.node().table().size();
            for (int i = 0; i < 200; i++) {
                Tensor d = y;
                for (int k = 0; k < 4; k++) {
                    d = d.grad(x);
                }
            }
            usedHeapAfterGc();
            assertThat(x.node().table().size()).as("nodes alive once the derivatives are unreachable")
                    .isLessThanOrEqualTo(before + 2);
        }
    }

    @Test
    void aClosedGraphRefusesEveryUse() {
        Graph g = Graph.create();
        Tensor x = g.input("x");
        CompiledGraph c = g.compile();
        g.close();
        g.close(); // closing twice is harmless
        assertClosed(() -> g.input("y"), "closed");
        assertClosed(() -> x.add(1), "closed");
        assertClosed(g::compile, "compile:");
        assertClosed(() -> g.print(x), "print:");
        assertClosed(() -> c.eval(Map.of(x, NDArray.scalar(1f)), x), "closed");
    }

    @Test
    void closedCompiledGraphsTrainersAndFunctionsRefuseEveryUse() {
        try (Graph g = Graph.create()) {
            Tensor a = g.scalar("a", 2.0f);
            Tensor x = g.input("x");
            CompiledGraph c = g.compile();
            ScalarFunction f = c.function(a.mul(x), x);
            assertEquals(6.0, f.apply(3.0));
            c.close();
            c.close();
            assertClosed(() -> c.eval(a), "eval");
            assertClosed(() -> c.eval(Map.of(x, NDArray.scalar(1f)), x), "closed");
            assertClosed(() -> c.evalInto(Map.of(x, NDArray.scalar(1f)), x, new float[1]), "evalInto:");
            assertClosed(() -> c.parameter(a), "parameter:");
            assertClosed(() -> c.setParameter(a, NDArray.scalar(1f)), "setParameter:");
            assertClosed(() -> c.function(a.mul(x), x), "function:");
            assertClosed(() -> c.run(Map.of(), List.of(a), Map.of(a, a.add(1))), "closed");
            assertClosed(() -> f.apply(3.0), "function:");

            Trainer t = Optimizers.sgd(0.1).minimize(a.mul(a));
            t.step();
            t.close();
            assertClosed(t::step, "step: this trainer is closed");
            assertClosed(() -> t.parameter(a), "parameter:");
            assertClosed(t::compiled, "compiled:");
        }
    }

    private static void assertClosed(Executable call, String expected) {
        NablaException e = assertThrows(NablaException.class, call);
        assertThat(e.getMessage()).contains(expected).contains("closed");
    }
}

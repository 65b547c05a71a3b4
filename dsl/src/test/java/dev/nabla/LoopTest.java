package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Loops in the graph (scan, fori, whileLoop) against the same computation unrolled. */
class LoopTest {
    private static final Device REFERENCE = Device.of("reference:cpu");
    private static final Device JVM = Device.of("jvm:cpu");

    private static NDArray random(Random rnd, int... dims) {
        return TestArrays.uniform(rnd, 1, dims);
    }

    /** An RNN cell: tanh(h W + x U + b). */
    private static Tensor cell(Tensor h, Tensor x, Tensor w, Tensor u, Tensor b) {
        return h.matmul(w).add(x.matmul(u)).add(b).tanh();
    }

    private record Rnn(Graph g, Tensor h0, Tensor xs, Tensor w, Tensor u, Tensor b, Map<Tensor, NDArray> feeds) {}

    private static Rnn rnn(Graph g, int steps, int batch, int hidden, int in) {
        Random rnd = new Random(7);
        Tensor h0 = g.input("h0", DType.F64, batch, hidden);
        Tensor xs = g.input("xs", DType.F64, steps, batch, in);
        Tensor w = g.parameter("w", TestArrays.uniform(rnd, 0.5, hidden, hidden));
        Tensor u = g.parameter("u", random(rnd, in, hidden));
        Tensor b = g.parameter("b", random(rnd, hidden));
        return new Rnn(g, h0, xs, w, u, b, Map.of(h0, random(rnd, batch, hidden), xs, random(rnd, steps, batch, in)));
    }

    private static Scan.Result scanned(Rnn r) {
        return Nabla.scan(r.h0, r.xs, (h, x) -> {
            Tensor next = cell(h, x, r.w, r.u, r.b);
            return Scan.Step.of(next, next.sum());
        });
    }

    private static List<Tensor> unrolled(Rnn r, int steps) {
        Tensor h = r.h0;
        List<Tensor> ys = new ArrayList<>();
        for (int t = 0; t < steps; t++) {
            h = cell(h, r.xs.slice(0, t, t + 1).squeeze(0), r.w, r.u, r.b);
            ys.add(h.sum());
        }
        return List.of(h, Nabla.stack(0, ys.toArray(Tensor[]::new)));
    }

    private static void assertClose(NDArray expected, NDArray actual, double tolerance, String what) {
        assertArrayEquals(expected.shape().dims(), actual.shape().dims(), what + ": shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tolerance * Math.max(1, Math.abs(e[i])), what + " [" + i + "]");
        }
    }

    @Test
    void scanEqualsTheUnrolledLoopWithItsGradients() {
        for (Device device : List.of(REFERENCE, JVM)) {
            try (Graph g = Graph.create()) {
                Rnn r = rnn(g, 6, 3, 4, 2);
                Scan.Result s = scanned(r);
                List<Tensor> plain = unrolled(r, 6);
                Tensor loss = s.carry().pow(2).sum().add(s.stacked().sin().sum());
                Tensor plainLoss = plain.get(0).pow(2).sum().add(plain.get(1).sin().sum());
                List<Tensor> wrt = List.of(r.w, r.u, r.b, r.h0, r.xs);
                List<Tensor> viaScan = new ArrayList<>(List.of(s.carry(), s.stacked(), loss));
                viaScan.addAll(loss.grad(wrt));
                List<Tensor> viaUnrolled = new ArrayList<>(List.of(plain.get(0), plain.get(1), plainLoss));
                viaUnrolled.addAll(plainLoss.grad(wrt));
                CompiledGraph c = g.compile(device);
                List<NDArray> a = c.eval(r.feeds, viaScan.toArray(Tensor[]::new));
                List<NDArray> e = c.eval(r.feeds, viaUnrolled.toArray(Tensor[]::new));
                for (int i = 0; i < a.size(); i++) {
                    assertClose(e.get(i), a.get(i), 1e-12, device + " result " + i);
                }
            }
        }
    }

    /** Adam on an RNN written with scan takes the same steps as on the same RNN unrolled. */
    @Test
    void trainingThroughAScanFollowsTheUnrolledNetwork() {
        double[][] losses = new double[2][];
        double[][] weights = new double[2][];
        for (int variant = 0; variant < 2; variant++) {
            try (Graph g = Graph.create()) {
                Rnn r = rnn(g, 5, 3, 4, 2);
                Tensor h = variant == 0 ? scanned(r).carry() : unrolled(r, 5).get(0);
                Tensor loss = h.sub(0.25).pow(2).mean();
                try (var adam = dev.nabla.optim.Optimizers.adam(0.05).minimize(loss, List.of(r.w, r.u, r.b))) {
                    losses[variant] = new double[10];
                    for (int step = 0; step < 10; step++) {
                        losses[variant][step] = adam.step(r.feeds).item();
                    }
                    weights[variant] = adam.parameter(r.w).toDoubleArray();
                }
            }
        }
        assertArrayEquals(losses[1], losses[0], 1e-12);
        assertArrayEquals(weights[1], weights[0], 1e-12);
        assertTrue(losses[0][9] < losses[0][0] / 2, "the loss falls: " + java.util.Arrays.toString(losses[0]));
    }

    @Test
    void theSeedsSgdAsOneLoopFollowsPyTorch() {
        try (Graph g = Graph.create()) {
            Tensor a0 = g.input("a0", DType.F32);
            Tensor a = Nabla.fori(20, a0, x -> x.sub(x.pow(2).mul(3).add(x.mul(6)).sub(9).grad(x).mul(0.1f)));
            for (Device device : List.of(REFERENCE, JVM)) {
                float v = g.compile(device).eval(Map.of(a0, NDArray.scalar(10f)), a).get(0).getFloat(0);
                // torch.optim.SGD([a], lr=0.1), 20 steps from 10 in float32 (see optim/SeedSgdTest).
                assertEquals(-0.9999998807907104f, v, 0f, device.toString());
            }
        }
    }

    @Test
    void derivativesOfAnySOrderThroughFori() {
        try (Graph g = Graph.create()) {
            Tensor x0 = g.input("x0", DType.F64);
            Tensor c = g.input("c", DType.F64);
            // x <- x * c + sin(x): d/dx0 and d2/dx0^2 against the same loop unrolled.
            Tensor looped = Nabla.fori(5, x0, x -> x.mul(c).add(x.sin()));
            Tensor plain = x0;
            for (int i = 0; i < 5; i++) {
                plain = plain.mul(c).add(plain.sin());
            }
            Tensor d1 = looped.grad(x0);
            Tensor d2 = d1.grad(x0);
            Tensor d3 = d2.grad(x0);
            Tensor dc = d1.grad(c);
            Tensor p1 = plain.grad(x0);
            Tensor p2 = p1.grad(x0);
            Tensor p3 = p2.grad(x0);
            Tensor pc = p1.grad(c);
            Map<Tensor, NDArray> feeds = Map.of(x0, NDArray.scalar(0.7), c, NDArray.scalar(0.9));
            for (Device device : List.of(REFERENCE, JVM)) {
                List<NDArray> a = g.compile(device).eval(feeds, looped, d1, d2, d3, dc);
                List<NDArray> e = g.compile(device).eval(feeds, plain, p1, p2, p3, pc);
                for (int i = 0; i < a.size(); i++) {
                    assertClose(e.get(i), a.get(i), 1e-12, device + " order " + i);
                }
            }
        }
    }

    @Test
    void forwardModeThroughScanEqualsReverseMode() {
        try (Graph g = Graph.create()) {
            Rnn r = rnn(g, 4, 2, 3, 2);
            Tensor loss = scanned(r).stacked();
            Tensor viaReverse = Nabla.jacrev(loss, r.h0);
            Tensor viaForward = Nabla.jacfwd(loss, r.h0);
            List<NDArray> v = g.compile(JVM).eval(r.feeds, viaReverse, viaForward);
            assertClose(v.get(0), v.get(1), 1e-12, "jacfwd vs jacrev");
        }
    }

    @Test
    void gradcheckOfScanToOrderTwo() {
        int comparisons = GradCheck.of("scan of tanh(h w + x)", in -> {
            Tensor w = in.get(1);
            return Nabla.scan(in.get(0), in.get(2), (h, x) -> {
                Tensor next = h.matmul(w).add(x).tanh();
                return Scan.Step.of(next, next.mul(next));
            }).stacked().sum();
        }).input(uniform(-1, 1), 2, 3).input(uniform(-1, 1), 3, 3).input(uniform(-1, 1), 4, 2, 3).order(2).check()
                .comparisons();
        assertTrue(comparisons > 0);
    }

    @Test
    void theGradientGraphDoesNotGrowWithTheNumberOfSteps() {
        int[] sizes = new int[2];
        int[] steps = {10, 10_000};
        for (int k = 0; k < 2; k++) {
            try (Graph g = Graph.create()) {
                Rnn r = rnn(g, steps[k], 2, 3, 2);
                Tensor loss = scanned(r).carry().sum();
                sizes[k] = g.program("count", loss.grad(List.of(r.w, r.u, r.b)).toArray(Tensor[]::new)).nodes().size();
            }
        }
        assertEquals(sizes[0], sizes[1]);
    }

    @Test
    void aLongScanAndItsGradientRun() {
        try (Graph g = Graph.create()) {
            Rnn r = rnn(g, 10_000, 2, 3, 2);
            Tensor loss = scanned(r).carry().sum();
            List<Tensor> grads = loss.grad(List.of(r.w, r.b));
            List<NDArray> v = g.compile(JVM).eval(r.feeds, grads.toArray(Tensor[]::new));
            assertTrue(v.get(0).isFinite() && v.get(1).isFinite());
        }
    }

    @Test
    void whileLoopRunsUntilItsConditionFailsAndForwardModeGoesThrough() {
        try (Graph g = Graph.create()) {
            Tensor a = g.input("a", DType.F64);
            // Newton's method for sqrt(a) from 1, while |x^2 - a| > 1e-12.
            Tensor root = Nabla.whileLoop(g.constant(1.0), x -> x.mul(x).sub(a).abs().gt(1e-12),
                    x -> x.add(a.div(x)).mul(0.5));
            Tensor slope = Nabla.jvp(root, Map.of(a, g.constant(1.0)));
            for (Device device : List.of(REFERENCE, JVM)) {
                List<NDArray> v = g.compile(device).eval(Map.of(a, NDArray.scalar(2.0)), root, slope);
                assertEquals(Math.sqrt(2), v.get(0).item(), 1e-15);
                // d sqrt(a)/da = 1 / (2 sqrt(a)), through the iterations.
                assertEquals(1 / (2 * Math.sqrt(2)), v.get(1).item(), 1e-12);
            }
            GraphException e = assertThrows(GraphException.class, () -> root.grad(a));
            assertTrue(e.getMessage().contains("whileLoop: reverse mode"), e.getMessage());
        }
    }

    @Test
    void vmapThroughScanEqualsALoopOverTheBatch() {
        try (Graph g = Graph.create()) {
            Rnn r = rnn(g, 5, 2, 3, 2);
            Tensor loss = scanned(r).stacked();
            Tensor h0s = g.input("h0s", DType.F64, 4, 2, 3);
            Tensor batched = Nabla.vmap(r.h0, h0s).apply(loss);
            NDArray rows = random(new Random(3), 4, 2, 3);
            List<NDArray> all = g.compile(JVM).eval(Map.of(h0s, rows, r.xs, r.feeds.get(r.xs)), batched);
            for (int b = 0; b < 4; b++) {
                double[] row = new double[6];
                System.arraycopy(rows.toDoubleArray(), b * 6, row, 0, 6);
                NDArray one = g.compile(REFERENCE).eval(Map.of(r.h0, NDArray.of(row, 2, 3), r.xs, r.feeds.get(r.xs)),
                        loss).get(0);
                double[] got = new double[5];
                System.arraycopy(all.get(0).toDoubleArray(), b * 5, got, 0, 5);
                assertClose(one, NDArray.of(got, 5), 1e-12, "row " + b);
            }
        }
    }

    @Test
    void badLoopsAreRefusedAtTheCall() {
        try (Graph g = Graph.create()) {
            Tensor h = g.input("h", DType.F64, 2);
            Tensor xs = g.input("xs", DType.F64, 3, 2);
            ShapeException carry = assertThrows(ShapeException.class,
                    () -> Nabla.scan(h, xs, (c, x) -> Scan.Step.of(c.sum(), x)));
            assertTrue(carry.getMessage().contains("carry 0 enters the body as f64[2]"), carry.getMessage());
            ShapeException steps = assertThrows(ShapeException.class, () -> Nabla.scan(List.of(h),
                    List.of(xs, g.input("ys", DType.F64, 4)), -1, false, (i, c, x) -> new Scan.Step(c, List.of())));
            assertTrue(steps.getMessage().contains("has 4 steps but the loop runs 3"), steps.getMessage());
            assertThrows(ShapeException.class, () -> Nabla.fori(-1, h, x -> x));
        }
    }

    @Test
    void taylorModeThroughLoopsAndConditionalsEqualsNestedGradients() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor k = g.input("k", DType.F64);
            Tensor xs = g.input("xs", DType.F64, 3);
            // A scan whose step reads a slice, a captured value and holds a conditional.
            Tensor y = Nabla.scan(x, xs, (c, s) -> {
                Tensor next = c.mul(k).add(s).sin();
                return Scan.Step.of(Nabla.cond(next.gt(0.0), () -> next.mul(next), () -> next.tanh()), next);
            }).stacked().sum();
            List<Tensor> viaTaylor = Nabla.derivatives(y, x, 4);
            List<Tensor> nested = new ArrayList<>(List.of(y));
            for (int order = 1; order <= 4; order++) {
                nested.add(nested.get(order - 1).grad(x));
            }
            Map<Tensor, NDArray> feeds = Map.of(x, NDArray.scalar(0.3), k, NDArray.scalar(1.7),
                    xs, NDArray.of(new double[] {0.2, -0.9, 0.4}, 3));
            for (Device device : List.of(REFERENCE, JVM)) {
                List<NDArray> a = g.compile(device).eval(feeds, viaTaylor.toArray(Tensor[]::new));
                List<NDArray> e = g.compile(device).eval(feeds, nested.toArray(Tensor[]::new));
                for (int order = 0; order <= 4; order++) {
                    assertEquals(e.get(order).item(), a.get(order).item(), 1e-10 * Math.max(1, Math.abs(e.get(order).item())),
                            device + " order " + order);
                }
            }
        }
    }

    @Test
    void scalarLoopsBecomeOneLoopInGeneratedCode() {
        try (Graph g = Graph.create()) {
            Tensor a0 = g.input("a0", DType.F64);
            Tensor c = g.input("c", DType.F64);
            // Two carries that swap roles each step, a captured value, and the index.
            List<Tensor> out = Nabla.fori(7, List.of(a0, c), (i, s) -> List.of(s.get(1).add(i.cast(DType.F64)),
                    s.get(0).mul(0.5).add(c)));
            Tensor d = out.get(0).grad(a0);
            Map<Tensor, NDArray> feeds = Map.of(a0, NDArray.scalar(1.0), c, NDArray.scalar(2.0));
            List<NDArray> jvm = g.compile(JVM).eval(feeds, out.get(0), out.get(1), d);
            List<NDArray> ref = g.compile(REFERENCE).eval(feeds, out.get(0), out.get(1), d);
            for (int k = 0; k < 3; k++) {
                assertEquals(ref.get(k).item(), jvm.get(k).item(), 0.0, "result " + k);
            }
            assertTrue(new dev.nabla.runtime.jvm.JvmBackend().compile(g.program("test", out.get(0), out.get(1)), null)
                    .scalarEntryPoint() != null, "compiled to scalar code");
            Tensor w = Nabla.whileLoop(a0, v -> v.lt(100.0), v -> v.mul(3));
            assertEquals(243.0, g.compile(JVM).eval(feeds, w).get(0).item(), 0.0);
            ScalarFunction f = g.compile(JVM).function(w, a0);
            assertEquals(162.0, f.apply(2.0), 0.0);
        }
    }

    @Test
    void loopOutputsOfOneLoopRunOnce() {
        try (Graph g = Graph.create()) {
            Rnn r = rnn(g, 3, 2, 3, 2);
            Scan.Result s = scanned(r);
            Tensor loss = s.carry().sum().add(s.stacked().sum());
            List<Tensor> grads = loss.grad(List.of(r.w));
            long loops = g.program("count", loss, grads.get(0)).nodes().stream()
                    .filter(n -> n.op() instanceof Op.Loop).map(n -> ((Op.Loop) n.op()).body()).distinct().count();
            // The loop, the loop stacking its carries (lowering runs only this one of the two), the backward loop.
            assertEquals(3, loops);
        }
    }
}

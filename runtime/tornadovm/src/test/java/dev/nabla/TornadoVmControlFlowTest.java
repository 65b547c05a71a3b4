package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Loops and conditionals on a real TornadoVM device (the host runs them, each body's task graph
 * once per iteration) against the reference interpreter: values, gradients and updates.
 */
class TornadoVmControlFlowTest {
    private static final Device REFERENCE = Device.of("reference:cpu");
    /** Relative, for f32: PoCL contracts a * b + c into fma, and its tanh and exp differ in the last bits. */
    private static final double F32 = 1e-4;
    private static Device tornado;

    @BeforeAll
    static void findDevice() {
        tornado = TornadoVmDevices.first();
    }

    private static NDArray i32(int value) {
        return NDArray.fromDoubles(DType.I32, Shape.SCALAR, new double[] {value});
    }

    private static void assertMatchesReference(Graph g, Map<Tensor, NDArray> feeds, double tolerance, Tensor... outputs) {
        TornadoVmChecks.assertMatchesReference(tornado, g, feeds, tolerance, outputs);
    }

    /** An RNN cell: tanh(h W + x U + b). */
    private static Tensor cell(Tensor h, Tensor x, Tensor w, Tensor u, Tensor b) {
        return h.matmul(w).add(x.matmul(u)).add(b).tanh();
    }

    @Test
    void anRnnScanAndItsGradientMatchTheReference() {
        try (var g = Graph.create()) {
            Random rnd = new Random(11);
            Tensor h0 = g.input("h0", DType.F32, 3, 4);
            Tensor xs = g.input("xs", DType.F32, 5, 3, 2);
            Tensor w = g.parameter("w", TornadoVmChecks.random(rnd, 0.5, 4, 4));
            Tensor u = g.parameter("u", TornadoVmChecks.random(rnd, 1, 2, 4));
            Tensor b = g.parameter("b", TornadoVmChecks.random(rnd, 1, 4));
            Scan.Result s = Nabla.scan(h0, xs, (h, x) -> {
                Tensor next = cell(h, x, w, u, b);
                return Scan.Step.of(next, next.sum());
            });
            // Backwards through the steps, with the index: h <- tanh(h W + x U + b) * (1 + i / 10).
            Scan.Result back = Nabla.scan(List.of(h0), List.of(xs), -1, true, (i, c, x) -> {
                Tensor next = cell(c.get(0), x.get(0), w, u, b).mul(i.cast(DType.F32).mul(0.1f).add(1f));
                return Scan.Step.of(next, next.mean());
            });
            Tensor loss = s.carry().pow(2).sum().add(s.stacked().sin().sum()).add(back.stacked().sum());
            List<Tensor> outputs = new ArrayList<>(List.of(s.carry(), s.stacked(), back.carry(), back.stacked(), loss));
            outputs.addAll(loss.grad(List.of(w, u, b, h0, xs)));
            Map<Tensor, NDArray> feeds = Map.of(h0, TornadoVmChecks.random(rnd, 1, 3, 4), xs, TornadoVmChecks.random(rnd, 1, 5, 3, 2));
            assertMatchesReference(g, feeds, F32, outputs.toArray(Tensor[]::new));
        }
    }

    @Test
    void foriOfScalarsMatchesTheReference() {
        try (var g = Graph.create()) {
            Tensor a0 = g.input("a0", DType.F32);
            Tensor c = g.input("c", DType.F32);
            // Two carries that swap roles each step, a captured value, and the index.
            List<Tensor> out = Nabla.fori(7, List.of(a0, c), (i, s) -> List.of(s.get(1).add(i.cast(DType.F32)),
                    s.get(0).mul(0.5f).add(c)));
            // The seed's SGD, 20 steps from a0: a gradient inside the body.
            Tensor sgd = Nabla.fori(20, a0, x -> x.sub(x.pow(2).mul(3).add(x.mul(6)).sub(9).grad(x).mul(0.1f)));
            Tensor empty = Nabla.fori(0, a0, x -> x.mul(2));
            Map<Tensor, NDArray> feeds = Map.of(a0, NDArray.scalar(10f), c, NDArray.scalar(2f));
            assertMatchesReference(g, feeds, F32, out.get(0), out.get(1), out.get(0).grad(a0), out.get(1).grad(c),
                    sgd, empty);
            float v = g.compile(tornado).eval(Map.of(a0, NDArray.scalar(10f).to(tornado)), sgd).get(0).getFloat(0);
            assertEquals(-1.0, v, 1e-6, "torch.optim.SGD's minimum, as in LoopTest");
        }
    }

    @Test
    void whileLoopsMatchTheReference() {
        try (var g = Graph.create()) {
            Tensor a = g.input("a", DType.F32);
            Tensor x0 = g.input("x0", DType.F32);
            // Newton's method for sqrt(a) from x0, while |x^2 - a| > 1e-3, with its forward-mode slope.
            Tensor root = Nabla.whileLoop(x0, x -> x.mul(x).sub(a).abs().gt(1e-3f), x -> x.add(a.div(x)).mul(0.5f));
            Tensor slope = Nabla.jvp(root, Map.of(a, g.constant(1.0f)));
            // Unbounded, and bounded: at most 3 steps.
            Tensor tripled = Nabla.whileLoop(x0, v -> v.lt(100f), v -> v.mul(3));
            List<Tensor> bounded = Nabla.whileLoop(List.of(x0, a), s -> s.get(0).lt(1e6f),
                    s -> List.of(s.get(0).mul(s.get(1)), s.get(1).add(1)), 3);
            Map<Tensor, NDArray> feeds = Map.of(a, NDArray.scalar(2f), x0, NDArray.scalar(1.5f));
            assertMatchesReference(g, feeds, F32, root, slope, tripled, bounded.get(0), bounded.get(1));
            List<NDArray> v = g.compile(tornado).eval(Map.of(a, NDArray.scalar(2f).to(tornado),
                    x0, NDArray.scalar(1.5f).to(tornado)), root, tripled, bounded.get(1));
            assertEquals(Math.sqrt(2), v.get(0).item(), 1e-3);
            assertEquals(121.5, v.get(1).item(), 0.0);
            assertEquals(5.0, v.get(2).item(), 0.0, "three steps from 2");
        }
    }

    /** f(x) = x^2 sin(x) for x > 0, else exp(x) c, with derivatives of order one and two. */
    @Test
    void condAndItsGradientMatchTheReference() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", DType.F32);
            Tensor c = g.input("c", DType.F32);
            Tensor f = Nabla.cond(x.gt(0f), () -> x.pow(2).mul(x.sin()), () -> x.exp().mul(c));
            Tensor[] outputs = {f, f.grad(x), f.grad(x).grad(x), f.grad(c)};
            for (float at : new float[] {-0.8f, 0.3f, 1.7f}) {
                assertMatchesReference(g, Map.of(x, NDArray.scalar(at), c, NDArray.scalar(1.3f)), F32, outputs);
            }
        }
        try (var g = Graph.create()) {
            Tensor i = g.input("i", DType.I32);
            Tensor v = g.input("v", DType.F32, 3);
            List<Supplier<List<Tensor>>> branches = List.of(
                    () -> List.of(v.sum(), v.mul(2)), () -> List.of(v.mul(v).sum(), v.neg()),
                    () -> List.of(v.exp().sum(), v.sin()));
            List<Tensor> out = Nabla.switchOf(i, branches);
            Tensor loss = out.get(0).add(out.get(1).sum());
            for (int index : new int[] {-3, 1, 2, 9}) {
                assertMatchesReference(g, Map.of(i, i32(index), v, NDArray.of(new float[] {0.5f, -1, 2}, 3)), F32,
                        out.get(0), out.get(1), loss.grad(v));
            }
        }
    }

    @Test
    void loopsInLoopsAndConditionalsInLoopsMatchTheReference() {
        try (var g = Graph.create()) {
            Tensor x0 = g.input("x0", DType.F32, 2);
            Tensor k = g.input("k", DType.F32);
            // Each outer step runs an inner loop over a captured value and a conditional on the carry.
            Tensor nested = Nabla.fori(3, x0, x -> Nabla.fori(2, x, y -> y.sin().mul(k).add(0.25f)));
            Tensor branchy = Nabla.fori(4, x0, x -> Nabla.cond(x.sum().gt(0f), () -> x.mul(0.5f).sub(k),
                    () -> x.cos().add(k)));
            Map<Tensor, NDArray> feeds = Map.of(x0, NDArray.of(new float[] {0.3f, -0.7f}, 2), k, NDArray.scalar(0.9f));
            assertMatchesReference(g, feeds, F32, nested, nested.sum().grad(x0), nested.sum().grad(k), branchy,
                    branchy.sum().grad(x0));
        }
    }

    /** Gradient descent on a scan's loss: the updates, computed in the last stage, stay on the device. */
    @Test
    void trainingThroughAScanMatchesTheReferenceStepForStep() {
        List<List<NDArray>> steps = new ArrayList<>();
        for (Device device : List.of(REFERENCE, tornado)) {
            try (var g = Graph.create()) {
                Random rnd = new Random(5);
                Tensor h0 = g.input("h0", DType.F32, 2, 3);
                Tensor xs = g.input("xs", DType.F32, 4, 2, 2);
                Tensor w = g.parameter("w", TornadoVmChecks.random(rnd, 0.5, 3, 3));
                Tensor u = g.parameter("u", TornadoVmChecks.random(rnd, 1, 2, 3));
                Tensor b = g.parameter("b", TornadoVmChecks.random(rnd, 1, 3));
                Tensor loss = Nabla.scan(h0, xs, (h, x) -> {
                    Tensor next = cell(h, x, w, u, b);
                    return Scan.Step.of(next, next.sum());
                }).stacked().pow(2).sum();
                Map<Tensor, Tensor> updates = new LinkedHashMap<>();
                for (Tensor p : List.of(w, u, b)) {
                    updates.put(p, p.sub(loss.grad(p).mul(0.05f)));
                }
                Map<Tensor, NDArray> feeds = Map.of(h0, TornadoVmChecks.random(rnd, 1, 2, 3).to(device), xs,
                        TornadoVmChecks.random(rnd, 1, 4, 2, 2).to(device));
                var compiled = g.compile(device);
                List<NDArray> values = new ArrayList<>();
                for (int step = 0; step < 5; step++) {
                    values.add(compiled.run(feeds, List.of(loss), updates).get(0).cpu());
                }
                for (Tensor p : List.of(w, u, b)) {
                    values.add(compiled.parameter(p).cpu());
                }
                steps.add(values);
            }
        }
        for (int k = 0; k < steps.get(0).size(); k++) {
            TornadoVmChecks.assertClose(steps.get(0).get(k), steps.get(1).get(k), F32, "value " + k);
        }
    }
}

package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Graphs as deep as real programs make them: a 100,000-op chain and its gradient, an RNN unrolled
 * over 10,000 steps and its gradient. Every pass (autodiff, simplifier, dead code, lowering,
 * memory plan, code generation, printing) must be iterative or bounded in depth, so each test
 * runs on a thread with a small stack (512 KiB, half the JVM's default) and compares the JVM
 * backend with the reference interpreter.
 */
class DeepGraphTest {
    private static final Device JVM = BackendDifferentialTest.JVM;
    private static final Device REFERENCE = BackendDifferentialTest.REFERENCE;

    /** Runs body on a thread with a 512 KiB stack, rethrowing what it threw. */
    private static void onSmallStack(Runnable body) throws Throwable {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "deep", 512 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** 100,000 ops: y <- 0.9999 y + 1e-4 sin(y), whose derivative stays near 1 (no underflow). */
    private static Tensor chain(Tensor x, int ops) {
        Tensor y = x;
        for (int i = 0; i < ops / 4; i++) {
            y = y.mul(0.9999).add(y.sin().mul(1e-4));
        }
        return y;
    }

    private static List<NDArray> both(Graph g, Map<Tensor, NDArray> feeds, Device device, Tensor... outputs) {
        try (CompiledGraph c = g.compile(device)) {
            return c.eval(feeds, outputs);
        }
    }

    private static void assertClose(NDArray want, NDArray got, double tolerance) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            double w = want.getDouble(i);
            assertEquals(w, got.getDouble(i), tolerance * Math.max(1, Math.abs(w)), "element " + i);
        }
    }

    @Test
    void aHundredThousandOpChainAndItsGradient() throws Throwable {
        onSmallStack(() -> {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F64, 9);
                Tensor loss = chain(x, 100_000).sum();
                Tensor grad = loss.grad(x);
                NDArray xv = NDArray.of(new double[] {-2, -1, -0.5, 0, 0.25, 0.5, 1, 2, 3}, 9);
                List<NDArray> want = both(g, Map.of(x, xv), REFERENCE, loss, grad);
                List<NDArray> got = both(g, Map.of(x, xv), JVM, loss, grad);
                assertClose(want.get(0), got.get(0), 1e-12);
                assertClose(want.get(1), got.get(1), 1e-12);
                assertThat(got.get(1).getDouble(3)).isBetween(0.5, 1.0);
                assertThat(g.print(grad).lines().count()).isGreaterThan(100_000);
                assertThat(g.toDot(loss).lines().count()).isGreaterThan(100_000);
            }
        });
    }

    @Test
    void aHundredThousandOpScalarChainIsGeneratedCodeExactAsTheInterpreter() throws Throwable {
        onSmallStack(() -> {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F64);
                Tensor y = chain(x, 100_000);
                Tensor dy = y.grad(x);
                NDArray xv = NDArray.scalar(0.3);
                assertEquals(both(g, Map.of(x, xv), REFERENCE, y, dy), both(g, Map.of(x, xv), JVM, y, dy));
                try (CompiledGraph c = g.compile(JVM)) {
                    ScalarFunction f = c.function(dy, x);
                    double want = both(g, Map.of(x, NDArray.scalar(-1.5)), REFERENCE, dy).get(0).item();
                    assertEquals(want, f.apply(-1.5));
                }
            }
        });
    }

    /**
     * y = x * c * c * ... (100,000 constant factors, kept as written in IEEE arithmetic): the
     * simplifier combines and moves constants in derivatives one level at a time, never down
     * the chain (the gradient of y^2 once overflowed the stack that way).
     */
    @Test
    void derivativesOfAHundredThousandConstantFactors() throws Throwable {
        onSmallStack(() -> {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F64);
                Tensor y = x;
                for (int i = 0; i < 100_000; i++) {
                    y = y.mul(1.00001);
                }
                Tensor square = y.pow(2).grad(x);
                Tensor product = y.mul(x.sin()).grad(x).grad(x);
                Tensor sum = y.add(y.sin()).grad(x);
                Tensor tangent = Nabla.jvp(y.mul(y.sin()), Map.of(x, g.constant(1.0)));
                double xv = 0.7;
                double c = Math.pow(1.00001, 100_000);
                List<NDArray> got = both(g, Map.of(x, NDArray.scalar(xv)), REFERENCE, square, product, sum, tangent);
                assertEquals(2 * c * c * xv, got.get(0).item(), 1e-9 * c * c);
                assertEquals(2 * c * Math.cos(xv) - c * xv * Math.sin(xv), got.get(1).item(), 1e-9 * c);
                assertEquals(c + c * Math.cos(c * xv), got.get(2).item(), 1e-9 * c);
                double yv = c * xv;
                assertEquals(c * Math.sin(yv) + yv * Math.cos(yv) * c, got.get(3).item(), 1e-9 * c);
            }
        });
    }

    @Test
    void anRnnUnrolledOverTenThousandStepsAndItsGradient() throws Throwable {
        onSmallStack(() -> {
            try (Graph g = Graph.create()) {
                int h = 16;
                double[] w = new double[h * h];
                for (int i = 0; i < w.length; i++) {
                    w[i] = Math.sin(i * 0.7) * 0.3;
                }
                Tensor weights = g.parameter("W", NDArray.fromDoubles(DType.F32, new Shape(h, h), w));
                Tensor bias = g.parameter("b", NDArray.full(DType.F32, new Shape(h), 0.01));
                Tensor h0 = g.input("h0", DType.F32, 1, h);
                Tensor state = h0;
                for (int t = 0; t < 10_000; t++) {
                    state = state.matmul(weights).add(bias).tanh();
                }
                Tensor loss = state.sum();
                List<Tensor> grads = loss.grad(weights, bias, h0);
                Map<Tensor, NDArray> feeds = Map.of(h0, NDArray.full(DType.F32, new Shape(1, h), 0.5));
                Tensor[] outputs = {loss, grads.get(0), grads.get(1), grads.get(2)};
                List<NDArray> want = both(g, feeds, REFERENCE, outputs);
                List<NDArray> got = both(g, feeds, JVM, outputs);
                for (int i = 0; i < want.size(); i++) {
                    assertClose(want.get(i), got.get(i), 1e-4);
                }
                assertThat(got.get(2).isFinite()).isTrue();
            }
        });
    }
}

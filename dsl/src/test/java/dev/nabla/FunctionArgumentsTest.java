package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A tensor given in a role, as the argument of a compiled function: a parameter named as an
 * argument takes the argument's value for the call (it once kept its stored value silently, so
 * {@code function(x.pow(2).grad(x), x).apply(3)} gave 10, not 6); a role that does not fit is an
 * error.
 */
class FunctionArgumentsTest {
    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void aParameterNamedAsAnArgumentTakesTheArgument(String backend) {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 5.0f);
            var run = g.compile(Device.host(backend));
            ScalarFunction dy = run.function(x.pow(2).grad(x), x);
            assertEquals(6.0, dy.apply(3.0));
            assertEquals(-4.0, dy.apply(-2.0));
            assertEquals(5.0f, run.parameter(x).getFloat(0), "the stored value is untouched");
            assertEquals(10.0, run.eval(x.pow(2).grad(x)).item());

            // Bound and unbound parameters together, in the order named.
            Tensor a = g.scalar("a", 2.0f);
            ScalarFunction f = run.function(a.mul(x).add(x), x);
            assertEquals(2 * 3 + 3, f.apply(3.0));
            run.setParameter(a, NDArray.scalar(10f));
            assertEquals(10 * 3 + 3, f.apply(3.0));
            ScalarFunction h = run.function(a.mul(x).sub(x.pow(2)), a, x);
            assertEquals(4 * 3 - 9, h.apply(4.0, 3.0));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void argumentsAreRoundedToTheirDtypeAsFedValuesAre(String backend) {
        try (var g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor p = g.scalar("p", 1.0f);
            var run = g.compile(Device.host(backend));
            assertEquals((double) 0.1f, run.function(x.mul(1.5).div(1.5), x).apply(0.1));
            double viaEval = run.eval(java.util.Map.of(x, NDArray.scalar(0.1f)), x.mul(3)).get(0).item();
            assertEquals(viaEval, run.function(x.mul(3), x).apply(0.1));
            assertEquals(viaEval, run.function(p.mul(3), p).apply(0.1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void rolesThatDoNotFitAreErrors(String backend) {
        try (var g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor v = g.parameter("v", NDArray.of(new float[] {1, 2}, 2));
            Tensor y = x.mul(2);
            var run = g.compile(Device.host(backend));
            assertThat(assertThrows(NablaException.class, () -> run.function(y.add(1), y)).getMessage())
                    .contains("argument 0").contains("computed by mul").contains("inputs or parameters");
            assertThat(assertThrows(NablaException.class, () -> run.function(y, x, x)).getMessage())
                    .contains("'x' is named twice");
            assertThat(assertThrows(NablaException.class, () -> run.function(x.mul(v.sum()), x, v)).getMessage())
                    .contains("'v'").contains("not a single number");
            assertThat(assertThrows(NablaException.class, () -> run.parameter(x)).getMessage())
                    .contains("parameter:").contains("is an input, not a parameter");
            assertThat(assertThrows(NablaException.class, () -> run.setParameter(y, NDArray.scalar(1f))).getMessage())
                    .contains("setParameter:").contains("computed by mul");
            assertThat(assertThrows(NablaException.class,
                    () -> run.eval(java.util.Map.of(v, NDArray.of(new float[] {1, 2}, 2)), v)).getMessage())
                    .contains("only inputs can be fed").contains("setParameter");
            java.util.Map<Tensor, NDArray> nullFeed = new java.util.HashMap<>();
            nullFeed.put(x, null);
            assertThat(assertThrows(NablaException.class, () -> run.eval(nullFeed, y)).getMessage())
                    .contains("'x' is given null");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void oneFunctionServesManyThreadsAtOnce(String backend) throws Exception {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor a = g.scalar("a", 0.5);
            var run = g.compile(Device.host(backend));
            ScalarFunction f = run.function(x.mul(x).add(a.mul(x)).sin(), x);
            int calls = backend.equals("jvm") ? 200_000 : 5_000;
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> wrong = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int thread = t;
                    wrong.add(pool.submit(() -> {
                        int bad = 0;
                        for (int i = 0; i < calls; i++) {
                            double v = thread * 1000.0 + i * 1e-3;
                            if (f.apply(v) != Math.sin(v * v + 0.5 * v)) {
                                bad++;
                            }
                        }
                        return bad;
                    }));
                }
                for (Future<Integer> w : wrong) {
                    assertEquals(0, w.get(), "calls that returned another thread's value");
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}

package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.core.NablaException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link CompiledGraph#eval} keeps a plan for each set of outputs it has evaluated (the compiled
 * program and the feeds' keys) and, for the same outputs again, only checks the feeds before it
 * runs: the results, and every error, must be those of a first evaluation. (Feeds on the wrong
 * device: {@link DevicePlacementTest}, which runs with a device of its own.)
 */
class EvalPlanCacheTest {

    @Test
    void outputsAndFeedsInAlternationGiveTheirOwnValues() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor y = g.input("y");
            Tensor square = x.pow(2);
            Tensor dy = square.grad(x);
            Tensor z = x.mul(y).add(y.pow(3));
            Tensor c = g.constant(NDArray.scalar(7f));
            CompiledGraph run = g.compile();
            for (int i = 0; i < 200; i++) {
                float a = i * 0.5f - 3;
                float b = 2 - i * 0.25f;
                // The same outputs with feeds of other values, other maps, more feeds than needed.
                assertEquals(a * a, run.eval(Map.of(x, NDArray.scalar(a)), square).get(0).getFloat(0));
                assertEquals(2 * a, run.eval(Map.of(x, NDArray.scalar(a), y, NDArray.scalar(b)), dy).get(0).getFloat(0));
                List<NDArray> both = run.eval(Map.of(x, NDArray.scalar(a), y, NDArray.scalar(b)), dy, square);
                assertEquals(2 * a, both.get(0).getFloat(0));
                assertEquals(a * a, both.get(1).getFloat(0));
                List<NDArray> swapped = run.eval(Map.of(x, NDArray.scalar(a)), square, dy);
                assertEquals(a * a, swapped.get(0).getFloat(0));
                assertEquals(2 * a, swapped.get(1).getFloat(0));
                Map<Tensor, NDArray> mutable = new HashMap<>();
                mutable.put(y, NDArray.scalar(b));
                mutable.put(x, NDArray.scalar(a));
                assertEquals(a * b + b * b * b, run.eval(mutable, z).get(0).getFloat(0), 1e-3f);
                mutable.put(x, NDArray.scalar(b));
                assertEquals(b * b + b * b * b, run.eval(mutable, z).get(0).getFloat(0), 1e-3f);
                assertEquals(7f, run.eval(c).getFloat(0));
                // Equal tensors, not the same objects, find the same plan.
                assertEquals(a * a, run.eval(Map.of(g.wrap(x.node()), NDArray.scalar(a)), g.wrap(square.node()))
                        .get(0).getFloat(0));
            }
            assertEquals(6, run.compiledPrograms(), "one program per distinct set of outputs");
        }
    }

    @Test
    void moreSetsOfOutputsThanRecentPlansStillGiveTheirOwnValues() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            List<Tensor> powers = new ArrayList<>();
            for (int k = 1; k <= 20; k++) {
                powers.add(x.mul(k));
            }
            CompiledGraph run = g.compile();
            for (int round = 0; round < 5; round++) {
                for (int k = 1; k <= 20; k++) {
                    double v = round + 0.5;
                    assertEquals(v * k, run.eval(Map.of(x, NDArray.scalar(v)), powers.get(k - 1)).get(0).getDouble(0));
                }
            }
            assertEquals(20, run.compiledPrograms());
        }
    }

    @Test
    void threadsEvaluatingManySetsOfOutputsAtOnceEachGetTheirOwnValues() throws Exception {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor y = g.input("y", DType.F64);
            List<Tensor> outputs = new ArrayList<>();
            for (int k = 1; k <= 12; k++) {
                outputs.add(x.mul(k).add(y));
            }
            CompiledGraph run = g.compile();
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
                for (int t = 0; t < 4; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 3000; i++) {
                            int k = (i * (thread + 1)) % 12 + 1;
                            double a = thread * 1000 + i;
                            List<NDArray> r = k % 2 == 0
                                    ? run.eval(Map.of(x, NDArray.scalar(a), y, NDArray.scalar((double) thread)),
                                            outputs.get(k - 1))
                                    : run.eval(Map.of(x, NDArray.scalar(a), y, NDArray.scalar((double) thread)),
                                            outputs.get(k - 1), outputs.get(0));
                            assertEquals(a * k + thread, r.get(0).getDouble(0));
                            if (k % 2 != 0) {
                                assertEquals(a + thread, r.get(1).getDouble(0));
                            }
                        }
                        return null;
                    }));
                }
                for (var f : done) {
                    f.get();
                }
            }
        }
    }

    @Test
    void parametersAreReadAtEachRun() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor w = g.scalar("w", 2.0f);
            Tensor y = x.mul(w);
            CompiledGraph run = g.compile();
            assertEquals(6f, run.eval(Map.of(x, NDArray.scalar(3f)), y).get(0).getFloat(0));
            run.setParameter(w, NDArray.scalar(5f));
            assertEquals(15f, run.eval(Map.of(x, NDArray.scalar(3f)), y).get(0).getFloat(0));
            run.run(Map.of(), List.of(), Map.of(w, w.add(1)));
            assertEquals(18f, run.eval(Map.of(x, NDArray.scalar(3f)), y).get(0).getFloat(0));
        }
    }

    @Test
    void theResultListIsTheCallersOwn() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor y = x.mul(2);
            CompiledGraph run = g.compile();
            run.eval(Map.of(x, NDArray.scalar(1f)), y);
            List<NDArray> results = run.eval(Map.of(x, NDArray.scalar(1f)), y);
            results.add(NDArray.scalar(0f));
            results.set(0, NDArray.scalar(9f));
            assertEquals(2f, run.eval(Map.of(x, NDArray.scalar(1f)), y).get(0).getFloat(0));
        }
    }

    @Test
    void theOutputsArrayMayChangeAfterACall() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor twice = x.mul(2);
            Tensor thrice = x.mul(3);
            CompiledGraph run = g.compile();
            Tensor[] outputs = {twice};
            assertEquals(2f, run.eval(Map.of(x, NDArray.scalar(1f)), outputs).get(0).getFloat(0));
            outputs[0] = thrice;
            assertEquals(3f, run.eval(Map.of(x, NDArray.scalar(1f)), outputs).get(0).getFloat(0));
            outputs[0] = twice;
            assertEquals(2f, run.eval(Map.of(x, NDArray.scalar(1f)), outputs).get(0).getFloat(0));
        }
    }

    /**
     * Every bad call, made after the same outputs ran well (their plan is kept), fails as it does
     * on a compiled graph that never ran them.
     */
    @Test
    void errorsAfterAGoodRunAreThoseOfAFirstRun() {
        try (Graph g = Graph.create(); Graph other = Graph.create()) {
            Tensor x = g.input("x");
            Tensor y = g.input("y");
            Tensor w = g.scalar("w", 1f);
            Tensor v = g.input("v", DType.F32, 2);
            Tensor out = x.mul(x).add(w);
            Tensor foreign = other.input("x");
            NDArray one = NDArray.scalar(1f);
            Map<Tensor, NDArray> withNull = new HashMap<>();
            withNull.put(x, null);
            Map<Tensor, NDArray> nullKey = new HashMap<>();
            nullKey.put(x, one);
            nullKey.put(null, one);
            List<Function<CompiledGraph, Executable>> badCalls = List.of(
                    run -> () -> run.eval(Map.of(), out),
                    run -> () -> run.eval(Map.of(y, one), out),
                    run -> () -> run.eval(Map.of(x, NDArray.scalar(1.0)), out),
                    run -> () -> run.eval(Map.of(x, NDArray.of(new float[] {1}, 1)), out),
                    run -> () -> run.eval(Map.of(x, NDArray.scalar(Float.NaN)), out),
                    run -> () -> run.eval(Map.of(x, one, y, NDArray.scalar(2.0)), out),
                    run -> () -> run.eval(Map.of(x, one, v, one), out),
                    run -> () -> run.eval(Map.of(x, one, w, one), out),
                    run -> () -> run.eval(Map.of(x, one, out, one), out),
                    run -> () -> run.eval(Map.of(x, one, foreign, one), out),
                    run -> () -> run.eval(Map.of(foreign, one), out),
                    run -> () -> run.eval(withNull, out),
                    run -> () -> run.eval(nullKey, out),
                    run -> () -> run.eval((Map<Tensor, NDArray>) null, out),
                    run -> () -> run.eval(Map.of(x, one), out, foreign),
                    run -> () -> run.eval(Map.of(x, one), out, null),
                    run -> () -> run.eval(Map.of(x, one), (Tensor[]) null));
            for (boolean checkFinite : new boolean[] {false, true}) {
                for (int i = 0; i < badCalls.size(); i++) {
                    CompiledGraph fresh = g.compile(Device.cpu(), checkFinite);
                    CompiledGraph warm = g.compile(Device.cpu(), checkFinite);
                    for (int k = 0; k < 3; k++) {
                        assertEquals(2f, warm.eval(Map.of(x, one), out).get(0).getFloat(0));
                        assertEquals(2f, warm.eval(Map.of(x, one, y, one), out).get(0).getFloat(0));
                    }
                    Throwable first = caught(badCalls.get(i).apply(fresh));
                    Throwable again = caught(badCalls.get(i).apply(warm));
                    String which = "bad call " + i + (checkFinite ? " with finite checks" : "");
                    if (first == null) {
                        assertThat(again).as(which).isNull();
                    } else {
                        assertThat(again).as(which).isNotNull();
                        assertEquals(first.getClass(), again.getClass(), which);
                        assertEquals(first.getMessage(), again.getMessage(), which);
                    }
                    fresh.close();
                    warm.close();
                }
            }
        }
    }

    @Test
    void anomaliesAfterAGoodRunAreReportedAsInAFirstRun() {
        try (Graph g = Graph.create(GraphOptions.defaults().withAnomalyDetection(true))) {
            Tensor x = g.input("x");
            Tensor y = x.log().mul(2);
            CompiledGraph fresh = g.compile();
            CompiledGraph warm = g.compile();
            assertEquals(0f, warm.eval(Map.of(x, NDArray.scalar(1f)), y).get(0).getFloat(0));
            Throwable first = caught(() -> fresh.eval(Map.of(x, NDArray.scalar(-1f)), y));
            Throwable again = caught(() -> warm.eval(Map.of(x, NDArray.scalar(-1f)), y));
            assertThat(first).isNotNull();
            assertThat(again).isNotNull();
            assertEquals(first.getClass(), again.getClass());
            assertEquals(first.getMessage(), again.getMessage());
        }
    }

    @Test
    void aClosedGraphRefusesOutputsItRanBefore() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor y = x.mul(2);
            CompiledGraph run = g.compile();
            run.eval(Map.of(x, NDArray.scalar(1f)), y);
            run.close();
            NablaException e = assertThrows(NablaException.class, () -> run.eval(Map.of(x, NDArray.scalar(1f)), y));
            assertThat(e.getMessage()).contains("eval: this compiled graph is closed");
        }
    }

    @Test
    void aMapKeyedByIdentityStillFindsItsInputs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor y = x.mul(2);
            CompiledGraph run = g.compile();
            Map<Tensor, NDArray> byIdentity = new IdentityHashMap<>();
            byIdentity.put(g.wrap(x.node()), NDArray.scalar(4f));
            for (int i = 0; i < 3; i++) {
                assertEquals(8f, run.eval(byIdentity, y).get(0).getFloat(0));
                assertEquals(8f, run.eval(new LinkedHashMap<>(byIdentity), y).get(0).getFloat(0));
            }
        }
    }

    private static Throwable caught(Executable call) {
        try {
            call.execute();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}

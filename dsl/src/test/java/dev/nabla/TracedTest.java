package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Inputs of varying shape: one trace and one compiled program per combination of shapes. */
class TracedTest {

    private static NDArray rows(int n, int features, double phase) {
        double[] v = new double[n * features];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sin(0.61 * i + phase);
        }
        return NDArray.fromDoubles(DType.F64, Shape.of(n, features), v);
    }

    @Test
    void evaluationTracesOncePerBatchSizeAndMatchesAFixedGraph() {
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, Sequential.of(new Linear(5, 7), Layers.tanh(), new Linear(7, 3)), DType.F64, 2);
            Traced<Tensor> predict = Traced.of(g, List.of(InputSpec.of("x", DType.F64, 4, 5).dynamic(0)),
                    in -> net.evaluate(in.get(0)));
            CompiledGraph run = g.compile();
            for (int pass = 0; pass < 2; pass++) {
                for (int n = 1; n <= 6; n++) {
                    NDArray x = rows(n, 5, n);
                    NDArray traced = run.eval(predict, x);
                    Tensor fixed = g.input("fixed" + n + "_" + pass, DType.F64, n, 5);
                    NDArray expected = run.eval(java.util.Map.of(fixed, x), net.evaluate(fixed)).get(0);
                    assertArrayEquals(expected.toDoubleArray(), traced.toDoubleArray(), 0, "batch of " + n);
                }
            }
            // Sizes 1..6 (4 traced first): six traces, six programs for them, however often fed.
            assertEquals(6, predict.size());
            assertSame(predict.first(), predict.variant(rows(4, 5, 0)));
        }
    }

    @Test
    void aTrainerTakesThePartialLastBatchWithTwoStepPrograms() {
        // Linear regression in f64 with plain SGD, checked against the gradient written out by hand.
        int features = 3;
        int total = 50;
        int batch = 16;
        double lr = 0.1;
        NDArray xs = rows(total, features, 0.3);
        double[] targets = new double[total];
        for (int i = 0; i < total; i++) {
            targets[i] = Math.cos(0.2 * i);
        }
        double[] w = {0.5, -0.25, 0.125};
        double b = 0.0625;
        try (Graph g = Graph.create()) {
            Tensor weight = g.parameter("w", NDArray.of(w.clone(), features, 1));
            Tensor bias = g.parameter("b", NDArray.of(new double[] {b}, 1));
            Trainer sgd = Trainer.builder(g, List.of(InputSpec.of("x", DType.F64, batch, features).dynamic(0),
                            InputSpec.of("t", DType.F64, batch, 1).dynamic(0)),
                    in -> in.get(0).matmul(weight).add(bias).sub(in.get(1)).pow(2).mean())
                    .group(Optimizers.sgd(lr)).build();
            for (int epoch = 0; epoch < 3; epoch++) {
                for (int start = 0; start < total; start += batch) {
                    int n = Math.min(batch, total - start);
                    double[] xb = java.util.Arrays.copyOfRange(xs.toDoubleArray(), start * features, (start + n) * features);
                    double[] tb = java.util.Arrays.copyOfRange(targets, start, start + n);
                    sgd.step(NDArray.of(xb, n, features), NDArray.of(tb, n, 1));
                    // The same step by hand: d/dw mean((xw + b - t)^2) = 2/n x^T (xw + b - t).
                    double[] gw = new double[features];
                    double gb = 0;
                    for (int i = 0; i < n; i++) {
                        double r = b - tb[i];
                        for (int f = 0; f < features; f++) {
                            r += xb[i * features + f] * w[f];
                        }
                        for (int f = 0; f < features; f++) {
                            gw[f] += 2 * r * xb[i * features + f] / n;
                        }
                        gb += 2 * r / n;
                    }
                    for (int f = 0; f < features; f++) {
                        w[f] -= lr * gw[f];
                    }
                    b -= lr * gb;
                }
            }
            assertArrayEquals(w, sgd.parameter(weight).toDoubleArray(), 1e-12);
            assertEquals(b, sgd.parameter(bias).item(), 1e-12);
            // Batches of 16 and one of 2, over three epochs: two step programs, compiled once each.
            assertEquals(2, sgd.stepPrograms());
            assertEquals(2, sgd.compiled().compiledPrograms());
            sgd.close();
        }
    }

    @Test
    void runningStatisticsMoveOncePerStepWhateverTheBatch() {
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, Sequential.of(new Linear(4, 3), new BatchNorm1d(3)), DType.F64, 1);
            Trainer sgd = Trainer.builder(g, List.of(InputSpec.of("x", DType.F64, 8, 4).dynamic(0)),
                    in -> net.forward(in.get(0)).pow(2).mean()).group(Optimizers.sgd(0.01)).build();
            sgd.step(rows(8, 4, 0));
            sgd.step(rows(3, 4, 1));
            sgd.step(rows(8, 4, 2));
            assertEquals(3.0, net.values().get("1.num_batches_tracked").item());
            sgd.close();
        }
    }

    @Test
    void badValuesAndShapesAreNamedAtTheFirstRunThatHasThem() {
        try (Graph g = Graph.create()) {
            Tensor scale = g.constant(rows(4, 2, 0));
            Traced<Tensor> f = Traced.of(g, List.of(InputSpec.of("x", DType.F64, 4, 2).dynamic(0)),
                    in -> in.get(0).mul(scale).sum());
            CompiledGraph run = g.compile();
            var rank = assertThrows(FeedException.class, () -> run.eval(f, NDArray.of(new double[8], 8)));
            assertTrue(rank.getMessage().contains("input 'x' expects f64[*,2] ('*' takes any size), got f64[8]"),
                    rank.getMessage());
            var fixedAxis = assertThrows(FeedException.class, () -> run.eval(f, rows(4, 3, 0)));
            assertTrue(fixedAxis.getMessage().contains("got f64[4,3]"), fixedAxis.getMessage());
            var count = assertThrows(FeedException.class, () -> run.eval(f));
            assertTrue(count.getMessage().contains("expected 1 values ([x]), got 0"), count.getMessage());
            // The body multiplies by a [4, 2] constant: 5 rows do not broadcast, and say so, every time.
            var first = assertThrows(NablaException.class, () -> run.eval(f, rows(5, 2, 0)));
            assertTrue(first.getMessage().contains("[5,2]") && first.getMessage().contains("[4,2]"), first.getMessage());
            var again = assertThrows(NablaException.class, () -> run.eval(f, rows(5, 2, 0)));
            assertEquals(first.getMessage(), again.getMessage());
            assertEquals(1, f.size());
            var bad = assertThrows(NablaException.class, () -> InputSpec.f32("y", 3).dynamic(1));
            assertTrue(bad.getMessage().contains("axis 1 cannot vary"), bad.getMessage());
        }
    }
}

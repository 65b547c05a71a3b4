package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.AnomalyException;
import dev.nabla.core.DType;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Anomaly detection names the node where NaN or infinity first appears: its op, its shapes and the
 * line of user code that built it, whatever the backend fused, and a training step that would
 * make one commits nothing.
 */
class AnomalyDetectionTest {
    private static final GraphOptions DETECT = GraphOptions.defaults().withAnomalyDetection(true);

    private static int lineOf(String marker) {
        // The line numbers below are where the tensors are built; the report must point there.
        return new Throwable().getStackTrace()[1].getLineNumber();
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void theFirstNodeToMakeNaNIsNamedWithWhereItWasBuilt(String backend) {
        try (Graph g = Graph.create(DETECT)) {
            Tensor x = g.input("x", DType.F32, 4);
            Tensor shifted = x.sub(1);
            int logLine = lineOf("log"); Tensor logs = shifted.log();
            Tensor loss = logs.mul(2).exp().add(x.sin()).sum();
            var run = g.compile(Device.host(backend));
            NDArray fine = NDArray.of(new float[] {2, 3, 4, 5}, 4);
            assertTrue(Double.isFinite(run.eval(Map.of(x, fine), loss).get(0).item()));

            NDArray bad = NDArray.of(new float[] {2, 3, 0.5f, 5}, 4);
            AnomalyException e = assertThrows(AnomalyException.class, () -> run.eval(Map.of(x, bad), loss));
            assertThat(e.getMessage()).contains("eval: output 0").contains("holds NaN")
                    .contains("first appears in log(").contains("f32[4]").contains("at flat index 2")
                    .contains("= -0.5").contains("AnomalyDetectionTest.java:" + logLine);
            assertThat(e.site()).contains("AnomalyDetectionTest.java:" + logLine);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void valuesThatAGraphMasksAreNotAnomalies(String backend) {
        try (Graph g = Graph.create(DETECT)) {
            Tensor x = g.input("x", DType.F64, 3);
            // log of the negative elements is NaN, but where never selects it.
            Tensor safe = Nabla.where(x.gt(0), x.log(), x.mul(0.0)).sum();
            NDArray xs = NDArray.of(new double[] {-1, 0, 2}, 3);
            assertEquals(Math.log(2), g.compile(Device.host(backend)).eval(Map.of(x, xs), safe).get(0).item());
            // Selected, it is the log's doing, not the where's.
            Tensor unsafe = Nabla.where(x.lt(1), x.log(), x).sum();
            AnomalyException e = assertThrows(AnomalyException.class,
                    () -> g.compile(Device.host(backend)).eval(Map.of(x, xs), unsafe));
            assertThat(e.getMessage()).contains("first appears in log(");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void aParameterOrFeedHoldingNaNIsNamed(String backend) {
        try (Graph g = Graph.create(DETECT)) {
            Tensor w = g.parameter("w", NDArray.of(new double[] {1, Double.NaN, 3}, 3));
            Tensor x = g.input("x", DType.F64, 3);
            var run = g.compile(Device.host(backend));
            AnomalyException e = assertThrows(AnomalyException.class,
                    () -> run.eval(Map.of(x, NDArray.of(new double[] {1, 2, 3}, 3)), w.mul(x).sum()));
            assertThat(e.getMessage()).contains("comes from parameter w:f64[3]").contains("NaN at flat index 1");
            run.setParameter(w, NDArray.of(new double[] {1, 2, 3}, 3));
            e = assertThrows(AnomalyException.class,
                    () -> run.eval(Map.of(x, NDArray.of(new double[] {1, Double.NEGATIVE_INFINITY, 3}, 3)), w.mul(x)));
            assertThat(e.getMessage()).contains("comes from input x:f64[3]").contains("-Infinity at flat index 1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void aStepThatWouldMakeNaNCommitsNothing(String backend) {
        try (Graph g = Graph.create(DETECT)) {
            Tensor a = g.scalar("a", 1.0f);
            Tensor x = g.input("x");
            Tensor loss = a.mul(x).exp();
            try (Trainer t = Trainer.builder(loss).group(Optimizers.sgd(1.0)).device(Device.host(backend)).build()) {
                t.step(Map.of(x, NDArray.scalar(1f)));
                NDArray before = t.parameter(a);
                // a is now 1 - e: exp(-200a) overflows, so the loss and the update are infinite.
                AnomalyException e = assertThrows(AnomalyException.class, () -> t.step(Map.of(x, NDArray.scalar(-200f))));
                assertThat(e.getMessage()).contains("run:").contains("first appears in exp(");
                assertEquals(before, t.parameter(a), "the failed step changed nothing");
                t.step(Map.of(x, NDArray.scalar(1f)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void scalarFunctionsAndEvalIntoAreChecked(String backend) {
        try (Graph g = Graph.create(DETECT)) {
            Tensor x = g.input("x", DType.F64);
            int sqrtLine = lineOf("sqrt"); Tensor root = x.sqrt();
            var run = g.compile(Device.host(backend));
            ScalarFunction f = run.function(root.add(1), x);
            assertEquals(3.0, f.apply(4.0));
            AnomalyException e = assertThrows(AnomalyException.class, () -> f.apply(-4.0));
            assertThat(e.getMessage()).contains("function:").contains("first appears in sqrt(")
                    .contains(":" + sqrtLine);
            Tensor v = g.input("v", DType.F64, 2);
            double[] into = new double[2];
            assertThrows(AnomalyException.class,
                    () -> run.evalInto(Map.of(v, NDArray.of(new double[] {1, -1}, 2)), v.log(), into));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void withoutDetectionNaNIsAnOrdinaryResult(String backend) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            List<NDArray> got = g.compile(Device.host(backend)).eval(Map.of(x, NDArray.scalar(-1.0)), x.log());
            assertTrue(Double.isNaN(got.get(0).item()));
        }
    }
}

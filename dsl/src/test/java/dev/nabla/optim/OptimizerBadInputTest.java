package dev.nabla.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.compiler.NablaException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each bad optimizer setting fails where it is written, naming the setting and the valid range. */
class OptimizerBadInputTest {
    private static String message(Runnable r) {
        return assertThrows(NablaException.class, r::run).getMessage();
    }

    @Test
    void negativeLearningRate() {
        assertThat(message(() -> Optimizers.sgd(-0.1))).contains("sgd").contains("learning rate").contains("-0.1");
        assertThat(message(() -> Optimizers.adam(-1))).contains("adam").contains("learning rate");
        assertThat(message(() -> Optimizers.rmsprop(Double.NaN))).contains("rmsprop").contains("NaN");
        assertThat(message(() -> Optimizers.adagrad(-0.5))).contains("adagrad");
    }

    @Test
    void betasOutsideUnitInterval() {
        assertThat(message(() -> Optimizers.adam(0.1).withBetas(1.0, 0.999))).contains("beta1").contains("[0, 1)");
        assertThat(message(() -> Optimizers.adamW(0.1).withBetas(0.9, -0.1))).contains("adamW").contains("beta2");
    }

    @Test
    void nesterovNeedsMomentumWithoutDampening() {
        assertThat(message(() -> Optimizers.sgd(0.1).withNesterov(true))).contains("Nesterov").contains("momentum");
    }

    @Test
    void lossMustBeAScalar() {
        try (var g = Graph.create()) {
            Tensor w = g.parameter("w", dev.nabla.runtime.NDArray.of(new float[] {1, 2}, 2));
            assertThat(message(() -> Optimizers.sgd(0.1).minimize(w.mul(2))))
                    .contains("loss must be a floating scalar").contains("[2]");
        }
    }

    @Test
    void parameterMustBelongToTheGraph() {
        try (var g = Graph.create(); var other = Graph.create()) {
            Tensor a = g.scalar("a", 1.0f);
            Tensor b = other.scalar("b", 1.0f);
            assertThat(message(() -> Optimizers.sgd(0.1).minimize(a.pow(2), List.of(b))))
                    .contains("b:f32[]").contains("another graph");
        }
    }

    @Test
    void onlyParametersCanBeTrained() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x");
            Tensor a = g.scalar("a", 1.0f);
            assertThat(message(() -> Optimizers.sgd(0.1).minimize(a.mul(x), List.of(x))))
                    .contains("x:f32[]").contains("not a parameter");
        }
    }

    @Test
    void scheduleStepNeedsASchedule() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 1.0f);
            try (var t = Optimizers.sgd(0.1).minimize(a.pow(2))) {
                assertThat(message(t::scheduleStep)).contains("no learning-rate schedule");
            }
        }
    }

    @Test
    void aParameterBelongsToOneGroupOnce() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 1.0f);
            Tensor b = g.scalar("b", 1.0f);
            Tensor loss = a.mul(b);
            assertThat(message(() -> Trainer.builder(loss).group(Optimizers.sgd(0.1), List.of(a))
                    .group(Optimizers.adam(0.1), List.of(b, a)))).contains("a:f32[]").contains("two parameter groups");
            assertThat(message(() -> Optimizers.sgd(0.1).minimize(loss, List.of(a, b, a))))
                    .contains("a:f32[]").contains("listed twice");
            assertThat(message(() -> Optimizers.sgd(0.1).imperative(loss, List.of(b, b)))).contains("listed twice");
        }
    }
}

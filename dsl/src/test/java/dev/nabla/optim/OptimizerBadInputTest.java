package dev.nabla.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import java.util.List;
import java.util.function.DoubleFunction;
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
            Tensor w = g.parameter("w", dev.nabla.core.NDArray.of(new float[] {1, 2}, 2));
            assertThat(message(() -> Optimizers.sgd(0.1).minimize(w.mul(2))))
                    .contains("loss must be a floating scalar").contains("[2]");
            assertThat(message(() -> Optimizers.sgd(0.1).minimize(w.sum().gt(0))))
                    .contains("minimize: the loss must be a floating scalar").contains("bool[]");
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
            assertThat(message(() -> Trainer.builder(loss).group(Optimizers.sgd(0.1), List.of(a, a))))
                    .contains("a:f32[]").contains("listed twice");
        }
    }

    /** Rejects -1, NaN and infinity for a setting, naming it; accepts 0 and a finite positive value. */
    private static void checksNonNegative(String optimizer, String setting, DoubleFunction<Optimizer> make) {
        for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThat(message(() -> make.apply(bad))).as("%s %s = %s", optimizer, setting, bad)
                    .contains(optimizer + ": " + setting + " must be a finite number >= 0").contains(String.valueOf(bad));
        }
        assertDoesNotThrow(() -> make.apply(0));
        assertDoesNotThrow(() -> make.apply(0.5));
    }

    @Test
    void everyHyperParameterIsChecked() {
        checksNonNegative("sgd", "learning rate", Optimizers::sgd);
        checksNonNegative("sgd", "momentum", m -> Optimizers.sgd(0.1).withMomentum(m));
        checksNonNegative("sgd", "weight decay", w -> Optimizers.sgd(0.1).withWeightDecay(w));
        checksNonNegative("adam", "learning rate", Optimizers::adam);
        checksNonNegative("adam", "eps", e -> Optimizers.adam(0.1).withEps(e));
        checksNonNegative("adam", "weight decay", w -> Optimizers.adam(0.1).withWeightDecay(w));
        checksNonNegative("adamW", "eps", e -> Optimizers.adamW(0.1).withEps(e));
        checksNonNegative("adamW", "weight decay", w -> Optimizers.adamW(0.1).withWeightDecay(w));
        checksNonNegative("rmsprop", "learning rate", Optimizers::rmsprop);
        checksNonNegative("rmsprop", "alpha", a -> Optimizers.rmsprop(0.1).withAlpha(a));
        checksNonNegative("rmsprop", "eps", e -> Optimizers.rmsprop(0.1).withEps(e));
        checksNonNegative("rmsprop", "weight decay", w -> Optimizers.rmsprop(0.1).withWeightDecay(w));
        checksNonNegative("rmsprop", "momentum", m -> Optimizers.rmsprop(0.1).withMomentum(m));
        checksNonNegative("adagrad", "learning rate", Optimizers::adagrad);
        checksNonNegative("adagrad", "lr decay", d -> Optimizers.adagrad(0.1).withLrDecay(d));
        checksNonNegative("adagrad", "weight decay", w -> Optimizers.adagrad(0.1).withWeightDecay(w));
        checksNonNegative("adagrad", "initial accumulator value",
                v -> Optimizers.adagrad(0.1).withInitialAccumulatorValue(v));
        checksNonNegative("adagrad", "eps", e -> Optimizers.adagrad(0.1).withEps(e));
    }

    @Test
    void betasMayBeZeroButNotOneOrNegativeOrNaN() {
        assertDoesNotThrow(() -> Optimizers.adam(0.1).withBetas(0, 0));
        assertThat(message(() -> Optimizers.adam(0.1).withBetas(-0.1, 0.9))).contains("adam: beta1").contains("-0.1");
        assertThat(message(() -> Optimizers.adam(0.1).withBetas(0.9, 1.0))).contains("adam: beta2").contains("1.0");
        assertThat(message(() -> Optimizers.adam(0.1).withBetas(Double.NaN, 0.9))).contains("beta1").contains("NaN");
    }

    @Test
    void nesterovNeedsZeroDampening() {
        assertThat(message(() -> Optimizers.sgd(0.1).withMomentum(0.9).withDampening(0.1).withNesterov(true)))
                .contains("Nesterov").contains("dampening 0.1");
        assertDoesNotThrow(() -> Optimizers.sgd(0.1).withMomentum(0.9).withNesterov(true));
    }

    @Test
    void aTrainerNeedsAGroupThatReachesTheLoss() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 1.0f);
            Tensor unused = g.scalar("unused", 1.0f);
            assertThat(message(() -> Trainer.builder(a.pow(2)).build())).contains("at least one parameter group");
            assertThat(message(() -> Trainer.builder(a.pow(2)).group(Optimizers.sgd(0.1), List.of(unused)).build()))
                    .contains("depends on none of the parameters given");
            assertThat(message(() -> Optimizers.sgd(0.1).imperative(a.pow(2), List.of())))
                    .contains("name at least one parameter");
        }
    }

    @Test
    void clippingBoundsMustBeNonNegative() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 1.0f);
            assertThat(message(() -> Trainer.builder(a.pow(2)).clipGradNorm(-1))).contains("clipGradNorm")
                    .contains("max norm");
            assertThat(message(() -> Trainer.builder(a.pow(2)).clipGradValue(Double.NaN))).contains("clipGradValue")
                    .contains("clip value");
        }
    }

    @Test
    void schedulesCheckTheirArguments() {
        assertThat(message(() -> LrSchedules.step(0, 0.5))).contains("step size must be positive, got 0");
        assertThat(message(() -> LrSchedules.cosine(0, 0))).contains("tMax must be positive, got 0");
        assertThat(message(() -> LrSchedules.linearWarmup(0, 5))).contains("0 < startFactor <= 1");
        assertThat(message(() -> LrSchedules.linearWarmup(1.5, 5))).contains("1.5");
        assertThat(message(() -> LrSchedules.linearWarmup(0.5, 0))).contains("warmupEpochs > 0");
        // The bounds themselves are valid: a step every epoch, one epoch of cosine, no warm-up at all.
        assertEquals(0.25, LrSchedules.step(1, 0.5).lr(1, 2));
        assertEquals(0.0, LrSchedules.cosine(1, 0).lr(1, 1), 1e-15);
        assertEquals(1.0, LrSchedules.linearWarmup(1, 1).lr(1, 0));
    }

    @Test
    void groupLearningRatesAreReadByIndex() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 1.0f);
            Tensor b = g.scalar("b", 2.0f);
            try (Trainer t = Trainer.builder(a.mul(b)).group(Optimizers.sgd(0.1), List.of(a))
                    .group(Optimizers.sgd(0.2), List.of(b)).schedule(LrSchedules.exponential(0.5)).build()) {
                assertEquals(0.1, t.lr(0));
                assertEquals(0.2, t.lr(1));
                t.scheduleStep();
                assertEquals(0.05, t.lr(0));
                assertEquals(0.1, t.lr(1));
                assertThat(message(() -> t.lr(2))).contains("group 2 does not exist").contains("2 parameter groups");
                assertThat(message(() -> t.lr(-1))).contains("group -1 does not exist");
            }
            try (Trainer t = Optimizers.sgd(0.3).minimize(a.mul(b))) {
                assertThat(message(() -> t.lr(1))).endsWith("this trainer has 1 parameter group");
            }
            // A group whose parameters the loss does not reach trains nothing but keeps its rate.
            Tensor unused = g.scalar("unused", 1.0f);
            try (Trainer t = Trainer.builder(a.mul(b)).group(Optimizers.sgd(0.1), List.of(a, b))
                    .group(Optimizers.sgd(0.7), List.of(unused)).build()) {
                assertEquals(0.7, t.lr(1));
            }
        }
    }

    @Test
    void closedOptimizersRefuseEveryCall() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 1.0f);
            Trainer t = Optimizers.sgd(0.1).minimize(a.pow(2));
            t.close();
            assertThat(message(t::step)).contains("step: this trainer is closed");
            assertThat(message(() -> t.lr(0))).contains("lr: this trainer is closed");
            assertThat(message(() -> t.parameter(a))).contains("parameter: this trainer is closed");
            assertThat(message(t::compiled)).contains("compiled: this trainer is closed");
            assertThat(message(t::scheduleStep)).contains("scheduleStep: this trainer is closed");
            ImperativeOptimizer opt = Optimizers.sgd(0.1).imperative(a.pow(2), List.of(a));
            assertThat(message(() -> opt.grad(g.scalar("c", 1.0f)))).contains("c:f32[]").contains("not optimized here");
            opt.close();
            assertThat(message(opt::zeroGrad)).contains("zeroGrad: this optimizer is closed");
            assertThat(message(opt::backward)).contains("backward: this optimizer is closed");
            assertThat(message(opt::step)).contains("step: this optimizer is closed");
            assertThat(message(() -> opt.parameter(a))).contains("parameter: this optimizer is closed");
            assertThat(message(() -> opt.grad(a))).contains("grad: this optimizer is closed");
        }
    }
}

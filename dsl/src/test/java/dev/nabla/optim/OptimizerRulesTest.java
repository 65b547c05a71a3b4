package dev.nabla.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What the PyTorch goldens (1e-6 relative) cannot see: rounding-level details of the update
 * rules, checked bit for bit in float64 against the rule written out in Java, and how trainers
 * share parameters between groups and release what they hold.
 */
class OptimizerRulesTest {
    private static final double[] W0 = {0.3, -1.2, 2.5};
    private static final double[] C = {0.7, -0.4, 1.3};

    /** The parameters after each of {@code steps} steps of a trainer on f(w) = sum(w * C) or its negation. */
    private static double[][] trajectory(boolean negate, Function<Tensor, Trainer> trainer, int steps) {
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", NDArray.of(W0.clone(), 3));
            Tensor c = g.constant(NDArray.of(C.clone(), 3));
            Tensor f = w.mul(w).mul(c).add(w.sin()).sum();
            try (Trainer t = trainer.apply(negate ? f.neg() : f)) {
                double[][] out = new double[steps][];
                for (int i = 0; i < steps; i++) {
                    t.step();
                    out[i] = t.parameter(w).toDoubleArray();
                }
                return out;
            }
        }
    }

    @Test
    void maximizingIsMinimizingTheNegationBitForBit() {
        List<Optimizer> optimizers = List.of(
                Optimizers.sgd(0.05).withMomentum(0.9).withWeightDecay(0.01),
                Optimizers.adam(0.05).withWeightDecay(0.01).withAmsgrad(true),
                Optimizers.adamW(0.05),
                Optimizers.rmsprop(0.01).withMomentum(0.5).withCentered(true).withEps(1e-6),
                Optimizers.adagrad(0.1).withLrDecay(0.01).withEps(1e-8));
        for (Optimizer o : optimizers) {
            Optimizer maximizing = switch (o) {
                case Sgd s -> s.withMaximize(true);
                case Adam a -> a.withMaximize(true);
                case RMSprop r -> r.withMaximize(true);
                case Adagrad a -> a.withMaximize(true);
            };
            double[][] minimized = trajectory(true, o::minimize, 15);
            double[][] maximized = trajectory(false, maximizing::minimize, 15);
            for (int i = 0; i < 15; i++) {
                assertArrayEquals(minimized[i], maximized[i], o + ", step " + (i + 1));
            }
            assertThat(maximized[14][0]).as("%s moves the parameter", o).isNotEqualTo(W0[0]);
        }
    }

    @Test
    void rmspropWithoutMomentumRoundsEachOperationAsPyTorch() {
        // f = sum(w * C): the gradient is C exactly. PyTorch: square_avg.mul_(alpha).addcmul_(g, g,
        // value=1-alpha); avg = square_avg.sqrt().add_(eps); param.addcdiv_(g, avg, value=-lr):
        // without momentum the update is not a fused multiply-add.
        double lr = 0.01;
        double alpha = 0.99;
        double eps = 1e-8;
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", NDArray.of(W0.clone(), 3));
            Tensor f = w.mul(g.constant(NDArray.of(C.clone(), 3))).sum();
            double[] expected = W0.clone();
            double[] sq = new double[3];
            try (Trainer t = Optimizers.rmsprop(lr).minimize(f)) {
                for (int step = 1; step <= 20; step++) {
                    t.step();
                    for (int i = 0; i < 3; i++) {
                        sq[i] = alpha * sq[i] + (1 - alpha) * (C[i] * C[i]);
                        expected[i] = expected[i] - lr * (C[i] / (Math.sqrt(sq[i]) + eps));
                    }
                    assertArrayEquals(expected, t.parameter(w).toDoubleArray(), "step " + step);
                }
            }
        }
    }

    @Test
    void aGroupWithoutParametersTakesTheOnesNoEarlierGroupClaimed() {
        try (Graph g = Graph.create()) {
            Tensor a = g.scalar("a", 1.0);
            Tensor b = g.scalar("b", 2.0);
            try (Trainer t = Trainer.builder(a.mul(b)).group(Optimizers.sgd(0.1), List.of(a))
                    .group(Optimizers.adam(0.5)).build()) {
                t.step();
                // SGD on a: 1 - 0.1 * b. Adam's first step on b: 2 - 0.5 * g / (|g| + eps), g = a = 1.
                assertEquals(1 - 0.1 * 2, t.parameter(a).item());
                assertEquals(2 - 0.5 * (1 / (1 + 1e-8)), t.parameter(b).item(), 1e-15);
                assertEquals(0.5, t.lr(1));
            }
        }
    }

    @Test
    void aTrainerRunsOnTheDeviceItIsGiven() {
        try (Graph g = Graph.create()) {
            Tensor a = g.scalar("a", 3.0);
            Device reference = Device.of("reference:cpu");
            try (Trainer t = Trainer.builder(a.mul(a)).group(Optimizers.sgd(0.1)).device(reference).build()) {
                assertEquals(reference, t.compiled().device());
                t.step();
                assertEquals(3 - 0.1 * 6, t.parameter(a).item(), 1e-15);
            }
            try (Trainer t = Optimizers.sgd(0.1).minimize(a.mul(a))) {
                assertEquals(Device.best(), t.compiled().device());
            }
        }
    }

    @Test
    void closingATrainerClosesTheGraphItCompiled() {
        try (Graph g = Graph.create()) {
            Tensor a = g.scalar("a", 3.0);
            Trainer t = Optimizers.sgd(0.1).minimize(a.mul(a));
            CompiledGraph compiled = t.compiled();
            t.step();
            assertEquals(3 - 0.1 * 6, compiled.parameter(a).item(), 1e-15);
            t.close();
            assertThat(assertThrows(NablaException.class, () -> compiled.eval(a)).getMessage()).contains("closed");
        }
    }
}

package dev.nabla.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A gradient step fed the gradients a separate program computed takes the same steps as a
 * trainer's fused step, for SGD (momentum, Nesterov, weight decay) and Adam (AMSGrad, AdamW);
 * its state resumes exactly in a new step; bad gradients are refused by parameter name.
 */
class GradientStepTest {
    private static final int STEPS = 5;
    private static final int ROWS = 16;

    /**
     * A small regression network, its mean squared error over a fixed batch, and the batch. Only
     * arithmetic, ReLU and square roots, all exact to the bit in every run: the JVM's vector exp
     * and tanh may round differently before and after the JIT compiles them (ARCHITECTURE,
     * "Repeatability"), which would blur what these tests compare.
     */
    private record Net(Graph graph, Model model, Tensor x, Tensor y, Tensor loss) implements AutoCloseable {
        static Net create() {
            Graph g = Graph.create();
            Model m = Model.create(g, Sequential.of(new Linear(6, 8), Layers.relu(), new Linear(8, 3)), 5);
            Tensor x = g.input("x", ROWS, 6);
            Tensor y = g.input("y", ROWS, 3);
            Tensor error = m.forward(x).sub(y);
            return new Net(g, m, x, y, error.mul(error).mean());
        }

        List<Tensor> params() {
            return List.copyOf(model.parameters().values());
        }

        @Override
        public void close() {
            graph.close();
        }
    }

    private static Optimizer optimizer(String name) {
        return switch (name) {
            case "sgd" -> Optimizers.sgd(0.1).withMomentum(0.9).withNesterov(true).withWeightDecay(1e-3);
            case "adam" -> Optimizers.adam(0.01).withAmsgrad(true);
            case "adamw" -> Optimizers.adamW(0.01).withWeightDecay(0.05);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Map<Tensor, NDArray> batch(Net net, int step) {
        Random r = new Random(step);
        float[] x = new float[ROWS * 6];
        float[] y = new float[ROWS * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) r.nextGaussian();
        }
        return Map.of(net.x(), NDArray.of(x, ROWS, 6), net.y(), NDArray.of(y, ROWS, 3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw"})
    void takesTheTrainersSteps(String name) {
        try (Net fused = Net.create(); Net split = Net.create()) {
            try (Trainer trainer = Trainer.builder(fused.loss()).group(optimizer(name)).build();
                 GradientStep step = GradientStep.of(optimizer(name), split.params());
                 CompiledGraph grads = split.graph().compile()) {
                List<Tensor> gradTensors = split.loss().grad(split.params());
                for (int s = 0; s < STEPS; s++) {
                    trainer.step(batch(fused, s));
                    // The gradient program holds parameters of its own: give it the stepped ones.
                    split.model().load(split.model().values());
                    List<NDArray> g = grads.eval(batch(split, s), gradTensors.toArray(Tensor[]::new));
                    step.step(g);
                }
                for (String p : fused.model().parameters().keySet()) {
                    float[] expected = fused.model().values().get(p).toFloatArray();
                    float[] actual = split.model().values().get(p).toFloatArray();
                    // The trainer computes gradient and update in one program, here they are two:
                    // the same float operations, so the same bits.
                    assertArrayEquals(expected, actual, 0f, name + " " + p);
                }
            }
        }
    }

    @Test
    void stateResumesExactlyInANewStep() {
        Map<String, NDArray> straight;
        try (Net net = Net.create(); GradientStep step = GradientStep.of(optimizer("adam"), net.params());
             CompiledGraph grads = net.graph().compile()) {
            List<Tensor> g = net.loss().grad(net.params());
            for (int s = 0; s < STEPS; s++) {
                net.model().load(net.model().values());
                step.step(grads.eval(batch(net, s), g.toArray(Tensor[]::new)));
            }
            straight = step.state();
        }
        Map<String, NDArray> saved;
        try (Net net = Net.create(); GradientStep step = GradientStep.of(optimizer("adam"), net.params());
             CompiledGraph grads = net.graph().compile()) {
            List<Tensor> g = net.loss().grad(net.params());
            for (int s = 0; s < 2; s++) {
                net.model().load(net.model().values());
                step.step(grads.eval(batch(net, s), g.toArray(Tensor[]::new)));
            }
            saved = step.state();
        }
        assertThat(saved.keySet()).contains("0.weight", "2.bias", "optimizer/group0/0.weight/exp_avg",
                "optimizer/group0/0.weight/max_exp_avg_sq", "optimizer/group0/2.bias/step", "optimizer/group0/2.bias/lr");
        assertEquals(2.0, saved.get("optimizer/group0/2.bias/step").item());
        try (Net net = Net.create(); GradientStep step = GradientStep.of(optimizer("adam"), net.params());
             CompiledGraph grads = net.graph().compile()) {
            step.load(saved);
            List<Tensor> g = net.loss().grad(net.params());
            for (int s = 2; s < STEPS; s++) {
                net.model().load(net.model().values());
                step.step(grads.eval(batch(net, s), g.toArray(Tensor[]::new)));
            }
            Map<String, NDArray> resumed = step.state();
            assertEquals(straight.keySet(), resumed.keySet());
            straight.forEach((k, v) -> assertArrayEquals(v.toDoubleArray(), resumed.get(k).toDoubleArray(), 0, k));
            assertArrayEquals(straight.get("0.weight").toFloatArray(), net.model().values().get("0.weight").toFloatArray(),
                    0f, "the graph sees the stepped values");
        }
    }

    @Test
    void refusesGradientsThatDoNotFit() {
        try (Net net = Net.create(); GradientStep step = GradientStep.of(optimizer("sgd"), net.params())) {
            List<NDArray> good = new ArrayList<>();
            net.params().forEach(p -> good.add(NDArray.full(p.dtype(), p.shape(), 0.5)));
            assertThatThrownBy(() -> step.step(good.subList(0, 3))).isInstanceOf(FeedException.class)
                    .hasMessageContaining("expected 4 gradients, one per parameter ([0.weight, 0.bias, 2.weight, 2.bias]), got 3");
            List<NDArray> wrong = new ArrayList<>(good);
            wrong.set(2, NDArray.full(DType.F32, Shape.of(8, 3), 0));
            assertThatThrownBy(() -> step.step(wrong)).isInstanceOf(FeedException.class)
                    .hasMessage("step: the gradient of '2.weight' must be f32[3,8], got f32[8,3]");
            List<NDArray> missing = new ArrayList<>(good);
            missing.set(1, null);
            assertThatThrownBy(() -> step.step(missing)).isInstanceOf(FeedException.class)
                    .hasMessageContaining("the gradient of '0.bias' must be f32[8], got null");
            float before = net.model().values().get("0.bias").getFloat(0);
            step.step(good);
            // Nesterov's first step: the buffer starts at g' = g + wd p, the step is lr (g' + 0.9 g').
            assertEquals(before - 0.1f * 1.9f * (0.5f + 1e-3f * before), net.model().values().get("0.bias").getFloat(0),
                    1e-6f);

            Map<String, NDArray> state = new java.util.LinkedHashMap<>(step.state());
            state.remove("2.bias");
            state.put("extra", NDArray.scalar(1f));
            assertThatThrownBy(() -> step.load(state)).isInstanceOf(FeedException.class)
                    .hasMessageContaining("missing '2.bias'").hasMessageContaining("unexpected 'extra'");
        }
    }

    @Test
    void refusesWhatCannotBeTrained() {
        try (Net net = Net.create(); Graph other = Graph.create()) {
            Tensor foreign = other.scalar("w", 1f);
            assertThatThrownBy(() -> GradientStep.of(Optimizers.sgd(0.1), List.of())).isInstanceOf(NablaException.class)
                    .hasMessageContaining("at least one parameter");
            assertThatThrownBy(() -> GradientStep.of(Optimizers.sgd(0.1), List.of(net.x())))
                    .hasMessageContaining("is not a floating parameter");
            assertThatThrownBy(() -> GradientStep.of(Optimizers.sgd(0.1), List.of(net.params().get(0), foreign)))
                    .hasMessageContaining("belongs to another graph");
            assertThatThrownBy(() -> GradientStep.of(Optimizers.sgd(0.1), List.of(net.params().get(0), net.params().get(0))))
                    .hasMessageContaining("listed twice");
            GradientStep step = GradientStep.of(Optimizers.sgd(0.1), net.params());
            step.close();
            assertThatThrownBy(() -> step.state()).hasMessageContaining("this gradient step is closed");
        }
    }
}

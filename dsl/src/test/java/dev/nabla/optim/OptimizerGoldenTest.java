package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimizer's trajectory against PyTorch 1.13 in float64 (goldens/optimizers.txt, made by
 * src/test/python/optimizer_goldens.py), step by step, to 1e-6 relative.
 */
class OptimizerGoldenTest {
    private static final double RTOL = 1e-6;
    private static final double ATOL = 1e-12;

    /** A problem: its graph, loss and parameters in PyTorch's declaration order. */
    private record Problem(Graph graph, Tensor loss, List<Tensor> params) {}

    private static Problem rosenbrock(boolean negate) {
        Graph g = Graph.create();
        Tensor p = g.parameter("p", NDArray.of(new double[] {-1.5, 2.0}, 2));
        Tensor x = p.slice(0, 0, 1).sum();
        Tensor y = p.slice(0, 1, 2).sum();
        Tensor f = x.rsub(1).pow(2).add(y.sub(x.pow(2)).pow(2).mul(100));
        return new Problem(g, negate ? f.neg() : f, List.of(p));
    }

    private static Problem mlp() {
        Graph g = Graph.create();
        double[] x = new double[8 * 3];
        double[] y = new double[8];
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = Math.sin(3 * i + j + 1);
            }
            y[i] = 0.5 * Math.cos(i);
        }
        double[] w1 = new double[3 * 4];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                w1[i * 4 + j] = 0.3 * Math.sin(4 * i + j + 7);
            }
        }
        double[] b1 = new double[4];
        double[] w2 = new double[4];
        for (int j = 0; j < 4; j++) {
            b1[j] = 0.1 * Math.cos(j + 2);
            w2[j] = 0.4 * Math.sin(j + 11);
        }
        Tensor tw1 = g.parameter("w1", NDArray.of(w1, 3, 4));
        Tensor tb1 = g.parameter("b1", NDArray.of(b1, 4));
        Tensor tw2 = g.parameter("w2", NDArray.of(w2, 4, 1));
        Tensor tb2 = g.parameter("b2", NDArray.of(new double[] {0.05}, 1));
        Tensor h = g.constant(NDArray.of(x, 8, 3)).matmul(tw1).add(tb1).tanh();
        Tensor err = h.matmul(tw2).add(tb2).sub(g.constant(NDArray.of(y, 8, 1)));
        return new Problem(g, err.pow(2).mean(), List.of(tw1, tb1, tw2, tb2));
    }

    /** The Java side of each configuration in optimizer_goldens.py. */
    private static final Map<String, Function<Problem, Trainer>> CONFIGS = new LinkedHashMap<>();

    static {
        CONFIGS.put("sgd", p -> Optimizers.sgd(1e-4).minimize(p.loss(), p.params()));
        CONFIGS.put("sgd_momentum_dampening",
                p -> Optimizers.sgd(1e-4).withMomentum(0.9).withDampening(0.3).minimize(p.loss(), p.params()));
        CONFIGS.put("sgd_nesterov_wd", p -> Optimizers.sgd(1e-4).withMomentum(0.8).withNesterov(true)
                .withWeightDecay(0.1).minimize(p.loss(), p.params()));
        CONFIGS.put("sgd_maximize", p -> Optimizers.sgd(1e-4).withMaximize(true).minimize(p.loss(), p.params()));
        CONFIGS.put("adam", p -> Optimizers.adam(0.05).minimize(p.loss(), p.params()));
        CONFIGS.put("adam_amsgrad_wd", p -> Optimizers.adam(0.05).withBetas(0.8, 0.99).withEps(1e-6)
                .withWeightDecay(0.05).withAmsgrad(true).minimize(p.loss(), p.params()));
        CONFIGS.put("adamw", p -> Optimizers.adamW(0.05).withWeightDecay(0.1).minimize(p.loss(), p.params()));
        CONFIGS.put("rmsprop", p -> Optimizers.rmsprop(0.01).minimize(p.loss(), p.params()));
        CONFIGS.put("rmsprop_centered_momentum_wd", p -> Optimizers.rmsprop(0.005).withAlpha(0.9).withMomentum(0.5)
                .withCentered(true).withWeightDecay(0.01).minimize(p.loss(), p.params()));
        CONFIGS.put("adagrad", p -> Optimizers.adagrad(0.5).minimize(p.loss(), p.params()));
        CONFIGS.put("adagrad_decay_init_wd", p -> Optimizers.adagrad(0.5).withLrDecay(0.01)
                .withInitialAccumulatorValue(0.1).withWeightDecay(0.01).minimize(p.loss(), p.params()));
        CONFIGS.put("mlp_sgd_momentum", p -> Optimizers.sgd(0.1).withMomentum(0.9).minimize(p.loss(), p.params()));
        CONFIGS.put("mlp_adam", p -> Optimizers.adam(0.01).minimize(p.loss(), p.params()));
        CONFIGS.put("mlp_adamw_amsgrad", p -> Optimizers.adamW(0.01).withAmsgrad(true).minimize(p.loss(), p.params()));
        CONFIGS.put("mlp_rmsprop", p -> Optimizers.rmsprop(0.01).withMomentum(0.3).minimize(p.loss(), p.params()));
        CONFIGS.put("mlp_adagrad", p -> Optimizers.adagrad(0.1).withLrDecay(0.001).minimize(p.loss(), p.params()));
        CONFIGS.put("mlp_groups", p -> Trainer.builder(p.loss())
                .group(Optimizers.sgd(0.2).withMomentum(0.5), p.params().subList(0, 2))
                .group(Optimizers.sgd(0.05), p.params().subList(2, 4))
                .build());
        CONFIGS.put("mlp_sgd_step_schedule", p -> Trainer.builder(p.loss()).group(Optimizers.sgd(0.3), p.params())
                .schedule(LrSchedules.step(7, 0.5)).build());
        CONFIGS.put("mlp_sgd_exponential_schedule", p -> Trainer.builder(p.loss())
                .group(Optimizers.sgd(0.3), p.params()).schedule(LrSchedules.exponential(0.95)).build());
        CONFIGS.put("mlp_adam_cosine_schedule", p -> Trainer.builder(p.loss()).group(Optimizers.adam(0.02), p.params())
                .schedule(LrSchedules.cosine(40, 1e-4)).build());
        CONFIGS.put("mlp_sgd_warmup_schedule", p -> Trainer.builder(p.loss()).group(Optimizers.sgd(0.3), p.params())
                .schedule(LrSchedules.linearWarmup(0.25, 10)).build());
        CONFIGS.put("mlp_sgd_clip_norm", p -> Trainer.builder(p.loss()).group(Optimizers.sgd(0.5), p.params())
                .clipGradNorm(0.05).build());
        CONFIGS.put("mlp_sgd_clip_value", p -> Trainer.builder(p.loss()).group(Optimizers.sgd(0.5), p.params())
                .clipGradValue(0.01).build());
    }

    static Stream<Arguments> goldens() throws IOException {
        Map<String, List<double[]>> byConfig = new LinkedHashMap<>();
        try (var in = OptimizerGoldenTest.class.getResourceAsStream("/goldens/optimizers.txt");
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<double[]> current = null;
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("config ")) {
                    current = new ArrayList<>();
                    byConfig.put(line.substring(7).trim(), current);
                } else {
                    current.add(Stream.of(line.trim().split(" ")).mapToDouble(Double::parseDouble).toArray());
                }
            }
        }
        assertEquals(CONFIGS.keySet(), byConfig.keySet(), "the Java and Python configurations must agree");
        return byConfig.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void trajectoryMatchesPyTorch(String name, List<double[]> expected) {
        Problem problem = name.startsWith("mlp") ? mlp() : rosenbrock(name.equals("sgd_maximize"));
        try (Graph g = problem.graph(); Trainer trainer = CONFIGS.get(name).apply(problem)) {
            assertTrue(expected.size() >= 50, "at least 50 steps");
            for (double[] row : expected) {
                int step = (int) row[0];
                double loss = trainer.step().item();
                if (name.contains("schedule")) {
                    trainer.scheduleStep();
                }
                check(name, step, "loss", 0, row[1], loss);
                int k = 2;
                for (Tensor p : problem.params()) {
                    assertEquals(DType.F64, p.dtype());
                    double[] actual = trainer.parameter(p).toDoubleArray();
                    for (int i = 0; i < actual.length; i++) {
                        check(name, step, p.node().variableName(), i, row[k++], actual[i]);
                    }
                }
                assertEquals(row.length, k, "parameter count");
            }
        }
    }

    private static void check(String config, int step, String what, int index, double expected, double actual) {
        if (!(Math.abs(actual - expected) <= ATOL + RTOL * Math.abs(expected))) {
            fail(config + ", step " + step + ": " + what + "[" + index + "] = " + actual + ", PyTorch has " + expected
                    + " (relative error " + Math.abs(actual - expected) / Math.abs(expected) + ")");
        }
    }
}

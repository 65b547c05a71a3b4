package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed's SGD run in float32, step by step against PyTorch 1.13, bit for bit. */
class SeedSgdTest {
    /**
     * a after each step of torch.optim.SGD([a], lr=0.1) on 3a^2 + 6a - 9 from a = 10 (float32), as
     * src/test/python/seed_sgd.py prints them with PyTorch 1.13.
     */
    private static final float[] PYTORCH = {
        3.3999998569488525f, 0.7599998712539673f, -0.29600009322166443f, -0.7184000611305237f,
        -0.8873600363731384f, -0.9549440145492554f, -0.981977641582489f, -0.9927910566329956f,
        -0.9971164464950562f, -0.9988465905189514f, -0.9995386004447937f, -0.9998154640197754f,
        -0.9999262094497681f, -0.9999704360961914f, -0.9999881982803345f, -0.999995231628418f,
        -0.9999980926513672f, -0.9999992251396179f, -0.9999997019767761f, -0.9999998807907104f,
    };

    private static Tensor f(Tensor a) {
        return a.pow(2).mul(3).add(a.mul(6)).sub(9);
    }

    @Test
    void compiledStepFollowsPyTorch() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 10.0f);
            try (var sgd = Optimizers.sgd(0.1).minimize(f(a))) {
                for (int step = 0; step < 20; step++) {
                    sgd.step();
                    assertEquals(PYTORCH[step], sgd.parameter(a).getFloat(0), 0.0f, "step " + step);
                }
                assertEquals("-0.99999988", String.format("%.8f", sgd.parameter(a).getFloat(0)));
            }
        }
    }

    @Test
    void imperativeLoopFollowsPyTorch() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 10.0f);
            try (var opt = Optimizers.sgd(0.1).imperative(f(a), List.of(a))) {
                for (int step = 0; step < 20; step++) {
                    opt.zeroGrad();
                    opt.backward();
                    opt.step();
                    assertEquals(PYTORCH[step], opt.parameter(a).getFloat(0), 0.0f, "step " + step);
                }
            }
        }
    }

    @Test
    void backwardAccumulatesUntilZeroed() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 10.0f);
            try (var opt = Optimizers.sgd(0.1).imperative(f(a), List.of(a))) {
                assertEquals(-9 + 300 + 60, opt.backward().item(), 0.0);
                opt.backward();
                assertEquals(2 * 66.0, opt.grad(a).item(), 0.0);
                opt.zeroGrad();
                assertEquals(0.0, opt.grad(a).item(), 0.0);
                assertEquals(10.0, opt.parameter(a).item(), 0.0, "backward alone does not move a");
            }
        }
    }

    @Test
    void trainerReportsTheLossBeforeEachUpdate() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 10.0f);
            try (var sgd = Optimizers.sgd(0.1).minimize(f(a))) {
                assertEquals(351.0, sgd.step().item(), 0.0);
                float a1 = PYTORCH[0];
                assertEquals(3 * a1 * a1 + 6 * a1 - 9, sgd.step().item(), 1e-4);
            }
        }
    }
}

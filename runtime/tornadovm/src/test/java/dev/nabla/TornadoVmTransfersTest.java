package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.tornadovm.Transfers;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A training step on the device moves its batch in and its loss out, nothing else: weights and
 * optimizer state stay in device memory, and so does a batch fed again. Counted by TornadoVM's
 * own profiler.
 */
class TornadoVmTransfersTest {
    private static Device tornado;

    @BeforeAll
    static void profile() {
        tornado = TornadoVmDevices.first();
        System.setProperty("nabla.tornadovm.profile", "true");
    }

    @AfterAll
    static void stopProfiling() {
        System.clearProperty("nabla.tornadovm.profile");
    }

    private static NDArray random(Random r, int... dims) {
        Shape shape = new Shape(dims);
        double[] v = new double[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * 0.1;
        }
        return NDArray.fromDoubles(DType.F32, shape, v);
    }

    /**
     * The bytes a step copies in after the first, for an MLP 256-hidden-10 on a batch of 32: a
     * new batch at every step, or the same one again. TornadoVM also copies each task's 24-byte
     * argument frame per run, which the profiler counts.
     */
    private static long bytesInPerStep(String rule, int hidden, boolean newBatches) {
        Random r = new Random(5);
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 32, 256);
            Tensor y = g.input("y", DType.F32, 32, 10);
            Tensor w1 = g.parameter("w1", random(r, 256, hidden));
            Tensor b1 = g.parameter("b1", random(r, hidden));
            Tensor w2 = g.parameter("w2", random(r, hidden, 10));
            Tensor b2 = g.parameter("b2", random(r, 10));
            Tensor out = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
            Tensor loss = out.sub(y).pow(2).mean();
            Optimizer optimizer = rule.equals("sgd") ? Optimizers.sgd(0.05) : Optimizers.adam(1e-3);
            Map<Tensor, NDArray> batch = Map.of(x, random(r, 32, 256).to(tornado), y, random(r, 32, 10).to(tornado));
            try (Trainer t = Trainer.builder(loss).group(optimizer).device(tornado).build()) {
                double first = t.step(batch).item();
                assertThat(Transfers.last().bytesIn()).as("the first step uploads the weights too")
                        .isGreaterThan(256L * hidden * 4);
                long perStep = -1;
                for (int step = 2; step <= 4; step++) {
                    if (newBatches) {
                        batch = Map.of(x, random(r, 32, 256).to(tornado), y, random(r, 32, 10).to(tornado));
                    }
                    t.step(batch);
                    Transfers.Run run = Transfers.last();
                    assertThat(run.bytesOut()).as("bytes out at step %d: the loss", step).isBetween(4L, 32L);
                    if (perStep >= 0) {
                        assertThat(run.bytesIn()).as("bytes in at step %d", step).isEqualTo(perStep);
                    }
                    perStep = run.bytesIn();
                }
                if (!newBatches) {
                    assertThat(t.step(batch).item()).isLessThan(first);
                }
                return perStep;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void aStepMovesItsBatchInAndItsLossOut(String rule) {
        long batchBytes = (32 * 256 + 32 * 10) * 4L;
        long narrow = bytesInPerStep(rule, 64, true);
        long wide = bytesInPerStep(rule, 128, true);
        assertThat(narrow).as("bytes in per step, hidden 64").isBetween(batchBytes, batchBytes + 2048);
        assertThat(wide).as("bytes in per step do not grow with the weights (hidden 128 vs 64)").isEqualTo(narrow);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void aBatchFedAgainStaysOnTheDevice(String rule) {
        long batchBytes = (32 * 256 + 32 * 10) * 4L;
        long again = bytesInPerStep(rule, 64, false);
        assertThat(again).as("bytes in per step, the same batch again: argument frames only").isLessThan(2048);
        // A new batch adds its bytes and the argument frames of the graph that copies it in.
        assertThat(bytesInPerStep(rule, 64, true) - again).as("what a new batch adds")
                .isBetween(batchBytes, batchBytes + 256);
    }

    /**
     * An input crosses when fed an array other than the last run's, host or device, and then
     * gives that array's values: the copy skipped for the same array is never a stale one.
     */
    @org.junit.jupiter.api.Test
    void anInputCrossesOnlyWhenFedAnotherArray() {
        Random r = new Random(11);
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 1000);
            NDArray weights = random(r, 1000);
            Tensor w = g.parameter("w", weights);
            Tensor y = x.mul(w).sum();
            CompiledGraph run = g.compile(tornado);
            NDArray a = random(r, 1000);
            NDArray b = random(r, 1000);
            NDArray fedA = a.to(tornado);
            NDArray fedB = b.to(tornado);
            long inputBytes = 1000 * 4L;
            long[] bytesIn = new long[5];
            NDArray[] feeds = {fedA, fedA, fedB, fedB, fedA};
            for (int k = 0; k < feeds.length; k++) {
                NDArray fed = feeds[k];
                double got = run.eval(Map.of(x, fed), y).get(0).item();
                assertThat(got).as("run %d", k).isCloseTo(dot(fed == fedA ? a : b, weights), within(1e-3));
                bytesIn[k] = Transfers.last().bytesIn();
            }
            assertThat(bytesIn[1]).as("the same array again").isLessThan(inputBytes);
            assertThat(bytesIn[2]).as("another array").isGreaterThanOrEqualTo(inputBytes);
            assertThat(bytesIn[3]).as("that array again").isEqualTo(bytesIn[1]);
            assertThat(bytesIn[4]).as("the first array again").isEqualTo(bytesIn[2]);
        }
    }

    private static double dot(NDArray a, NDArray b) {
        double sum = 0;
        for (int i = 0; i < a.size(); i++) {
            sum += a.getDouble(i) * b.getDouble(i);
        }
        return sum;
    }
}

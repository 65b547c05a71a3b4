package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Lowering;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Rematerialization: the same values and derivatives, recomputed in the backward pass, in less memory. */
class CheckpointTest {
    private static final int LAYERS = 16;
    private static final int PER_BLOCK = 2;
    private static final int WIDTH = 128;
    private static final int BATCH = 512;

    /** A 16-layer tanh MLP, its loss and the gradient of every weight, with or without a checkpoint per 2 layers. */
    private record Deep(Graph graph, Tensor x, List<Tensor> weights, Tensor loss, List<Tensor> grads) {}

    private static Deep deep(boolean checkpointed, long seed) {
        Random rnd = new Random(seed);
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.F64, BATCH, WIDTH);
        List<Tensor> weights = new ArrayList<>();
        for (int i = 0; i < LAYERS; i++) {
            weights.add(g.parameter("w" + i, random(rnd, 1 / Math.sqrt(WIDTH), WIDTH, WIDTH)));
        }
        Tensor h = x;
        for (int block = 0; block < LAYERS / PER_BLOCK; block++) {
            List<Tensor> ws = weights.subList(block * PER_BLOCK, (block + 1) * PER_BLOCK);
            if (checkpointed) {
                // The weights are read, not passed: the checkpoint makes them arguments itself.
                h = Nabla.checkpoint(in -> layers(in.get(0), ws), h);
            } else {
                h = layers(h, ws);
            }
        }
        Tensor loss = h.pow(2).sum();
        return new Deep(g, x, weights, loss, loss.grad(weights));
    }

    private static Tensor layers(Tensor h, List<Tensor> ws) {
        for (Tensor w : ws) {
            h = h.matmul(w).tanh();
        }
        return h;
    }

    /** Bytes of temporary storage the memory plan needs for the program. */
    private static long peakBytes(Deep d) {
        List<Node> outputs = new ArrayList<>();
        d.grads().forEach(t -> outputs.add(t.node()));
        LoweredProgram lowered = Lowering.lower(Program.of(outputs));
        return lowered.slots().stream().mapToLong(s -> (long) s.size() * s.dtype().byteSize()).sum();
    }

    private static long matmuls(Deep d) {
        List<Node> outputs = new ArrayList<>();
        d.grads().forEach(t -> outputs.add(t.node()));
        return Program.of(outputs).nodes().stream().filter(n -> n.op() instanceof Op.MatMul).count();
    }

    @Test
    void aCheckpointedMlpHasTheSameGradientsInLessMemory() {
        Deep plain = deep(false, 5);
        Deep saved = deep(true, 5);
        try (Graph a = plain.graph(); Graph b = saved.graph()) {
            NDArray xv = random(new Random(6), 1, BATCH, WIDTH);
            for (Device device : List.of(Device.of("jvm:cpu"), Device.of("reference:cpu"))) {
                List<NDArray> expected = a.compile(device).eval(Map.of(plain.x(), xv), plain.grads().toArray(Tensor[]::new));
                List<NDArray> actual = b.compile(device).eval(Map.of(saved.x(), xv), saved.grads().toArray(Tensor[]::new));
                assertEquals(a.compile(device).eval(Map.of(plain.x(), xv), plain.loss()).get(0).item(),
                        b.compile(device).eval(Map.of(saved.x(), xv), saved.loss()).get(0).item(), 1e-12);
                for (int i = 0; i < LAYERS; i++) {
                    double[] e = expected.get(i).toDoubleArray();
                    double[] v = actual.get(i).toDoubleArray();
                    for (int k = 0; k < e.length; k++) {
                        assertEquals(e[k], v[k], 1e-12 * Math.max(1, Math.abs(e[k])), device + " dw" + i + "[" + k + "]");
                    }
                }
            }
            long plainBytes = peakBytes(plain);
            long savedBytes = peakBytes(saved);
            System.out.printf("checkpoint: 16-layer MLP gradient, %d KB of temporaries without, %d KB with a checkpoint"
                    + " every %d layers; %d and %d matrix products%n", plainBytes >> 10, savedBytes >> 10,
                    PER_BLOCK, matmuls(plain), matmuls(saved));
            assertTrue(savedBytes < plainBytes * 0.75, "with checkpoints " + savedBytes + " B, without " + plainBytes + " B");
            // The price: every forward product is computed a second time in the backward pass.
            assertEquals(matmuls(plain) + LAYERS, matmuls(saved));
        }
    }

    @Test
    void checkpointedSegmentsPassGradcheckToSecondOrder() {
        int comparisons = GradCheck.of("checkpoint of tanh(x w) * sin(x)", x -> Nabla.checkpoint(
                in -> in.get(0).matmul(in.get(1)).tanh().mul(in.get(0).sin()), x.get(0), x.get(1)).sum())
                .input(uniform(-1, 1), 2, 2).input(uniform(-1, 1), 2, 2).order(2).check().comparisons();
        assertTrue(comparisons > 0);
    }

    /**
     * A segment may take a mask (no derivative), and Taylor mode passes through a checkpoint as
     * through the segment itself: the same coefficients from a graph of the same size.
     */
    @Test
    void masksPassAndTaylorModeSeesTheSegmentItself() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor mask = x.gt(0);
            Tensor y = Nabla.checkpoint(in -> Nabla.where(in.get(1), in.get(0).tanh(), in.get(0).sin()), x, mask).sum();
            Tensor plain = Nabla.where(mask, x.tanh(), x.sin()).sum();
            NDArray at = NDArray.of(new double[] {0.5, -0.25, 2}, 3);
            List<NDArray> v = g.compile().eval(Map.of(x, at), y.grad(x), plain.grad(x));
            assertArrayEqualsWithin(v.get(1).toDoubleArray(), v.get(0).toDoubleArray(), 1e-15);
            Tensor scalar = g.input("s", DType.F64);
            Tensor viaCheckpoint = Nabla.derivative(Nabla.checkpoint(in -> in.get(0).tanh().mul(in.get(0)), scalar), scalar, 8);
            Tensor direct = Nabla.derivative(scalar.tanh().mul(scalar), scalar, 8);
            int viaNodes = g.program("test", viaCheckpoint).nodes().size();
            int directNodes = g.program("test", direct).nodes().size();
            assertTrue(viaNodes <= directNodes + 2, viaNodes + " nodes through the checkpoint, " + directNodes + " without");
            List<NDArray> d = g.compile().eval(Map.of(scalar, NDArray.scalar(0.7)), viaCheckpoint, direct);
            assertEquals(d.get(1).item(), d.get(0).item(), 1e-12 * Math.abs(d.get(1).item()));
        }
    }

    private static void assertArrayEqualsWithin(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "element " + i);
        }
    }

    /**
     * A weight shared by every step (an RNN) is read by each checkpointed step and is also behind
     * the step's argument: its gradient counts each path once, as without the checkpoints.
     */
    @Test
    void aWeightSharedAcrossCheckpointedStepsGetsItsGradientOnce() {
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", NDArray.of(new double[] {0.3, -0.2, 0.5, 0.1}, 2, 2));
            Tensor x = g.input("x", DType.F64, 1, 2);
            Tensor plain = x;
            Tensor saved = x;
            for (int t = 0; t < 5; t++) {
                plain = plain.matmul(w).tanh().add(x);
                saved = Nabla.checkpoint(in -> in.get(0).matmul(w).tanh().add(in.get(1)), saved, x);
            }
            Tensor plainLoss = plain.pow(2).sum();
            Tensor savedLoss = saved.pow(2).sum();
            NDArray xv = NDArray.of(new double[] {0.7, -1.1}, 1, 2);
            List<NDArray> v = g.compile().eval(Map.of(x, xv), plainLoss.grad(w), savedLoss.grad(w), plainLoss.grad(x),
                    savedLoss.grad(x), Nabla.hessian(plainLoss, x), Nabla.hessian(savedLoss, x));
            for (int k = 0; k < 3; k++) {
                assertArrayEqualsWithin(v.get(2 * k).toDoubleArray(), v.get(2 * k + 1).toDoubleArray(), 1e-13);
            }
        }
    }

    @Test
    void aSegmentMustReturnATensor() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", 2);
            NablaException e = assertThrows(NablaException.class, () -> Nabla.checkpoint(in -> null, x));
            assertThat(e.getMessage()).contains("checkpoint:").contains("returned null");
            e = assertThrows(NablaException.class, () -> Nabla.checkpoint(in -> in.get(0)));
            assertThat(e.getMessage()).contains("checkpoint:").contains("at least one");
        }
    }

    private static NDArray random(Random rnd, double scale, int... dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian() * scale;
        }
        return NDArray.of(v, dims);
    }
}

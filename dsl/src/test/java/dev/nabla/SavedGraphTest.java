package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.GraphFileException;
import dev.nabla.compiler.StructuralKey;
import dev.nabla.compiler.io.GraphWriter;
import dev.nabla.core.DType;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graphs saved and loaded again ({@link Graph#save}, {@link CompiledGraph#save},
 * {@link SavedGraph#load}): the loaded program has the original's structure (equal
 * {@link StructuralKey}, equal printed form) and gives the same bits on the reference interpreter
 * and on the JVM backend.
 */
class SavedGraphTest {
    private static final Device REFERENCE = Device.of("reference:cpu");
    private static final Device JVM = Device.of("jvm:cpu");

    @TempDir
    Path dir;
    private int files;

    /**
     * Saves {@code outputs} (with the values {@code trained} holds, or the initial ones), loads the
     * file, and checks the loaded graph against the original; returns it for more checks.
     */
    private SavedGraph roundTrip(Graph g, CompiledGraph trained, Map<Tensor, NDArray> feeds, Tensor... outputs)
            throws IOException {
        Path file = dir.resolve("graph" + files++ + ".json");
        if (trained == null) {
            g.save(file, outputs);
        } else {
            trained.save(file, outputs);
        }
        SavedGraph s = SavedGraph.load(file);
        Tensor[] loaded = s.outputs().toArray(Tensor[]::new);
        assertEquals(outputs.length, loaded.length);
        assertEquals(StructuralKey.of(g.program("test", outputs)), StructuralKey.of(s.graph().program("test", loaded)));
        assertEquals(g.print(outputs), s.graph().print(loaded));
        Map<Tensor, NDArray> loadedFeeds = new LinkedHashMap<>();
        feeds.forEach((t, v) -> loadedFeeds.put(s.input(t.node().variableName()), v));
        for (Device device : List.of(REFERENCE, JVM)) {
            try (CompiledGraph original = trained == null ? g.compile(device) : trained.to(device);
                 CompiledGraph copy = s.graph().compile(device)) {
                List<NDArray> expected = original.eval(feeds, outputs);
                List<NDArray> actual = copy.eval(loadedFeeds, loaded);
                for (int i = 0; i < outputs.length; i++) {
                    if (!expected.get(i).equals(actual.get(i))) {
                        // The JVM's SIMD math may change its last bit once C2 compiles it (see
                        // ARCHITECTURE.md, Repeatability): the original, run again now, must agree.
                        expected = original.eval(feeds, outputs);
                    }
                    assertEquals(expected.get(i), actual.get(i), device + ", output " + i);
                }
            }
        }
        return s;
    }

    private static NDArray random(Random rnd, DType dtype, int... dims) {
        NDArray v = TestArrays.uniform(rnd, 1, dims);
        return dtype == DType.F64 ? v : NDArray.fromDoubles(dtype, v.shape(), v.toDoubleArray());
    }

    @Test
    void theSeedsDerivativesComeBackEqual() throws IOException {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 1.0f);
            Tensor y = g.scalar("y", 1.0f);
            Tensor z = x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
            List<Tensor> dz = z.grad(x, y);
            Tensor dxx = dz.get(0).grad(x);
            Tensor dxy = dz.get(0).grad(y);
            Tensor dyy = dz.get(1).grad(y);
            try (SavedGraph s = roundTrip(g, null, Map.of(), z, dz.get(0), dz.get(1), dxx, dxy, dyy)) {
                List<NDArray> values = s.graph().compile().eval(s.outputs().toArray(Tensor[]::new));
                assertEquals("8.0", values.get(1).toString());
                assertEquals("16.0", values.get(2).toString());
                assertEquals(List.of("x", "y"), List.copyOf(s.parameters().keySet()));
            }
        }
    }

    @Test
    void anMlpsTrainingLossAndGradients() throws IOException {
        Random rnd = new Random(3);
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, Sequential.of(new Linear(4, 8), Layers.tanh(), new Linear(8, 3)), 5);
            Tensor x = g.input("x", 6, 4);
            Tensor labels = g.input("labels", DType.I32, 6);
            Tensor loss = Nabla.crossEntropy(net.forward(x), labels);
            List<Tensor> outputs = new ArrayList<>(List.of(loss));
            outputs.addAll(loss.grad(new ArrayList<>(net.parameters().values())));
            Map<Tensor, NDArray> feeds = Map.of(x, random(rnd, DType.F32, 6, 4),
                    labels, NDArray.fromDoubles(DType.I32, labels.shape(), new double[] {0, 2, 1, 1, 0, 2}));
            try (SavedGraph s = roundTrip(g, null, feeds, outputs.toArray(Tensor[]::new))) {
                assertEquals(List.of("x", "labels"), List.copyOf(s.inputs().keySet()));
                assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(s.parameters().keySet()));
            }
        }
    }

    @Test
    void maxPoolingKeepsItsTieRule() throws IOException {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 1, 1, 2, 4);
            Tensor pooled = Nabla.maxPool2d(x, 2);
            Tensor grad = pooled.sum().grad(x);
            NDArray ties = NDArray.of(new double[] {1, 3, 2, 2, 3, 3, 2, 2}, 1, 1, 2, 4);
            try (SavedGraph s = roundTrip(g, null, Map.of(x, ties), pooled, grad)) {
                assertArrayEquals(new double[] {0, 1, 1, 0, 0, 0, 0, 0},
                        s.graph().compile().eval(Map.of(s.input("x"), ties), s.outputs().get(1)).get(0).toDoubleArray());
            }
        }
    }

    @Test
    void aCnnWithConvolutionPoolingAndBatchNorm() throws IOException {
        Layer cnn = Sequential.of(new Conv2d(2, 3, 3, ConvOptions.defaults().padding(1)), new BatchNorm2d(3),
                Layers.relu(), Layers.maxPool2d(2), Layers.flatten(), new Linear(12, 4));
        Random rnd = new Random(4);
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, cnn, DType.F64, 1);
            Tensor x = g.input("x", DType.F64, 2, 2, 4, 4);
            Tensor train = net.forward(x);
            Tensor eval = net.evaluate(x);
            Tensor pooled = Nabla.avgPool2d(x, 2).add(Nabla.maxPool2d(x, 2));
            Tensor loss = train.pow(2).mean().add(pooled.sum());
            List<Tensor> outputs = new ArrayList<>(List.of(train, eval, loss));
            outputs.addAll(loss.grad(new ArrayList<>(net.parameters().values())));
            outputs.add(loss.grad(x));
            // What a training step assigns the running statistics.
            g.stepAssignments().forEach(a -> outputs.add(a.next()));
            roundTrip(g, null, Map.of(x, random(rnd, DType.F64, 2, 2, 4, 4)), outputs.toArray(Tensor[]::new)).close();
        }
    }

    @Test
    void loopsAndConditionalsWithTheirGradients() throws IOException {
        Random rnd = new Random(5);
        try (Graph g = Graph.create()) {
            Tensor h0 = g.input("h0", DType.F64, 3, 4);
            Tensor xs = g.input("xs", DType.F64, 5, 3, 2);
            Tensor w = g.parameter("w", TestArrays.uniform(rnd, 0.5, 4, 4));
            Tensor u = g.parameter("u", TestArrays.uniform(rnd, 1, 2, 4));
            Scan.Result rnn = Nabla.scan(h0, xs, (h, x) -> {
                Tensor next = h.matmul(w).add(x.matmul(u)).tanh();
                return Scan.Step.of(next, next.sum());
            });
            Tensor powered = Nabla.fori(4, h0, h -> h.mul(w.sum()).sin());
            Tensor doubled = Nabla.whileLoop(h0.abs().sum(), s -> s.lt(100.0), s -> s.mul(2.0));
            Tensor pick = g.input("pick", DType.I32);
            Tensor branch = Nabla.switchOf(pick, List.of(() -> List.of(h0.sin()), () -> List.of(h0.matmul(w)),
                    () -> List.of(h0.neg()))).get(0);
            Tensor loss = rnn.carry().pow(2).sum().add(rnn.stacked().sin().sum()).add(powered.sum())
                    .add(branch.tanh().sum());
            List<Tensor> outputs = new ArrayList<>(List.of(rnn.carry(), rnn.stacked(), powered, doubled, branch, loss));
            outputs.addAll(loss.grad(w, u, h0, xs));
            Map<Tensor, NDArray> feeds = Map.of(h0, random(rnd, DType.F64, 3, 4), xs, random(rnd, DType.F64, 5, 3, 2),
                    pick, NDArray.fromDoubles(DType.I32, pick.shape(), new double[] {1}));
            roundTrip(g, null, feeds, outputs.toArray(Tensor[]::new)).close();
        }
    }

    @Test
    void randomDrawsGiveTheSameBits() throws IOException {
        try (Graph g = Graph.create()) {
            Tensor key = g.keyState("key", 42);
            Tensor x = g.input("x", 3, 8);
            List<Tensor> keys = Nabla.splitKeys(key, 3);
            Tensor dropped = Nabla.dropout(x, 0.25, keys.get(0), true);
            List<Tensor> outputs = List.of(dropped, dropped.sum().grad(x), Nabla.uniform(keys.get(1), DType.F32, 4),
                    Nabla.normal(Nabla.foldIn(keys.get(2), 7), DType.F64, 2, 3), Nabla.bernoulli(key, 0.3, 5),
                    Nabla.randint(key, -3, 9, 6), Nabla.permutation(key, 7));
            roundTrip(g, null, Map.of(x, random(new Random(6), DType.F32, 3, 8)), outputs.toArray(Tensor[]::new))
                    .close();
        }
    }

    @Test
    void gradientsOfGradients() throws IOException {
        Random rnd = new Random(7);
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor a = g.parameter("a", TestArrays.uniform(rnd, 1, 3, 3));
            Tensor f = x.matmul(a).softplus().sum().add(x.mul(x).sum().mul(0.5));
            Tensor v = g.input("v", DType.F64, 3);
            Tensor s = g.input("s", DType.F64);
            List<Tensor> outputs = new ArrayList<>(List.of(f, f.grad(x), Nabla.hessian(f, x), Nabla.hvp(f, x, v),
                    Nabla.jacobian(x.matmul(a).tanh(), x)));
            outputs.addAll(Nabla.derivatives(s.sin().mul(s.pow(2)), s, 4));
            Tensor d = s.tanh();
            for (int n = 0; n < 4; n++) {
                d = d.grad(s);
            }
            outputs.add(d);
            Map<Tensor, NDArray> feeds = Map.of(x, random(rnd, DType.F64, 3), v, random(rnd, DType.F64, 3),
                    s, NDArray.scalar(0.7));
            roundTrip(g, null, feeds, outputs.toArray(Tensor[]::new)).close();
        }
    }

    @Test
    void aTrainedModelLoadsAndEvaluatesAsItWasTrained() throws IOException {
        Random rnd = new Random(8);
        Path file = dir.resolve("model.json");
        NDArray xTest = random(rnd, DType.F32, 5, 4);
        NDArray expected;
        NDArray trainedWeight;
        NDArray initialWeight;
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, Sequential.of(new Linear(4, 16), Layers.relu(), new Dropout(0.2),
                    new Linear(16, 3)), 11);
            Tensor x = g.input("x", 8, 4);
            Tensor labels = g.input("labels", DType.I32, 8);
            Tensor loss = Nabla.crossEntropy(net.forward(x), labels);
            Tensor testX = g.input("testX", 5, 4);
            Tensor logits = net.evaluate(testX);
            Map<Tensor, NDArray> batch = Map.of(x, random(rnd, DType.F32, 8, 4),
                    labels, NDArray.fromDoubles(DType.I32, labels.shape(), new double[] {0, 1, 2, 0, 1, 2, 0, 1}));
            initialWeight = g.compile(JVM).parameter(net.parameters().get("0.weight"));
            try (Trainer adam = Optimizers.adam(0.05).minimize(loss)) {
                for (int step = 0; step < 20; step++) {
                    adam.step(batch);
                }
                adam.compiled().save(file, logits);
                expected = adam.compiled().eval(Map.of(testX, xTest), logits).get(0);
                trainedWeight = adam.parameter(net.parameters().get("0.weight"));
            }
        }
        assertNotEquals(initialWeight, trainedWeight, "training moved the weights");
        try (SavedGraph s = SavedGraph.load(file)) {
            CompiledGraph run = s.graph().compile(JVM);
            assertEquals(trainedWeight, run.parameter(s.parameter("0.weight")));
            assertEquals(expected, run.eval(Map.of(s.input("testX"), xTest), s.output(0)).get(0));
            // Only what the saved output needs: the training inputs are not part of it.
            assertEquals(List.of("testX"), List.copyOf(s.inputs().keySet()));
        }
    }

    @Test
    void customFunctionsAreRefusedUnlessSavedAsTheirPrimal() throws IOException {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 4);
            Tensor y = TestCustomFunctions.SOFTPLUS.apply(x).mul(x);
            Path file = dir.resolve("custom.json");
            var refused = assertThrows(GraphException.class, () -> g.save(file, y));
            assertTrue(refused.getMessage().contains("custom function 'softplus'"), refused.getMessage());
            assertFalse(Files.exists(file), "a refused save leaves no file");

            Tensor dy = y.sum().grad(x);
            g.save(file, SavedGraph.Options.defaults().withCustomAsPrimal(true), y, dy);
            NDArray xv = random(new Random(9), DType.F64, 4);
            List<NDArray> expected = g.compile(REFERENCE).eval(Map.of(x, xv), y, dy);
            try (SavedGraph s = SavedGraph.load(file)) {
                assertEquals(List.of("softplus"), s.customPrimals());
                Tensor lx = s.input("x");
                CompiledGraph run = s.graph().compile(REFERENCE);
                assertEquals(expected, run.eval(Map.of(lx, xv), s.output(0), s.output(1)));
                // Derivatives of the loaded graph differentiate the primal: the same values here.
                assertArrayEquals(expected.get(1).toDoubleArray(),
                        run.eval(Map.of(lx, xv), s.output(0).sum().grad(lx)).get(0).toDoubleArray(), 1e-15);
            }
        }
    }

    @Test
    void aGraphShipsAsBytesAndKeepsFastMath() throws IOException {
        try (Graph g = Graph.create(GraphOptions.defaults().withFastMath(true))) {
            Tensor x = g.input("x", 3);
            Tensor y = x.mul(0).add(x.exp());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            g.save(bytes, SavedGraph.Options.defaults(), y);
            try (SavedGraph s = SavedGraph.load(new ByteArrayInputStream(bytes.toByteArray()), GraphOptions.defaults(),
                    dev.nabla.compiler.io.ReadLimits.defaults())) {
                assertTrue(s.graph().options().fastMath());
                assertEquals(g.print(y), s.graph().print(s.output(0)));
            }
        }
    }

    @Test
    void badCallsAndFilesSayWhatIsWrong() throws IOException {
        try (Graph g = Graph.create(); Graph other = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor p = g.parameter("p", NDArray.of(new float[] {1, 2}, 2));
            Path file = dir.resolve("bad.json");
            assertTrue(assertThrows(GraphException.class, () -> g.save(file)).getMessage()
                    .contains("save: name at least one output"));
            assertTrue(assertThrows(GraphException.class, () -> g.save(file, other.input("y", 2))).getMessage()
                    .contains("belongs to another graph"));
            assertTrue(assertThrows(GraphException.class, () -> g.save(file, (Tensor) null)).getMessage()
                    .contains("null"));
            assertThrows(NoSuchFileException.class, () -> SavedGraph.load(dir.resolve("missing.json")));

            g.save(file, x.mul(p));
            try (SavedGraph s = SavedGraph.load(file)) {
                var e = assertThrows(GraphException.class, () -> s.input("z"));
                assertTrue(e.getMessage().contains("no input named 'z'; it has [x]"), e.getMessage());
                assertThrows(dev.nabla.core.NablaException.IndexException.class, () -> s.output(1));
            }

            // A file without the parameter's value (the compiler's writer can make one) does not load.
            ByteArrayOutputStream noValues = new ByteArrayOutputStream();
            GraphWriter.write(noValues, List.of(x.mul(p).node()), null, GraphWriter.Options.defaults());
            var missing = assertThrows(GraphFileException.class, () -> SavedGraph.load(
                    new ByteArrayInputStream(noValues.toByteArray()), GraphOptions.defaults(),
                    dev.nabla.compiler.io.ReadLimits.defaults()));
            assertTrue(missing.getMessage().contains("parameter 'p' has no value"), missing.getMessage());

            Files.writeString(file, "{\"format\":\"nabla-graph\",\"version\":99}");
            var newer = assertThrows(GraphFileException.class, () -> SavedGraph.load(file));
            assertTrue(newer.getMessage().contains("version 99, newer than this reader's 1"), newer.getMessage());
        }
    }
}

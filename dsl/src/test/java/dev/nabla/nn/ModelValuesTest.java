package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.io.SafeTensors;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trained values where users look for them, and a model's state dict saved and loaded. */
class ModelValuesTest {
    private static final Layer NET = Sequential.of(new Linear(3, 4), new BatchNorm1d(4), Layers.tanh(), new Linear(4, 2));

    @TempDir
    Path dir;

    private static NDArray inputs() {
        float[] v = new float[5 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.cos(0.9 * i);
        }
        return NDArray.of(v, 5, 3);
    }

    private static NDArray labels() {
        return NDArray.fromDoubles(DType.I32, Shape.of(5), new double[] {0, 1, 1, 0, 1});
    }

    @Test
    void theGraphAndEveryNewCompileSeeTheTrainedValues() {
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 3);
            Tensor x = g.input("x", 5, 3);
            Tensor y = g.input("y", DType.I32, 5);
            Tensor w = net.parameters().get("0.weight");
            NDArray initial = g.value(w);
            Map<Tensor, NDArray> feeds = Map.of(x, inputs(), y, labels());
            NDArray trained;
            try (Trainer sgd = Optimizers.sgd(0.5).minimize(Nabla.crossEntropy(net.forward(x), y))) {
                for (int i = 0; i < 3; i++) {
                    sgd.step(feeds);
                }
                trained = sgd.parameter(w);
                assertNotEquals(initial, trained);
                // The graph reads the trainer's value; a compile made now starts from it.
                assertEquals(trained, g.value(w));
                assertEquals(trained, w.graph().compile().parameter(w));
                assertEquals(3.0, net.values().get("1.num_batches_tracked").item());
                // Setting a value reaches the open trainer too (as load_state_dict changes the model in place).
                NDArray zeros = NDArray.full(DType.F32, w.shape(), 0);
                g.setValue(w, zeros);
                assertEquals(zeros, sgd.parameter(w));
                sgd.compiled().setParameter(w, trained);
                assertEquals(trained, g.value(w));
                // After a set value, the trainer's next step is still what the graph reads.
                g.setValue(w, zeros);
                sgd.step(feeds);
                assertNotEquals(zeros, g.value(w));
                assertEquals(sgd.parameter(w), g.value(w));
                sgd.compiled().setParameter(w, trained);
            }
            // The trainer is gone; what it trained stays the graph's.
            assertEquals(trained, g.value(w));
            try (CompiledGraph later = g.compile()) {
                assertEquals(trained, later.parameter(w));
            }
            var notParameter = assertThrows(NablaException.class, () -> g.value(x));
            assertTrue(notParameter.getMessage().contains("is not a parameter"), notParameter.getMessage());
            var wrongShape = assertThrows(NablaException.class, () -> g.setValue(w, NDArray.scalar(1f)));
            assertTrue(wrongShape.getMessage().contains("setValue: 0.weight"), wrongShape.getMessage());
        }
    }

    @Test
    void aSavedModelLoadsIntoAFreshGraphWithTheSameOutputs() throws IOException {
        Path file = dir.resolve("model.safetensors");
        NDArray logits;
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 3);
            Tensor x = g.input("x", 5, 3);
            Tensor y = g.input("y", DType.I32, 5);
            try (Trainer adam = Optimizers.adam(0.1).minimize(Nabla.crossEntropy(net.forward(x), y))) {
                adam.step(Map.of(x, inputs(), y, labels()));
                adam.step(Map.of(x, inputs(), y, labels()));
                net.save(file);
                logits = adam.compiled().eval(Map.of(x, inputs()), net.evaluate(x)).get(0);
            }
        }
        assertEquals(Map.of("format", "pt"), SafeTensors.read(file).metadata());
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 99);
            Tensor x = g.input("x", 5, 3);
            net.load(file);
            NDArray again = g.compile().eval(Map.of(x, inputs()), net.evaluate(x)).get(0);
            assertArrayEquals(logits.toFloatArray(), again.toFloatArray());
        }
        // An f64 model takes the f32 values converted, as PyTorch's load_state_dict.
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, DType.F64, 99);
            net.load(file);
            assertEquals(DType.F64, net.values().get("0.weight").dtype());
            assertArrayEquals(SafeTensors.read(file).tensors().get("0.weight").toDoubleArray(),
                    net.values().get("0.weight").toDoubleArray());
        }
    }

    @Test
    void aStateDictThatDoesNotFitIsRefusedWholeAndNamed() {
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 3);
            Map<String, NDArray> state = new LinkedHashMap<>(net.values());
            NDArray before = net.values().get("0.bias");
            state.remove("3.bias");
            state.put("3.bais", NDArray.of(new float[2], 2));
            state.put("0.bias", NDArray.of(new float[] {1, 2, 3, 4}, 4));
            var names = assertThrows(NablaException.class, () -> net.load(state));
            assertTrue(names.getMessage().contains("missing: [3.bias]; unexpected: [3.bais]"), names.getMessage());
            state.remove("3.bais");
            state.put("3.bias", NDArray.of(new float[3], 3));
            var shape = assertThrows(NablaException.class, () -> net.load(state));
            assertTrue(shape.getMessage().contains("'3.bias' is f32[2] in the model, but f32[3] in the state dict"),
                    shape.getMessage());
            state.put("3.bias", NDArray.of(new float[2], 2));
            state.put("1.num_batches_tracked", NDArray.scalar(2f));
            var dtype = assertThrows(NablaException.class, () -> net.load(state));
            assertTrue(dtype.getMessage().contains("only floating values convert"), dtype.getMessage());
            assertEquals(before, net.values().get("0.bias"), "a refused load changes nothing");
        }
    }
}

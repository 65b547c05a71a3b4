package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.CompiledGraph;
import dev.nabla.ConvOptions;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Layers, names and modes against PyTorch 1.13 (goldens/nn.txt, made by
 * src/test/python/nn_goldens.py): a conv, batch norm, relu, pool, linear network with set weights.
 */
class NnTest {
    private static final Layer NET = Sequential.of(new Conv2d(2, 3, 3, ConvOptions.defaults().padding(1)),
            new BatchNorm2d(3), Layers.relu(), Layers.maxPool2d(2), Layers.flatten(), new Linear(12, 4));

    private static Map<String, double[]> goldens() throws IOException {
        Map<String, double[]> rows = new HashMap<>();
        try (var in = NnTest.class.getResourceAsStream("/goldens/nn.txt");
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                String[] parts = line.split(" ");
                if (!line.startsWith("#") && !parts[0].equals("names")) {
                    rows.put(parts[0], Stream.of(parts).skip(1).mapToDouble(Double::parseDouble).toArray());
                }
            }
        }
        return rows;
    }

    @Test
    void namesFollowPyTorchsStateDict() {
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 1);
            // PyTorch's keys, batch norm's num_batches_tracked included (i32 here, int64 there).
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                    "1.num_batches_tracked", "5.weight", "5.bias"), List.copyOf(net.stateDict().keySet()));
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "5.weight", "5.bias"),
                    List.copyOf(net.parameters().keySet()));
            assertEquals(List.of(3, 2, 3, 3), boxed(net.parameters().get("0.weight").shape().dims()));
            assertEquals(List.of(4, 12), boxed(net.parameters().get("5.weight").shape().dims()));
        }
    }

    @Test
    void trainingAndEvaluationModesArePyTorchs() throws IOException {
        Map<String, double[]> torch = goldens();
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, DType.F64, 1);
            Tensor x = g.input("x", DType.F64, 2, 2, 4, 4);
            Tensor train = net.forward(x);
            Tensor eval = net.evaluate(x);
            Tensor loss = train.mul(g.constant(filled(new int[] {2, 4}, i -> Math.sin(0.05 * i + 0.2) + 0.3))).sum();
            NDArray xv = filled(new int[] {2, 2, 4, 4}, i -> Math.sin(0.7 * i + 0.3));
            // One SGD step with learning rate 0: the parameters stay, the running statistics move once.
            try (Trainer sgd = Optimizers.sgd(0).minimize(loss)) {
                CompiledGraph c = sgd.compiled();
                int k = 0;
                for (var e : net.parameters().entrySet()) {
                    int offset = k++;
                    c.setParameter(e.getValue(), filled(e.getValue().shape().dims(),
                            i -> 0.3 * Math.cos(0.5 * i + offset)));
                }
                List<String> names = new ArrayList<>(net.parameters().keySet());
                List<Tensor> outputs = new ArrayList<>(List.of(train));
                names.forEach(n -> outputs.add(loss.grad(net.parameters().get(n))));
                List<NDArray> r = c.eval(Map.of(x, xv), outputs.toArray(Tensor[]::new));
                assertArrayEquals(torch.get("train"), r.get(0).toDoubleArray(), 1e-12);
                for (int i = 0; i < names.size(); i++) {
                    assertArrayEquals(torch.get("grad:" + names.get(i)), r.get(i + 1).toDoubleArray(), 1e-12,
                            names.get(i));
                }
                sgd.step(Map.of(x, xv));
                assertArrayEquals(torch.get("running_mean"), sgd.parameter(net.buffers().get("1.running_mean"))
                        .toDoubleArray(), 1e-12);
                assertArrayEquals(torch.get("running_var"), sgd.parameter(net.buffers().get("1.running_var"))
                        .toDoubleArray(), 1e-12);
                assertArrayEquals(torch.get("eval"), c.eval(Map.of(x, xv), eval).get(0).toDoubleArray(), 1e-12);
            }
        }
    }

    @Test
    void aTrainerUpdatesOnlyTheRunningStatisticsOfItsOwnInputs() {
        try (Graph g = Graph.create()) {
            Model a = Model.create(g, "a", new BatchNorm2d(2), 1);
            Model b = Model.create(g, "b", new BatchNorm2d(2), 1);
            Tensor xa = g.input("xa", 4, 2, 3, 3);
            Tensor xb = g.input("xb", 4, 2, 3, 3);
            Tensor lossA = a.forward(xa).pow(2).mean();
            b.forward(xb);
            NDArray ones = NDArray.full(DType.F32, dev.nabla.core.Shape.of(4, 2, 3, 3), 1);
            try (Trainer sgd = Optimizers.sgd(0.1).minimize(lossA)) {
                sgd.step(Map.of(xa, ones));
                assertArrayEquals(new double[] {0.1, 0.1}, sgd.parameter(a.buffers().get("running_mean")).toDoubleArray(),
                        1e-7);
                assertArrayEquals(new double[] {0, 0}, sgd.parameter(b.buffers().get("running_mean")).toDoubleArray());
            }
        }
    }

    @Test
    void batchNorm1dTrainsAndEvaluatesAsPyTorchsAndConv1dHasItsShapes() {
        try (Graph g = Graph.create()) {
            Model bn = Model.create(g, new BatchNorm1d(3), DType.F64, 1);
            Tensor x = g.input("x", DType.F64, 4, 3, 2);
            Tensor train = bn.forward(x);
            Tensor eval = bn.evaluate(x);
            NDArray xv = filled(new int[] {4, 3, 2}, i -> 2 * Math.sin(0.7 * i + 0.3));
            try (Trainer sgd = Optimizers.sgd(0).minimize(train.sum())) {
                sgd.compiled().setParameter(bn.parameters().get("weight"), NDArray.of(new double[] {0.5, 1.5, -1.0}, 3));
                sgd.compiled().setParameter(bn.parameters().get("bias"), NDArray.of(new double[] {0.1, 0.0, 0.2}, 3));
                // torch.nn.BatchNorm1d(3) in float64 with that weight and bias, then .eval().
                assertArrayEquals(new double[] {0.21228490743258563, 0.6163272819670254, 1.6510809950580576,
                    0.987863208950706, 0.020568945351819405, 1.0324624702595957, -0.7298628035550407,
                    -0.6602402761200573, -1.2130768979844468, 0.22455461409215915, -1.2319988782823859,
                    -1.4471283546310594, 0.4842232980093717, 0.011914528506750195, -1.739944258046777,
                    -2.4863552837313225, 1.440655937796706, 0.6397015204275212, 0.2359333103344046, 0.6294197534249605,
                    1.6408184843592555, 0.9350591373023677, 0.07262787084868684, 1.0731104882291163},
                        sgd.compiled().eval(Map.of(x, xv), train).get(0).toDoubleArray(), 1e-12);
                sgd.step(Map.of(x, xv));
                assertArrayEquals(new double[] {0.02875968319034289, 0.040896140378977944, -0.014857682918618723},
                        sgd.parameter(bn.buffers().get("running_mean")).toDoubleArray(), 1e-12);
                assertArrayEquals(new double[] {1.108661688524064, 1.133801995129941, 1.090629105536844},
                        sgd.parameter(bn.buffers().get("running_var")).toDoubleArray(), 1e-12);
                double[] e = sgd.compiled().eval(Map.of(x, xv), eval).get(0).toDoubleArray();
                assertArrayEquals(new double[] {0.36700643348491313, 0.8855103135553428, 2.7363200364465623,
                    1.8454490088098745, 0.10614232989496986, 1.357536759658492}, java.util.Arrays.copyOf(e, 6), 1e-12);
            }
            Model conv = Model.create(g, "conv", new Conv1d(3, 5, 3, ConvOptions.defaults().padding(1)), DType.F64, 1);
            assertEquals(List.of(5, 3, 3), boxed(conv.parameters().get("weight").shape().dims()));
            assertEquals(List.of(4, 5, 2), boxed(conv.forward(x).shape().dims()));
        }
    }

    @Test
    void groupNormIsPyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2, 4, 3);
            Tensor w = g.input("w", DType.F64, 4);
            Tensor b = g.input("b", DType.F64, 4);
            Tensor y = dev.nabla.Nabla.groupNorm(x, 2, w, b, 1e-5);
            Tensor loss = y.mul(g.constant(filled(new int[] {2, 4, 3}, i -> Math.sin(0.05 * i + 0.2) + 0.3))).sum();
            List<NDArray> r = g.compile(Device.of("jvm:cpu")).eval(Map.of(x, filled(new int[] {2, 4, 3},
                    i -> Math.sin(0.7 * i + 0.3)), w, NDArray.of(new double[] {0.5, -1.0, 1.5, 2.0}, 4),
                    b, NDArray.of(new double[] {0.1, 0.2, -0.3, 0.0}, 4)), y, loss.grad(x), loss.grad(w), loss.grad(b));
            // torch.nn.functional.group_norm(x, 2, w, b, 1e-5), float64, and the gradients of (y * c).sum().
            assertArrayEquals(new double[] {0.029501751050053857, 0.5307413007774991, 0.6686348409122078,
                -0.35665776976565416, 0.8072822800686689, 2.007131275176507, -2.1471664915303226, -1.9668309031953162,
                -0.9900082026755528, 0.8318488409317248, 2.2092111021582364, 2.564280853444962, 1.003920675236283,
                0.43925583041697486, -0.13571877771256025, 1.3011672134458492, 1.1145056152637507, 0.1992426271717952,
                -0.4030429969489618, 1.0342611032823932, 1.379228088330389, 1.026152793158828, -1.2890319173648994,
                -3.6177158020123565}, r.get(0).toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {0.9225012206228451, 0.3756721518558346, 0.25710326860926336,
                -1.1275155099152268, -0.5260847046366234, 0.09832357346390685, 0.011101195559158672,
                0.04413522026570149, -0.14570775439862294, 0.14687395621044885, -0.039183204275238026,
                -0.017219413361447833, -0.3094750488898871, 0.8163316876193245, 1.9604841348753017, -0.357268719936536,
                -0.5880330461585085, -1.5220390075096952, -0.7225952304608172, -0.2619477221585709,
                -0.11326780525393865, 0.8033492293334206, 0.3697752859480552, -0.07531375740814994},
                    r.get(1).toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {3.1203388665938383, -3.6580307854758924, 0.1044354548260848,
                0.19691480598679664}, r.get(2).toDoubleArray(), 1e-12);
            assertArrayEquals(new double[] {4.7935569023782225, 5.489591399066619, 6.10276562721908, 6.619309015596503},
                    r.get(3).toDoubleArray(), 1e-12);
        }
    }

    @Test
    void dropoutDrawsANewMaskEachStepAndEvaluationKeepsEverything() {
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, Sequential.of(new Linear(4, 256), new Dropout(0.5)), 3);
            Tensor x = g.input("x", 1, 4);
            Tensor train = net.forward(x);
            Tensor eval = net.evaluate(x);
            NDArray xv = NDArray.of(new float[] {1, 2, 3, 4}, 1, 4);
            try (Trainer sgd = Optimizers.sgd(0).minimize(train.sum())) {
                double[] before = sgd.compiled().eval(Map.of(x, xv), train).get(0).toDoubleArray();
                double[] plain = sgd.compiled().eval(Map.of(x, xv), eval).get(0).toDoubleArray();
                sgd.step(Map.of(x, xv));
                double[] after = sgd.compiled().eval(Map.of(x, xv), train).get(0).toDoubleArray();
                int zeros = 0;
                int changed = 0;
                for (int i = 0; i < before.length; i++) {
                    // Kept elements are the evaluation's doubled (1 / (1 - p)).
                    assertTrue(before[i] == 0 || Math.abs(before[i] - 2 * plain[i]) < 1e-5, "element " + i);
                    zeros += before[i] == 0 ? 1 : 0;
                    changed += (before[i] == 0) != (after[i] == 0) ? 1 : 0;
                }
                assertTrue(zeros > 90 && zeros < 166, "zeros " + zeros + " of 256");
                assertTrue(changed > 60, "a step draws a new mask: " + changed + " elements changed");
            }
        }
    }

    @Test
    void embeddingLooksUpRowsAndItsGradientAddsThemUp() {
        try (Graph g = Graph.create()) {
            Model emb = Model.create(g, new Embedding(5, 3), DType.F64, 1);
            Tensor ids = g.input("ids", DType.I32, 2, 2);
            Tensor rows = emb.forward(ids);
            assertEquals(List.of(2, 2, 3), boxed(rows.shape().dims()));
            Tensor weight = emb.parameters().get("weight");
            var c = g.compile(Device.of("jvm:cpu"));
            NDArray idv = NDArray.fromDoubles(DType.I32, dev.nabla.core.Shape.of(2, 2), new double[] {4, 0, 4, 2});
            List<NDArray> r = c.eval(Map.of(ids, idv), rows, rows.sum().grad(weight));
            double[] w = c.parameter(weight).toDoubleArray();
            assertArrayEquals(java.util.Arrays.copyOfRange(w, 12, 15), java.util.Arrays.copyOfRange(
                    r.get(0).toDoubleArray(), 0, 3));
            assertArrayEquals(new double[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2}, r.get(1).toDoubleArray());
        }
    }

    @Test
    void defaultInitializationHasPyTorchsBoundsAndIsReproducible() {
        try (Graph g = Graph.create(); Graph h = Graph.create()) {
            Layer m = Sequential.of(new Linear(100, 50), new Conv2d(4, 8, 3));
            Model a = Model.create(g, m, 7);
            Model b = Model.create(h, m, 7);
            try (var ca = g.compile(Device.of("jvm:cpu")); var cb = h.compile(Device.of("jvm:cpu"))) {
                double[] w = ca.parameter(a.parameters().get("0.weight")).toDoubleArray();
                assertArrayEquals(w, cb.parameter(b.parameters().get("0.weight")).toDoubleArray());
                double mean = 0;
                double max = 0;
                for (double v : w) {
                    mean += v / w.length;
                    max = Math.max(max, Math.abs(v));
                }
                assertTrue(max <= 0.1 && max > 0.09, "bound 1/sqrt(100), largest " + max);
                assertEquals(0, mean, 0.01);
                // Conv: fan in = 4·3·3 = 36, bound 1/6, for the weight and the bias.
                for (String name : List.of("1.weight", "1.bias")) {
                    for (double v : ca.parameter(a.parameters().get(name)).toDoubleArray()) {
                        assertTrue(Math.abs(v) <= 1.0 / 6, name + " " + v);
                    }
                }
            }
        }
    }

    @Test
    void mistakesAreNamed() {
        try (Graph g = Graph.create()) {
            Layer readsUndeclared = (x, s) -> x.mul(s.get("scale"));
            Model m = Model.create(g, readsUndeclared, 1);
            var e = assertThrows(NablaException.class, () -> m.forward(g.input("x", 2)));
            assertTrue(e.getMessage().contains("reads 'scale', which it did not declare"), e.getMessage());
            Layer twice = new Layer() {
                @Override
                public Tensor forward(Tensor x, Scope scope) { return x; }

                @Override
                public void declare(Declarations d) {
                    d.parameter("w", dev.nabla.core.Shape.of(2), Initializers.zeros());
                    d.parameter("w", dev.nabla.core.Shape.of(2), Initializers.zeros());
                }
            };
            assertThrows(NablaException.class, () -> Model.create(g, twice, 1));
            // Two unnamed models of one graph clash; named ones do not, and keep PyTorch's names.
            Layer linear = new Linear(2, 2);
            Model.create(g, linear, 1);
            var clash = assertThrows(NablaException.class, () -> Model.create(g, linear, 1));
            assertTrue(clash.getMessage().contains("name them: Model.create(graph, \"encoder\""), clash.getMessage());
            Model named = Model.create(g, "second", linear, 1);
            assertEquals(List.of("weight", "bias"), List.copyOf(named.stateDict().keySet()));
            Model bn = Model.create(g, "bn", new BatchNorm2d(3), 1);
            var shape = assertThrows(NablaException.class, () -> bn.forward(g.input("y", 2, 4, 5, 5)));
            assertTrue(shape.getMessage().contains("BatchNorm2d(3): needs an input [N, 3, H, W]"), shape.getMessage());
            // Forward passes may be built many times (one per batch size, say); a step that uses two
            // of them in training mode would update the running statistics twice, and is refused.
            Tensor z = g.input("z", 2, 3, 5, 5);
            Tensor once = bn.forward(z);
            Tensor second = bn.forward(z.mul(2));
            Optimizers.sgd(0.1).minimize(once.sum()).close();
            var again = assertThrows(NablaException.class, () -> Optimizers.sgd(0.1).minimize(once.add(second).sum()));
            assertTrue(again.getMessage().contains("gets a new value twice in one step"), again.getMessage());
        }
    }

    private static List<Integer> boxed(int[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }

    private static NDArray filled(int[] shape, java.util.function.IntToDoubleFunction f) {
        double[] v = new double[java.util.Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(i);
        }
        return NDArray.of(v, shape);
    }
}

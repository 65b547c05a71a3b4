package dev.nabla;

import static dev.nabla.GradCheck.distinct;
import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Convolutions and pooling against PyTorch 1.13 in float64 (goldens/convolutions.txt, made by
 * src/test/python/convolution_goldens.py): each output and the gradients of a weighted sum of it,
 * on the reference interpreter and the JVM backend; then finite differences to second order.
 */
class ConvolutionTest {
    private static final List<Device> DEVICES = List.of(Device.of("reference:cpu"), Device.of("jvm:cpu"));

    /** The Java side of one case of the script: input shape, weight shape (or null), bias, the op. */
    private record Case(int[] x, int[] w, boolean bias, Op op) {}

    private interface Op {
        Tensor apply(Tensor x, Tensor w, Tensor b);
    }

    private static final Map<String, Case> CASES = new LinkedHashMap<>();

    static {
        ConvOptions d = ConvOptions.defaults();
        CASES.put("conv2d", new Case(new int[] {2, 3, 7, 6}, new int[] {4, 3, 3, 2}, true,
                (x, w, b) -> Nabla.conv2d(x, w, b, d)));
        CASES.put("conv2d_strided_dilated_grouped", new Case(new int[] {2, 4, 9, 8}, new int[] {6, 2, 3, 3}, true,
                (x, w, b) -> Nabla.conv2d(x, w, b, d.stride(2, 1).padding(1, 2).dilation(2, 1).groups(2))));
        CASES.put("conv2d_same", new Case(new int[] {1, 2, 5, 6}, new int[] {3, 2, 4, 3}, false,
                (x, w, b) -> Nabla.conv2d(x, w, null, d.paddingSame())));
        CASES.put("conv1d", new Case(new int[] {2, 3, 10}, new int[] {5, 3, 3}, true,
                (x, w, b) -> Nabla.conv1d(x, w, b, d.stride(2).padding(1).dilation(2))));
        CASES.put("conv_transpose2d", new Case(new int[] {2, 4, 5, 4}, new int[] {4, 3, 3, 3}, true,
                (x, w, b) -> Nabla.convTranspose2d(x, w, b, d.stride(2).padding(1).outputPadding(1).groups(2))));
        CASES.put("conv_transpose2d_dilated", new Case(new int[] {1, 2, 4, 4}, new int[] {2, 3, 2, 3}, false,
                (x, w, b) -> Nabla.convTranspose2d(x, w, null, d.dilation(2))));
        CASES.put("max_pool2d", new Case(new int[] {2, 3, 7, 7}, null, false, (x, w, b) -> Nabla.maxPool2d(x, 3, 2, 1)));
        CASES.put("avg_pool2d", new Case(new int[] {2, 3, 7, 7}, null, false,
                (x, w, b) -> Nabla.avgPool2d(x, 3, 2, 1, true)));
        CASES.put("avg_pool2d_exclude_pad", new Case(new int[] {2, 3, 7, 7}, null, false,
                (x, w, b) -> Nabla.avgPool2d(x, 3, 2, 1, false)));
        CASES.put("adaptive_avg_pool2d", new Case(new int[] {2, 3, 7, 5}, null, false,
                (x, w, b) -> Nabla.adaptiveAvgPool2d(x, 3, 2)));
        CASES.put("adaptive_max_pool2d", new Case(new int[] {2, 3, 7, 5}, null, false,
                (x, w, b) -> Nabla.adaptiveMaxPool2d(x, 3, 2)));
        CASES.put("max_pool1d", new Case(new int[] {2, 3, 9}, null, false, (x, w, b) -> Nabla.maxPool1d(x, 2, 2, 0)));
        // Ties (inputs of small integers): the gradient goes to each window's first maximum.
        CASES.put("max_pool2d_ties", new Case(new int[] {2, 3, 7, 7}, null, false,
                (x, w, b) -> Nabla.maxPool2d(x, 3, 2, 1)));
        CASES.put("max_pool2d_overlapping_ties", new Case(new int[] {1, 2, 6, 5}, null, false,
                (x, w, b) -> Nabla.maxPool2d(x, 3, 1, 0)));
        CASES.put("max_pool2d_relu_ties", new Case(new int[] {2, 2, 6, 6}, null, false,
                (x, w, b) -> Nabla.maxPool2d(x.sub(1).relu(), 2)));
        CASES.put("max_pool1d_ties", new Case(new int[] {2, 3, 9}, null, false,
                (x, w, b) -> Nabla.maxPool1d(x, 3, 2, 1)));
        CASES.put("adaptive_max_pool2d_ties", new Case(new int[] {2, 3, 7, 5}, null, false,
                (x, w, b) -> Nabla.adaptiveMaxPool2d(x, 3, 2)));
    }

    /** The script's inputs: smooth values, or small integers for the cases named "_ties". */
    private static NDArray inputOf(String name, int[] shape) {
        return name.endsWith("_ties")
                ? filled(shape, i -> Math.floor(3 * Math.sin(0.7 * i + 0.3)))
                : filled(shape, i -> Math.sin(0.7 * i + 0.3));
    }

    static Stream<Arguments> goldens() throws IOException {
        Map<String, Map<String, double[]>> cases = new LinkedHashMap<>();
        try (var in = ConvolutionTest.class.getResourceAsStream("/goldens/convolutions.txt");
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            Map<String, double[]> current = null;
            for (String line; (line = reader.readLine()) != null; ) {
                String[] parts = line.trim().split(" ");
                if (line.startsWith("#")) {
                    continue;
                } else if (parts[0].equals("case")) {
                    current = new HashMap<>();
                    cases.put(parts[1], current);
                } else {
                    current.put(parts[0], Stream.of(parts).skip(1).mapToDouble(Double::parseDouble).toArray());
                }
            }
        }
        assertEquals(CASES.keySet(), cases.keySet(), "the script's cases and this test's");
        return cases.entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void valuesAndGradientsArePyTorchs(String name, Map<String, double[]> torch) {
        Case c = CASES.get(name);
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, c.x());
            Tensor w = c.w() == null ? null : g.input("w", DType.F64, c.w());
            Tensor b = null;
            Map<Tensor, NDArray> feeds = new HashMap<>();
            feeds.put(x, inputOf(name, c.x()));
            if (w != null) {
                feeds.put(w, filled(c.w(), i -> 0.4 * Math.cos(0.9 * i + 0.1)));
            }
            if (c.bias()) {
                int channels = torch.get("gb").length;
                b = g.input("b", DType.F64, channels);
                feeds.put(b, filled(new int[] {channels}, i -> 0.1 * i - 0.2));
            }
            Tensor y = c.op().apply(x, w, b);
            int[] shape = Arrays.stream(torch.get("shape")).mapToInt(v -> (int) v).toArray();
            assertArrayEquals(shape, y.shape().dims(), name + " output shape");
            Tensor loss = y.mul(g.constant(filled(shape, i -> Math.sin(0.05 * i + 0.2) + 0.3))).sum();
            List<Tensor> outputs = new ArrayList<>(List.of(y, loss.grad(x)));
            List<String> keys = new ArrayList<>(List.of("out", "gx"));
            if (w != null) {
                outputs.add(loss.grad(w));
                keys.add("gw");
            }
            if (b != null) {
                outputs.add(loss.grad(b));
                keys.add("gb");
            }
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(feeds, outputs.toArray(Tensor[]::new));
                for (int i = 0; i < keys.size(); i++) {
                    assertArrayEquals(torch.get(keys.get(i)), r.get(i).toDoubleArray(), 1e-12,
                            name + " " + keys.get(i) + " on " + device);
                }
            }
        }
    }

    static Stream<GradCheck> secondOrder() {
        ConvOptions d = ConvOptions.defaults();
        return Stream.of(
                GradCheck.of("conv2d stride 2 padding 1 groups 2",
                                t -> Nabla.conv2d(t.get(0), t.get(1), t.get(2), d.stride(2).padding(1).groups(2)).tanh())
                        .input(uniform(-1, 1), 1, 4, 5, 5).input(uniform(-1, 1), 2, 2, 3, 3).input(uniform(-1, 1), 2)
                        .order(2),
                GradCheck.of("conv1d dilation 2 same", t -> Nabla.conv1d(t.get(0), t.get(1), null,
                                d.paddingSame().dilation(2)).sin())
                        .input(uniform(-1, 1), 2, 2, 6).input(uniform(-1, 1), 3, 2, 2).order(2),
                GradCheck.of("convTranspose2d stride 2", t -> Nabla.convTranspose2d(t.get(0), t.get(1), null,
                                d.stride(2).padding(1).outputPadding(1)).tanh())
                        .input(uniform(-1, 1), 1, 2, 3, 3).input(uniform(-1, 1), 2, 2, 2, 2).order(2),
                // Distinct values keep every window's maximum unique: max is smooth there.
                GradCheck.of("maxPool2d", t -> Nabla.maxPool2d(t.get(0), 2, 2, 1).mul(t.get(0).sum()))
                        .input(distinct(-2, 2), 1, 2, 4, 4).order(2),
                GradCheck.of("avgPool2d", t -> Nabla.avgPool2d(t.get(0), 3, 2, 1, false).sin())
                        .input(uniform(-2, 2), 1, 2, 5, 5).order(2),
                GradCheck.of("adaptiveAvgPool2d", t -> Nabla.adaptiveAvgPool2d(t.get(0), 2, 3).sin())
                        .input(uniform(-2, 2), 1, 2, 5, 4).order(2),
                // Overlapping bins (5 rows into 3, 4 columns into 3); distinct values, unique maxima.
                GradCheck.of("adaptiveMaxPool2d", t -> Nabla.adaptiveMaxPool2d(t.get(0), 3, 3).mul(t.get(0).sum()))
                        .input(distinct(-2, 2), 1, 2, 5, 4).order(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("secondOrder")
    void finiteDifferencesToSecondOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    /** Each output of the JVM within {@code tol} of the reference's, relative above 1 and absolute below. */
    private static void assertClose(List<NDArray> ref, List<NDArray> jvm, double tol, String what) {
        for (int i = 0; i < ref.size(); i++) {
            double[] r = ref.get(i).toDoubleArray();
            double[] j = jvm.get(i).toDoubleArray();
            for (int e = 0; e < r.length; e++) {
                assertEquals(r[e], j[e], tol * Math.max(1, Math.abs(r[e])), what + " output " + i + " element " + e);
            }
        }
    }

    /**
     * Random max and average pooling (kernels, strides, paddings, planes of a few to a few dozen
     * elements, f32 and f64): the JVM backend against the reference interpreter, outputs and
     * gradients, whose windows and windows sums the JVM copies plane by plane.
     */
    @Test
    void randomPoolingMatchesTheReferenceInterpreter() {
        java.util.Random rnd = new java.util.Random(23);
        for (int trial = 0; trial < 40; trial++) {
            DType dtype = trial % 2 == 0 ? DType.F32 : DType.F64;
            int kernel = 1 + rnd.nextInt(3);
            int stride = 1 + rnd.nextInt(3);
            int padding = rnd.nextInt(kernel / 2 + 1);
            int h = kernel + rnd.nextInt(9);
            int w = kernel + rnd.nextInt(30);
            int channels = 1 + rnd.nextInt(4);
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", dtype, 3, channels, h, w);
                Tensor y = trial % 4 < 2 ? Nabla.maxPool2d(x, kernel, stride, padding)
                        : Nabla.avgPool2d(x, kernel, stride, padding, rnd.nextBoolean());
                Tensor loss = y.mul(y).sum();
                Map<Tensor, NDArray> feeds = Map.of(x, NDArray.fromDoubles(dtype, x.shape(),
                        TestArrays.uniform(rnd, 1, 3, channels, h, w).toDoubleArray()));
                Tensor[] outputs = {y, loss.grad(x)};
                List<NDArray> ref = g.compile(Device.of("reference:cpu")).eval(feeds, outputs);
                List<NDArray> jvm = g.compile(Device.of("jvm:cpu")).eval(feeds, outputs);
                assertClose(ref, jvm, dtype == DType.F32 ? 1e-6 : 1e-14, "trial " + trial + " kernel " + kernel
                        + " stride " + stride + " padding " + padding + " input " + x.shape());
            }
        }
    }

    /**
     * Random settings (strides, paddings, dilations, groups, output padding, kernels, f32 and f64):
     * the JVM backend against the reference interpreter, outputs and gradients.
     */
    @Test
    void randomConvolutionsMatchTheReferenceInterpreter() {
        java.util.Random rnd = new java.util.Random(17);
        int checked = 0;
        for (int trial = 0; trial < 40; trial++) {
            DType dtype = trial % 2 == 0 ? DType.F32 : DType.F64;
            int groups = 1 + rnd.nextInt(2);
            int in = groups * (1 + rnd.nextInt(3));
            int out = groups * (1 + rnd.nextInt(3));
            int kh = 1 + rnd.nextInt(3);
            int kw = 1 + rnd.nextInt(3);
            int stride = 1 + rnd.nextInt(2);
            int dilation = 1 + rnd.nextInt(2);
            int padding = rnd.nextInt(2);
            int h = dilation * (kh - 1) + 1 + rnd.nextInt(4);
            int w = dilation * (kw - 1) + 1 + rnd.nextInt(4);
            boolean transposed = rnd.nextInt(3) == 0;
            ConvOptions o = ConvOptions.defaults().stride(stride).padding(padding).dilation(dilation).groups(groups);
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", dtype, 2, in, h, w);
                Tensor k = transposed ? g.input("k", dtype, in, out / groups, kh, kw) : g.input("k", dtype, out, in / groups, kh, kw);
                Tensor y;
                try {
                    y = transposed ? Nabla.convTranspose2d(x, k, null, o.outputPadding(stride > 1 ? rnd.nextInt(stride) : 0))
                            : Nabla.conv2d(x, k, null, o);
                } catch (ShapeException tooSmall) {
                    continue;   // an empty output: the settings are refused where written
                }
                Tensor loss = y.sin().sum();
                Map<Tensor, NDArray> feeds = Map.of(x, TestArrays.uniform(rnd, 1, 2, in, h, w),
                        k, TestArrays.uniform(rnd, 1, k.shape().dims()));
                Map<Tensor, NDArray> typed = new HashMap<>();
                feeds.forEach((t, v) -> typed.put(t, NDArray.fromDoubles(dtype, v.shape(), v.toDoubleArray())));
                Tensor[] outputs = {y, loss.grad(x), loss.grad(k)};
                List<NDArray> ref = g.compile(Device.of("reference:cpu")).eval(typed, outputs);
                List<NDArray> jvm = g.compile(Device.of("jvm:cpu")).eval(typed, outputs);
                assertClose(ref, jvm, dtype == DType.F32 ? 1e-4 : 1e-11,
                        "trial " + trial + " " + (transposed ? "transposed " : "") + o);
                checked++;
            }
        }
        assertTrue(checked > 30, "checked " + checked);
    }

    @Test
    void hessianVectorProductThroughASmallCnn() {
        // A conv + relu + pool + linear network; its Hessian-vector product against the directional
        // difference of gradients (central, f64).
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2, 1, 6, 6);
            Tensor k = g.input("k", DType.F64, 3, 1, 3, 3);
            Tensor v = g.input("v", DType.F64, 3, 1, 3, 3);
            Tensor head = g.input("head", DType.F64, 12, 2);
            Tensor h = Nabla.maxPool2d(Nabla.conv2d(x, k).tanh(), 2).reshape(2, 12);
            Tensor loss = h.matmul(head).sin().sum();
            Tensor hv = Nabla.hvp(loss, k, v);
            Tensor grad = loss.grad(k);
            NDArray xv = filled(new int[] {2, 1, 6, 6}, i -> Math.sin(1.3 * i));
            NDArray kv = filled(new int[] {3, 1, 3, 3}, i -> 0.3 * Math.cos(0.7 * i));
            NDArray vv = filled(new int[] {3, 1, 3, 3}, i -> Math.sin(0.4 * i + 1));
            NDArray headv = filled(new int[] {12, 2}, i -> 0.2 * Math.cos(i));
            var program = g.compile(Device.of("jvm:cpu"));
            double[] analytic = program.eval(Map.of(x, xv, k, kv, v, vv, head, headv), hv).get(0).toDoubleArray();
            double eps = 1e-5;
            double[] plus = program.eval(Map.of(x, xv, k, shifted(kv, vv, eps), v, vv, head, headv), grad).get(0)
                    .toDoubleArray();
            double[] minus = program.eval(Map.of(x, xv, k, shifted(kv, vv, -eps), v, vv, head, headv), grad).get(0)
                    .toDoubleArray();
            for (int i = 0; i < analytic.length; i++) {
                assertEquals((plus[i] - minus[i]) / (2 * eps), analytic[i], 1e-7, "element " + i);
            }
        }
    }

    @Test
    void badSettingsAreNamedWhereTheyAreWritten() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 1, 4, 5, 5);
            ConvOptions d = ConvOptions.defaults();
            var big = assertThrows(ShapeException.class, () -> Nabla.conv2d(x, g.zeros(DType.F32, 2, 4, 7, 7)));
            assertTrue(big.getMessage().contains("conv2d: the kernel [7, 7]") && big.getMessage().contains("only 5"),
                    big.getMessage());
            var groups = assertThrows(ShapeException.class,
                    () -> Nabla.conv2d(x, g.zeros(DType.F32, 3, 2, 3, 3), null, d.groups(3)));
            assertTrue(groups.getMessage().contains("divisible by groups = 3"), groups.getMessage());
            var channels = assertThrows(ShapeException.class, () -> Nabla.conv2d(x, g.zeros(DType.F32, 2, 3, 3, 3)));
            assertTrue(channels.getMessage().contains("expects 3 input channels"), channels.getMessage());
            var unbatched = assertThrows(ShapeException.class,
                    () -> Nabla.conv2d(g.input("y", DType.F32, 4, 5, 5), g.zeros(DType.F32, 2, 4, 3, 3)));
            assertTrue(unbatched.getMessage().contains("unsqueeze(0)"), unbatched.getMessage());
            assertThrows(DTypeException.class, () -> Nabla.conv2d(x, g.zeros(DType.F64, 2, 4, 3, 3)));
            var same = assertThrows(ShapeException.class,
                    () -> Nabla.conv2d(x, g.zeros(DType.F32, 2, 4, 3, 3), null, d.paddingSame().stride(2)));
            assertTrue(same.getMessage().contains("\"same\" needs stride 1"), same.getMessage());
            var pool = assertThrows(ShapeException.class, () -> Nabla.maxPool2d(x, 2, 2, 2));
            assertTrue(pool.getMessage().contains("at most half the kernel"), pool.getMessage());
            var outPad = assertThrows(ShapeException.class,
                    () -> Nabla.convTranspose2d(x, g.zeros(DType.F32, 4, 2, 3, 3), null, d.outputPadding(1)));
            assertTrue(outPad.getMessage().contains("smaller than the stride or the dilation"), outPad.getMessage());
            var flat = assertThrows(ShapeException.class,
                    () -> Nabla.adaptiveMaxPool2d(g.input("m", DType.F32, 5, 5), 2, 2));
            assertTrue(flat.getMessage().contains("adaptiveMaxPool: needs a tensor with 3 or more axes"),
                    flat.getMessage());
            var empty = assertThrows(ShapeException.class, () -> Nabla.adaptiveAvgPool2d(x, 0, 2));
            assertTrue(empty.getMessage().contains("adaptiveAvgPool: output sizes must be positive, got [0, 2]"),
                    empty.getMessage());
            assertThrows(DTypeException.class, () -> Nabla.adaptiveMaxPool2d(g.input("i", DType.I32, 1, 2, 4, 4), 2, 2));
        }
    }

    @Test
    void f32MatchesF64AndTheShapesFollowPyTorch() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 2, 3, 28, 28);
            Tensor w = g.input("w", DType.F32, 8, 3, 5, 5);
            Tensor y = Nabla.maxPool2d(Nabla.conv2d(x, w, null, ConvOptions.defaults().padding(2)).relu(), 2);
            assertEquals(Shape.of(2, 8, 14, 14), y.shape());
            Tensor x64 = x.cast(DType.F64);
            Tensor y64 = Nabla.maxPool2d(Nabla.conv2d(x64, w.cast(DType.F64), null,
                    ConvOptions.defaults().padding(2)).relu(), 2);
            NDArray xv = asF32(filled(new int[] {2, 3, 28, 28}, i -> Math.sin(0.1 * i)));
            NDArray wv = asF32(filled(new int[] {8, 3, 5, 5}, i -> 0.1 * Math.cos(0.3 * i)));
            List<NDArray> r = g.compile(Device.of("jvm:cpu")).eval(Map.of(x, xv, w, wv), y, y64);
            assertArrayEquals(r.get(1).toDoubleArray(), r.get(0).toDoubleArray(), 1e-5);
        }
    }

    private static NDArray filled(int[] shape, DoubleUnaryOperator f) {
        double[] v = new double[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(i);
        }
        return NDArray.of(v, shape);
    }

    private static NDArray asF32(NDArray a) {
        return NDArray.fromDoubles(DType.F32, a.shape(), a.toDoubleArray());
    }

    private static NDArray shifted(NDArray a, NDArray dir, double eps) {
        double[] x = a.toDoubleArray();
        double[] d = dir.toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            x[i] += eps * d[i];
        }
        return NDArray.of(x, a.shape().dims());
    }
}

package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CompiledGraph#evalInto}: the result written into the caller's array equals what eval
 * returns, on both backends, in f32 and f64, for outputs the JVM backend computes straight into
 * the destination (an elementwise or reduction kernel writing a whole temporary) and for those it
 * copies there (a strided view, an input, a constant, one of several results of one buffer); and
 * the destination is the caller's alone: later runs do not write into it.
 */
class EvalIntoTest {
    private static final int ROWS = 30;
    private static final int COLS = 40;

    private static Device device(String backend) {
        return Device.host(backend);
    }

    private static double[] values(int n, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.sin(0.37 * i + shift) * 3;
        }
        return v;
    }

    /** Outputs over x [ROWS, COLS], each naming the path the JVM backend takes for it. */
    private static final Map<String, BiFunction<Graph, Tensor, Tensor>> OUTPUTS = new java.util.LinkedHashMap<>();

    static {
        // Written by the kernel straight into the destination.
        OUTPUTS.put("elementwise (direct)", (g, x) -> x.mul(2).add(x.sin()));
        OUTPUTS.put("row sums (direct)", (g, x) -> x.exp().sum(1));
        OUTPUTS.put("softmax (direct)", (g, x) -> x.softmax(1));
        OUTPUTS.put("matmul (direct)", (g, x) -> x.matmul(x.transpose()));
        // Copied into the destination.
        OUTPUTS.put("transposed view of a kernel's result (copy)", (g, x) -> x.mul(2).add(1).transpose());
        OUTPUTS.put("strided slice (copy)", (g, x) -> x.exp().slice(1, 1, COLS, 3));
        OUTPUTS.put("the input itself (copy)", (g, x) -> x);
        OUTPUTS.put("a transposed input (copy)", (g, x) -> x.transpose());
        OUTPUTS.put("a constant (copy)", (g, x) -> g.constant(NDArray.fromDoubles(x.dtype(),
                new dev.nabla.core.Shape(3, 2), new double[] {1, 2, 3, 4, 5, 6})));
        OUTPUTS.put("a broadcast number (copy)", (g, x) -> g.ones(x.dtype(), 4, 5).mul(2.5));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void f32IntoTheCallersArrayEqualsEval(String backend) {
        for (var e : OUTPUTS.entrySet()) {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F32, ROWS, COLS);
                Tensor y = e.getValue().apply(g, x);
                var run = g.compile(device(backend));
                NDArray a = NDArray.fromDoubles(DType.F32, x.shape(), values(ROWS * COLS, 0));
                NDArray b = NDArray.fromDoubles(DType.F32, x.shape(), values(ROWS * COLS, 1));
                float[] expectA = run.eval(Map.of(x, a), y).get(0).toFloatArray();
                float[] expectB = run.eval(Map.of(x, b), y).get(0).toFloatArray();
                float[] intoA = new float[y.shape().size()];
                Arrays.fill(intoA, Float.NaN);
                run.evalInto(Map.of(x, a), y, intoA);
                assertArrayEquals(expectA, intoA, e.getKey());
                // Again, into another array: the first keeps its values (no later run writes it).
                float[] intoB = new float[y.shape().size()];
                run.evalInto(Map.of(x, b), y, intoB);
                assertArrayEquals(expectB, intoB, e.getKey());
                assertArrayEquals(expectA, intoA, e.getKey() + ": the first destination was written again");
                // Nor does a plain eval, and its result is an array of its own.
                NDArray again = run.eval(Map.of(x, a), y).get(0);
                assertArrayEquals(expectA, again.toFloatArray(), e.getKey());
                assertArrayEquals(expectB, intoB, e.getKey() + ": eval wrote into the last destination");
                Arrays.fill(intoA, -7f);
                assertArrayEquals(expectA, run.eval(Map.of(x, a), y).get(0).toFloatArray(),
                        e.getKey() + ": eval reads the caller's array");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void f64IntoTheCallersArrayEqualsEval(String backend) {
        for (var e : OUTPUTS.entrySet()) {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F64, ROWS, COLS);
                Tensor y = e.getValue().apply(g, x);
                var run = g.compile(device(backend));
                NDArray a = NDArray.of(values(ROWS * COLS, 0), ROWS, COLS);
                NDArray b = NDArray.of(values(ROWS * COLS, 2), ROWS, COLS);
                double[] expectA = run.eval(Map.of(x, a), y).get(0).toDoubleArray();
                double[] expectB = run.eval(Map.of(x, b), y).get(0).toDoubleArray();
                double[] intoA = new double[y.shape().size()];
                Arrays.fill(intoA, Double.NaN);
                run.evalInto(Map.of(x, a), y, intoA);
                assertArrayEquals(expectA, intoA, e.getKey());
                double[] intoB = new double[y.shape().size()];
                run.evalInto(Map.of(x, b), y, intoB);
                assertArrayEquals(expectB, intoB, e.getKey());
                assertArrayEquals(expectA, intoA, e.getKey() + ": the first destination was written again");
                assertArrayEquals(expectA, run.eval(Map.of(x, a), y).get(0).toDoubleArray(), e.getKey());
                assertArrayEquals(expectB, intoB, e.getKey() + ": eval wrote into the last destination");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void largeResultsSplitOverThreadsAndMasks(String backend) {
        int n = 100_003;
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, n);
            Tensor y = x.mul(x).sub(x.cos());
            Tensor mask = x.gt(0.5);
            var run = g.compile(device(backend));
            NDArray a = NDArray.fromDoubles(DType.F32, x.shape(), values(n, 0.5));
            float[] into = new float[n];
            run.evalInto(Map.of(x, a), y, into);
            assertArrayEquals(run.eval(Map.of(x, a), y).get(0).toFloatArray(), into);
            // Masks (bool) go into a double[] of 0 and 1.
            double[] m = new double[n];
            Arrays.fill(m, 7);
            run.evalInto(Map.of(x, a), mask, m);
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = a.getFloat(i) > 0.5f ? 1 : 0;
            }
            assertArrayEquals(expected, m);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void aDestinationOfTheWrongTypeOrLengthIsRefused(String backend) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 2, 3);
            Tensor d = g.input("d", DType.F64, 4);
            Tensor y = x.mul(2);
            Tensor z = d.exp();
            var run = g.compile(device(backend));
            NDArray xv = NDArray.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            NDArray dv = NDArray.of(new double[] {1, 2, 3, 4}, 4);
            assertThat(assertThrows(NablaException.FeedException.class,
                    () -> run.evalInto(Map.of(x, xv), y, new double[6])).getMessage())
                    .isEqualTo("evalInto: %2:f32[2,3] needs a float[] of length 6, got double[] of length 6"
                            .replace("%2", y.node().describe().split(":")[0]));
            assertThat(assertThrows(NablaException.FeedException.class,
                    () -> run.evalInto(Map.of(x, xv), y, new float[5])).getMessage())
                    .contains("evalInto:").contains("needs a float[] of length 6, got float[] of length 5");
            assertThat(assertThrows(NablaException.FeedException.class,
                    () -> run.evalInto(Map.of(x, xv), y, new float[7])).getMessage())
                    .contains("got float[] of length 7");
            assertThat(assertThrows(NablaException.FeedException.class,
                    () -> run.evalInto(Map.of(x, xv), y, (float[]) null)).getMessage())
                    .contains("needs a float[] of length 6, got null");
            assertThat(assertThrows(NablaException.FeedException.class,
                    () -> run.evalInto(Map.of(d, dv), z, new float[4])).getMessage())
                    .contains("f64[4] needs a double[] of length 4, got float[] of length 4");
            assertThat(assertThrows(NablaException.FeedException.class,
                    () -> run.evalInto(Map.of(d, dv), z, new double[3])).getMessage())
                    .contains("needs a double[] of length 4, got double[] of length 3");
            // Feeds are checked as eval checks them.
            assertThat(assertThrows(NablaException.FeedException.class,
                    () -> run.evalInto(Map.of(), y, new float[6])).getMessage()).contains("input 'x'");
            // A refused call leaves the destination alone.
            float[] untouched = {9, 9, 9, 9, 9};
            assertThrows(NablaException.class, () -> run.evalInto(Map.of(x, xv), y, untouched));
            assertArrayEquals(new float[] {9, 9, 9, 9, 9}, untouched);
            // A tensor of another graph names the call.
            try (Graph other = Graph.create()) {
                Tensor foreign = other.input("q", DType.F32, 6);
                assertThat(assertThrows(NablaException.GraphException.class,
                        () -> run.evalInto(Map.of(x, xv), foreign, new float[6])).getMessage())
                        .startsWith("evalInto: operand q:f32[6] belongs to another graph");
            }
        }
    }
}

package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forward values of every op on small hand-computed examples, in f32 and f64, on both backends:
 * the reference interpreter and the JVM backend (the default device). Values come in through
 * inputs, not constants, so that the backend computes them rather than the constant folder;
 * f32 results must be exactly what Java float arithmetic gives.
 */
@ParameterizedClass(name = "on {0}")
@MethodSource("devices")
class ForwardValuesTest {
    @Parameter
    Device device;

    /** Both CPU backends, found by name among those on the class path (so neither goes missing). */
    static Stream<Device> devices() {
        return Stream.of("reference", "jvm").map(name -> Device.all().stream()
                .filter(d -> d.backend().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " backend among " + Device.all())));
    }

    @Test
    void theJvmBackendIsTheDefaultOnTheCpu() {
        assertEquals("jvm", Device.best().backend());
    }

    private static NDArray f32(int[] dims, float... values) {
        return NDArray.of(values, dims);
    }

    private static NDArray f64(int[] dims, double... values) {
        return NDArray.of(values, dims);
    }

    private static int[] dims(int... dims) {
        return dims;
    }

    /** Evaluates f(x) for x fed with {@code value}. */
    private NDArray apply(NDArray value, UnaryOperator<Tensor> f) {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", value.dtype(), value.shape().dims());
            return g.compile(device).eval(Map.of(x, value), f.apply(x)).get(0);
        }
    }

    private String show(NDArray value, UnaryOperator<Tensor> f) {
        return apply(value, f).toString();
    }

    /** Evaluates f(x, y). */
    private NDArray apply(NDArray a, NDArray b, BinaryOperator<Tensor> f) {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", a.dtype(), a.shape().dims());
            Tensor y = g.input("y", b.dtype(), b.shape().dims());
            return g.compile(device).eval(Map.of(x, a, y, b), f.apply(x, y)).get(0);
        }
    }

    private String show(NDArray a, NDArray b, BinaryOperator<Tensor> f) {
        return apply(a, b, f).toString();
    }

    // ---- elementwise ----

    @Test
    void unaryOpsOnHandValues() {
        NDArray a = f32(dims(3), -2, 0, 3);
        assertEquals("[2.0, -0.0, -3.0]", show(a, Tensor::neg));
        assertEquals("[2.0, 0.0, 3.0]", show(a, Tensor::abs));
        assertEquals("[-1.0, 0.0, 1.0]", show(a, Tensor::sign));
        assertEquals("[0.0, 0.0, 3.0]", show(a, Tensor::relu));
        assertEquals("[1.0, 2.0, 3.0]", show(f64(dims(3), 1, 4, 9), Tensor::sqrt));
        assertEquals("[1.0, 0.5, 0.25]", show(f64(dims(3), 1, 4, 16), Tensor::rsqrt));
        assertEquals("[0.0, 1.0]", show(f64(dims(2), 1, Math.E), Tensor::log));
        // e rounded to f32 is a little below e.
        assertEquals("[0.0, 0.99999994]", show(f32(dims(2), 1, (float) Math.E), Tensor::log));
        assertEquals("[1.0]", show(f32(dims(1), 0), Tensor::exp));
        NDArray zero = f64(dims(1), 0);
        assertEquals("[0.0]", show(zero, Tensor::sin));
        assertEquals("[1.0]", show(zero, Tensor::cos));
        assertEquals("[0.0]", show(zero, Tensor::tan));
        assertEquals("[0.0]", show(zero, Tensor::tanh));
        assertEquals("[0.5]", show(zero, Tensor::sigmoid));
        assertEquals("[" + Math.log(2) + "]", show(zero, Tensor::softplus));
        assertEquals("[0.0]", show(zero, Tensor::expm1));
        assertEquals("[0.0]", show(zero, Tensor::log1p));
    }

    /**
     * The reference gives the double definition rounded once, bit for bit. The JVM backend's
     * exp, log, log1p, expm1, sin, cos, tan and tanh use the Vector API's SIMD math, which may be
     * an ulp off Math's correctly rounded result in either direction (on CPUs and JDKs without
     * the SIMD library it falls back to Math and agrees exactly): 2 ulps allowed there.
     */
    private void assertElementwise(UnaryOperator<Tensor> op, DoubleUnaryOperator exact, double... xs) {
        float[] fs = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            fs[i] = (float) xs[i];
        }
        float[] got32 = apply(f32(dims(xs.length), fs), op).toFloatArray();
        double[] got64 = apply(f64(dims(xs.length), xs), op).toDoubleArray();
        int ulps = device.backend().equals("reference") ? 0 : 2;
        for (int i = 0; i < xs.length; i++) {
            float want32 = (float) exact.applyAsDouble(fs[i]);
            double want64 = exact.applyAsDouble(xs[i]);
            if (ulps == 0) {
                assertEquals(Float.floatToIntBits(want32), Float.floatToIntBits(got32[i]),
                        "f32 at " + fs[i] + ": want " + want32 + ", got " + got32[i]);
                assertEquals(want64, got64[i], 0.0, "f64 at " + xs[i]);
            } else {
                assertEquals(want32, got32[i], ulps * Math.ulp(want32),
                        "f32 at " + fs[i] + ": want " + want32 + ", got " + got32[i]);
                assertEquals(want64, got64[i], ulps * Math.ulp(want64), "f64 at " + xs[i]);
            }
        }
    }

    @Test
    void transcendentalOpsAreTheirDoubleDefinitionRoundedOnce() {
        double[] xs = {-1.5, -0.25, 0, 0.5, 2};
        assertElementwise(Tensor::exp, Math::exp, xs);
        assertElementwise(Tensor::expm1, Math::expm1, xs);
        assertElementwise(Tensor::sin, Math::sin, xs);
        assertElementwise(Tensor::cos, Math::cos, xs);
        assertElementwise(Tensor::tan, Math::tan, xs);
        assertElementwise(Tensor::tanh, Math::tanh, xs);
        // The overflow-free forms that UnaryFn documents as the definitions.
        assertElementwise(Tensor::sigmoid, v -> v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)), xs);
        assertElementwise(Tensor::softplus, v -> Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))), xs);
        double[] positive = {0.25, 1, 3, 10};
        assertElementwise(Tensor::log, Math::log, positive);
        assertElementwise(Tensor::log1p, Math::log1p, positive);
        assertElementwise(Tensor::sqrt, Math::sqrt, positive);
        assertElementwise(Tensor::rsqrt, v -> 1 / Math.sqrt(v), positive);
    }

    @Test
    void softplusAndSigmoidDoNotOverflow() {
        assertEquals("[1000.0, 0.0, " + Math.log(2) + "]", show(f64(dims(3), 1000, -1000, 0), Tensor::softplus));
        assertEquals("[100.0, " + (float) Math.log1p(Math.exp(-100)) + "]",
                show(f32(dims(2), 100, -100), Tensor::softplus));
        assertEquals("[1.0, 0.0, 0.5]", show(f64(dims(3), 1000, -1000, 0), Tensor::sigmoid));
        assertEquals("[1.0, 0.0]", show(f32(dims(2), 200, -200), Tensor::sigmoid));
        double s = apply(f64(dims(1), -30), Tensor::sigmoid).getDouble(0);
        assertEquals(Math.exp(-30) / (1 + Math.exp(-30)), s, 1e-25);
        assertTrue(s > 0);
    }

    @Test
    void binaryOpsWithBroadcasting() {
        NDArray m = f32(dims(2, 3), 1, 2, 3, 4, 5, 6);
        NDArray r = f32(dims(3), 10, 20, 30);
        assertEquals("[[11.0, 22.0, 33.0], [14.0, 25.0, 36.0]]", show(m, r, Tensor::add));
        assertEquals("[[-9.0, -18.0, -27.0], [-6.0, -15.0, -24.0]]", show(m, r, Tensor::sub));
        assertEquals("[[10.0, 40.0, 90.0], [40.0, 100.0, 180.0]]", show(m, r, Tensor::mul));
        assertEquals("[[10.0, 10.0, 10.0], [2.5, 4.0, 5.0]]", show(m, r, (a, b) -> b.div(a)));
        assertEquals("[[1.0, 4.0, 9.0], [16.0, 25.0, 36.0]]", show(m, x -> x.pow(2)));
        assertEquals("[[1.0, 2.0, 3.0], [16.0, 25.0, 36.0]]", show(m, f32(dims(2, 1), 1, 2), Tensor::pow));
        assertEquals("[[2.0, 0.5, 0.0]]", show(f64(dims(1, 3), 4, 0.25, 0), x -> x.pow(0.5)));
        NDArray col = f64(dims(2, 1), 2, 5);
        NDArray row = f64(dims(3), 1, 3, 6);
        assertEquals("[[1.0, 2.0, 2.0], [1.0, 3.0, 5.0]]", show(col, row, Tensor::minimum));
        assertEquals("[[2.0, 3.0, 6.0], [5.0, 5.0, 6.0]]", show(col, row, Tensor::maximum));
        assertEquals("[[3.0, 5.0, 8.0], [6.0, 8.0, 11.0]]", show(col, row, Tensor::add));
        assertEquals("[0.5, 0.25]", show(f64(dims(2), 1, 2), x -> x.rdiv(0.5)));
        assertEquals("[0.5, 0.125]", show(f64(dims(2), 1, 2), x -> x.rdiv(0.5).div(x)));
        assertEquals("[2.0, 1.0]", show(f64(dims(2), 1, 2), x -> x.rsub(3)));
    }

    @Test
    void f32ResultsAreFloatRounded() {
        NDArray a = f32(dims(1), 0.1f);
        NDArray b = f32(dims(1), 0.2f);
        assertEquals("[" + (0.1f + 0.2f) + "]", show(a, b, Tensor::add));
        assertEquals("[0.3]", show(a, b, Tensor::add));
        assertEquals("[0.30000000000000004]", show(f64(dims(1), 0.1), f64(dims(1), 0.2), Tensor::add));
        assertEquals("[0.33333334]", show(f32(dims(1), 1), x -> x.div(x.mul(3))));
        // Every intermediate is rounded: x*x + c is 0 in float arithmetic but 2^-24 in double.
        float x = 1.000244140625f;
        float c = -1.00048828125f;
        float javaFloat = x * x + c;
        assertNotEquals((double) x * x + c, (double) javaFloat);
        NDArray got = apply(f32(dims(1), x), f32(dims(1), c), (p, q) -> p.mul(p).add(q));
        assertEquals(DType.F32, got.dtype());
        assertEquals(javaFloat, got.getFloat(0));
        assertEquals("[0.0]", got.toString());
    }

    @Test
    void comparisonsGiveBoolMasks() {
        NDArray a = f32(dims(4), 1, 2, 3, Float.NaN);
        NDArray b = f32(dims(4), 2, 2, 2, Float.NaN);
        assertEquals("[true, false, false, false]", show(a, b, Tensor::lt));
        assertEquals("[true, true, false, false]", show(a, b, Tensor::le));
        assertEquals("[false, false, true, false]", show(a, b, Tensor::gt));
        assertEquals("[false, true, true, false]", show(a, b, Tensor::ge));
        assertEquals("[false, true, false, false]", show(a, b, Tensor::eq));
        assertEquals(DType.BOOL, apply(a, b, Tensor::lt).dtype());
        assertEquals("[[false, true], [false, false]]",
                show(f64(dims(2, 1), 1, 3), f64(dims(2), 0.5, 2), (p, q) -> p.lt(q)));
        assertEquals("[1.0, 1.0, 0.0, 0.0]", show(a, b, (p, q) -> p.le(q).cast(DType.F32)));
    }

    @Test
    void whereSelectsWithBroadcasting() {
        NDArray v = f64(dims(4), -2, -0.5, 0.5, 2);
        assertEquals("[0.0, 0.0, 0.5, 2.0]", show(v, x -> Nabla.where(x.gt(0), x, 0.0)));
        assertEquals("[-2.0, -0.5, 1.0, 1.0]", show(v, x -> Nabla.where(x.gt(0), 1.0, x)));
        assertEquals("[[-2.0, 0.0], [1.0, 1.0]]",
                show(f32(dims(2, 2), -2, 0, 3, 4), f32(dims(2, 1), 0, 1),
                        (x, m) -> Nabla.where(m.gt(0.5), m, x)));
    }

    @Test
    void aComparisonDecidesInItsOperandsPrecision() {
        // 1 +- 1e-10 is 1 in f32: compared in f32 inside the f32 kernel of the where, every
        // element would take one side. The mask belongs to the f64 comparison.
        NDArray x = f64(dims(4), 1 + 1e-10, 1 - 1e-10, 1 + 1e-10, 1);
        NDArray y = f32(dims(4), 1, 2, 3, 4);
        assertEquals("[1.0, -2.0, 3.0, -4.0]", show(x, y, (p, q) -> Nabla.where(p.gt(1.0), q, q.neg())));
        assertEquals("[0.0, 1.0, 0.0, 0.0]", show(x, y, (p, q) -> p.lt(1.0).cast(DType.F32).mul(q.div(q))));
    }

    // ---- reductions ----

    @Test
    void reductionsWithAxesAndKeepDims() {
        NDArray m = f32(dims(2, 3), 1, 2, 3, 4, 5, 6);
        assertEquals("21.0", show(m, x -> x.sum()));
        assertEquals("[5.0, 7.0, 9.0]", show(m, x -> x.sum(0)));
        assertEquals("[6.0, 15.0]", show(m, x -> x.sum(1)));
        assertEquals("[6.0, 15.0]", show(m, x -> x.sum(-1)));
        assertEquals("[[6.0], [15.0]]", show(m, x -> x.sumKeepDims(1)));
        assertEquals("[[21.0]]", show(m, x -> x.sumKeepDims()));
        assertEquals("3.5", show(m, x -> x.mean()));
        assertEquals("[2.0, 5.0]", show(m, x -> x.mean(1)));
        assertEquals("[[2.5, 3.5, 4.5]]", show(m, x -> x.meanKeepDims(0)));
        assertEquals("[4.0, 5.0, 6.0]", show(m, x -> x.max(0)));
        assertEquals("[[3.0], [6.0]]", show(m, x -> x.maxKeepDims(1)));
        assertEquals("6.0", show(m, x -> x.max()));
        assertEquals("[1.0, 4.0]", show(m, x -> x.min(1)));
        assertEquals("[[1.0, 2.0, 3.0]]", show(m, x -> x.minKeepDims(0)));
        assertEquals("[6.0, 120.0]", show(m, x -> x.prod(1)));
        assertEquals("720.0", show(m, x -> x.prod()));
        assertEquals("[[4.0, 10.0, 18.0]]", show(m, x -> x.prodKeepDims(0)));
        assertEquals("[-1.0, -3.0]", show(f64(dims(2, 2), -1, -2, -3, -4), x -> x.max(1)));
    }

    @Test
    void reductionsOverSeveralAxesOfA3DTensor() {
        double[] values = new double[24];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        NDArray t = f64(dims(2, 3, 4), values);
        // Over axes 0 and 2: for each j, sum of i*12 + j*4 + k.
        assertEquals("[60.0, 92.0, 124.0]", show(t, x -> x.sum(0, 2)));
        assertEquals("[[[60.0], [92.0], [124.0]]]", show(t, x -> x.sumKeepDims(2, 0)));
        assertEquals("[[8.0, 9.0, 10.0, 11.0], [20.0, 21.0, 22.0, 23.0]]", show(t, x -> x.max(1)));
        assertEquals("[0.0, 4.0, 8.0]", show(t, x -> x.min(-1, 0)));
        assertEquals("[15.0, 19.0, 23.0]", show(t, x -> x.max(0, 2)));
        assertEquals("[5.5, 17.5]", show(t, x -> x.mean(1, 2)));
        assertEquals("[[[5.5]], [[17.5]]]", show(t, x -> x.meanKeepDims(2, 1)));
    }

    // ---- shape ops ----

    @Test
    void reshapePermuteTransposeBroadcast() {
        NDArray m = f32(dims(2, 3), 1, 2, 3, 4, 5, 6);
        assertEquals("[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]", show(m, x -> x.reshape(3, 2)));
        assertEquals("[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]", show(m, x -> x.reshape(-1)));
        assertEquals("[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]", show(m, x -> x.transpose()));
        assertEquals("[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]", show(m, x -> x.permute(1, 0)));
        assertEquals("[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]", show(f32(dims(3), 1, 2, 3), x -> x.broadcastTo(2, 3)));
        assertEquals("[[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]", show(f32(dims(2, 1), 1, 2), x -> x.broadcastTo(2, 3)));
        assertEquals("[[[7.0, 7.0]], [[7.0, 7.0]]]", show(f64(dims(1), 7), x -> x.broadcastTo(2, 1, 2)));
    }

    @Test
    void permuteOfA3DTensorMovesEveryElement() {
        double[] values = new double[24];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        double[] p = apply(f64(dims(2, 3, 4), values), x -> x.permute(2, 0, 1)).toDoubleArray();
        double[] swapped = apply(f64(dims(2, 3, 4), values), x -> x.transpose(0, 2)).toDoubleArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                for (int k = 0; k < 4; k++) {
                    double v = i * 12 + j * 4 + k;
                    assertEquals(v, p[k * 6 + i * 3 + j], "permuted [" + k + "," + i + "," + j + "]");
                    assertEquals(v, swapped[k * 6 + j * 2 + i], "transposed [" + k + "," + j + "," + i + "]");
                }
            }
        }
    }

    @Test
    void slicesWithStepsAndNegativeIndices() {
        float[] ten = new float[10];
        for (int i = 0; i < 10; i++) {
            ten[i] = i;
        }
        NDArray v = f32(dims(10), ten);
        assertEquals("[1.0, 4.0, 7.0]", show(v, x -> x.slice(0, 1, 8, 3)));
        assertEquals("[7.0, 8.0, 9.0]", show(v, x -> x.slice(0, -3, 10)));
        assertEquals("[2.0, 4.0, 6.0]", show(v, x -> x.slice(0, -8, -2, 2)));
        assertEquals("[0.0, 9.0]", show(v, x -> x.slice(0, 0, 100, 9)));
        assertEquals("[]", show(v, x -> x.slice(0, 5, 2)));
        NDArray m = f64(dims(2, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertEquals("[[0.0, 2.0, 4.0], [5.0, 7.0, 9.0]]", show(m, x -> x.slice(1, 0, 5, 2)));
        assertEquals("[[5.0, 6.0, 7.0, 8.0, 9.0]]", show(m, x -> x.slice(0, 1, 2)));
        assertEquals("[[3.0], [8.0]]", show(m, x -> x.slice(-1, -2, -1)));
    }

    @Test
    void squeezeAndUnsqueeze() {
        NDArray col = f32(dims(1, 3, 1), 1, 2, 3);
        assertEquals("[1.0, 2.0, 3.0]", show(col, x -> x.squeeze()));
        assertEquals("[[1.0], [2.0], [3.0]]", show(col, x -> x.squeeze(0)));
        assertEquals("[[1.0, 2.0, 3.0]]", show(col, x -> x.squeeze(2)));
        assertEquals("[[1.0], [2.0]]", show(f32(dims(2), 1, 2), x -> x.unsqueeze(-1)));
        assertEquals("[[1.0, 2.0]]", show(f32(dims(2), 1, 2), x -> x.unsqueeze(0)));
    }

    @Test
    void concatAndStack() {
        NDArray a = f32(dims(2, 2), 1, 2, 3, 4);
        NDArray b = f32(dims(2, 1), 5, 6);
        assertEquals("[[1.0, 2.0, 5.0], [3.0, 4.0, 6.0]]", show(a, b, (x, y) -> Nabla.concat(1, x, y)));
        assertEquals("[[5.0, 1.0, 2.0, 5.0], [6.0, 3.0, 4.0, 6.0]]",
                show(a, b, (x, y) -> Nabla.concat(-1, y, x, y)));
        NDArray c = f64(dims(1, 2), 9, 8);
        NDArray d = f64(dims(2, 2), 1, 2, 3, 4);
        assertEquals("[[9.0, 8.0], [1.0, 2.0], [3.0, 4.0]]", show(c, d, (x, y) -> Nabla.concat(0, x, y)));
        NDArray p = f32(dims(2), 1, 2);
        NDArray q = f32(dims(2), 3, 4);
        assertEquals("[[1.0, 2.0], [3.0, 4.0]]", show(p, q, (x, y) -> Nabla.stack(0, x, y)));
        assertEquals("[[1.0, 3.0], [2.0, 4.0]]", show(p, q, (x, y) -> Nabla.stack(1, x, y)));
        assertEquals("[[1.0, 3.0, 1.0], [2.0, 4.0, 2.0]]", show(p, q, (x, y) -> Nabla.stack(-1, x, y, x)));
    }

    // ---- matrix products ----

    @Test
    void matmul2D() {
        NDArray a = f32(dims(2, 2), 1, 2, 3, 4);
        NDArray b = f32(dims(2, 2), 5, 6, 7, 8);
        assertEquals("[[19.0, 22.0], [43.0, 50.0]]", show(a, b, Tensor::matmul));
        assertEquals("[[23.0, 34.0], [31.0, 46.0]]", show(a, b, (x, y) -> y.matmul(x)));
        NDArray r = f64(dims(2, 3), 1, 0, 2, 0, 1, 1);
        NDArray s = f64(dims(3, 1), 1, 2, 3);
        assertEquals("[[7.0], [5.0]]", show(r, s, Tensor::matmul));
        assertEquals("[[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]", show(r, x -> x.transpose()));
        assertEquals("[[5.0, 2.0], [2.0, 2.0]]", show(r, x -> x.matmul(x.transpose())));
    }

    @Test
    void matmulBatched() {
        NDArray a = f32(dims(2, 2, 2), 1, 2, 3, 4, 1, 0, 0, 1);
        NDArray b = f32(dims(2, 2, 2), 5, 6, 7, 8, 2, 3, 4, 5);
        assertEquals("[[[19.0, 22.0], [43.0, 50.0]], [[2.0, 3.0], [4.0, 5.0]]]", show(a, b, Tensor::matmul));
        NDArray single = f32(dims(2, 2), 0, 1, 1, 0);
        assertEquals("[[[2.0, 1.0], [4.0, 3.0]], [[0.0, 1.0], [1.0, 0.0]]]", show(a, single, Tensor::matmul));
        assertEquals("[[[3.0, 4.0], [1.0, 2.0]], [[0.0, 1.0], [1.0, 0.0]]]", show(single, a, Tensor::matmul));
    }

    @Test
    void matmulWithVectorsAndDot() {
        NDArray m = f64(dims(2, 2), 1, 2, 3, 4);
        NDArray v = f64(dims(2), 1, 1);
        assertEquals("[3.0, 7.0]", show(m, v, Tensor::matmul));
        assertEquals("[4.0, 6.0]", show(v, m, (x, y) -> x.matmul(y)));
        assertEquals("[4.0, 6.0]", show(m, v, (x, y) -> y.matmul(x)));
        assertEquals("2.0", show(v, x -> x.matmul(x)));
        assertEquals("32.0", show(f32(dims(3), 1, 2, 3), f32(dims(3), 4, 5, 6), Tensor::dot));
        NDArray batch = f64(dims(2, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8);
        assertEquals("[[3.0, 7.0], [11.0, 15.0]]", show(batch, v, Tensor::matmul));
    }

    @Test
    void matmulOfEmptySlicesThatStartPastTheEndOfTheirBuffer() {
        // x[:, 4:6:8] is x[0, 4] at offset 4 with a column stride of 8; slicing it empty moves its
        // offset past the 7 elements of x's buffer: 11 for [0,1], 12 for [1,0]. Nothing is read.
        for (NDArray x : List.of(f32(dims(1, 7), 1, 2, 3, 4, 5, 6, 7), f64(dims(1, 7), 1, 2, 3, 4, 5, 6, 7))) {
            assertEquals("[]", show(x, t -> {
                Tensor e = t.slice(1, 4, 6, 8).slice(0, 1, 2);
                return e.matmul(e.transpose());
            }));
            assertEquals("[[0.0]]", show(x, t -> {
                Tensor e = t.slice(1, 4, 6, 8).slice(1, 1, 1);
                return e.matmul(e.transpose());
            }));
        }
    }

    // ---- softmax and friends ----

    @Test
    void softmaxRowsSumToOne() {
        NDArray m = f64(dims(2, 3), 1, 2, 3, -1, 0, 1000);
        double[] s = apply(m, x -> x.softmax(1)).toDoubleArray();
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(1) / z, s[0], 1e-15);
        assertEquals(Math.exp(3) / z, s[2], 1e-15);
        assertEquals(1.0, s[0] + s[1] + s[2], 1e-15);
        assertEquals("[0.0, 0.0, 1.0]", apply(m, x -> x.softmax(-1).slice(0, 1, 2).reshape(3)).toString());
        for (double row : apply(m, x -> x.softmax(1).sum(1)).toDoubleArray()) {
            assertEquals(1.0, row, 1e-15);
        }
        for (double column : apply(m, x -> x.softmax(0).sum(0)).toDoubleArray()) {
            assertEquals(1.0, column, 1e-15);
        }
        float[] f = apply(f32(dims(4), 0.5f, 1, -3, 2), x -> x.softmax(0)).toFloatArray();
        assertEquals(1.0f, f[0] + f[1] + f[2] + f[3], 1e-6f);
    }

    @Test
    void logSumExpIsStable() {
        assertEquals(String.valueOf(1000 + Math.log(2)), show(f64(dims(2), 1000, 1000), x -> x.logSumExp()));
        assertEquals(String.valueOf(1000f + (float) Math.log(2)), show(f32(dims(2), 1000, 1000), x -> x.logSumExp()));
        assertEquals("[-Infinity]", show(f64(dims(1, 2), Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY),
                x -> x.logSumExp(1)));
        NDArray rows = apply(f64(dims(2, 2), 1, 2, -1000, -1000), x -> x.logSumExpKeepDims(1));
        assertEquals(Shape.of(2, 1), rows.shape());
        assertEquals(Math.log(Math.exp(1) + Math.exp(2)), rows.getDouble(0), 1e-15);
        assertEquals(-1000 + Math.log(2), rows.getDouble(1), 0.0);
    }

    @Test
    void logSoftmax() {
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        double[] l = apply(f64(dims(3), 1, 2, 3), x -> x.logSoftmax(0)).toDoubleArray();
        assertArrayEquals(new double[] {1 - lse, 2 - lse, 3 - lse}, l, 1e-15);
        assertEquals("[[0.0, -1000.0]]", show(f64(dims(1, 2), 1000, 0), x -> x.logSoftmax(1)));
        assertEquals("[0.0, -1000.0]", show(f32(dims(2), 1000, 0), x -> x.logSoftmax(0)));
    }

    // ---- casts ----

    @Test
    void castsRound() {
        assertEquals("[0.1, 0.33333334]", show(f64(dims(2), 0.1, 1.0 / 3), x -> x.cast(DType.F32)));
        NDArray down = apply(f64(dims(1), 1.0 / 3), x -> x.cast(DType.F32));
        assertEquals(DType.F32, down.dtype());
        assertEquals((float) (1.0 / 3), down.getFloat(0));
        assertEquals("[" + (double) 0.1f + "]", show(f32(dims(1), 0.1f), x -> x.cast(DType.F64)));
        assertEquals("[1.0, 0.0]", show(f32(dims(2), 3, -3), x -> x.gt(0).cast(DType.F64)));
        assertEquals("[2, -2]", show(f64(dims(2), 2.7, -2.7), x -> x.cast(DType.I32)));
        assertEquals("[true, false]", show(f64(dims(2), 0.5, 0), x -> x.cast(DType.BOOL)));
        // Casting to f32 and back loses the digits f32 cannot hold.
        assertEquals("[" + (double) (float) 0.1 + "]", show(f64(dims(1), 0.1), x -> x.cast(DType.F32).cast(DType.F64)));
    }

    // ---- parameters ----

    @Test
    void parametersPersistAndSetParameterChangesResults() {
        try (var g = Graph.create()) {
            Tensor w = g.parameter("w", f32(dims(2), 1, 2));
            Tensor x = g.input("x", 2);
            Tensor y = x.mul(w).sum();
            var run = g.compile(device);
            NDArray ones = f32(dims(2), 1, 1);
            assertEquals("3.0", run.eval(Map.of(x, ones), y).get(0).toString());
            assertEquals("3.0", run.eval(Map.of(x, ones), y).get(0).toString());
            run.setParameter(w, f32(dims(2), 10, 20));
            assertEquals("[10.0, 20.0]", run.parameter(w).toString());
            assertEquals("30.0", run.eval(Map.of(x, ones), y).get(0).toString());
            assertEquals("50.0", run.eval(Map.of(x, f32(dims(2), 3, 1)), y).get(0).toString());
            assertEquals("[10.0, 20.0]", run.eval(w).toString());
            // Another compilation starts from the current value (the one just set), and then keeps its own.
            var fresh = g.compile(device);
            assertEquals("30.0", fresh.eval(Map.of(x, ones), y).get(0).toString());
            fresh.setParameter(w, f32(dims(2), 1, 2));
            assertEquals("3.0", fresh.eval(Map.of(x, ones), y).get(0).toString());
            assertEquals("30.0", run.eval(Map.of(x, ones), y).get(0).toString());
        }
    }

    @Test
    void scalarParametersAndSeveralOutputs() {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 2.0);
            Tensor b = g.scalar("b", 0.5f);
            List<NDArray> out = g.compile(device).eval(a.mul(a), a.add(1), b.mul(b));
            assertEquals("4.0", out.get(0).toString());
            assertEquals("3.0", out.get(1).toString());
            assertEquals("0.25", out.get(2).toString());
            assertEquals(DType.F64, out.get(0).dtype());
            assertEquals(DType.F32, out.get(2).dtype());
        }
    }
}

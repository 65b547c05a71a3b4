package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * By default a graph computes what IEEE 754 arithmetic gives for its ops as written: the
 * simplifier's rewrites must not change a single bit, NaN, infinities and signed zeros included.
 * Random expressions over special values are evaluated twice, by Nabla and by plain Java applying
 * each op as written (rounded to the dtype after each, as Nabla's contract says), and must agree
 * bit for bit. FAST arithmetic is the explicit opt-out, shown here to differ.
 */
class IeeeArithmeticTest {
    private static final double[] SPECIAL = {
        0.0, -0.0, 1, -1, 2, 0.5, 3, 0.1, -7.25, 1e30, -1e30, 1e-30, 1e300, 1e-300, 709.5, 89,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Float.MAX_VALUE,
    };

    /** An expression both as a tensor and as a Java function of the input, built side by side. */
    private record Expr(Tensor tensor, DoubleUnaryOperator value) {}

    private static double pick(Random r) {
        return SPECIAL[r.nextInt(SPECIAL.length)];
    }

    private static Expr random(Random r, Graph g, Tensor x, DType dt, int depth) {
        DoubleUnaryOperator round = v -> dt.round(v);
        if (depth == 0 || r.nextInt(5) == 0) {
            if (r.nextBoolean()) {
                return new Expr(x, v -> v);
            }
            double c = dt.round(pick(r));
            Tensor constant = dt == DType.F32 ? g.constant((float) c) : g.constant(c);
            return new Expr(constant, v -> c);
        }
        Expr a = random(r, g, x, dt, depth - 1);
        Expr b = random(r, g, x, dt, depth - 1);
        return switch (r.nextInt(14)) {
            case 0 -> binary(a, b, a.tensor().add(b.tensor()), Double::sum, round);
            case 1 -> binary(a, b, a.tensor().sub(b.tensor()), (p, q) -> p - q, round);
            case 2 -> binary(a, b, a.tensor().mul(b.tensor()), (p, q) -> p * q, round);
            case 3 -> binary(a, b, a.tensor().div(b.tensor()), (p, q) -> p / q, round);
            case 4 -> binary(a, b, a.tensor().minimum(b.tensor()), Math::min, round);
            case 5 -> binary(a, b, a.tensor().pow(b.tensor()), dev.nabla.compiler.ir.ScalarMath::pow, round);
            case 6 -> unary(a, a.tensor().neg(), v -> -v, round);
            case 7 -> unary(a, a.tensor().exp(), Math::exp, round);
            case 8 -> unary(a, a.tensor().log(), Math::log, round);
            case 9 -> unary(a, a.tensor().abs(), Math::abs, round);
            case 10 -> {
                Expr c = random(r, g, x, dt, depth - 1);
                yield new Expr(a.tensor().fma(b.tensor(), c.tensor()), v -> round.applyAsDouble(
                        Math.fma(a.value().applyAsDouble(v), b.value().applyAsDouble(v), c.value().applyAsDouble(v))));
            }
            case 11 -> {
                // Constants in a row: (a * k1) * k2 and k2 + (k1 + a) round twice as written.
                double k1 = dt.round(pick(r));
                double k2 = dt.round(pick(r));
                yield r.nextBoolean()
                        ? new Expr(a.tensor().mul(k1).mul(k2), v -> round.applyAsDouble(
                                round.applyAsDouble(a.value().applyAsDouble(v) * k1) * k2))
                        : new Expr(a.tensor().add(k1).add(k2), v -> round.applyAsDouble(
                                round.applyAsDouble(a.value().applyAsDouble(v) + k1) + k2));
            }
            case 12 -> collectable(r, a, b, dt, round);
            default -> {
                Expr c = random(r, g, x, dt, depth - 1);
                yield new Expr(Nabla.where(a.tensor().lt(b.tensor()), c.tensor(), a.tensor()),
                        v -> a.value().applyAsDouble(v) < b.value().applyAsDouble(v) ? c.value().applyAsDouble(v)
                                : a.value().applyAsDouble(v));
            }
        };
    }

    /**
     * Shapes the simplifier rewrites in derivatives (like terms, constants out of products, powers,
     * common factors, operand order) and, where that is exact, in every graph (a + a = 2a,
     * -(k a) = (-k) a, (-a) b = -(a b)): in a user's graph each must still round as written.
     */
    private static Expr collectable(Random r, Expr a, Expr b, DType dt, DoubleUnaryOperator round) {
        double k1 = dt.round(pick(r));
        double k2 = dt.round(pick(r));
        Tensor p = a.tensor();
        Tensor q = b.tensor();
        DoubleUnaryOperator av = a.value();
        DoubleUnaryOperator bv = b.value();
        return switch (r.nextInt(10)) {
            case 0 -> new Expr(p.add(p), v -> round.applyAsDouble(av.applyAsDouble(v) + av.applyAsDouble(v)));
            case 1 -> new Expr(p.mul(k1).neg(), v -> -round.applyAsDouble(av.applyAsDouble(v) * k1));
            case 2 -> new Expr(p.neg().mul(q), v -> round.applyAsDouble(-av.applyAsDouble(v) * bv.applyAsDouble(v)));
            case 3 -> new Expr(p.mul(q.neg()), v -> round.applyAsDouble(av.applyAsDouble(v) * -bv.applyAsDouble(v)));
            case 4 -> new Expr(p.mul(k1).add(p.mul(k2)), v -> round.applyAsDouble(
                    round.applyAsDouble(av.applyAsDouble(v) * k1) + round.applyAsDouble(av.applyAsDouble(v) * k2)));
            case 5 -> new Expr(p.mul(p), v -> round.applyAsDouble(av.applyAsDouble(v) * av.applyAsDouble(v)));
            case 6 -> new Expr(p.sub(q).neg(), v -> -round.applyAsDouble(av.applyAsDouble(v) - bv.applyAsDouble(v)));
            case 7 -> new Expr(p.mul(k1).mul(q), v -> round.applyAsDouble(
                    round.applyAsDouble(av.applyAsDouble(v) * k1) * bv.applyAsDouble(v)));
            case 8 -> new Expr(p.mul(q).add(q.mul(k1).mul(q)), v -> {
                double pv = av.applyAsDouble(v);
                double qv = bv.applyAsDouble(v);
                return round.applyAsDouble(round.applyAsDouble(pv * qv) + round.applyAsDouble(round.applyAsDouble(qv * k1) * qv));
            });
            default -> new Expr(q.mul(p).sub(p.sub(k1).mul(q)), v -> {
                double pv = av.applyAsDouble(v);
                double qv = bv.applyAsDouble(v);
                return round.applyAsDouble(round.applyAsDouble(qv * pv) - round.applyAsDouble(round.applyAsDouble(pv - k1) * qv));
            });
        };
    }

    private static Expr binary(Expr a, Expr b, Tensor t, DoubleBinaryOperator f, DoubleUnaryOperator round) {
        return new Expr(t, v -> round.applyAsDouble(f.applyAsDouble(a.value().applyAsDouble(v), b.value().applyAsDouble(v))));
    }

    private static Expr unary(Expr a, Tensor t, DoubleUnaryOperator f, DoubleUnaryOperator round) {
        return new Expr(t, v -> round.applyAsDouble(f.applyAsDouble(a.value().applyAsDouble(v))));
    }

    private static boolean sameBits(double want, double got) {
        return Double.isNaN(want) ? Double.isNaN(got) : Double.doubleToRawLongBits(want) == Double.doubleToRawLongBits(got);
    }

    /** How many of the random expressions disagree with IEEE evaluation as written. */
    private static int mismatches(GraphOptions options, Device device, DType dt, int count, List<String> examples) {
        Random r = new Random(20261202);
        int bad = 0;
        int checked = 0;
        while (checked < count) {
            try (Graph g = Graph.create(options)) {
                Tensor x = g.input("x", dt, SPECIAL.length);
                Expr e = random(r, g, x, dt, 4);
                if (e.tensor().shape().rank() == 0) {
                    continue;
                }
                double[] xs = new double[SPECIAL.length];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = dt.round(SPECIAL[i]);
                }
                NDArray got = g.compile(device).eval(Map.of(x, NDArray.fromDoubles(dt, x.shape(), xs)), e.tensor()).get(0);
                checked++;
                for (int i = 0; i < xs.length; i++) {
                    double want = e.value().applyAsDouble(xs[i]);
                    if (!sameBits(want, got.getDouble(i))) {
                        bad++;
                        if (examples.size() < 5) {
                            examples.add("x = " + xs[i] + ": want " + want + ", got " + got.getDouble(i) + " for\n"
                                    + g.print(e.tensor()));
                        }
                        break;
                    }
                }
            }
        }
        return bad;
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F64"})
    void theSimplifierNeverChangesAResultByDefault(String dtype) {
        List<String> examples = new ArrayList<>();
        int bad = mismatches(GraphOptions.defaults(), Device.of("reference:cpu"), DType.valueOf(dtype), 3000, examples);
        assertEquals(0, bad, () -> String.join("\n", examples));
    }

    @Test
    void fastMathIsTheOptOutAndItShows() {
        List<String> examples = new ArrayList<>();
        int bad = mismatches(GraphOptions.defaults().withFastMath(true), Device.of("reference:cpu"), DType.F64, 3000,
                examples);
        assertThat(bad).as("expressions whose FAST result differs from IEEE evaluation").isGreaterThan(30);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void nanAndInfinityAreNotTurnedIntoZero(String backend) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            NDArray xs = NDArray.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0}, 3);
            var run = g.compile(Device.host(backend));
            List<NDArray> got = run.eval(Map.of(x, xs), x.mul(0), x.sub(x), g.constant(0.0).div(x), x.add(1000).exp().log());
            assertEquals("[NaN, NaN, 0.0]", got.get(0).toString());
            assertEquals("[NaN, NaN, 0.0]", got.get(1).toString());
            assertEquals("[NaN, 0.0, NaN]", got.get(2).toString());
            assertEquals("[NaN, Infinity, Infinity]", got.get(3).toString());
        }
        try (Graph g = Graph.create(GraphOptions.defaults().withFastMath(true))) {
            Tensor x = g.input("x", DType.F64, 3);
            NDArray xs = NDArray.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0}, 3);
            List<NDArray> got = g.compile(Device.host(backend)).eval(Map.of(x, xs), x.mul(0), x.add(1000).exp().log());
            assertEquals("[0.0, 0.0, 0.0]", got.get(0).toString());
            assertEquals("[NaN, Infinity, 1000.0]", got.get(1).toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void maxAndMinReductionsOrderSignedZerosAsMaximumAndMinimumDo(String backend) {
        // Before, a reduction kept the first of -0.0 and 0.0 (x > acc is false for them), so the sign
        // of the result depended on the order of the elements and on which ones SIMD lanes folded.
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (int n : new int[] {2, 3, 1041}) {
                for (int first = 0; first < 2; first++) {
                    double[] zeros = new double[n];
                    for (int i = 0; i < n; i++) {
                        zeros[i] = (i + first) % 2 == 0 ? -0.0 : 0.0;
                    }
                    try (Graph g = Graph.create()) {
                        Tensor x = g.input("x", dtype, n);
                        var run = g.compile(Device.host(backend));
                        List<NDArray> got = run.eval(Map.of(x, NDArray.fromDoubles(dtype, x.shape(), zeros)),
                                x.max(), x.min(), x.maximum(x.neg()).max());
                        String what = backend + " " + dtype + "[" + n + "] starting with " + zeros[0];
                        assertEquals("0.0", Double.toString(got.get(0).item()), "max of " + what);
                        assertEquals("-0.0", Double.toString(got.get(1).item()), "min of " + what);
                        assertEquals("0.0", Double.toString(got.get(2).item()), "max of maximum(x, -x), " + what);
                    }
                }
            }
        }
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            var run = g.compile(Device.host(backend));
            NDArray xs = NDArray.of(new double[] {1, Double.NaN, 2}, 3);
            List<NDArray> got = run.eval(Map.of(x, xs), x.max(), x.min());
            assertEquals("NaN", got.get(0).toString());
            assertEquals("NaN", got.get(1).toString());
        }
    }

    @Test
    void derivativesKeepPyTorchsZerosWhereTheSlopeIsZeroByConvention() {
        // relu' and sign' are zero there whatever the incoming gradient: NaN * relu'(x<0) is 0, as in
        // PyTorch's threshold_backward; the gradient of an ordinary product with NaN stays NaN.
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor scale = g.input("s", DType.F64);
            Tensor loss = x.relu().mul(scale).sum().add(x.sign().mul(scale).sum());
            Map<Tensor, NDArray> feeds = Map.of(x, NDArray.of(new double[] {-1, 2, 0}, 3), scale, NDArray.scalar(Double.NaN));
            NDArray dx = g.compile().eval(feeds, loss.grad(x)).get(0);
            assertEquals("[0.0, NaN, 0.0]", dx.toString());
            assertTrue(Double.isNaN(g.compile().eval(feeds, x.mul(scale).sum().grad(x)).get(0).getDouble(0)));
        }
    }
}

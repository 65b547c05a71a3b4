package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every elementwise op and reduction of the JVM backend on NaN, both infinities, both zeros,
 * subnormals, values at the edges of overflow (of exp, of f32, of f64) and ordinary numbers,
 * against the reference interpreter and, where a value can be known independently, against it.
 *
 * <p>Elementwise ops run on each {@link Path}: 39 elements (the chunk kernel's SIMD primitives and
 * scalar tails: below {@code VectorCodegen.MIN_ELEMENTS}), 100 (a generated vector kernel, then a
 * chunk tail), 70,000 (a generated kernel split over two threads), and transposed [10, 10] and
 * [350, 200] inputs (chunk kernels gathering strided loads, the second split over threads). NaN
 * must meet NaN and an infinity the same infinity; finite results must be equal, except for the
 * transcendental functions (2 ulps: the JVM's own polynomials against Math) and sigmoid, softplus
 * and rsqrt, which every path builds from those in the working type (4 ulps). Subnormal results
 * are held to the same ulps (the smallest subnormal): the JVM backend's exp does not flush them.
 *
 * <p>sum and prod are checked against their exact values (BigDecimal), slice by slice: exactly
 * where the slice decides the result (NaN, an infinity, a signed zero), within n roundoffs of
 * the magnitudes where no order of evaluation can overflow or underflow, and only loosely (any
 * order's over- or underflow allowed) where one can. logSumExp and softmax are compared between
 * the backends with tolerances per slice. Every check counts its finite comparisons and requires
 * some, so that no check compares NaN with NaN only.
 */
class SpecialValuesDifferentialTest {
    private static final Device JVM = BackendDifferentialTest.JVM;
    private static final Device REFERENCE = BackendDifferentialTest.REFERENCE;

    /** 39 values (prime to the stride 7 that walks them). */
    static final double[] SPECIAL = {
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, Double.MIN_VALUE,
        -Double.MIN_VALUE, Float.MIN_VALUE, 1e-40, Double.MIN_NORMAL, Float.MIN_NORMAL, 1, -1, 0.5, -0.5, 2, -3,
        Math.PI / 2, -Math.PI, 88.7, 89, -89, -104, 709, 710, -710, -746, 1e38, -1e38, Float.MAX_VALUE,
        Double.MAX_VALUE, -Double.MAX_VALUE, 1e300, 1e-300, 0.1, 7.5, -7.5, 30, -30,
    };

    /** The finite ones (in f32 some still round to infinity or zero). */
    static final double[] FINITE = Arrays.stream(SPECIAL).filter(Double::isFinite).toArray();

    /** Magnitudes near 1 in pairs that cancel: long slices keep finite sums and products. */
    static final double[] ORDINARY = {
        0.5, 2, -0.75, -4 / 3.0, 1.25, 0.8, -1, 1, 1.5, 2 / 3.0, -0.9, -1 / 0.9, 3, 1 / 3.0, -0.25, -4,
    };

    private static double[] values(double[] pool, int shift, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = pool[(int) ((i * 7L + shift) % pool.length)];
        }
        return v;
    }

    private static NDArray array(double[] pool, DType dt, int shift, int... dims) {
        return NDArray.fromDoubles(dt, new Shape(dims), values(pool, shift, new Shape(dims).size()));
    }

    /** How an elementwise op's input reaches the kernel, and which kernel that is. */
    record Path(String name, int[] dims, UnaryOperator<Tensor> view, boolean generated) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Path> PATHS = List.of(
            new Path("39 elements (chunk kernel)", new int[] {39}, t -> t, false),
            new Path("100 elements (generated kernel and a chunk tail)", new int[] {100}, t -> t, true),
            new Path("70000 elements (generated kernel over two threads)", new int[] {70_000}, t -> t, true),
            new Path("[10,10] transposed (chunk kernel gathering)", new int[] {10, 10}, Tensor::transpose, false),
            new Path("[350,200] transposed (chunk kernel over two threads)", new int[] {350, 200}, Tensor::transpose,
                    false));

    private enum Kind { EXACT, SIMD_MATH, WORKING_TYPE }

    private static double ulp(DType dt, double v) {
        return dt == DType.F32 ? Math.ulp((float) v) : Math.ulp(v);
    }

    /** Evaluates {@code f} of the fed inputs on both backends: {reference, jvm}. */
    private static NDArray[] onBoth(DType dt, int[] dims, NDArray[] inputs, java.util.function.Function<Tensor[], Tensor> f) {
        NDArray[] got = new NDArray[2];
        Device[] devices = {REFERENCE, JVM};
        for (int d = 0; d < 2; d++) {
            try (Graph g = Graph.create()) {
                Tensor[] in = new Tensor[inputs.length];
                Map<Tensor, NDArray> feeds = new HashMap<>();
                for (int i = 0; i < in.length; i++) {
                    in[i] = g.input("x" + i, dt, dims);
                    feeds.put(in[i], inputs[i]);
                }
                got[d] = g.compile(devices[d]).eval(feeds, f.apply(in)).get(0);
            }
        }
        return got;
    }

    /**
     * Reference against JVM element by element; returns how many finite results were compared.
     * {@code tolerance} gives the allowed difference for an element whose reference value is finite.
     */
    private static int compare(String what, NDArray ref, NDArray jvm, java.util.function.IntToDoubleFunction tolerance) {
        int finite = 0;
        for (int k = 0; k < ref.size(); k++) {
            double r = ref.getDouble(k);
            double j = jvm.getDouble(k);
            boolean ok;
            if (Double.isNaN(r) || Double.isInfinite(r)) {
                ok = Double.isNaN(r) ? Double.isNaN(j) : j == r;
            } else {
                finite++;
                ok = Double.isFinite(j) && Math.abs(j - r) <= tolerance.applyAsDouble(k);
            }
            if (!ok) {
                fail(what + ": element " + k + ": reference " + r + ", jvm " + j);
            }
        }
        return finite;
    }

    private static void unary(String name, DType dt, Kind kind, UnaryOperator<Tensor> f) {
        for (Path p : PATHS) {
            NDArray x = array(SPECIAL, dt, 0, p.dims());
            NDArray[] got = onBoth(dt, p.dims(), new NDArray[] {x}, in -> f.apply(p.view().apply(in[0])));
            int finite = compare(dt + " " + name + " on " + p, got[0], got[1], i -> {
                double r = got[0].getDouble(i);
                return switch (kind) {
                    case EXACT -> 0;
                    case SIMD_MATH -> 2 * ulp(dt, r);
                    case WORKING_TYPE -> 4 * ulp(dt, r);
                };
            });
            assertTrue(finite > 0, dt + " " + name + " on " + p + ": no finite result compared");
        }
    }

    private static void binary(String name, DType dt, Kind kind, BinaryOperator<Tensor> f) {
        for (Path p : PATHS) {
            NDArray x = array(SPECIAL, dt, 0, p.dims());
            NDArray y = array(SPECIAL, dt, 5, p.dims());
            NDArray[] got = onBoth(dt, p.dims(), new NDArray[] {x, y},
                    in -> f.apply(p.view().apply(in[0]), p.view().apply(in[1])));
            int finite = compare(dt + " " + name + " on " + p, got[0], got[1],
                    i -> kind == Kind.EXACT ? 0 : 2 * ulp(dt, got[0].getDouble(i)));
            assertTrue(finite > 0, dt + " " + name + " on " + p + ": no finite result compared");
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void unaryOps(DType dt) {
        unary("neg", dt, Kind.EXACT, Tensor::neg);
        unary("abs", dt, Kind.EXACT, Tensor::abs);
        unary("sign", dt, Kind.EXACT, Tensor::sign);
        unary("relu", dt, Kind.EXACT, Tensor::relu);
        unary("sqrt", dt, Kind.EXACT, Tensor::sqrt);
        unary("rsqrt", dt, Kind.WORKING_TYPE, Tensor::rsqrt);
        unary("sigmoid", dt, Kind.WORKING_TYPE, Tensor::sigmoid);
        unary("softplus", dt, Kind.WORKING_TYPE, Tensor::softplus);
        unary("exp", dt, Kind.SIMD_MATH, Tensor::exp);
        unary("log", dt, Kind.SIMD_MATH, Tensor::log);
        unary("log1p", dt, Kind.SIMD_MATH, Tensor::log1p);
        unary("expm1", dt, Kind.SIMD_MATH, Tensor::expm1);
        unary("sin", dt, Kind.SIMD_MATH, Tensor::sin);
        unary("cos", dt, Kind.SIMD_MATH, Tensor::cos);
        unary("tan", dt, Kind.SIMD_MATH, Tensor::tan);
        unary("tanh", dt, Kind.SIMD_MATH, Tensor::tanh);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void binaryOpsComparisonsAndWhere(DType dt) {
        binary("add", dt, Kind.EXACT, Tensor::add);
        binary("sub", dt, Kind.EXACT, Tensor::sub);
        binary("mul", dt, Kind.EXACT, Tensor::mul);
        binary("div", dt, Kind.EXACT, Tensor::div);
        binary("pow", dt, Kind.EXACT, Tensor::pow);
        binary("minimum", dt, Kind.EXACT, Tensor::minimum);
        binary("maximum", dt, Kind.EXACT, Tensor::maximum);
        // One rounding in the JVM backend; in f32 the reference rounds the double fma once more.
        binary("fma", dt, dt == DType.F32 ? Kind.SIMD_MATH : Kind.EXACT, (a, b) -> a.fma(b, a.neg()));
        binary("where(lt)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.lt(b), a, b));
        binary("where(le)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.le(b), b, a));
        binary("where(gt)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.gt(b), a, 0.5));
        binary("where(ge)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.ge(b), -1.0, b));
        binary("eq mask", dt, Kind.EXACT, (a, b) -> a.eq(b).cast(dt).add(a.eq(a).cast(dt)));
        binary("mask to i32 and bool", dt, Kind.EXACT, (a, b) -> a.lt(b).cast(DType.I32).cast(dt)
                .add(a.cast(DType.BOOL).cast(dt)));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void castsToTheOtherDtype(DType dt) {
        DType other = dt == DType.F32 ? DType.F64 : DType.F32;
        unary("cast to " + other, dt, Kind.EXACT, x -> x.cast(other).cast(dt));
        unary("cast to " + other + " as a result", dt, Kind.EXACT, x -> x.cast(other));
    }

    // ---- independent values of sigmoid, softplus, rsqrt and sign ----

    /** Inputs for the functions' own values: the special values and a sweep through their ranges. */
    static final double[] ORACLE_INPUTS;

    static {
        List<Double> v = new ArrayList<>();
        Arrays.stream(SPECIAL).forEach(v::add);
        for (int k = 1; k <= 60; k++) {
            v.add(k * 0.37);
            v.add(-k * 0.61);
        }
        for (int k = 0; k <= 24; k++) {
            v.add(-700.0 - 2 * k);
            v.add(-80.0 - k);
            v.add(Math.scalb(1.0, -k * 6));
        }
        v.add(-88.72);
        v.add(-745.13);
        v.add(1e-20);
        // 240 values; prime to the stride 7.
        v.add(2.5);
        v.add(-2.5);
        v.add(-1e-5);
        ORACLE_INPUTS = v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static final MathContext MC = new MathContext(60);
    private static final BigDecimal TWO = BigDecimal.valueOf(2);

    /** e^x to about 55 digits: e^x = (e^(x / 2^k))^(2^k), the small power by its Taylor series. */
    static BigDecimal exp(BigDecimal x) {
        int k = 0;
        BigDecimal r = x;
        while (r.abs().compareTo(new BigDecimal("0.001")) > 0) {
            r = r.divide(TWO, MC);
            k++;
        }
        BigDecimal term = BigDecimal.ONE;
        BigDecimal sum = BigDecimal.ONE;
        for (int i = 1; i < 25; i++) {
            term = term.multiply(r, MC).divide(BigDecimal.valueOf(i), MC);
            sum = sum.add(term, MC);
        }
        for (int i = 0; i < k; i++) {
            sum = sum.multiply(sum, MC);
        }
        return sum;
    }

    /** ln(1 + t) for t in [0, 1]: 2 atanh(t / (2 + t)), the series to 60 digits. */
    static BigDecimal log1p(BigDecimal t) {
        BigDecimal z = t.divide(TWO.add(t), MC);
        BigDecimal z2 = z.multiply(z, MC);
        BigDecimal power = z;
        BigDecimal sum = BigDecimal.ZERO;
        for (int k = 0; k < 200 && power.signum() != 0; k++) {
            sum = sum.add(power.divide(BigDecimal.valueOf(2L * k + 1), MC), MC);
            power = power.multiply(z2, MC);
            if (power.compareTo(new BigDecimal("1e-70")) < 0) {
                break;
            }
        }
        return sum.multiply(TWO, MC);
    }

    /** The correctly rounded value in dt (BigDecimal's conversions round to nearest). */
    private static double rounded(BigDecimal v, DType dt) {
        return dt == DType.F32 ? v.floatValue() : v.doubleValue();
    }

    static double sigmoidOf(double x, DType dt) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x > 800) {
            return 1;
        }
        if (x < -800) {
            return 0;
        }
        BigDecimal b = new BigDecimal(x);
        BigDecimal e = exp(b.abs().negate());
        // x >= 0: 1 / (1 + e^-x); x < 0: e^x / (1 + e^x).
        BigDecimal s = (x >= 0 ? BigDecimal.ONE : e).divide(BigDecimal.ONE.add(e), MC);
        return rounded(s, dt);
    }

    static double softplusOf(double x, DType dt) {
        if (Double.isNaN(x) || x == Double.POSITIVE_INFINITY) {
            return x;
        }
        if (x > 800) {
            return dt.round(x);
        }
        if (x < -800) {
            return 0;
        }
        BigDecimal b = new BigDecimal(x);
        // max(x, 0) + ln(1 + e^-|x|).
        BigDecimal s = (x > 0 ? b : BigDecimal.ZERO).add(log1p(exp(b.abs().negate())), MC);
        return rounded(s, dt);
    }

    static double rsqrtOf(double x, DType dt) {
        if (Double.isNaN(x) || x < 0) {
            return Double.NaN;
        }
        if (x == 0) {
            return 1 / x;
        }
        if (x == Double.POSITIVE_INFINITY) {
            return 0;
        }
        return rounded(BigDecimal.ONE.divide(new BigDecimal(x).sqrt(MC), MC), dt);
    }

    /** Nabla's sign: 1, -1, +0 for both zeros (as PyTorch), NaN for NaN (PyTorch gives 0). */
    static double signOf(double x, DType dt) {
        return Double.isNaN(x) ? x : x > 0 ? 1 : x < 0 ? -1 : 0.0;
    }

    /** Values derived by hand, checked before anything else so that a wrong oracle shows first. */
    @org.junit.jupiter.api.Test
    void theIndependentValuesAgreeWithClosedForms() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            double ln2 = dt == DType.F32 ? (double) (float) Math.log(2) : Math.log(2);
            double[][] cases = {
                // x, sigmoid, softplus, rsqrt (in dt)
                {0.0, 0.5, ln2, Double.POSITIVE_INFINITY},
                {-0.0, 0.5, ln2, Double.NEGATIVE_INFINITY},
                {Double.POSITIVE_INFINITY, 1, Double.POSITIVE_INFINITY, 0.0},
                {Double.NEGATIVE_INFINITY, 0, 0, Double.NaN},
                {4, dt.round(1 / (1 + Math.exp(-4))), dt.round(4 + Math.log1p(Math.exp(-4))), 0.5},
                {0.25, dt.round(1 / (1 + Math.exp(-0.25))), dt.round(Math.log1p(Math.exp(0.25))), 2},
                {-1, dt.round(Math.exp(-1) / (1 + Math.exp(-1))), dt.round(Math.log1p(Math.exp(-1))), Double.NaN},
                // e^-746 is below half of Double.MIN_VALUE; e^-104 below half of Float.MIN_VALUE.
                {-746, 0, 0, Double.NaN},
                {-104, dt == DType.F32 ? 0 : Math.exp(-104), dt == DType.F32 ? 0 : Math.exp(-104), Double.NaN},
                // Subnormal results: e^-710 in f64 (4.476e-309), e^-89 in f32 (2.227e-39).
                {-710, dt == DType.F32 ? 0 : 4.476286225675135e-309, dt == DType.F32 ? 0 : 4.476286225675135e-309,
                    Double.NaN},
                {-89, dt.round(2.2273635617957434e-39), dt.round(2.2273635617957438e-39), Double.NaN},
                {710, 1, 710, dt == DType.F32 ? 0.03752933070063591 : 0.037529331252040075},
                {Double.MIN_VALUE, 0.5, ln2, dt == DType.F32 ? Double.POSITIVE_INFINITY : 4.4989137945431964e+161},
            };
            for (double[] c : cases) {
                double x = dt.round(c[0]);
                String at = dt + " at " + c[0] + ": ";
                assertSameOrWithin(at + "sigmoid", dt, sigmoidOf(x, dt), dt.round(c[1]), 1);
                assertSameOrWithin(at + "softplus", dt, softplusOf(x, dt), dt.round(c[2]), 1);
                assertSameOrWithin(at + "rsqrt", dt, rsqrtOf(x, dt), dt.round(c[3]), 1);
            }
        }
    }

    private static void assertSameOrWithin(String what, DType dt, double got, double expected, double ulps) {
        boolean ok = Double.isNaN(expected) ? Double.isNaN(got)
                : Double.isInfinite(expected) || expected == 0 ? Double.compare(got, expected) == 0
                : Math.abs(got - expected) <= ulps * ulp(dt, expected);
        if (!ok) {
            fail(what + ": expected " + expected + ", got " + got);
        }
    }

    /**
     * sigmoid, softplus, rsqrt and sign on both backends and every path against values computed
     * here, independently of {@code UnaryFn.apply} (which both backends call): BigDecimal
     * evaluations rounded once to the dtype. Tolerances: sign exact (as is the sign of every
     * zero and every infinity); rsqrt 2 ulps of the correctly rounded value (a square root and a
     * division, each rounded); sigmoid and softplus 4 ulps (docs/ARCHITECTURE.md: a few ulps in
     * generated kernels, where they are built from exp and log1p in the working type). An ulp of
     * a subnormal result is the smallest subnormal: a result flushed to zero fails.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void sigmoidSoftplusRsqrtAndSignAgainstIndependentValues(DType dt) {
        record Fn(String name, UnaryOperator<Tensor> op, java.util.function.BiFunction<Double, DType, Double> truth,
                  double ulps) {}
        List<Fn> fns = List.of(
                new Fn("sign", Tensor::sign, SpecialValuesDifferentialTest::signOf, 0),
                new Fn("rsqrt", Tensor::rsqrt, SpecialValuesDifferentialTest::rsqrtOf, 2),
                new Fn("sigmoid", Tensor::sigmoid, SpecialValuesDifferentialTest::sigmoidOf, 4),
                new Fn("softplus", Tensor::softplus, SpecialValuesDifferentialTest::softplusOf, 4));
        for (Fn fn : fns) {
            Map<Double, Double> truth = new HashMap<>();
            for (Path p : PATHS) {
                NDArray x = array(ORACLE_INPUTS, dt, 0, p.dims());
                for (Device device : new Device[] {REFERENCE, JVM}) {
                    NDArray in;
                    NDArray out;
                    try (Graph g = Graph.create()) {
                        Tensor t = g.input("x", dt, p.dims());
                        Tensor viewed = p.view().apply(t);
                        List<NDArray> r = g.compile(device).eval(Map.of(t, x), viewed.mul(1.0), fn.op().apply(viewed));
                        in = r.get(0);
                        out = r.get(1);
                    }
                    int finite = 0;
                    for (int k = 0; k < out.size(); k++) {
                        double xi = in.getDouble(k);
                        double expected = truth.computeIfAbsent(xi, v -> fn.truth().apply(v, dt));
                        double got = out.getDouble(k);
                        finite += Double.isFinite(expected) && expected != 0 ? 1 : 0;
                        double tolerance = fn.ulps() * ulp(dt, expected);
                        boolean ok = Double.isNaN(expected) ? Double.isNaN(got)
                                : Double.isInfinite(expected) || expected == 0 || fn.ulps() == 0
                                ? Double.compare(got, expected) == 0
                                : Math.abs(got - expected) <= tolerance;
                        if (!ok) {
                            fail(dt + " " + fn.name() + "(" + xi + ") on " + device + ", " + p + ": expected " + expected
                                    + " (within " + fn.ulps() + " ulps), got " + got);
                        }
                    }
                    assertTrue(finite > 0);
                }
            }
        }
    }

    // ---- reductions ----

    /** For each output element (row-major over the kept axes), the input values it reduces. */
    private static List<double[]> slices(NDArray x, int[] axes) {
        Shape s = x.shape();
        boolean[] reduced = new boolean[s.rank()];
        for (int a : axes) {
            reduced[a] = true;
        }
        if (axes.length == 0) {
            Arrays.fill(reduced, true);
        }
        int[] outStride = new int[s.rank()];
        int outSize = 1;
        for (int d = s.rank() - 1; d >= 0; d--) {
            if (!reduced[d]) {
                outStride[d] = outSize;
                outSize *= s.dim(d);
            }
        }
        List<List<Double>> groups = new ArrayList<>();
        for (int o = 0; o < outSize; o++) {
            groups.add(new ArrayList<>());
        }
        int[] index = new int[s.rank()];
        for (int i = 0; i < s.size(); i++) {
            int o = 0;
            for (int d = 0; d < index.length; d++) {
                o += index[d] * outStride[d];
            }
            groups.get(o).add(x.getDouble(i));
            for (int d = index.length - 1; d >= 0 && ++index[d] == s.dim(d); d--) {
                index[d] = 0;
            }
        }
        return groups.stream().map(g -> g.stream().mapToDouble(Double::doubleValue).toArray()).toList();
    }

    /** The group (output element of the reduction over {@code axis}) of each input element. */
    private static int[] groupOf(Shape s, int axis) {
        int[] group = new int[s.size()];
        int inner = 1;
        for (int d = axis + 1; d < s.rank(); d++) {
            inner *= s.dim(d);
        }
        for (int i = 0; i < group.length; i++) {
            group[i] = i / (inner * s.dim(axis)) * inner + i % inner;
        }
        return group;
    }

    /**
     * What a backend may give for a sum or product of a slice: {@code exact} (NaN, an infinity or
     * a signed zero, bit for bit) when the slice decides it; else a finite value within
     * {@code tol} of {@code value}, or, where some order of evaluation can overflow, any
     * non-finite value.
     */
    record Expect(Double exact, double value, double tol, boolean mayOverflow) {
        boolean accepts(double got) {
            if (exact != null) {
                return Double.compare(got, exact) == 0;
            }
            return Double.isFinite(got) ? Math.abs(got - value) <= tol : mayOverflow;
        }
    }

    private static double max(DType dt) {
        return dt == DType.F32 ? Float.MAX_VALUE : Double.MAX_VALUE;
    }

    private static double u(DType dt) {
        return dt == DType.F32 ? 0x1p-24 : 0x1p-53;
    }

    static Expect sumOf(double[] v, DType dt) {
        boolean nan = false;
        boolean plusInf = false;
        boolean minusInf = false;
        BigDecimal pos = BigDecimal.ZERO;
        BigDecimal neg = BigDecimal.ZERO;
        for (double x : v) {
            if (Double.isNaN(x)) {
                nan = true;
            } else if (x == Double.POSITIVE_INFINITY) {
                plusInf = true;
            } else if (x == Double.NEGATIVE_INFINITY) {
                minusInf = true;
            } else if (x > 0) {
                pos = pos.add(new BigDecimal(x));
            } else {
                neg = neg.add(new BigDecimal(-x));
            }
        }
        int n = v.length;
        // Any partial sum in any order is at most max(pos, neg) in magnitude, computed within
        // n roundoffs of that: beyond the largest finite number, some order may overflow.
        BigDecimal limit = new BigDecimal(max(dt)).divide(BigDecimal.ONE.add(BigDecimal.valueOf(2 * n * u(dt))), MC);
        boolean posMayOverflow = pos.compareTo(limit) > 0;
        boolean negMayOverflow = neg.compareTo(limit) > 0;
        if (nan || (plusInf && minusInf)) {
            return new Expect(Double.NaN, 0, 0, false);
        }
        if (plusInf || minusInf) {
            double inf = plusInf ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            boolean opposite = plusInf ? negMayOverflow : posMayOverflow;
            // An overflow to the other infinity on the way makes NaN.
            return opposite ? new Expect(null, inf, 0, true) : new Expect(inf, inf, 0, false);
        }
        BigDecimal exact = pos.subtract(neg);
        double value = exact.doubleValue();
        // n roundoffs of the sum of magnitudes (computed as a number, so no overflow), and one of the result.
        double tol = pos.add(neg).multiply(BigDecimal.valueOf(2 * n * u(dt))).doubleValue() + ulp(dt, value);
        if (exact.signum() == 0 && !posMayOverflow) {
            // Exact cancellation (or all zeros): 0 within the tolerance, its sign not checked.
            return new Expect(null, 0, tol, false);
        }
        return new Expect(null, value, tol, posMayOverflow || negMayOverflow);
    }

    static Expect prodOf(double[] v, DType dt) {
        boolean nan = false;
        boolean zero = false;
        boolean inf = false;
        boolean negative = false;
        double log2High = 0;
        double log2Low = 0;
        BigDecimal product = BigDecimal.ONE;
        for (double x : v) {
            if (Double.isNaN(x)) {
                nan = true;
                continue;
            }
            negative ^= Math.copySign(1, x) < 0;
            if (x == 0) {
                zero = true;
            } else if (Double.isInfinite(x)) {
                inf = true;
            } else {
                double l = Math.log(Math.abs(x)) / Math.log(2);
                log2High += Math.max(0, l);
                log2Low += Math.min(0, l);
                product = product.multiply(new BigDecimal(x), MC);
            }
        }
        int n = v.length;
        // Every partial product in any order lies between 2^log2Low and 2^log2High.
        double maxExponent = dt == DType.F32 ? 128 : 1024;
        double minExponent = dt == DType.F32 ? -126 : -1022;
        double slack = 4 * n * u(dt) + 1e-9;
        boolean mayOverflow = log2High + slack >= maxExponent;
        boolean mayUnderflow = log2Low - slack <= minExponent;
        double signedZero = negative ? -0.0 : 0.0;
        double signedInf = negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (nan || (zero && inf)) {
            return new Expect(Double.NaN, 0, 0, false);
        }
        if (inf) {
            // A partial product that underflows to zero meets the infinity: NaN.
            return mayUnderflow ? new Expect(null, signedInf, 0, true) : new Expect(signedInf, 0, 0, false);
        }
        if (zero) {
            // One that overflows meets the zero: NaN.
            return mayOverflow ? new Expect(null, signedZero, 0, true) : new Expect(signedZero, 0, 0, false);
        }
        double value = product.doubleValue();
        // n roundoffs relative; where a partial product can be subnormal, its rounding error
        // (half the smallest subnormal) times the largest the other factors can make it.
        double minValue = dt == DType.F32 ? Float.MIN_VALUE : Double.MIN_VALUE;
        double underflow = mayUnderflow ? n * minValue * Math.pow(2, log2High) : 0;
        double tol = 2 * n * u(dt) * Math.abs(value) + ulp(dt, dt.round(value)) + underflow;
        return new Expect(null, value, tol, mayOverflow);
    }

    private static String brief(double[] v) {
        return v.length <= 12 ? Arrays.toString(v) : v.length + " values " + Arrays.toString(Arrays.copyOf(v, 6))
                .replace("]", ", ...]");
    }

    /** sum or prod over axes on both backends against the exact values; returns the finite results compared. */
    private static int exactReduction(String name, DType dt, double[] pool, int[] dims, int... axes) {
        NDArray x = array(pool, dt, 0, dims);
        boolean sum = name.equals("sum");
        NDArray[] got = onBoth(dt, dims, new NDArray[] {x}, in -> sum ? in[0].sum(axes) : in[0].prod(axes));
        List<double[]> slices = slices(x, axes);
        int finite = 0;
        for (int o = 0; o < slices.size(); o++) {
            Expect e = sum ? sumOf(slices.get(o), dt) : prodOf(slices.get(o), dt);
            for (int d = 0; d < 2; d++) {
                double g = got[d].getDouble(o);
                if (!e.accepts(g)) {
                    fail(dt + " " + name + " over " + Arrays.toString(axes) + " of " + Arrays.toString(dims) + " on "
                            + (d == 0 ? REFERENCE : JVM) + ": element " + o + " of " + brief(slices.get(o))
                            + ": got " + g + ", expected " + e);
                }
                finite += d == 1 && Double.isFinite(g) && e.exact() == null && !e.mayOverflow() ? 1 : 0;
            }
        }
        return finite;
    }

    /** logSumExp over axes: the backends against each other, per slice. */
    private static int logSumExp(DType dt, double[] pool, int[] dims, int... axes) {
        NDArray x = array(pool, dt, 0, dims);
        NDArray[] got = onBoth(dt, dims, new NDArray[] {x}, in -> in[0].logSumExp(axes));
        List<double[]> slices = slices(x, axes);
        // m + log(sum exp(x - m)): n roundoffs in the sum of terms at most 1 (relative, so
        // absolute after the log), a few in exp and log, and the ulps of the final addition.
        return compare(dt + " logSumExp over " + Arrays.toString(axes) + " of " + Arrays.toString(dims), got[0],
                got[1], o -> 2 * (slices.get(o).length + 4) * u(dt) + 4 * ulp(dt, got[0].getDouble(o)));
    }

    /** softmax over an axis: the backends against each other, per element. */
    private static int softmax(DType dt, double[] pool, int[] dims, int axis) {
        NDArray x = array(pool, dt, 0, dims);
        NDArray[] got = onBoth(dt, dims, new NDArray[] {x}, in -> in[0].softmax(axis));
        int[] group = groupOf(x.shape(), axis);
        int n = x.shape().dim(axis);
        // exp(x - m) / S: relative errors of exp, of the sum (n roundoffs) and of the division.
        return compare(dt + " softmax over axis " + axis + " of " + Arrays.toString(dims), got[0], got[1], k -> {
            double r = got[0].getDouble(k);
            return 2 * (n + 4) * u(dt) * Math.abs(r) + 4 * ulp(dt, r);
        });
    }

    /** max or min: the backends bit for bit. */
    private static int extremum(String name, DType dt, double[] pool, int[] dims, int... axes) {
        NDArray x = array(pool, dt, 0, dims);
        boolean isMax = name.equals("max");
        NDArray[] got = onBoth(dt, dims, new NDArray[] {x}, in -> isMax ? in[0].max(axes) : in[0].min(axes));
        return compare(dt + " " + name + " over " + Arrays.toString(axes) + " of " + Arrays.toString(dims), got[0],
                got[1], o -> 0);
    }

    /**
     * One layout: a pool, dims, and the axis sets reduced (each a path of the reduction runner);
     * whether some result must be finite and closely checked (with special values, every slice
     * of some layouts holds a NaN).
     */
    record Layout(String name, double[] pool, int[] dims, int[][] axes, boolean finiteResults) {
        Layout(String name, double[] pool, int[] dims, int[][] axes) {
            this(name, pool, dims, axes, true);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Layout> LAYOUTS = List.of(
            // Rows of 5 (short rows), columns of 39 (every value: NaN) and everything.
            new Layout("special [39,5]", SPECIAL, new int[] {39, 5}, new int[][] {{}, {0}, {1}}),
            // Finite values: sums and products that overflow, underflow or cancel.
            new Layout("finite [36,5]", FINITE, new int[] {36, 5}, new int[][] {{}, {0}, {1}}),
            // A non-contiguous axis set (the general path).
            new Layout("special [39,1,5]", SPECIAL, new int[] {39, 1, 5}, new int[][] {{0, 2}}, false),
            // One slice of all 180 values, among them both extremes: it may overflow in any order.
            new Layout("finite [36,1,5]", FINITE, new int[] {36, 1, 5}, new int[][] {{0, 2}}, false),
            // Long rows (SIMD folds of whole chunks) and columns of three.
            new Layout("ordinary [3,700]", ORDINARY, new int[] {3, 700}, new int[][] {{1}, {0}, {}}),
            // 70,000 elements: rows and columns split over threads.
            new Layout("ordinary [100,700]", ORDINARY, new int[] {100, 700}, new int[][] {{1}}),
            new Layout("ordinary [4,50,350]", ORDINARY, new int[] {4, 50, 350}, new int[][] {{1}}));

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void sumsAndProductsAgainstTheirExactValues(DType dt) {
        int closeSums = 0;
        int closeProducts = 0;
        for (Layout l : LAYOUTS) {
            int sums = 0;
            int products = 0;
            for (int[] axes : l.axes()) {
                sums += exactReduction("sum", dt, l.pool(), l.dims(), axes);
                products += exactReduction("prod", dt, l.pool(), l.dims(), axes);
            }
            assertTrue(sums > 0 || !l.finiteResults(), dt + " " + l + ": no finite sum checked closely");
            // Products of special values over- or underflow in some order in nearly every slice, and
            // so do f32 products of hundreds of ordinary numbers (2^+-260 in the worst order).
            assertTrue(products > 0 || l.pool() != ORDINARY || (dt == DType.F32 && l.dims()[l.dims().length - 1] >= 350),
                    dt + " " + l + ": no finite product checked closely");
            closeSums += sums;
            closeProducts += products;
        }
        assertTrue(closeSums > 100 && closeProducts > 10, closeSums + " sums, " + closeProducts + " products");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void maxMinLogSumExpAndSoftmaxAgainstTheReference(DType dt) {
        for (Layout l : LAYOUTS) {
            int finite = 0;
            for (int[] axes : l.axes()) {
                finite += extremum("max", dt, l.pool(), l.dims(), axes);
                finite += extremum("min", dt, l.pool(), l.dims(), axes);
                finite += logSumExp(dt, l.pool(), l.dims(), axes);
                if (axes.length == 1) {
                    finite += softmax(dt, l.pool(), l.dims(), axes[0]);
                }
            }
            assertTrue(finite > 0 || !l.finiteResults(), dt + " " + l + ": no finite result compared");
        }
    }
}

package dev.nabla;

import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.Device;
import dev.nabla.runtime.NDArray;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every elementwise op and reduction of the JVM backend against the reference on NaN, both
 * infinities, both zeros, subnormals, values at the edges of overflow and ordinary numbers, in
 * 37 elements (two SIMD vectors of f64, or one of f32 and more, plus a scalar tail) and in a
 * [37, 5] layout whose columns and rows are reduced. NaN must meet NaN and an infinity the same
 * infinity; finite results must be equal, except for the SIMD math functions (2 ulps) and sums
 * and products, whose order differs (n roundoffs of the sum of magnitudes).
 */
class SpecialValuesDifferentialTest {
    private static final Device JVM = BackendDifferentialTest.JVM;
    private static final Device REFERENCE = BackendDifferentialTest.REFERENCE;

    private static final double[] SPECIAL = {
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, Double.MIN_VALUE,
        -Double.MIN_VALUE, Float.MIN_VALUE, 1e-40, Double.MIN_NORMAL, Float.MIN_NORMAL, 1, -1, 0.5, -0.5, 2, -3,
        Math.PI / 2, -Math.PI, 88.7, 89, -104, 709, 710, -746, 1e38, -1e38, Float.MAX_VALUE, Double.MAX_VALUE,
        -Double.MAX_VALUE, 1e300, 1e-300, 0.1, 7.5, -7.5, 30, -30,
    };

    private static NDArray values(DType dt, int shift, int... dims) {
        int n = new Shape(dims).size();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = SPECIAL[(i * 7 + shift) % SPECIAL.length];
        }
        return NDArray.fromDoubles(dt, new Shape(dims), v);
    }

    private enum Kind { EXACT, SIMD_MATH, ACCUMULATED }

    private static void check(String what, DType dt, Kind kind, UnaryOperator<Tensor> f, int... dims) {
        NDArray x = values(dt, 0, dims);
        NDArray[] got = new NDArray[2];
        Device[] devices = {REFERENCE, JVM};
        for (int d = 0; d < 2; d++) {
            try (Graph g = Graph.create()) {
                Tensor in = g.input("x", dt, dims);
                got[d] = g.compile(devices[d]).eval(Map.of(in, x), f.apply(in)).get(0);
            }
        }
        compare(what + " of " + x, dt, kind, got[0], got[1], x);
    }

    private static void check2(String what, DType dt, Kind kind, BinaryOperator<Tensor> f) {
        NDArray x = values(dt, 0, 37);
        NDArray y = values(dt, 5, 37);
        NDArray[] got = new NDArray[2];
        Device[] devices = {REFERENCE, JVM};
        for (int d = 0; d < 2; d++) {
            try (Graph g = Graph.create()) {
                Tensor a = g.input("x", dt, 37);
                Tensor b = g.input("y", dt, 37);
                got[d] = g.compile(devices[d]).eval(Map.of(a, x, b, y), f.apply(a, b)).get(0);
            }
        }
        compare(what + " of " + x + " and " + y, dt, kind, got[0], got[1], x);
    }

    private static void compare(String what, DType dt, Kind kind, NDArray ref, NDArray jvm, NDArray in) {
        double sumAbs = 0;
        for (int k = 0; k < in.size(); k++) {
            double v = Math.abs(in.getDouble(k));
            if (Double.isFinite(v)) {
                sumAbs += v;
            }
        }
        double u = dt == DType.F32 ? 0x1p-24 : 0x1p-53;
        for (int k = 0; k < ref.size(); k++) {
            double r = ref.getDouble(k);
            double j = jvm.getDouble(k);
            boolean ok;
            if (Double.isNaN(r) || Double.isInfinite(r)) {
                ok = Double.isNaN(r) ? Double.isNaN(j) : j == r;
            } else {
                double ulp = dt == DType.F32 ? Math.ulp((float) r) : Math.ulp(r);
                double tol = switch (kind) {
                    case EXACT -> 0;
                    case SIMD_MATH -> 2 * ulp;
                    // In any order, a sum of n terms errs by at most (n - 1) u times their magnitudes.
                    case ACCUMULATED -> Math.max(2 * ulp, 2 * in.size() * u * sumAbs);
                };
                ok = Double.isFinite(j) && Math.abs(j - r) <= tol;
            }
            if (!ok) {
                fail(dt + " " + what + ": element " + k + ": reference " + r + ", jvm " + j);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void unaryOps(DType dt) {
        check("neg", dt, Kind.EXACT, Tensor::neg, 37);
        check("abs", dt, Kind.EXACT, Tensor::abs, 37);
        check("sign", dt, Kind.EXACT, Tensor::sign, 37);
        check("relu", dt, Kind.EXACT, Tensor::relu, 37);
        check("sqrt", dt, Kind.EXACT, Tensor::sqrt, 37);
        check("rsqrt", dt, Kind.EXACT, Tensor::rsqrt, 37);
        check("sigmoid", dt, Kind.EXACT, Tensor::sigmoid, 37);
        check("softplus", dt, Kind.EXACT, Tensor::softplus, 37);
        check("exp", dt, Kind.SIMD_MATH, Tensor::exp, 37);
        check("log", dt, Kind.SIMD_MATH, Tensor::log, 37);
        check("log1p", dt, Kind.SIMD_MATH, Tensor::log1p, 37);
        check("expm1", dt, Kind.SIMD_MATH, Tensor::expm1, 37);
        check("sin", dt, Kind.SIMD_MATH, Tensor::sin, 37);
        check("cos", dt, Kind.SIMD_MATH, Tensor::cos, 37);
        check("tan", dt, Kind.SIMD_MATH, Tensor::tan, 37);
        check("tanh", dt, Kind.SIMD_MATH, Tensor::tanh, 37);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void binaryOpsComparisonsAndWhere(DType dt) {
        check2("add", dt, Kind.EXACT, Tensor::add);
        check2("sub", dt, Kind.EXACT, Tensor::sub);
        check2("mul", dt, Kind.EXACT, Tensor::mul);
        check2("div", dt, Kind.EXACT, Tensor::div);
        check2("pow", dt, Kind.EXACT, Tensor::pow);
        check2("minimum", dt, Kind.EXACT, Tensor::minimum);
        check2("maximum", dt, Kind.EXACT, Tensor::maximum);
        // One rounding in the JVM backend; in f32 the reference rounds the double fma once more.
        check2("fma", dt, dt == DType.F32 ? Kind.SIMD_MATH : Kind.EXACT, (a, b) -> a.fma(b, a.neg()));
        check2("where(lt)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.lt(b), a, b));
        check2("where(le)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.le(b), b, a));
        check2("where(gt)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.gt(b), a, 0.5));
        check2("where(ge)", dt, Kind.EXACT, (a, b) -> Nabla.where(a.ge(b), -1.0, b));
        check2("eq mask", dt, Kind.EXACT, (a, b) -> a.eq(b).cast(dt).add(a.eq(a).cast(dt)));
        check2("mask to i32 and bool", dt, Kind.EXACT, (a, b) -> a.lt(b).cast(DType.I32).cast(dt)
                .add(a.cast(DType.BOOL).cast(dt)));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void reductionsOfRowsColumnsAndAll(DType dt) {
        for (int[] axes : new int[][] {{}, {0}, {1}}) {
            String on = axes.length == 0 ? " of all" : " over axis " + axes[0];
            check("max" + on, dt, Kind.EXACT, x -> x.max(axes), 37, 5);
            check("min" + on, dt, Kind.EXACT, x -> x.min(axes), 37, 5);
            check("sum" + on, dt, Kind.ACCUMULATED, x -> x.sum(axes), 37, 5);
            check("prod" + on, dt, Kind.ACCUMULATED, x -> x.prod(axes), 37, 5);
            check("logSumExp" + on, dt, Kind.ACCUMULATED, x -> x.logSumExp(axes), 37, 5);
        }
        // A non-contiguous axis set takes the backend's general path.
        check("max over axes 0 and 2", dt, Kind.EXACT, x -> x.max(0, 2), 37, 1, 5);
        check("sum over axes 0 and 2", dt, Kind.ACCUMULATED, x -> x.sum(0, 2), 37, 1, 5);
        check("softmax", dt, Kind.ACCUMULATED, x -> x.softmax(0), 37, 5);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void castsToTheOtherDtype(DType dt) {
        DType other = dt == DType.F32 ? DType.F64 : DType.F32;
        check("cast to " + other, dt, Kind.EXACT, x -> x.cast(other).cast(dt), 37);
        check("cast to " + other + " as a result", dt, Kind.EXACT, x -> x.cast(other), 37);
    }
}

package dev.nabla.runtime.jvm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The plain-loop primitives the JVM backend falls back to without the Vector API
 * ({@link PlainFloatLanes}, {@link PlainDoubleLanes}) against the SIMD ones (this JVM has the
 * module), in f32 and f64, on random values of many magnitudes mixed with NaN, infinities, signed
 * zeros, subnormals and the largest finite values, at sizes around the vector lengths (tails) and
 * at offsets. Everything must agree bit for bit (NaN with any NaN), transcendental functions
 * included (both compute them as FloatMath and DoubleMath do), except the order and precision of
 * sums and products in {@code reduce}.
 */
class PlainLanesTest {
    static final DType[] TYPES = {DType.F32, DType.F64};
    static final int[] SIZES = {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 100, 1023, 1025};
    /** Where every array starts its run, so that offsets are tested too. */
    static final int OFF = 5;
    static final double[] SPECIAL = {
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0,
        Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MIN_NORMAL, 1e-40, -1e-40, Float.MAX_VALUE, -Float.MAX_VALUE, Double.MAX_VALUE, 88.8, -104.0,
        710.0, -746.0, 1e30, Math.PI / 2,
    };

    private static Lanes simd(DType t) {
        return t == DType.F32 ? FloatLanes.INSTANCE : DoubleLanes.INSTANCE;
    }

    private static Lanes plain(DType t) {
        return t == DType.F32 ? PlainFloatLanes.INSTANCE : PlainDoubleLanes.INSTANCE;
    }

    @Test
    void theFactoryGivesTheSimdPrimitivesWhenTheModuleIsThere() {
        assertTrue(VectorSupport.enabled());
        assertTrue(Lanes.of(DType.F32) == FloatLanes.INSTANCE && Lanes.of(DType.F64) == DoubleLanes.INSTANCE);
    }

    /** One primitive call, writing {@code out} from OFF. */
    private interface Call {
        void run(Lanes lanes, Object out);
    }

    /** Runs the call with the SIMD primitives and with the fallback, and compares what they wrote. */
    private static void agree(DType t, int n, int ulps, String what, Call call, Object... inputs) {
        Object expected = simd(t).newArray(OFF + n);
        Object actual = plain(t).newArray(OFF + n);
        call.run(simd(t), expected);
        call.run(plain(t), actual);
        assertAgree(t, expected, actual, n, ulps, what + " " + t, inputs);
    }

    @ParameterizedTest
    @EnumSource(UnaryFn.class)
    void unary(UnaryFn fn) {
        Random random = new Random(fn.ordinal());
        for (DType t : TYPES) {
            for (int n : SIZES) {
                Object x = values(t, random, n);
                agree(t, n, 0, fn.opName(),
                        (lanes, out) -> lanes.unary(fn, out, OFF, x, OFF, n), x);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(BinaryFn.class)
    void binary(BinaryFn fn) {
        Random random = new Random(100 + fn.ordinal());
        for (DType t : TYPES) {
            for (int n : SIZES) {
                Object a = values(t, random, n);
                Object b = values(t, random, n);
                agree(t, n, 0, fn.opName(), (lanes, out) -> lanes.binary(fn, out, OFF, a, OFF, b, OFF, n), a, b);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CompareFn.class)
    void compare(CompareFn fn) {
        Random random = new Random(200 + fn.ordinal());
        for (DType t : TYPES) {
            for (int n : SIZES) {
                Object a = values(t, random, n);
                // Every other element equal, so that ties are tested.
                Object b = copyHalf(t, a, values(t, random, n), n);
                agree(t, n, 0, fn.opName(), (lanes, out) -> lanes.compare(fn, out, OFF, a, OFF, b, OFF, n), a, b);
            }
        }
    }

    @Test
    void fmaWhereFillAndConvert() {
        Random random = new Random(300);
        for (DType t : TYPES) {
            DType other = t == DType.F32 ? DType.F64 : DType.F32;
            for (int n : SIZES) {
                Object a = values(t, random, n);
                Object b = values(t, random, n);
                Object c = values(t, random, n);
                Object cond = conditions(t, random, n);
                Object wide = values(other, random, n);
                agree(t, n, 0, "fma", (lanes, out) -> lanes.fma(out, OFF, a, OFF, b, OFF, c, OFF, n), a, b, c);
                agree(t, n, 0, "where", (lanes, out) -> lanes.where(out, OFF, cond, OFF, a, OFF, b, OFF, n),
                        cond, a, b);
                agree(t, n, 0, "fill", (lanes, out) -> lanes.fill(out, OFF, -0.0, n));
                agree(t, n, 0, "convert", (lanes, out) -> lanes.convert(out, OFF, a, OFF, n), a);
                agree(t, n, 0, "convert from " + other, (lanes, out) -> lanes.convert(out, OFF, wide, OFF, n), wide);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceFn.class)
    void reduce(ReduceFn fn) {
        Random random = new Random(400 + fn.ordinal());
        for (DType t : TYPES) {
            for (int n : SIZES) {
                // Products of values near 1 neither overflow nor underflow, in either precision.
                Object a = fn == ReduceFn.PROD ? nearOne(t, random, n) : values(t, random, n);
                for (double acc : new double[] {fn.identity(), 1.5, Double.NaN}) {
                    double expected = simd(t).reduce(fn, a, OFF, n, acc);
                    double actual = plain(t).reduce(fn, a, OFF, n, acc);
                    if (!reductionsAgree(t, fn, a, n, acc, expected, actual)) {
                        fail(fn + " " + t + " n=" + n + " from " + acc + ": simd " + expected + ", plain " + actual);
                    }
                }
                Object acc = values(t, random, n);
                Object expected = copy(t, acc);
                Object actual = copy(t, acc);
                simd(t).accumulate(fn, expected, OFF, a, OFF, n);
                plain(t).accumulate(fn, actual, OFF, a, OFF, n);
                assertAgree(t, expected, actual, n, 0, "accumulate " + fn + " " + t, acc, a);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceFn.class)
    void reduceSpecialValuesOnly(ReduceFn fn) {
        Random random = new Random(500 + fn.ordinal());
        for (DType t : TYPES) {
            for (int n : SIZES) {
                for (int trial = 0; trial < 20; trial++) {
                    double[] v = new double[OFF + n];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = SPECIAL[random.nextInt(12)];
                    }
                    Object a = array(t, v);
                    double expected = simd(t).reduce(fn, a, OFF, n, fn.identity());
                    double actual = plain(t).reduce(fn, a, OFF, n, fn.identity());
                    if (!reductionsAgree(t, fn, a, n, fn.identity(), expected, actual)) {
                        fail(fn + " " + t + " n=" + n + ": simd " + expected + ", plain " + actual);
                    }
                }
            }
        }
    }

    /**
     * Max and min must agree exactly (a signed zero may differ: ties keep either); sums and
     * products within the error bound of summing n numbers in the working type.
     */
    private static boolean reductionsAgree(DType t, ReduceFn fn, Object a, int n, double acc, double x, double y) {
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return Double.isNaN(x) && Double.isNaN(y);
        }
        if (x == y) {
            return true;
        }
        if (fn == ReduceFn.MAX || fn == ReduceFn.MIN || Double.isInfinite(x) || Double.isInfinite(y)) {
            return false;
        }
        double u = t == DType.F32 ? 0x1p-24 : 0x1p-53;
        double magnitude = Math.abs(acc);
        if (fn == ReduceFn.SUM) {
            for (int i = 0; i < n; i++) {
                magnitude += Math.abs(get(a, OFF + i));
            }
        } else {
            magnitude = Math.max(Math.abs(x), Math.abs(y));
        }
        return Math.abs(x - y) <= 2 * (n + 1) * u * magnitude;
    }

    /**
     * Element for element from OFF: equal (any NaN matches any NaN; a signed zero only itself),
     * or, with {@code ulps > 0}, finite and at most that many ulps apart.
     */
    private static void assertAgree(DType t, Object expected, Object actual, int n, int ulps, String what,
            Object... inputs) {
        for (int i = OFF; i < OFF + n; i++) {
            double e = get(expected, i);
            double a = get(actual, i);
            boolean same = Double.compare(e, a) == 0
                    || ulps > 0 && Double.isFinite(e) && Double.isFinite(a)
                    && Math.abs(e - a) <= ulps * ulp(t, Math.max(Math.abs(e), Math.abs(a)));
            if (!same) {
                StringBuilder args = new StringBuilder();
                for (Object in : inputs) {
                    args.append(args.isEmpty() ? "" : ", ").append(get(in, i));
                }
                fail(what + " at " + (i - OFF) + " of " + n + " (" + args + "): simd " + e + ", plain " + a);
            }
        }
    }

    private static double ulp(DType t, double magnitude) {
        return t == DType.F32 ? Math.ulp((float) magnitude) : Math.ulp(magnitude);
    }

    /** OFF + n values: a quarter special, the rest Gaussian times 10^-3 to 10^3. */
    private static Object values(DType t, Random random, int n) {
        double[] v = new double[OFF + n];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextInt(4) == 0 ? SPECIAL[random.nextInt(SPECIAL.length)]
                    : random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3);
        }
        return array(t, v);
    }

    private static Object nearOne(DType t, Random random, int n) {
        double[] v = new double[OFF + n];
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.95 + 0.1 * random.nextDouble();
        }
        return array(t, v);
    }

    /** Masks as kernels make them (0 or 1), and what else a float can hold (-0, NaN, 2). */
    private static Object conditions(DType t, Random random, int n) {
        double[] choices = {0.0, 1.0, 0.0, 1.0, -0.0, Double.NaN, 2.0};
        double[] v = new double[OFF + n];
        for (int i = 0; i < v.length; i++) {
            v[i] = choices[random.nextInt(choices.length)];
        }
        return array(t, v);
    }

    private static Object copyHalf(DType t, Object from, Object into, int n) {
        for (int i = OFF; i < OFF + n; i += 2) {
            if (t == DType.F32) {
                ((float[]) into)[i] = ((float[]) from)[i];
            } else {
                ((double[]) into)[i] = ((double[]) from)[i];
            }
        }
        return into;
    }

    private static Object array(DType t, double[] v) {
        if (t == DType.F64) {
            return v;
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static Object copy(DType t, Object a) {
        return t == DType.F32 ? ((float[]) a).clone() : ((double[]) a).clone();
    }

    private static double get(Object a, int i) {
        return a instanceof float[] f ? f[i] : ((double[]) a)[i];
    }
}

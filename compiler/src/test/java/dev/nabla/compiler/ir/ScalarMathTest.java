package dev.nabla.compiler.ir;

import dev.nabla.core.DType;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The scalar definitions every backend shares: the reference interpreter and constant folding
 * call them through {@link UnaryFn} and {@link CompareFn}, and generated scalar programs call
 * {@link ScalarMath} itself. Checked where a careless definition goes wrong: at ties, at signed
 * zeros and at NaN. Zeros are compared by their bits.
 */
class ScalarMathTest {
    private static final double NAN = Double.NaN;

    private static void assertBits(double expected, double actual) {
        assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
                () -> "expected " + expected + ", got " + actual);
    }

    @Test
    void wholePowersKeepPowsSpecialValues() {
        double[] bases = {0.0, -0.0, 1, -1, 2, -2, 0.5, -0.5, NAN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                1e300, -1e300, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE};
        for (double a : bases) {
            for (int k = 2; k <= 8; k++) {
                // Exact products, overflow, underflow to zero, and every sign: pow's bits.
                if (Math.abs(a) == 0.5 || Math.abs(a) == 2 || Math.abs(a) == 1 || a == 0 || Double.isNaN(a)
                        || Double.isInfinite(a) || Math.abs(a) >= 1e300 || Math.abs(a) == 1e-300 && k >= 2) {
                    assertBits(Math.pow(a, k), ScalarMath.pow(a, k));
                }
            }
        }
    }

    @Test
    void wholePowersAreWithinAFewUlpsOfPowAndOtherExponentsArePow() {
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < 100_000; i++) {
            double a = (random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(21) - 10);
            int k = 2 + random.nextInt(7);
            double exact = Math.pow(a, k);
            // Seven roundings of 2^-53 at most (x^8), and pow's own error.
            assertEquals(exact, ScalarMath.pow(a, k), 0x1p-50 * Math.abs(exact) + Math.ulp(exact), () -> a + "^" + k);
            // f32 values computed in double and rounded: pow's float.
            float f = (float) a;
            assertEquals((float) Math.pow(f, k), (float) ScalarMath.pow(f, k), Math.ulp((float) Math.pow(f, k)),
                    () -> f + "f^" + k);
            double b = random.nextDouble() * 20 - 4;
            assertBits(Math.pow(a, b), ScalarMath.pow(a, b));
        }
        for (double b : new double[] {9, 16, 1, 0, -2, 2.5, 8.000001, NAN}) {
            assertBits(Math.pow(3.7, b), ScalarMath.pow(3.7, b));
        }
    }

    @Test
    void comparisonsAtTiesAndNaN() {
        double[][] pairs = {{1, 2}, {2, 1}, {2, 2}, {0.0, -0.0}, {NAN, 1}, {1, NAN}, {NAN, NAN}};
        for (double[] p : pairs) {
            double a = p[0];
            double b = p[1];
            String at = a + " vs " + b;
            assertEquals(a < b ? 1 : 0, ScalarMath.lt(a, b), "lt " + at);
            assertEquals(a <= b ? 1 : 0, ScalarMath.le(a, b), "le " + at);
            assertEquals(a > b ? 1 : 0, ScalarMath.gt(a, b), "gt " + at);
            assertEquals(a >= b ? 1 : 0, ScalarMath.ge(a, b), "ge " + at);
            assertEquals(a == b ? 1 : 0, ScalarMath.eq(a, b), "eq " + at);
            for (CompareFn fn : CompareFn.values()) {
                double viaScalarMath = switch (fn) {
                    case LT -> ScalarMath.lt(a, b);
                    case LE -> ScalarMath.le(a, b);
                    case GT -> ScalarMath.gt(a, b);
                    case GE -> ScalarMath.ge(a, b);
                    case EQ -> ScalarMath.eq(a, b);
                };
                assertEquals(viaScalarMath, fn.test(a, b) ? 1 : 0, fn + " " + at);
            }
        }
        // The ties, spelled out: equal values (and 0 == -0) satisfy exactly le, ge and eq.
        assertEquals(0, ScalarMath.lt(2, 2));
        assertEquals(1, ScalarMath.le(2, 2));
        assertEquals(0, ScalarMath.gt(-0.0, 0.0));
        assertEquals(1, ScalarMath.ge(-0.0, 0.0));
        assertEquals(0, ScalarMath.ge(NAN, NAN));
    }

    @Test
    void signAndReluGivePositiveZeroForEitherZero() {
        assertBits(0.0, ScalarMath.sign(-0.0));
        assertBits(0.0, ScalarMath.sign(0.0));
        assertBits(1.0, ScalarMath.sign(1e-300));
        assertBits(-1.0, ScalarMath.sign(Double.NEGATIVE_INFINITY));
        assertBits(NAN, ScalarMath.sign(NAN));
        assertBits(0.0, ScalarMath.relu(-0.0));
        assertBits(0.0, ScalarMath.relu(0.0));
        assertBits(0.0, ScalarMath.relu(-3));
        assertBits(Double.MIN_VALUE, ScalarMath.relu(Double.MIN_VALUE));
        assertBits(NAN, ScalarMath.relu(NAN));
        assertBits(0.0, UnaryFn.RELU.apply(-0.0));
        assertBits(0.0, UnaryFn.SIGN.apply(-0.0));
    }

    @Test
    void sigmoidSoftplusAndRsqrtStayFiniteWhereTheNaiveFormulasDoNot() {
        assertEquals(0.5, ScalarMath.sigmoid(0.0));
        assertEquals(0.5, ScalarMath.sigmoid(-0.0));
        assertEquals(1.0, ScalarMath.sigmoid(800));
        assertEquals(0.0, ScalarMath.sigmoid(-800));
        assertEquals(1 / (1 + Math.exp(-2.0)), ScalarMath.sigmoid(2.0));
        assertEquals(Math.exp(-2.0) / (1 + Math.exp(-2.0)), ScalarMath.sigmoid(-2.0));
        assertEquals(800.0, ScalarMath.softplus(800));
        assertEquals(Math.log1p(Math.exp(-800)), ScalarMath.softplus(-800));
        assertEquals(Math.log(2), ScalarMath.softplus(0), 1e-16);
        assertEquals(0.5, ScalarMath.rsqrt(4));
        assertEquals(Double.POSITIVE_INFINITY, ScalarMath.rsqrt(0.0));
        assertEquals(1.0, ScalarMath.select(-0.5, 1, 2));
        assertEquals(2.0, ScalarMath.select(0.0, 1, 2));
        assertEquals((double) (float) 0.1, ScalarMath.round(0.1, DType.F32.ordinal()));
        assertEquals(1.0, ScalarMath.round(0.25, DType.BOOL.ordinal()));
    }
}

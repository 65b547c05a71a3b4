package dev.nabla.runtime.jvm.math;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.compiler.ir.ScalarMath;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DoubleMath against StrictMath (fdlibm, itself within 1 ulp): within 2 ulps on random values of
 * every magnitude, random bit patterns, and runs of consecutive doubles around each function's
 * thresholds; NaN, infinities and signed zeros exactly. sigmoid and softplus within 3 ulps of
 * their definitions.
 */
class DoubleMathAccuracyTest {
    enum D {
        EXP(DoubleMath::exp, StrictMath::exp, 2, 0, 0x1p-54, 0.34657359, 709.782712893384, -708.39641853226, -745.1332191019411),
        EXPM1(DoubleMath::expm1, StrictMath::expm1, 2, 0, 0x1p-54, 0.34657359, 0.69314718, 709.782712893384, -37.42994775023705,
                -64),
        LOG(DoubleMath::log, StrictMath::log, 2, 1, 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bcdp0, 0x1p-1022, Double.MIN_VALUE,
                Double.MAX_VALUE),
        LOG1P(DoubleMath::log1p, StrictMath::log1p, 2, 0, -1, 0x1p-54, -0.29289321881345254, 0.41421356237309515, 0x1p53),
        SIN(DoubleMath::sin, StrictMath::sin, 2, 0, Math.PI / 4, Math.PI / 2, Math.PI, 0x1p20, DoubleMath.TRIG_MAX, 1e12),
        COS(DoubleMath::cos, StrictMath::cos, 2, 0, Math.PI / 4, Math.PI / 2, Math.PI, 0x1p20, DoubleMath.TRIG_MAX, 1e12),
        TAN(DoubleMath::tan, StrictMath::tan, 2, 0, Math.PI / 4, Math.PI / 2, Math.PI, 0x1p20, DoubleMath.TRIG_MAX, 1e12),
        TANH(DoubleMath::tanh, StrictMath::tanh, 2, 0, 0x1p-27, DoubleMath.TANH_SMALL, 1, 19.06, 22),
        SIGMOID(DoubleMath::sigmoid, ScalarMath::sigmoid, 3, 0, 1, 36.7, -708.4, -745),
        SOFTPLUS(DoubleMath::softplus, ScalarMath::softplus, 3, 0, 1, 36.7, -708.4, -745, 709.8);

        final DoubleUnaryOperator mine;
        final DoubleUnaryOperator reference;
        final long ulps;
        final double[] edges;

        D(DoubleUnaryOperator mine, DoubleUnaryOperator reference, long ulps, double... edges) {
            this.mine = mine;
            this.reference = reference;
            this.ulps = ulps;
            this.edges = edges;
        }
    }

    static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0};

    @ParameterizedTest
    @EnumSource(D.class)
    void withinTwoUlpsOfStrictMath(D f) {
        long worst = 0;
        double worstX = 0;
        long checked = 0;
        SplittableRandom random = new SplittableRandom(f.ordinal());
        double[] xs = new double[2_000_000];
        int n = 0;
        for (int i = 0; i < 600_000; i++) {
            xs[n++] = (random.nextBoolean() ? 1 : -1) * Math.pow(2, random.nextDouble(-60, 60));
            xs[n++] = random.nextDouble(-800, 800);
        }
        for (int i = 0; i < 200_000; i++) {
            xs[n++] = Double.longBitsToDouble(random.nextLong());
        }
        for (double edge : f.edges) {
            for (double e : new double[] {edge, -edge}) {
                long center = Double.doubleToRawLongBits(e);
                for (int i = -10_000; i < 10_000; i++) {
                    if (n < xs.length) {
                        xs[n++] = Double.longBitsToDouble(center + i);
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            double x = xs[i];
            if (Double.isNaN(x)) {
                continue;
            }
            checked++;
            long d = distance(f.mine.applyAsDouble(x), f.reference.applyAsDouble(x));
            if (d > worst) {
                worst = d;
                worstX = x;
            }
        }
        for (double x : SPECIAL) {
            assertThat(Double.doubleToLongBits(f.mine.applyAsDouble(x))).as(f + "(" + x + ")")
                    .isEqualTo(Double.doubleToLongBits(f.reference.applyAsDouble(x)));
        }
        System.out.println(f + ": worst " + worst + " ulps at x = " + worstX + " over " + checked + " values");
        assertThat(worst).as(f + " worst at x = " + worstX + " (" + Double.toHexString(worstX) + "): "
                + f.mine.applyAsDouble(worstX) + " against " + f.reference.applyAsDouble(worstX) + " over " + checked)
                .isLessThanOrEqualTo(f.ulps);
        assertThat(checked).isGreaterThan(1_500_000);
    }

    /** Ulps between a and b (zeros of opposite signs one apart, NaN only from NaN). */
    static long distance(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.isNaN(a) && Double.isNaN(b) ? 0 : Long.MAX_VALUE;
        }
        if (a == 0 && b == 0) {
            return Double.doubleToRawLongBits(a) == Double.doubleToRawLongBits(b) ? 0 : 1;
        }
        return Math.abs(ordered(a) - ordered(b));
    }

    static long ordered(double v) {
        long b = Double.doubleToRawLongBits(v);
        return b >= 0 ? b : Long.MIN_VALUE - b;
    }
}

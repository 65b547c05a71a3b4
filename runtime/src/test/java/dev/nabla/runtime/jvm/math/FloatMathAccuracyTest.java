package dev.nabla.runtime.jvm.math;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.compiler.ir.ScalarMath;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * FloatMath against Math in double rounded to float (correctly rounded but for rare double
 * roundings): within 1 ulp over a sweep of every 509th float, dense runs of consecutive floats
 * around each function's thresholds, and random values of every magnitude; NaN, infinities and
 * signed zeros exactly. sigmoid and softplus, built from exp and log1p in float, within 3 ulps of
 * their double definitions. (Run with a stride of 1, every float: exp, expm1, log, log1p, sin,
 * cos, tan and tanh all within 1 ulp.)
 */
class FloatMathAccuracyTest {
    enum F {
        EXP(FloatMath::exp, Math::exp, 1, 0f, 0x1p-24f, -0x1p-24f, 0.34657f, -0.34657f, 88.72283f, -87.33655f, -103.97208f),
        EXPM1(FloatMath::expm1, Math::expm1, 1, 0f, 0x1p-24f, 0.34657f, -0.34657f, 0.6931472f, -0.6931472f, 88.72283f,
                -17.3287f, -64f),
        LOG(FloatMath::log, Math::log, 1, 1f, 0x1.6a09e6p-1f, 0x1.6a09e6p0f, 0x1p-126f, 0x1p-149f, 2f, Float.MAX_VALUE),
        LOG1P(FloatMath::log1p, Math::log1p, 1, 0f, -1f, 0x1p-24f, -0x1p-24f, -0.2928932f, 0.41421357f, 1f, 0x1p24f),
        SIN(FloatMath::sin, Math::sin, 1, 0f, 0.7853982f, 1.5707964f, 3.1415927f, 0x1p12f, FloatMath.TRIG_MAX, 1e7f),
        COS(FloatMath::cos, Math::cos, 1, 0f, 0.7853982f, 1.5707964f, 3.1415927f, 0x1p12f, FloatMath.TRIG_MAX, 1e7f),
        TAN(FloatMath::tan, Math::tan, 1, 0f, 0.7853982f, 1.5707964f, 3.1415927f, 0x1p12f, FloatMath.TRIG_MAX, 1e7f),
        TANH(FloatMath::tanh, Math::tanh, 1, 0f, 0x1p-12f, FloatMath.TANH_SMALL, -FloatMath.TANH_SMALL, 1f, 9.01f, 44.4f),
        SIGMOID(FloatMath::sigmoid, ScalarMath::sigmoid, 3, 0f, 1f, -1f, 16.6f, -87.3f, -103.3f),
        SOFTPLUS(FloatMath::softplus, ScalarMath::softplus, 3, 0f, 1f, -1f, 16.6f, -87.3f, -103.3f, 88.8f);

        final FloatUnary mine;
        final DoubleUnaryOperator reference;
        final long ulps;
        final float[] edges;

        F(FloatUnary mine, DoubleUnaryOperator reference, long ulps, float... edges) {
            this.mine = mine;
            this.reference = reference;
            this.ulps = ulps;
            this.edges = edges;
        }
    }

    interface FloatUnary {
        float apply(float x);
    }

    static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};

    @ParameterizedTest
    @EnumSource(F.class)
    void withinOneUlpOfMathRoundedToFloat(F f) {
        Worst worst = new Worst(f);
        for (long bits = 0; bits < 1L << 32; bits += 509) {
            worst.check(Float.intBitsToFloat((int) bits));
        }
        for (float edge : f.edges) {
            for (float e : new float[] {edge, -edge}) {
                int center = Float.floatToRawIntBits(e);
                for (int i = -20_000; i <= 20_000; i++) {
                    worst.check(Float.intBitsToFloat(center + i));
                }
            }
        }
        SplittableRandom random = new SplittableRandom(f.ordinal());
        for (int i = 0; i < 500_000; i++) {
            worst.check((float) ((random.nextBoolean() ? 1 : -1) * Math.pow(2, random.nextDouble(-30, 30))));
        }
        for (float x : SPECIAL) {
            float want = (float) f.reference.applyAsDouble(x);
            assertThat(Float.floatToIntBits(f.mine.apply(x))).as(f + "(" + x + ") = " + want)
                    .isEqualTo(Float.floatToIntBits(want));
        }
        System.out.println(worst);
        assertThat(worst.ulps).as(worst.toString()).isLessThanOrEqualTo(f.ulps);
        assertThat(worst.checked).isGreaterThan(8_000_000);
    }

    /** The largest distance seen, in ulps (zeros of opposite signs are apart). */
    static final class Worst {
        final F f;
        long ulps;
        float x;
        long checked;

        Worst(F f) {
            this.f = f;
        }

        void check(float x) {
            if (Float.isNaN(x)) {
                return;
            }
            checked++;
            float got = f.mine.apply(x);
            float want = (float) f.reference.applyAsDouble(x);
            long d = Float.isNaN(got) || Float.isNaN(want)
                    ? (Float.isNaN(got) && Float.isNaN(want) ? 0 : Long.MAX_VALUE)
                    : Math.abs(ordered(got) - ordered(want)) + (got == want && got == 0 && Float.floatToRawIntBits(got) != Float.floatToRawIntBits(want) ? 1 : 0);
            if (d > ulps) {
                ulps = d;
                this.x = x;
            }
        }

        static long ordered(float v) {
            int b = Float.floatToRawIntBits(v);
            return b >= 0 ? b : (long) Integer.MIN_VALUE - b;
        }

        @Override
        public String toString() {
            return f + " worst at x = " + x + " (" + Float.toHexString(x) + "): " + f.mine.apply(x) + " against "
                    + (float) f.reference.applyAsDouble(x) + ", " + ulps + " ulps over " + checked + " values";
        }
    }
}

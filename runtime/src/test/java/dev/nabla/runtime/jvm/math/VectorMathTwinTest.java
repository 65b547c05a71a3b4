package dev.nabla.runtime.jvm.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each vector function gives every lane the bits its scalar twin gives (NaN as any NaN), over
 * special values, thresholds, random bit patterns and random magnitudes mixed in every vector, and
 * over vectors of ordinary values alone (where exp, log and tanh take shortcuts), in f32 and f64. Which
 * JIT tier runs them is RepeatabilityTest's question (in the dsl module); this one is about the
 * two being written alike.
 */
class VectorMathTwinTest {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    enum Fn {
        EXP(FloatVectorMath::exp, FloatMath::exp, DoubleVectorMath::exp, DoubleMath::exp),
        EXPM1(FloatVectorMath::expm1, FloatMath::expm1, DoubleVectorMath::expm1, DoubleMath::expm1),
        LOG(FloatVectorMath::log, FloatMath::log, DoubleVectorMath::log, DoubleMath::log),
        LOG1P(FloatVectorMath::log1p, FloatMath::log1p, DoubleVectorMath::log1p, DoubleMath::log1p),
        SIN(FloatVectorMath::sin, FloatMath::sin, DoubleVectorMath::sin, DoubleMath::sin),
        COS(FloatVectorMath::cos, FloatMath::cos, DoubleVectorMath::cos, DoubleMath::cos),
        TAN(FloatVectorMath::tan, FloatMath::tan, DoubleVectorMath::tan, DoubleMath::tan),
        TANH(FloatVectorMath::tanh, FloatMath::tanh, DoubleVectorMath::tanh, DoubleMath::tanh),
        SIGMOID(FloatVectorMath::sigmoid, FloatMath::sigmoid, DoubleVectorMath::sigmoid, DoubleMath::sigmoid),
        SOFTPLUS(FloatVectorMath::softplus, FloatMath::softplus, DoubleVectorMath::softplus, DoubleMath::softplus),
        RSQRT(FloatVectorMath::rsqrt, FloatMath::rsqrt, DoubleVectorMath::rsqrt, DoubleMath::rsqrt);

        final UnaryOperator<FloatVector> floatVector;
        final FloatMathAccuracyTest.FloatUnary floatScalar;
        final UnaryOperator<DoubleVector> doubleVector;
        final DoubleUnaryOperator doubleScalar;

        Fn(UnaryOperator<FloatVector> fv, FloatMathAccuracyTest.FloatUnary fs, UnaryOperator<DoubleVector> dv,
                DoubleUnaryOperator ds) {
            floatVector = fv;
            floatScalar = fs;
            doubleVector = dv;
            doubleScalar = ds;
        }
    }

    static final double[] EDGES = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.MIN_VALUE, Double.MIN_NORMAL, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, Double.MAX_VALUE,
        1, -1, 0.5, 0.34657359, 0.69314718, 0.55, 0.7, 88.72283, 88.72284, -103.97, -104, 709.78, 709.79, -745.13,
        -746, -64, Math.PI / 4, Math.PI / 2, FloatMath.TRIG_MAX, DoubleMath.TRIG_MAX, 1e7, 1e12, 1e30, 0x1p-24,
        0x1p-54};

    static double[] inputs(int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] x = new double[1 << 18];
        for (int i = 0; i < x.length; i++) {
            double e = EDGES[random.nextInt(EDGES.length)];
            if (i >= x.length / 2) {
                // Ordinary values only, whole vectors of them: the shortcuts some functions take.
                x[i] = random.nextDouble(-80, 80);
                continue;
            }
            x[i] = switch (i % 4) {
                case 0 -> random.nextBoolean() ? e : Math.nextUp(e) * (random.nextBoolean() ? 1 : -1);
                case 1 -> random.nextBoolean() ? Float.intBitsToFloat(random.nextInt()) : Double.longBitsToDouble(random.nextLong());
                default -> (random.nextBoolean() ? 1 : -1) * Math.pow(2, random.nextDouble(-40, 40));
            };
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(Fn.class)
    void floatLanesEqualTheScalarTwin(Fn fn) {
        double[] x = inputs(fn.ordinal());
        float[] a = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            a[i] = (float) x[i];
        }
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i += FS.length()) {
            fn.floatVector.apply(FloatVector.fromArray(FS, a, i)).intoArray(out, i);
        }
        for (int i = 0; i < a.length; i++) {
            float want = fn.floatScalar.apply(a[i]);
            assertThat(Float.floatToIntBits(out[i])).as(fn + "(" + a[i] + "): " + out[i] + " against " + want)
                    .isEqualTo(Float.floatToIntBits(want));
        }
    }

    @ParameterizedTest
    @EnumSource(Fn.class)
    void doubleLanesEqualTheScalarTwin(Fn fn) {
        double[] a = inputs(100 + fn.ordinal());
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i += DS.length()) {
            fn.doubleVector.apply(DoubleVector.fromArray(DS, a, i)).intoArray(out, i);
        }
        for (int i = 0; i < a.length; i++) {
            double want = fn.doubleScalar.applyAsDouble(a[i]);
            assertThat(Double.doubleToLongBits(out[i])).as(fn + "(" + a[i] + "): " + out[i] + " against " + want)
                    .isEqualTo(Double.doubleToLongBits(want));
        }
    }
}

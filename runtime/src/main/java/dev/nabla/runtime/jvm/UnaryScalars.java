package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.runtime.jvm.math.DoubleMath;
import dev.nabla.runtime.jvm.math.FloatMath;

/**
 * One element of a unary function as every JVM path computes it: the transcendental functions by
 * {@link FloatMath} and {@link DoubleMath} (which the vector code matches bit for bit), the rest by
 * their exact definition ({@link UnaryFn#apply}, exactly rounded for NEG, ABS, SQRT, SIGN, RELU).
 * Free of the Vector API, for {@link PlainFloatLanes} and {@link PlainDoubleLanes}.
 */
final class UnaryScalars {
    private UnaryScalars() {}

    static float apply(UnaryFn fn, float x) {
        return switch (fn) {
            case EXP -> FloatMath.exp(x);
            case LOG -> FloatMath.log(x);
            case LOG1P -> FloatMath.log1p(x);
            case EXPM1 -> FloatMath.expm1(x);
            case SIN -> FloatMath.sin(x);
            case COS -> FloatMath.cos(x);
            case TAN -> FloatMath.tan(x);
            case TANH -> FloatMath.tanh(x);
            case SIGMOID -> FloatMath.sigmoid(x);
            case SOFTPLUS -> FloatMath.softplus(x);
            case RSQRT -> FloatMath.rsqrt(x);
            default -> (float) fn.apply(x);
        };
    }

    static double apply(UnaryFn fn, double x) {
        return switch (fn) {
            case EXP -> DoubleMath.exp(x);
            case LOG -> DoubleMath.log(x);
            case LOG1P -> DoubleMath.log1p(x);
            case EXPM1 -> DoubleMath.expm1(x);
            case SIN -> DoubleMath.sin(x);
            case COS -> DoubleMath.cos(x);
            case TAN -> DoubleMath.tan(x);
            case TANH -> DoubleMath.tanh(x);
            case SIGMOID -> DoubleMath.sigmoid(x);
            case SOFTPLUS -> DoubleMath.softplus(x);
            case RSQRT -> DoubleMath.rsqrt(x);
            default -> fn.apply(x);
        };
    }
}

package dev.nabla.compiler.ir;

import dev.nabla.core.DType;

/**
 * The scalar definitions of the functions Math lacks, shared by {@link UnaryFn} and by code that
 * backends generate, so that every backend computes them alike.
 */
public final class ScalarMath {
    private ScalarMath() {}

    public static double sign(double x) {
        return Double.isNaN(x) ? x : Math.signum(x) + 0.0;
    }

    public static double rsqrt(double x) {
        return 1.0 / Math.sqrt(x);
    }

    /** Both branches avoid overflow in exp. */
    public static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    public static double relu(double x) {
        return x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
    }

    /** log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|). */
    public static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    public static double select(double cond, double a, double b) {
        return cond != 0 ? a : b;
    }

    public static double lt(double a, double b) {
        return a < b ? 1 : 0;
    }

    public static double le(double a, double b) {
        return a <= b ? 1 : 0;
    }

    public static double gt(double a, double b) {
        return a > b ? 1 : 0;
    }

    public static double ge(double a, double b) {
        return a >= b ? 1 : 0;
    }

    public static double eq(double a, double b) {
        return a == b ? 1 : 0;
    }

    /** Rounds to the dtype, as every stored result is rounded. */
    public static double round(double v, int dtypeOrdinal) {
        return DType.values()[dtypeOrdinal].round(v);
    }
}

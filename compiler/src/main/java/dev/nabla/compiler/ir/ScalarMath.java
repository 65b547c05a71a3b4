package dev.nabla.compiler.ir;

import dev.nabla.core.DType;

/**
 * The scalar definitions of the functions Math lacks, shared by {@link UnaryFn} and by code that
 * backends generate, so that every backend computes them alike.
 */
public final class ScalarMath {
    private ScalarMath() {}

    /**
     * a^b, Nabla's definition for the interpreter and every JVM path: a whole exponent from 2 to
     * 8 by repeated squaring (at most 4 products: a relative error below 2^-50 in f64, each
     * squaring doubling the error before it; in f32, computed in double and then rounded, the
     * float Math.pow gives but for rare double roundings), any other by {@link Math#pow}, which
     * costs several times more. JAX's integer_pow multiplies likewise. The special values are
     * pow's: NaN stays NaN, signed zeros and infinities keep pow's signs, and a product that
     * overflows is infinite, as pow is.
     */
    public static double pow(double a, double b) {
        if (b >= 2 && b <= 8 && b == (int) b) {
            int k = (int) b;
            double result = (k & 1) != 0 ? a : 1.0;
            double square = a;
            for (k >>= 1; k != 0; k >>= 1) {
                square *= square;
                if ((k & 1) != 0) {
                    result *= square;
                }
            }
            return result;
        }
        return Math.pow(a, b);
    }

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

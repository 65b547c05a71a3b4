package dev.nabla.runtime.tornadovm;

/**
 * Scalar functions every generated kernel class carries, in float and double: the ones OpenCL
 * lacks (log1p and expm1 through Kahan's formulas, accurate near zero), and the ones whose Java
 * meaning differs from OpenCL's built-ins (pow with a NaN exponent, minimum and maximum that
 * propagate NaN and order -0 below +0, as torch.minimum/maximum do). Their names keep clear of
 * OpenCL built-ins: a kernel helper named like one (fma, min) breaks the OpenCL compiler. They
 * test for infinity as {@code u > MAX_VALUE}, never against an infinite constant: TornadoVM prints
 * a double infinity as a float literal, and OpenCL then rejects isequal(double, float).
 */
final class Helpers {
    private Helpers() {}

    private static final String TEMPLATE = """
                static T nablaLog1pX(T x) {
                    T u = 1 + x;
                    if (u == 1) {
                        return x;
                    }
                    if (u > BOX.MAX_VALUE) {
                        return u;
                    }
                    return TornadoMath.log(u) * (x / (u - 1));
                }

                static T nablaExpm1X(T x) {
                    T u = TornadoMath.exp(x);
                    if (u == 1) {
                        return x;
                    }
                    if (u - 1 == -1) {
                        return -1;
                    }
                    if (u > BOX.MAX_VALUE) {
                        return u;
                    }
                    return (u - 1) * (x / TornadoMath.log(u));
                }

                static T nablaSigmoidX(T x) {
                    if (x >= 0) {
                        return 1 / (1 + TornadoMath.exp(-x));
                    }
                    T e = TornadoMath.exp(x);
                    return e / (1 + e);
                }

                static T nablaSoftplusX(T x) {
                    T m = x > 0 ? x : 0;
                    return m + nablaLog1pX(TornadoMath.exp(-TornadoMath.abs(x)));
                }

                static T nablaPowX(T x, T y) {
                    if (y != y) {
                        return y;
                    }
                    return TornadoMath.pow(x, y);
                }

            """;

    /** Exact in either type: compare and pick. */
    private static final String MINMAX = """
                static T nablaMinimumX(T a, T b) {
                    if (a != a || b != b) {
                        return a + b;
                    }
                    if (a == b) {
                        return 1 / a < 0 ? a : b;
                    }
                    return a < b ? a : b;
                }

                static T nablaMaximumX(T a, T b) {
                    if (a != a || b != b) {
                        return a + b;
                    }
                    if (a == b) {
                        return 1 / a > 0 ? a : b;
                    }
                    return a > b ? a : b;
                }            """;

    /** Float versions of the math helpers: computed in double, rounded once. */
    private static final String FLOAT_MATH = """
                static float nablaLog1pF(float x) {
                    return (float) nablaLog1pD((double) x);
                }

                static float nablaExpm1F(float x) {
                    return (float) nablaExpm1D((double) x);
                }

                static float nablaSigmoidF(float x) {
                    return (float) nablaSigmoidD((double) x);
                }

                static float nablaSoftplusF(float x) {
                    return (float) nablaSoftplusD((double) x);
                }

                static float nablaPowF(float x, float y) {
                    return (float) nablaPowD((double) x, (double) y);
                }

            """;

    /** The helpers in float (names ending in F) and in double (ending in D). */
    static final String SOURCE = TEMPLATE.replace("T ", "double ").replace("BOX", "Double").replace("X(", "D(")
            + FLOAT_MATH
            + MINMAX.replace("T ", "float ").replace("X(", "F(")
            + MINMAX.replace("T ", "double ").replace("X(", "D(");
}

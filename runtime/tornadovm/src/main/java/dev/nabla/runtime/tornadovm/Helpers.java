package dev.nabla.runtime.tornadovm;

/**
 * Scalar functions every generated kernel class carries, in float and double: the ones OpenCL
 * lacks (log1p and expm1 through Kahan's formulas, accurate near zero), and the ones whose Java
 * meaning differs from OpenCL's built-ins (pow with a NaN exponent, minimum and maximum that
 * propagate NaN and order -0 below +0, as torch.minimum/maximum do). Their names keep clear of
 * OpenCL built-ins: a kernel helper named like one (fma, min) breaks the OpenCL compiler.
 */
final class Helpers {
    private Helpers() {}

    private static final String TEMPLATE = """
                static T nablaLog1pX(T x) {
                    T u = 1 + x;
                    if (u == 1) {
                        return x;
                    }
                    if (u == BOX.POSITIVE_INFINITY) {
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
                    if (u == BOX.POSITIVE_INFINITY) {
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
                }

            """;

    /** The helpers in float (names ending in F) and in double (ending in D). */
    static final String SOURCE = TEMPLATE.replace("T ", "float ").replace("BOX", "Float").replace("X(", "F(")
            + TEMPLATE.replace("T ", "double ").replace("BOX", "Double").replace("X(", "D(");
}

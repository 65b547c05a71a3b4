package dev.nabla.runtime.jvm.math;

/**
 * {@link FloatMath} for float64: the same algorithms with double constants and longer
 * polynomials, the same bits in every JIT tier, and {@link DoubleVectorMath} computes every lane
 * with the same operations in the same order. Change the two together.
 *
 * <p>Accuracy: within 2 ulps of StrictMath (DoubleMathAccuracyTest), special values as Math. tan is
 * sin/cos as a division of two double-length values (a tan polynomial converges too slowly near
 * π/4 for double).
 */
public final class DoubleMath {
    private DoubleMath() {}

    /** Adding 1.5·2^52 rounds |v| < 2^51 to an integer, which the low mantissa bits then hold. */
    static final double SHIFT = 0x1.8p52;
    static final long SHIFT_BITS = 0x4338000000000000L; // literals: see FloatMath.SHIFT_BITS

    static final double LOG2E = 0x1.71547652b82fep0;
    static final double LN2_HI = 0x1.62e42fefa39efp-1;
    static final double LN2_LO = 0x1.abc9e3b39803fp-56;

    /** The largest x whose e^x is finite (709.78); below -746, e^x rounds to 0. */
    static final double EXP_MAX = 0x1.62e42fefa39efp9;
    static final double EXP_MIN = -746;
    /** Below this, e^x - 1 rounds to -1 (it does from -37.5 on). */
    static final double EXPM1_MIN = -64;

    /** e^r = 1 + r + r²/2 + r³·(E0 + ... + E8·r⁸) for |r| ≤ ln2/2 (fit error 2^-50.6). */
    static final double E0 = 0x1.5555555555556p-3;
    static final double E1 = 0x1.5555555554cb8p-5;
    static final double E2 = 0x1.11111111104fep-7;
    static final double E3 = 0x1.6c16c1738ef4ep-10;
    static final double E4 = 0x1.a01a01aad3e51p-13;
    static final double E5 = 0x1.a019c9aa829ebp-16;
    static final double E6 = 0x1.71de037ce155fp-19;
    static final double E7 = 0x1.288039e697a60p-22;
    static final double E8 = 0x1.af4ddfba39f04p-26;

    /** The bits of 0x1.6a09e667f3bcdp-1, √½ rounded down. */
    static final long SQRT_HALF_BITS = 0x3fe6a09e667f3bcdL;
    static final long MANTISSA = 0x000fffffffffffffL;
    /** ln2 for log: 42 bits, so e·LOG_LN2_HI is exact for every exponent e. */
    static final double LOG_LN2_HI = 0x1.62e42fefa38p-1;
    static final double LOG_LN2_LO = 0x1.ef35793c7673p-45;
    /** 2·atanh(s) = 2s + s·z·(L0 + ... + L6·z⁶), z = s² ≤ 0.0294 (fit error 2^-51.5). */
    static final double L0 = 0x1.5555555555558p-1;
    static final double L1 = 0x1.999999999522ep-2;
    static final double L2 = 0x1.2492492e02b3fp-2;
    static final double L3 = 0x1.c71c62d1c37a1p-3;
    static final double L4 = 0x1.7462b9b8e3c85p-3;
    static final double L5 = 0x1.39fdc7bb89306p-3;
    static final double L6 = 0x1.2b5f0c00cef86p-3;

    static final double TWO_OVER_PI = 0x1.45f306dc9c883p-1;
    static final double PIO2_1 = 0x1.921fb54442d18p0;
    static final double PIO2_2 = 0x1.1a62633145c07p-54;
    static final double PIO2_3 = -0x1.f1976b7ed8fbcp-110;
    /** Beyond this |x|, sin, cos and tan take StrictMath's value (as FloatMath.TRIG_MAX). */
    static final double TRIG_MAX = 0x1p30;
    /** sin r = r + r·z·(S0 + ... + S5·z⁵), z = r² ≤ (π/4)² (fit error 2^-55.4). */
    static final double S0 = -0x1.5555555555555p-3;
    static final double S1 = 0x1.1111111110bb3p-7;
    static final double S2 = -0x1.a01a019e83deep-13;
    static final double S3 = 0x1.71de3796c4613p-19;
    static final double S4 = -0x1.ae600b381b776p-26;
    static final double S5 = 0x1.5e0b2b14aa7cep-33;
    /** cos r = 1 - z/2 + z²·(C0 + ... + C5·z⁵) (fit error 2^-59.4). */
    static final double C0 = 0x1.5555555555555p-5;
    static final double C1 = -0x1.6c16c16c16967p-10;
    static final double C2 = 0x1.a01a019f4ec6fp-16;
    static final double C3 = -0x1.27e4fa17f3ad0p-22;
    static final double C4 = 0x1.1eeb6900aaf33p-29;
    static final double C5 = -0x1.907db266152f0p-37;

    /** Below this |x|, tanh x = x + x·z·(H0 + ... + H10·z¹⁰), z = x² (fit error 2^-56.9). */
    static final double TANH_SMALL = 0.55;
    static final double H0 = -0x1.5555555555555p-2;
    static final double H1 = 0x1.111111111103cp-3;
    static final double H2 = -0x1.ba1ba1b9ffdcep-5;
    static final double H3 = 0x1.664f48776e7e7p-6;
    static final double H4 = -0x1.226e32ff5952dp-7;
    static final double H5 = 0x1.d6d33c256f363p-9;
    static final double H6 = -0x1.7d97fc086d905p-10;
    static final double H7 = 0x1.34c7436f01099p-11;
    static final double H8 = -0x1.ec2295ff021efp-13;
    static final double H9 = 0x1.65358d0f706c1p-14;
    static final double H10 = -0x1.5a3c3d27669f2p-16;

    static final long SIGN = 0x8000000000000000L;

    public static double exp(double x) {
        double t = Math.fma(x, LOG2E, SHIFT);
        double k = t - SHIFT;
        double r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        double y = Math.fma(r * r, Math.fma(expTail(r), r, 0.5), r) + 1;
        long n = Double.doubleToRawLongBits(t) - SHIFT_BITS;
        long half = n >> 1;
        y = y * pow2(half) * pow2(n - half);
        y = x > EXP_MAX ? Double.POSITIVE_INFINITY : y;
        return x < EXP_MIN ? 0 : y;
    }

    /** As FloatMath.expm1: the large terms summed with their rounding errors kept. */
    public static double expm1(double x) {
        double t = Math.fma(x, LOG2E, SHIFT);
        double k = t - SHIFT;
        double rh = Math.fma(k, -LN2_HI, x);
        double c = k * -LN2_LO;
        double r = rh + c;
        double z = rh * rh;
        double small = Math.fma(rh, c, c) + Math.fma(0.5, Math.fma(rh, rh, -z), r * (r * r) * expTail(r));
        double s = pow2(Double.doubleToRawLongBits(t) - SHIFT_BITS - 1);
        double b = s - 0.5;
        double a1 = Math.fma(s, rh, b);
        double e1 = s * rh - (a1 - b) + ((s - b) - 0.5);
        double h = s * (0.5 * z);
        double a2 = a1 + h;
        double e2 = h - (a2 - a1);
        double y = 2 * (a2 + Math.fma(s, small, e1 + e2));
        y = x > EXP_MAX ? Double.POSITIVE_INFINITY : y;
        y = x < EXPM1_MIN ? -1 : y;
        return Math.abs(x) < 0x1p-54 ? x : y;
    }

    static double expTail(double r) {
        double p = Math.fma(Math.fma(Math.fma(Math.fma(E8, r, E7), r, E6), r, E5), r, E4);
        return Math.fma(Math.fma(Math.fma(Math.fma(p, r, E3), r, E2), r, E1), r, E0);
    }

    static double pow2(long k) {
        return Double.longBitsToDouble((k + 1023) << 52);
    }

    public static double log(double x) {
        boolean subnormal = x < 0x1p-1022;
        double y = logScaled(subnormal ? x * 0x1p52 : x, subnormal ? -52 : 0, 0);
        y = x == Double.POSITIVE_INFINITY ? x : y;
        y = x == 0 ? Double.NEGATIVE_INFINITY : y;
        return x >= 0 ? y : Double.NaN;
    }

    public static double log1p(double x) {
        double u = 1 + x;
        double c = (x - (u - 1)) / u;
        double y = logScaled(u, 0, c);
        y = x == Double.POSITIVE_INFINITY ? x : y;
        y = x == -1 ? Double.NEGATIVE_INFINITY : y;
        y = x == 0 ? x : y;
        return x >= -1 ? y : Double.NaN;
    }

    /** As FloatMath.logScaled. */
    static double logScaled(double u, double e0, double c) {
        long bits = Double.doubleToRawLongBits(u) - SQRT_HALF_BITS;
        double f = Double.longBitsToDouble((bits & MANTISSA) + SQRT_HALF_BITS) - 1;
        double e = Double.longBitsToDouble((bits >> 52) + SHIFT_BITS) - SHIFT + e0;
        double s = f / (2 + f);
        double z = s * s;
        double p = Math.fma(Math.fma(Math.fma(L6, z, L5), z, L4), z, L3);
        double r = z * Math.fma(Math.fma(Math.fma(p, z, L2), z, L1), z, L0);
        double hfsq = 0.5 * f * f;
        double t = Math.fma(-s, hfsq + r, hfsq);
        double a = e * LOG_LN2_HI;
        double hi = a + f;
        double lo = f - (hi - a);
        return hi + (lo + (Math.fma(e, LOG_LN2_LO, c) - t));
    }

    public static double sin(double x) {
        double t = Math.fma(x, TWO_OVER_PI, SHIFT);
        double r = reduce(x, t - SHIFT);
        double z = r * r;
        long n = Double.doubleToRawLongBits(t);
        double y = (n & 1) == 0 ? Math.fma(r * z, sinTail(z), r) : cosReduced(r, z);
        y = Double.longBitsToDouble(Double.doubleToRawLongBits(y) ^ ((n & 2) << 62));
        y = x == 0 ? x : y;
        return Math.abs(x) > TRIG_MAX ? StrictMath.sin(x) : y;
    }

    public static double cos(double x) {
        double t = Math.fma(x, TWO_OVER_PI, SHIFT);
        double r = reduce(x, t - SHIFT);
        double z = r * r;
        long n = Double.doubleToRawLongBits(t) + 1;
        double y = (n & 1) == 0 ? Math.fma(r * z, sinTail(z), r) : cosReduced(r, z);
        y = Double.longBitsToDouble(Double.doubleToRawLongBits(y) ^ ((n & 2) << 62));
        return Math.abs(x) > TRIG_MAX ? StrictMath.cos(x) : y;
    }

    /** sin/cos (or -cos/sin one quadrant on), each as a double-length value, divided once. */
    public static double tan(double x) {
        double t = Math.fma(x, TWO_OVER_PI, SHIFT);
        double q = t - SHIFT;
        double r1 = Math.fma(q, -PIO2_1, x);
        double ph = q * -PIO2_2;
        double pl = Math.fma(q, -PIO2_2, -ph);
        double rh = r1 + ph;
        double bb = rh - r1;
        double rl = Math.fma(q, -PIO2_3, (r1 - (rh - bb)) + (ph - bb) + pl);
        double z = rh * rh;
        // sin(rh + rl) = rh + sl, cos(rh + rl) = w + cl.
        double sl = Math.fma(rh * z, sinTail(z), rl);
        double w = Math.fma(-0.5, z, 1);
        double lo = Math.fma(-0.5, Math.fma(rh, rh, -z), (1 - w) - 0.5 * z);
        double cl = Math.fma(-rh, rl, Math.fma(z * z, cosTail(z), lo));
        boolean odd = (Double.doubleToRawLongBits(t) & 1) != 0;
        double nh = odd ? -w : rh;
        double nl = odd ? -cl : sl;
        double dh = odd ? rh : w;
        double dl = odd ? sl : cl;
        // Renormalize each to a double and its exact remainder, then divide with one correction.
        double n = nh + nl;
        double d = dh + dl;
        double y = n / d;
        double e = Math.fma(-y, d, n) + (((nh - n) + nl) - y * ((dh - d) + dl));
        y = y + e / d;
        y = x == 0 ? x : y;
        return Math.abs(x) > TRIG_MAX ? StrictMath.tan(x) : y;
    }

    static double reduce(double x, double q) {
        double r = Math.fma(q, -PIO2_1, x);
        r = Math.fma(q, -PIO2_2, r);
        return Math.fma(q, -PIO2_3, r);
    }

    static double sinTail(double z) {
        return Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(S5, z, S4), z, S3), z, S2), z, S1), z, S0);
    }

    static double cosTail(double z) {
        return Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(C5, z, C4), z, C3), z, C2), z, C1), z, C0);
    }

    /** As FloatMath.cosReduced: the rounding errors of z and of 1 - z/2 added back. */
    static double cosReduced(double r, double z) {
        double w = Math.fma(-0.5, z, 1);
        double lo = Math.fma(-0.5, Math.fma(r, r, -z), (1 - w) - 0.5 * z);
        return w + Math.fma(z * z, cosTail(z), lo);
    }

    public static double tanh(double x) {
        double a = Math.abs(x);
        double z = x * x;
        double p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(H10, z, H9), z, H8), z, H7), z, H6), z, H5);
        p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(p, z, H4), z, H3), z, H2), z, H1), z, H0);
        double small = Math.fma(x * z, p, x);
        double large = 1 - 2 / (exp(2 * a) + 1);
        large = Double.longBitsToDouble(Double.doubleToRawLongBits(large) | (Double.doubleToRawLongBits(x) & SIGN));
        small = x == 0 ? x : small;
        return a < TANH_SMALL ? small : large;
    }

    public static double sigmoid(double x) {
        double t = exp(-Math.abs(x));
        return (x >= 0 ? 1 : t) / (1 + t);
    }

    public static double softplus(double x) {
        return Math.max(x, 0) + log1p(exp(-Math.abs(x)));
    }

    public static double rsqrt(double x) {
        return 1 / Math.sqrt(x);
    }
}

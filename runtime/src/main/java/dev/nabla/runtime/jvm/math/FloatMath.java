package dev.nabla.runtime.jvm.math;

/**
 * float32 transcendental functions that give the same bits in every JIT tier: each is a fixed
 * sequence of exactly rounded IEEE operations (+, -, *, /, fma, comparisons, bit moves), so the
 * interpreter, C1 and C2 cannot disagree. {@link FloatVectorMath} computes every lane with the
 * same operations in the same order, so an element gets the same bits whether it falls in a
 * vector body or in a scalar tail. Change both together.
 *
 * <p>Accuracy: within 1 ulp of {@code (float) Math.f((double) x)} (FloatMathAccuracyTest), and the
 * special values of Math: NaN, infinities, signed zeros, overflow, subnormal results.
 *
 * <p>The shapes are the classic ones: exp and expm1 reduce x = k·ln2 + r (ln2 in two parts, as
 * Cody and Waite do) and scale a polynomial in r by 2^k through the exponent bits; log takes the
 * exponent apart from a mantissa in [√½, √2) and sums the series of 2·atanh(f/(2+f)); sin, cos and
 * tan reduce by multiples of π/2 (π/2 in three parts) to [-π/4, π/4]; tanh is an odd polynomial
 * near 0 and 1 - 2/(e^2|x| + 1) elsewhere. The polynomials are minimax fits (Remez exchange,
 * absolute error of the named remainder on the named interval), rounded to float.
 */
public final class FloatMath {
    private FloatMath() {}

    /** Adding 1.5·2^23 rounds |v| < 2^22 to an integer, which the low mantissa bits then hold. */
    static final float SHIFT = 0x1.8p23f;
    // Bit patterns as literals, so that javac copies them into the code that uses them (which
    // VectorMathInliner copies in turn, into classes that cannot read this one's fields).
    static final int SHIFT_BITS = 0x4b400000;

    static final float LOG2E = 0x1.715476p0f;
    static final float LN2_HI = 0x1.62e430p-1f;
    static final float LN2_LO = -0x1.05c610p-29f;

    /** The largest x whose e^x is finite in float (88.72283); and below -104 e^x rounds to 0. */
    static final float EXP_MAX = 0x1.62e42ep6f;
    static final float EXP_MIN = -104f;
    /** Below this, e^x - 1 rounds to -1 (it does from -17.4 on); 2^(k-1) stays normal above it. */
    static final float EXPM1_MIN = -64f;

    /** e^r = 1 + r + r²/2 + r³·(E0 + E1·r + E2·r² + E3·r³) for |r| ≤ ln2/2 (fit error 2^-21.4). */
    static final float E0 = 0x1.555526p-3f;
    static final float E1 = 0x1.5554f6p-5f;
    static final float E2 = 0x1.11d94cp-7f;
    static final float E3 = 0x1.6d431ep-10f;
    /** The same for e^r - 1, one degree more: its result near 0.4 is no larger than its terms. */
    static final float M0 = 0x1.555556p-3f;
    static final float M1 = 0x1.55551ap-5f;
    static final float M2 = 0x1.1110ccp-7f;
    static final float M3 = 0x1.6d1100p-10f;
    static final float M4 = 0x1.a15170p-13f;

    static final int SQRT_HALF_BITS = 0x3f3504f3;
    /** ln2 for log: 15 bits, so e·LOG_LN2_HI is exact for every exponent e. */
    static final float LOG_LN2_HI = 0x1.62e4p-1f;
    static final float LOG_LN2_LO = 0x1.7f7d1cp-20f;
    /** 2·atanh(s) = 2s + s·z·(L0 + L1·z + L2·z²), z = s² ≤ 0.0294 (fit error 2^-22.4). */
    static final float L0 = 0x1.55555cp-1f;
    static final float L1 = 0x1.997c06p-2f;
    static final float L2 = 0x1.2eeb90p-2f;

    static final float TWO_OVER_PI = 0x1.45f306p-1f;
    static final float PIO2_1 = 0x1.921fb6p0f;
    static final float PIO2_2 = -0x1.777a5cp-25f;
    static final float PIO2_3 = -0x1.ee59dap-50f;
    /**
     * Beyond this |x| the three-part reduction loses accuracy, and sin, cos and tan take
     * StrictMath's value of the float instead (StrictMath is plain Java: the same in every tier).
     */
    static final float TRIG_MAX = 0x1p17f;
    /** sin r = r + r·z·(S0 + S1·z + S2·z²), z = r² ≤ (π/4)² (fit error 2^-25.6). */
    static final float S0 = -0x1.555552p-3f;
    static final float S1 = 0x1.110c2ap-7f;
    static final float S2 = -0x1.9aca4ep-13f;
    /** cos r = 1 - z/2 + z²·(C0 + C1·z + C2·z²) (fit error 2^-28.9). */
    static final float C0 = 0x1.555554p-5f;
    static final float C1 = -0x1.6c12d4p-10f;
    static final float C2 = 0x1.9bd906p-16f;
    /** tan r = r + r·z·(T0 + ... + T6·z⁶) (fit error 2^-27). */
    static final float T0 = 0x1.555556p-2f;
    static final float T1 = 0x1.111078p-3f;
    static final float T2 = 0x1.ba577ep-5f;
    static final float T3 = 0x1.61f97ep-6f;
    static final float T4 = 0x1.481c42p-7f;
    static final float T5 = 0x1.23649ap-10f;
    static final float T6 = 0x1.fcf7a6p-9f;

    /** Below this |x|, tanh x = x + x·z·(H0 + ... + H5·z⁵), z = x² (fit error 2^-27.5). */
    static final float TANH_SMALL = 0.7f;
    static final float H0 = -0x1.555554p-2f;
    static final float H1 = 0x1.1110a8p-3f;
    static final float H2 = -0x1.b9f32ap-5f;
    static final float H3 = 0x1.636eb6p-6f;
    static final float H4 = -0x1.0a343ap-7f;
    static final float H5 = 0x1.0f3312p-9f;

    static final int SIGN = 0x80000000;

    public static float exp(float x) {
        float t = Math.fma(x, LOG2E, SHIFT);
        float k = t - SHIFT;
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float y = Math.fma(r * r, Math.fma(expTail(r), r, 0.5f), r) + 1f;
        // 2^k in two factors, each a normal number for every k the range needs (-150 to 128);
        // the second product rounds once into the subnormals.
        int n = Float.floatToRawIntBits(t) - SHIFT_BITS;
        int half = n >> 1;
        y = y * pow2(half) * pow2(n - half);
        y = x > EXP_MAX ? Float.POSITIVE_INFINITY : y;
        return x < EXP_MIN ? 0f : y;
    }

    public static float expm1(float x) {
        float t = Math.fma(x, LOG2E, SHIFT);
        float k = t - SHIFT;
        // r = rh + c: rh is exact (x and k·ln2hi are within 24 bits of each other), c tiny.
        float rh = Math.fma(k, -LN2_HI, x);
        float c = k * -LN2_LO;
        float r = rh + c;
        float z = rh * rh;
        // e^x - 1 = 2^k·(1 + r + r²/2 + r³·p) - 1 = 2·(b + s·rh + s·z/2 + s·small), s = 2^(k-1),
        // b = s - 1/2 (s is finite at k = 128). The three large terms are summed with their
        // rounding errors kept (each sum's first term is the larger), so only the end rounds.
        float small = Math.fma(rh, c, c) + Math.fma(0.5f, Math.fma(rh, rh, -z), r * (r * r) * expm1Tail(r));
        float s = pow2(Float.floatToRawIntBits(t) - SHIFT_BITS - 1);
        float b = s - 0.5f;
        float a1 = Math.fma(s, rh, b);
        float e1 = s * rh - (a1 - b) + ((s - b) - 0.5f);
        float h = s * (0.5f * z);
        float a2 = a1 + h;
        float e2 = h - (a2 - a1);
        float y = 2f * (a2 + Math.fma(s, small, e1 + e2));
        y = x > EXP_MAX ? Float.POSITIVE_INFINITY : y;
        y = x < EXPM1_MIN ? -1f : y;
        // e^x - 1 rounds to x here; this also keeps -0 and the subnormals that halving would round.
        return Math.abs(x) < 0x1p-24f ? x : y;
    }

    /** p with e^r = 1 + r + r²/2 + r³·p(r) for |r| ≤ ln2/2, for exp and for expm1. */
    static float expTail(float r) {
        return Math.fma(Math.fma(Math.fma(E3, r, E2), r, E1), r, E0);
    }

    static float expm1Tail(float r) {
        return Math.fma(Math.fma(Math.fma(Math.fma(M4, r, M3), r, M2), r, M1), r, M0);
    }

    static float pow2(int k) {
        return Float.intBitsToFloat((k + 127) << 23);
    }

    public static float log(float x) {
        // A subnormal x is scaled into the normals by 2^23 (exactly) and 23 taken off its exponent.
        boolean subnormal = x < 0x1p-126f;
        float y = logScaled(subnormal ? x * 0x1p23f : x, subnormal ? -23f : 0f, 0f);
        y = x == Float.POSITIVE_INFINITY ? x : y;
        y = x == 0f ? Float.NEGATIVE_INFINITY : y;
        return x >= 0f ? y : Float.NaN;
    }

    public static float log1p(float x) {
        float u = 1f + x;
        // log(1 + x) = log(u) + log(1 + c) with c = (1 + x - u)/u, the part of x that rounding to
        // u lost (u - 1 is exact), and log(1 + c) = c to float precision.
        float c = (x - (u - 1f)) / u;
        float y = logScaled(u, 0f, c);
        y = x == Float.POSITIVE_INFINITY ? x : y;
        y = x == -1f ? Float.NEGATIVE_INFINITY : y;
        y = x == 0f ? x : y;
        return x >= -1f ? y : Float.NaN;
    }

    /**
     * log(u) + e0·ln2 + c for a positive normal finite u: with u = 2^e·(1 + f), log(1 + f) =
     * f - t, t = f²/2 - s·(f²/2 + R), s = f/(2 + f). e·ln2hi + f is summed with its rounding error
     * kept (e·ln2hi is exact, and the larger term or zero), so only the last addition rounds.
     */
    static float logScaled(float u, float e0, float c) {
        int bits = Float.floatToRawIntBits(u) - SQRT_HALF_BITS;
        float f = Float.intBitsToFloat((bits & 0x007fffff) + SQRT_HALF_BITS) - 1f;
        float e = Float.intBitsToFloat((bits >> 23) + SHIFT_BITS) - SHIFT + e0;
        float s = f / (2f + f);
        float z = s * s;
        float r = z * Math.fma(Math.fma(L2, z, L1), z, L0);
        float hfsq = 0.5f * f * f;
        float t = Math.fma(-s, hfsq + r, hfsq);
        float a = e * LOG_LN2_HI;
        float hi = a + f;
        float lo = f - (hi - a);
        return hi + (lo + (Math.fma(e, LOG_LN2_LO, c) - t));
    }

    public static float sin(float x) {
        float t = Math.fma(x, TWO_OVER_PI, SHIFT);
        float r = reduce(x, t - SHIFT);
        float z = r * r;
        int n = Float.floatToRawIntBits(t);
        float y = (n & 1) == 0 ? sinReduced(r, z) : cosReduced(r, z);
        y = Float.intBitsToFloat(Float.floatToRawIntBits(y) ^ ((n & 2) << 30));
        y = x == 0f ? x : y;
        return Math.abs(x) > TRIG_MAX ? (float) StrictMath.sin(x) : y;
    }

    public static float cos(float x) {
        float t = Math.fma(x, TWO_OVER_PI, SHIFT);
        float r = reduce(x, t - SHIFT);
        float z = r * r;
        // cos x = sin(x + π/2): one quadrant on.
        int n = Float.floatToRawIntBits(t) + 1;
        float y = (n & 1) == 0 ? sinReduced(r, z) : cosReduced(r, z);
        y = Float.intBitsToFloat(Float.floatToRawIntBits(y) ^ ((n & 2) << 30));
        return Math.abs(x) > TRIG_MAX ? (float) StrictMath.cos(x) : y;
    }

    public static float tan(float x) {
        float t = Math.fma(x, TWO_OVER_PI, SHIFT);
        float q = t - SHIFT;
        // The reduced argument as rh + rl (r1 exact, r1 + ph summed with its error kept): an
        // error in r comes out doubled near ±π/4.
        float r1 = Math.fma(q, -PIO2_1, x);
        float ph = q * -PIO2_2;
        float pl = Math.fma(q, -PIO2_2, -ph);
        float rh = r1 + ph;
        float bb = rh - r1;
        float rl = Math.fma(q, -PIO2_3, (r1 - (rh - bb)) + (ph - bb) + pl);
        float z = rh * rh;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(T6, z, T5), z, T4), z, T3), z, T2), z, T1), z, T0);
        // tan(rh + rl) = th + tl, with tan' = 1 + tan² ≈ 1 + z for the rl term.
        float pz = rh * z * p;
        float th = rh + pz;
        float tl = Math.fma(rl, 1f + z, (rh - th) + pz);
        // tan(r + π/2) = -1/tan r: with th + tl renormalized to s + sl (tl is not small next to
        // th where r is tiny), d = -1/s, corrected by e = 1 + d·(s + sl) to d·(1 + e).
        float s = th + tl;
        float sl = tl - (s - th);
        float d = -1f / s;
        float e = Math.fma(d, sl, Math.fma(d, s, 1f));
        float y = (Float.floatToRawIntBits(t) & 1) == 0 ? s : Math.fma(d, e, d);
        y = x == 0f ? x : y;
        return Math.abs(x) > TRIG_MAX ? (float) StrictMath.tan(x) : y;
    }

    /** x - q·π/2: the first product is exact, so only the small parts round. */
    static float reduce(float x, float q) {
        float r = Math.fma(q, -PIO2_1, x);
        r = Math.fma(q, -PIO2_2, r);
        return Math.fma(q, -PIO2_3, r);
    }

    static float sinReduced(float r, float z) {
        return Math.fma(r * z, Math.fma(Math.fma(S2, z, S1), z, S0), r);
    }

    /**
     * 1 - z/2 + z²·C(z), z = r², with the rounding errors of z and of 1 - z/2 added back (both
     * are exact: fma gives the first, Sterbenz the second), so only the last addition rounds.
     */
    static float cosReduced(float r, float z) {
        float w = Math.fma(-0.5f, z, 1f);
        float lo = Math.fma(-0.5f, Math.fma(r, r, -z), (1f - w) - 0.5f * z);
        return w + Math.fma(z * z, Math.fma(Math.fma(C2, z, C1), z, C0), lo);
    }

    public static float tanh(float x) {
        float a = Math.abs(x);
        float z = x * x;
        float small = Math.fma(x * z, Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(H5, z, H4), z, H3), z, H2), z, H1), z, H0), x);
        float large = 1f - 2f / (exp(2f * a) + 1f);
        large = Float.intBitsToFloat(Float.floatToRawIntBits(large) | (Float.floatToRawIntBits(x) & SIGN));
        small = x == 0f ? x : small;
        return a < TANH_SMALL ? small : large;
    }

    /** With t = e^-|x|: 1/(1 + t) for x ≥ 0, t/(1 + t) below (neither overflows). */
    public static float sigmoid(float x) {
        float t = exp(-Math.abs(x));
        return (x >= 0f ? 1f : t) / (1f + t);
    }

    /** log(1 + e^x) = max(x, 0) + log1p(e^-|x|), which does not overflow. */
    public static float softplus(float x) {
        return Math.max(x, 0f) + log1p(exp(-Math.abs(x)));
    }

    /** 1/√x in float, as the vector code divides. */
    public static float rsqrt(float x) {
        return 1f / (float) Math.sqrt(x);
    }
}

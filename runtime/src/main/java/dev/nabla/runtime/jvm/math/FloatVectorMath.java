package dev.nabla.runtime.jvm.math;

import static dev.nabla.runtime.jvm.math.FloatMath.*;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath}'s functions over vectors of the preferred species, lane for lane the same
 * operations in the same order: a scalar {@code c ? a : b} is a blend, a bit move a view of the
 * lanes as ints. The Vector API's own EXP, LOG, SIN and the others call Intel's SVML once C2
 * compiles them and Math lane by lane before, which differ in the last bit; these use only
 * arithmetic that every tier rounds alike.
 *
 * <p>The JVM backend does not call these: {@link VectorMathInliner} copies their bytecode into its
 * generated kernels, where C2 keeps the vectors in registers (a call C2 did not inline boxes
 * every vector that crosses it). So the constants are static final vectors, and public, as is the
 * slow path for huge arguments, which the copies read and call; tests call the functions.
 */
public final class FloatVectorMath {
    private FloatVectorMath() {}

    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    // Constants as vectors, public for the copies VectorMathInliner makes.
    public static final FloatVector V_MINUS_HALF = FloatVector.broadcast(S, -0.5f);
    public static final FloatVector V_MINUS_ONE = FloatVector.broadcast(S, -1f);
    public static final FloatVector V_MINUS_23 = FloatVector.broadcast(S, -23f);
    public static final FloatVector V_NEG_LN2_HI = FloatVector.broadcast(S, -LN2_HI);
    public static final FloatVector V_NEG_LN2_LO = FloatVector.broadcast(S, -LN2_LO);
    public static final FloatVector V_NEG_PIO2_1 = FloatVector.broadcast(S, -PIO2_1);
    public static final FloatVector V_NEG_PIO2_2 = FloatVector.broadcast(S, -PIO2_2);
    public static final FloatVector V_NEG_PIO2_3 = FloatVector.broadcast(S, -PIO2_3);
    public static final FloatVector V_HALF = FloatVector.broadcast(S, 0.5f);
    public static final FloatVector V_ZERO = FloatVector.broadcast(S, 0f);
    public static final FloatVector V_ONE = FloatVector.broadcast(S, 1f);
    public static final FloatVector V_TWO = FloatVector.broadcast(S, 2f);
    public static final FloatVector V_C0 = FloatVector.broadcast(S, C0);
    public static final FloatVector V_C1 = FloatVector.broadcast(S, C1);
    public static final FloatVector V_C2 = FloatVector.broadcast(S, C2);
    public static final FloatVector V_E0 = FloatVector.broadcast(S, E0);
    public static final FloatVector V_E1 = FloatVector.broadcast(S, E1);
    public static final FloatVector V_E2 = FloatVector.broadcast(S, E2);
    public static final FloatVector V_E3 = FloatVector.broadcast(S, E3);
    public static final FloatVector V_E4 = FloatVector.broadcast(S, E4);
    public static final FloatVector V_NEG_INF = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    public static final FloatVector V_NAN = FloatVector.broadcast(S, Float.NaN);
    public static final FloatVector V_INF = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
    public static final FloatVector V_H0 = FloatVector.broadcast(S, H0);
    public static final FloatVector V_H1 = FloatVector.broadcast(S, H1);
    public static final FloatVector V_H2 = FloatVector.broadcast(S, H2);
    public static final FloatVector V_H3 = FloatVector.broadcast(S, H3);
    public static final FloatVector V_H4 = FloatVector.broadcast(S, H4);
    public static final FloatVector V_H5 = FloatVector.broadcast(S, H5);
    public static final FloatVector V_L0 = FloatVector.broadcast(S, L0);
    public static final FloatVector V_L1 = FloatVector.broadcast(S, L1);
    public static final FloatVector V_L2 = FloatVector.broadcast(S, L2);
    public static final FloatVector V_LOG_LN2_LO = FloatVector.broadcast(S, LOG_LN2_LO);
    public static final FloatVector V_LOG2E = FloatVector.broadcast(S, LOG2E);
    public static final FloatVector V_S0 = FloatVector.broadcast(S, S0);
    public static final FloatVector V_S1 = FloatVector.broadcast(S, S1);
    public static final FloatVector V_S2 = FloatVector.broadcast(S, S2);
    public static final FloatVector V_SHIFT = FloatVector.broadcast(S, SHIFT);
    public static final FloatVector V_T0 = FloatVector.broadcast(S, T0);
    public static final FloatVector V_T1 = FloatVector.broadcast(S, T1);
    public static final FloatVector V_T2 = FloatVector.broadcast(S, T2);
    public static final FloatVector V_T3 = FloatVector.broadcast(S, T3);
    public static final FloatVector V_T4 = FloatVector.broadcast(S, T4);
    public static final FloatVector V_T5 = FloatVector.broadcast(S, T5);
    public static final FloatVector V_T6 = FloatVector.broadcast(S, T6);
    public static final FloatVector V_TWO_OVER_PI = FloatVector.broadcast(S, TWO_OVER_PI);

    public static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(V_LOG2E, V_SHIFT);
        FloatVector k = t.sub(SHIFT);
        FloatVector r = k.fma(V_NEG_LN2_HI, x);
        r = k.fma(V_NEG_LN2_LO, r);
        FloatVector y = r.mul(r).fma(expTail(r).fma(r, V_HALF), r).add(1f);
        IntVector n = t.viewAsIntegralLanes().sub(SHIFT_BITS);
        IntVector half = n.lanewise(VectorOperators.ASHR, 1);
        y = y.mul(pow2(half)).mul(pow2(n.sub(half)));
        y = y.blend(V_INF, x.compare(VectorOperators.GT, EXP_MAX));
        return y.blend(V_ZERO, x.compare(VectorOperators.LT, EXP_MIN));
    }

    public static FloatVector expm1(FloatVector x) {
        FloatVector t = x.fma(V_LOG2E, V_SHIFT);
        FloatVector k = t.sub(SHIFT);
        FloatVector rh = k.fma(V_NEG_LN2_HI, x);
        FloatVector cc = k.mul(-LN2_LO);
        FloatVector r = rh.add(cc);
        FloatVector z = rh.mul(rh);
        FloatVector small = rh.fma(cc, cc).add(V_HALF.fma(rh.fma(rh, z.neg()), r.mul(r.mul(r)).mul(expTail(r))));
        FloatVector s = pow2(t.viewAsIntegralLanes().sub(SHIFT_BITS + 1));
        FloatVector b = s.sub(0.5f);
        FloatVector a1 = s.fma(rh, b);
        FloatVector e1 = s.mul(rh).sub(a1.sub(b)).add(s.sub(b).sub(0.5f));
        FloatVector h = s.mul(V_HALF.mul(z));
        FloatVector a2 = a1.add(h);
        FloatVector e2 = h.sub(a2.sub(a1));
        FloatVector y = V_TWO.mul(a2.add(s.fma(small, e1.add(e2))));
        y = y.blend(V_INF, x.compare(VectorOperators.GT, EXP_MAX));
        y = y.blend(V_MINUS_ONE, x.compare(VectorOperators.LT, EXPM1_MIN));
        return y.blend(x, x.abs().compare(VectorOperators.LT, 0x1p-24f));
    }

    private static FloatVector expTail(FloatVector r) {
        return V_E4.fma(r, V_E3).fma(r, V_E2).fma(r, V_E1).fma(r, V_E0);
    }

    private static FloatVector pow2(IntVector k) {
        return k.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
    }

    public static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, 0x1p-126f);
        FloatVector y = logScaled(x.blend(x.mul(0x1p23f), subnormal), V_ZERO.blend(V_MINUS_23, subnormal), V_ZERO);
        y = y.blend(x, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        y = y.blend(V_NEG_INF, x.compare(VectorOperators.EQ, 0f));
        return y.blend(V_NAN, x.compare(VectorOperators.GE, 0f).not());
    }

    public static FloatVector log1p(FloatVector x) {
        FloatVector u = V_ONE.add(x);
        FloatVector cc = x.sub(u.sub(1f)).div(u);
        FloatVector y = logScaled(u, V_ZERO, cc);
        y = y.blend(x, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        y = y.blend(V_NEG_INF, x.compare(VectorOperators.EQ, -1f));
        y = y.blend(x, x.compare(VectorOperators.EQ, 0f));
        return y.blend(V_NAN, x.compare(VectorOperators.GE, -1f).not());
    }

    private static FloatVector logScaled(FloatVector u, FloatVector e0, FloatVector cc) {
        IntVector b = u.viewAsIntegralLanes().sub(SQRT_HALF_BITS);
        FloatVector f = b.and(0x007fffff).add(SQRT_HALF_BITS).viewAsFloatingLanes().sub(1f);
        FloatVector e = b.lanewise(VectorOperators.ASHR, 23).add(SHIFT_BITS).viewAsFloatingLanes().sub(SHIFT).add(e0);
        FloatVector s = f.div(V_TWO.add(f));
        FloatVector z = s.mul(s);
        FloatVector r = z.mul(V_L2.fma(z, V_L1).fma(z, V_L0));
        FloatVector hfsq = V_HALF.mul(f).mul(f);
        FloatVector t = s.neg().fma(hfsq.add(r), hfsq);
        FloatVector a = e.mul(LOG_LN2_HI);
        FloatVector hi = a.add(f);
        FloatVector lo = f.sub(hi.sub(a));
        return hi.add(lo.add(e.fma(V_LOG_LN2_LO, cc).sub(t)));
    }

    public static FloatVector sin(FloatVector x) {
        FloatVector t = x.fma(V_TWO_OVER_PI, V_SHIFT);
        FloatVector r = reduce(x, t.sub(SHIFT));
        FloatVector z = r.mul(r);
        IntVector n = t.viewAsIntegralLanes();
        FloatVector y = sinReduced(r, z).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 30)).viewAsFloatingLanes();
        y = y.blend(x, x.compare(VectorOperators.EQ, 0f));
        return huge(x, y, 0);
    }

    public static FloatVector cos(FloatVector x) {
        FloatVector t = x.fma(V_TWO_OVER_PI, V_SHIFT);
        FloatVector r = reduce(x, t.sub(SHIFT));
        FloatVector z = r.mul(r);
        IntVector n = t.viewAsIntegralLanes().add(1);
        FloatVector y = sinReduced(r, z).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 30)).viewAsFloatingLanes();
        return huge(x, y, 1);
    }

    public static FloatVector tan(FloatVector x) {
        FloatVector t = x.fma(V_TWO_OVER_PI, V_SHIFT);
        FloatVector q = t.sub(SHIFT);
        FloatVector r1 = q.fma(V_NEG_PIO2_1, x);
        FloatVector ph = q.mul(-PIO2_2);
        FloatVector pl = q.fma(V_NEG_PIO2_2, ph.neg());
        FloatVector rh = r1.add(ph);
        FloatVector bb = rh.sub(r1);
        FloatVector rl = q.fma(V_NEG_PIO2_3, r1.sub(rh.sub(bb)).add(ph.sub(bb)).add(pl));
        FloatVector z = rh.mul(rh);
        FloatVector p = V_T6.fma(z, V_T5).fma(z, V_T4).fma(z, V_T3).fma(z, V_T2).fma(z, V_T1).fma(z, V_T0);
        FloatVector pz = rh.mul(z).mul(p);
        FloatVector th = rh.add(pz);
        FloatVector tl = rl.fma(V_ONE.add(z), rh.sub(th).add(pz));
        FloatVector s = th.add(tl);
        FloatVector sl = tl.sub(s.sub(th));
        FloatVector d = V_MINUS_ONE.div(s);
        FloatVector e = d.fma(sl, d.fma(s, V_ONE));
        FloatVector y = s.blend(d.fma(e, d), odd(t.viewAsIntegralLanes()));
        y = y.blend(x, x.compare(VectorOperators.EQ, 0f));
        return huge(x, y, 2);
    }

    /** Lanes whose quadrant number is odd: its low bit, viewed as a float (0 or the smallest subnormal). */
    private static VectorMask<Float> odd(IntVector n) {
        return n.and(1).viewAsFloatingLanes().compare(VectorOperators.NE, 0f);
    }

    private static FloatVector reduce(FloatVector x, FloatVector q) {
        FloatVector r = q.fma(V_NEG_PIO2_1, x);
        r = q.fma(V_NEG_PIO2_2, r);
        return q.fma(V_NEG_PIO2_3, r);
    }

    private static FloatVector sinReduced(FloatVector r, FloatVector z) {
        return r.mul(z).fma(V_S2.fma(z, V_S1).fma(z, V_S0), r);
    }

    private static FloatVector cosReduced(FloatVector r, FloatVector z) {
        FloatVector w = V_MINUS_HALF.fma(z, V_ONE);
        FloatVector lo = V_MINUS_HALF.fma(r.fma(r, z.neg()), V_ONE.sub(w).sub(V_HALF.mul(z)));
        return w.add(z.mul(z).fma(V_C2.fma(z, V_C1).fma(z, V_C0), lo));
    }

    /** Lanes beyond {@link FloatMath#TRIG_MAX} take StrictMath's value, as FloatMath does. */
    /**
     * Lanes beyond TRIG_MAX take StrictMath's value, as FloatMath does. The rare path passes arrays,
     * not vectors: a vector argument of a call C2 compiles in would be boxed on every pass.
     */
    private static FloatVector huge(FloatVector x, FloatVector y, int function) {
        return x.abs().compare(VectorOperators.GT, TRIG_MAX).anyTrue()
                ? FloatVector.fromArray(S, strict(x.toArray(), y.toArray(), function), 0) : y;
    }

    /** y with the lanes whose |x| exceeds TRIG_MAX replaced by StrictMath's sin, cos or tan of x. */
    public static float[] strict(float[] x, float[] y, int function) {
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) > TRIG_MAX) {
                y[i] = (float) switch (function) {
                    case 0 -> StrictMath.sin(x[i]);
                    case 1 -> StrictMath.cos(x[i]);
                    default -> StrictMath.tan(x[i]);
                };
            }
        }
        return y;
    }

    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector small = x.mul(z).fma(V_H5.fma(z, V_H4).fma(z, V_H3).fma(z, V_H2).fma(z, V_H1).fma(z, V_H0), x);
        FloatVector large = V_ONE.sub(V_TWO.div(exp(V_TWO.mul(a)).add(1f)));
        large = large.viewAsIntegralLanes().or(x.viewAsIntegralLanes().and(SIGN)).viewAsFloatingLanes();
        small = small.blend(x, x.compare(VectorOperators.EQ, 0f));
        return large.blend(small, a.compare(VectorOperators.LT, TANH_SMALL));
    }

    public static FloatVector sigmoid(FloatVector x) {
        FloatVector t = exp(x.abs().neg());
        FloatVector d = V_ONE.add(t);
        return t.div(d).blend(V_ONE.div(d), x.compare(VectorOperators.GE, 0f));
    }

    public static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(log1p(exp(x.abs().neg())));
    }

    public static FloatVector rsqrt(FloatVector x) {
        return V_ONE.div(x.sqrt());
    }
}

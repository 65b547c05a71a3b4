package dev.nabla.runtime.jvm.math;

import static dev.nabla.runtime.jvm.math.DoubleMath.*;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DoubleMath}'s functions over vectors of the preferred species, lane for lane the same
 * operations in the same order ({@link FloatVectorMath} for float64, copied into generated code
 * by {@link VectorMathInliner} in the same way).
 */
public final class DoubleVectorMath {
    private DoubleVectorMath() {}

    public static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

    private static DoubleVector v(double value) {
        return DoubleVector.broadcast(S, value);
    }

    // Constants as vectors, public for the copies VectorMathInliner makes.
    public static final DoubleVector V_ZERO = v(0);
    public static final DoubleVector V_HALF = v(0.5);
    public static final DoubleVector V_MINUS_HALF = v(-0.5);
    public static final DoubleVector V_ONE = v(1);
    public static final DoubleVector V_MINUS_ONE = v(-1);
    public static final DoubleVector V_TWO = v(2);
    public static final DoubleVector V_MINUS_52 = v(-52);
    public static final DoubleVector V_INF = v(Double.POSITIVE_INFINITY);
    public static final DoubleVector V_NEG_INF = v(Double.NEGATIVE_INFINITY);
    public static final DoubleVector V_NAN = v(Double.NaN);
    public static final DoubleVector V_SHIFT = v(SHIFT);
    public static final DoubleVector V_LOG2E = v(LOG2E);
    public static final DoubleVector V_LOG_LN2_LO = v(LOG_LN2_LO);
    public static final DoubleVector V_NEG_LN2_HI = v(-LN2_HI);
    public static final DoubleVector V_NEG_LN2_LO = v(-LN2_LO);
    public static final DoubleVector V_TWO_OVER_PI = v(TWO_OVER_PI);
    public static final DoubleVector V_NEG_PIO2_1 = v(-PIO2_1);
    public static final DoubleVector V_NEG_PIO2_2 = v(-PIO2_2);
    public static final DoubleVector V_NEG_PIO2_3 = v(-PIO2_3);
    public static final DoubleVector V_E0 = v(E0);
    public static final DoubleVector V_E1 = v(E1);
    public static final DoubleVector V_E2 = v(E2);
    public static final DoubleVector V_E3 = v(E3);
    public static final DoubleVector V_E4 = v(E4);
    public static final DoubleVector V_E5 = v(E5);
    public static final DoubleVector V_E6 = v(E6);
    public static final DoubleVector V_E7 = v(E7);
    public static final DoubleVector V_E8 = v(E8);
    public static final DoubleVector V_L0 = v(L0);
    public static final DoubleVector V_L1 = v(L1);
    public static final DoubleVector V_L2 = v(L2);
    public static final DoubleVector V_L3 = v(L3);
    public static final DoubleVector V_L4 = v(L4);
    public static final DoubleVector V_L5 = v(L5);
    public static final DoubleVector V_L6 = v(L6);
    public static final DoubleVector V_S0 = v(S0);
    public static final DoubleVector V_S1 = v(S1);
    public static final DoubleVector V_S2 = v(S2);
    public static final DoubleVector V_S3 = v(S3);
    public static final DoubleVector V_S4 = v(S4);
    public static final DoubleVector V_S5 = v(S5);
    public static final DoubleVector V_C0 = v(C0);
    public static final DoubleVector V_C1 = v(C1);
    public static final DoubleVector V_C2 = v(C2);
    public static final DoubleVector V_C3 = v(C3);
    public static final DoubleVector V_C4 = v(C4);
    public static final DoubleVector V_C5 = v(C5);
    public static final DoubleVector V_H0 = v(H0);
    public static final DoubleVector V_H1 = v(H1);
    public static final DoubleVector V_H2 = v(H2);
    public static final DoubleVector V_H3 = v(H3);
    public static final DoubleVector V_H4 = v(H4);
    public static final DoubleVector V_H5 = v(H5);
    public static final DoubleVector V_H6 = v(H6);
    public static final DoubleVector V_H7 = v(H7);
    public static final DoubleVector V_H8 = v(H8);
    public static final DoubleVector V_H9 = v(H9);
    public static final DoubleVector V_H10 = v(H10);

    public static DoubleVector exp(DoubleVector x) {
        DoubleVector t = x.fma(V_LOG2E, V_SHIFT);
        DoubleVector k = t.sub(SHIFT);
        DoubleVector r = k.fma(V_NEG_LN2_HI, x);
        r = k.fma(V_NEG_LN2_LO, r);
        DoubleVector y = r.mul(r).fma(expTail(r).fma(r, V_HALF), r).add(1.0);
        LongVector n = t.viewAsIntegralLanes().sub(SHIFT_BITS);
        LongVector half = n.lanewise(VectorOperators.ASHR, 1);
        y = y.mul(pow2(half)).mul(pow2(n.sub(half)));
        y = y.blend(V_INF, x.compare(VectorOperators.GT, EXP_MAX));
        return y.blend(V_ZERO, x.compare(VectorOperators.LT, EXP_MIN));
    }

    public static DoubleVector expm1(DoubleVector x) {
        DoubleVector t = x.fma(V_LOG2E, V_SHIFT);
        DoubleVector k = t.sub(SHIFT);
        DoubleVector rh = k.fma(V_NEG_LN2_HI, x);
        DoubleVector c = k.mul(-LN2_LO);
        DoubleVector r = rh.add(c);
        DoubleVector z = rh.mul(rh);
        DoubleVector small = rh.fma(c, c).add(V_HALF.fma(rh.fma(rh, z.neg()), r.mul(r.mul(r)).mul(expTail(r))));
        DoubleVector s = pow2(t.viewAsIntegralLanes().sub(SHIFT_BITS + 1));
        DoubleVector b = s.sub(0.5);
        DoubleVector a1 = s.fma(rh, b);
        DoubleVector e1 = s.mul(rh).sub(a1.sub(b)).add(s.sub(b).sub(0.5));
        DoubleVector h = s.mul(V_HALF.mul(z));
        DoubleVector a2 = a1.add(h);
        DoubleVector e2 = h.sub(a2.sub(a1));
        DoubleVector y = V_TWO.mul(a2.add(s.fma(small, e1.add(e2))));
        y = y.blend(V_INF, x.compare(VectorOperators.GT, EXP_MAX));
        y = y.blend(V_MINUS_ONE, x.compare(VectorOperators.LT, EXPM1_MIN));
        return y.blend(x, x.abs().compare(VectorOperators.LT, 0x1p-54));
    }

    private static DoubleVector expTail(DoubleVector r) {
        DoubleVector p = V_E8.fma(r, V_E7).fma(r, V_E6).fma(r, V_E5).fma(r, V_E4);
        return p.fma(r, V_E3).fma(r, V_E2).fma(r, V_E1).fma(r, V_E0);
    }

    private static DoubleVector pow2(LongVector k) {
        return k.add(1023L).lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes();
    }

    public static DoubleVector log(DoubleVector x) {
        VectorMask<Double> subnormal = x.compare(VectorOperators.LT, 0x1p-1022);
        DoubleVector y = logScaled(x.blend(x.mul(0x1p52), subnormal), V_ZERO.blend(V_MINUS_52, subnormal), V_ZERO);
        y = y.blend(x, x.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        y = y.blend(V_NEG_INF, x.compare(VectorOperators.EQ, 0.0));
        return y.blend(V_NAN, x.compare(VectorOperators.GE, 0.0).not());
    }

    public static DoubleVector log1p(DoubleVector x) {
        DoubleVector u = V_ONE.add(x);
        DoubleVector c = x.sub(u.sub(1.0)).div(u);
        DoubleVector y = logScaled(u, V_ZERO, c);
        y = y.blend(x, x.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        y = y.blend(V_NEG_INF, x.compare(VectorOperators.EQ, -1.0));
        y = y.blend(x, x.compare(VectorOperators.EQ, 0.0));
        return y.blend(V_NAN, x.compare(VectorOperators.GE, -1.0).not());
    }

    private static DoubleVector logScaled(DoubleVector u, DoubleVector e0, DoubleVector c) {
        LongVector b = u.viewAsIntegralLanes().sub(SQRT_HALF_BITS);
        DoubleVector f = b.and(MANTISSA).add(SQRT_HALF_BITS).viewAsFloatingLanes().sub(1.0);
        DoubleVector e = b.lanewise(VectorOperators.ASHR, 52).add(SHIFT_BITS).viewAsFloatingLanes().sub(SHIFT).add(e0);
        DoubleVector s = f.div(V_TWO.add(f));
        DoubleVector z = s.mul(s);
        DoubleVector p = V_L6.fma(z, V_L5).fma(z, V_L4).fma(z, V_L3);
        DoubleVector r = z.mul(p.fma(z, V_L2).fma(z, V_L1).fma(z, V_L0));
        DoubleVector hfsq = V_HALF.mul(f).mul(f);
        DoubleVector t = s.neg().fma(hfsq.add(r), hfsq);
        DoubleVector a = e.mul(LOG_LN2_HI);
        DoubleVector hi = a.add(f);
        DoubleVector lo = f.sub(hi.sub(a));
        return hi.add(lo.add(e.fma(V_LOG_LN2_LO, c).sub(t)));
    }

    public static DoubleVector sin(DoubleVector x) {
        DoubleVector t = x.fma(V_TWO_OVER_PI, V_SHIFT);
        DoubleVector r = reduce(x, t.sub(SHIFT));
        DoubleVector z = r.mul(r);
        LongVector n = t.viewAsIntegralLanes();
        DoubleVector y = r.mul(z).fma(sinTail(z), r).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 62)).viewAsFloatingLanes();
        y = y.blend(x, x.compare(VectorOperators.EQ, 0.0));
        return huge(x, y, 0);
    }

    public static DoubleVector cos(DoubleVector x) {
        DoubleVector t = x.fma(V_TWO_OVER_PI, V_SHIFT);
        DoubleVector r = reduce(x, t.sub(SHIFT));
        DoubleVector z = r.mul(r);
        LongVector n = t.viewAsIntegralLanes().add(1L);
        DoubleVector y = r.mul(z).fma(sinTail(z), r).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 62)).viewAsFloatingLanes();
        return huge(x, y, 1);
    }

    public static DoubleVector tan(DoubleVector x) {
        DoubleVector t = x.fma(V_TWO_OVER_PI, V_SHIFT);
        DoubleVector q = t.sub(SHIFT);
        DoubleVector r1 = q.fma(V_NEG_PIO2_1, x);
        DoubleVector ph = q.mul(-PIO2_2);
        DoubleVector pl = q.fma(V_NEG_PIO2_2, ph.neg());
        DoubleVector rh = r1.add(ph);
        DoubleVector bb = rh.sub(r1);
        DoubleVector rl = q.fma(V_NEG_PIO2_3, r1.sub(rh.sub(bb)).add(ph.sub(bb)).add(pl));
        DoubleVector z = rh.mul(rh);
        DoubleVector sl = rh.mul(z).fma(sinTail(z), rl);
        DoubleVector w = V_MINUS_HALF.fma(z, V_ONE);
        DoubleVector lo = V_MINUS_HALF.fma(rh.fma(rh, z.neg()), V_ONE.sub(w).sub(V_HALF.mul(z)));
        DoubleVector cl = rh.neg().fma(rl, z.mul(z).fma(cosTail(z), lo));
        VectorMask<Double> odd = odd(t.viewAsIntegralLanes());
        DoubleVector nh = rh.blend(w.neg(), odd);
        DoubleVector nl = sl.blend(cl.neg(), odd);
        DoubleVector dh = w.blend(rh, odd);
        DoubleVector dl = cl.blend(sl, odd);
        DoubleVector n = nh.add(nl);
        DoubleVector d = dh.add(dl);
        DoubleVector y = n.div(d);
        DoubleVector e = y.neg().fma(d, n).add(nh.sub(n).add(nl).sub(y.mul(dh.sub(d).add(dl))));
        y = y.add(e.div(d));
        y = y.blend(x, x.compare(VectorOperators.EQ, 0.0));
        return huge(x, y, 2);
    }

    /** As FloatVectorMath.odd. */
    private static VectorMask<Double> odd(LongVector n) {
        return n.and(1L).viewAsFloatingLanes().compare(VectorOperators.NE, 0.0);
    }

    private static DoubleVector reduce(DoubleVector x, DoubleVector q) {
        DoubleVector r = q.fma(V_NEG_PIO2_1, x);
        r = q.fma(V_NEG_PIO2_2, r);
        return q.fma(V_NEG_PIO2_3, r);
    }

    private static DoubleVector sinTail(DoubleVector z) {
        return V_S5.fma(z, V_S4).fma(z, V_S3).fma(z, V_S2).fma(z, V_S1).fma(z, V_S0);
    }

    private static DoubleVector cosTail(DoubleVector z) {
        return V_C5.fma(z, V_C4).fma(z, V_C3).fma(z, V_C2).fma(z, V_C1).fma(z, V_C0);
    }

    private static DoubleVector cosReduced(DoubleVector r, DoubleVector z) {
        DoubleVector w = V_MINUS_HALF.fma(z, V_ONE);
        DoubleVector lo = V_MINUS_HALF.fma(r.fma(r, z.neg()), V_ONE.sub(w).sub(V_HALF.mul(z)));
        return w.add(z.mul(z).fma(V_C5.fma(z, V_C4).fma(z, V_C3).fma(z, V_C2).fma(z, V_C1).fma(z, V_C0), lo));
    }

    /**
     * Lanes beyond TRIG_MAX take StrictMath's value, as DoubleMath does. The rare path passes arrays,
     * not vectors: a vector argument of a call C2 compiles in would be boxed on every pass.
     */
    private static DoubleVector huge(DoubleVector x, DoubleVector y, int function) {
        return x.abs().compare(VectorOperators.GT, TRIG_MAX).anyTrue()
                ? DoubleVector.fromArray(S, strict(x.toArray(), y.toArray(), function), 0) : y;
    }

    /** y with the lanes whose |x| exceeds TRIG_MAX replaced by StrictMath's sin, cos or tan of x. */
    public static double[] strict(double[] x, double[] y, int function) {
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i]) > TRIG_MAX) {
                y[i] = switch (function) {
                    case 0 -> StrictMath.sin(x[i]);
                    case 1 -> StrictMath.cos(x[i]);
                    default -> StrictMath.tan(x[i]);
                };
            }
        }
        return y;
    }

    public static DoubleVector tanh(DoubleVector x) {
        DoubleVector a = x.abs();
        DoubleVector z = x.mul(x);
        DoubleVector p = V_H10.fma(z, V_H9).fma(z, V_H8).fma(z, V_H7).fma(z, V_H6).fma(z, V_H5);
        p = p.fma(z, V_H4).fma(z, V_H3).fma(z, V_H2).fma(z, V_H1).fma(z, V_H0);
        DoubleVector small = x.mul(z).fma(p, x);
        DoubleVector large = V_ONE.sub(V_TWO.div(exp(V_TWO.mul(a)).add(1.0)));
        large = large.viewAsIntegralLanes().or(x.viewAsIntegralLanes().and(SIGN)).viewAsFloatingLanes();
        small = small.blend(x, x.compare(VectorOperators.EQ, 0.0));
        return large.blend(small, a.compare(VectorOperators.LT, TANH_SMALL));
    }

    public static DoubleVector sigmoid(DoubleVector x) {
        DoubleVector t = exp(x.abs().neg());
        DoubleVector d = V_ONE.add(t);
        return t.div(d).blend(V_ONE.div(d), x.compare(VectorOperators.GE, 0.0));
    }

    public static DoubleVector softplus(DoubleVector x) {
        return x.max(0.0).add(log1p(exp(x.abs().neg())));
    }

    public static DoubleVector rsqrt(DoubleVector x) {
        return V_ONE.div(x.sqrt());
    }
}

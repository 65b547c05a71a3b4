package dev.nabla.runtime.jvm.math;

import static dev.nabla.runtime.jvm.math.DoubleMath.*;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link DoubleMath}'s functions over vectors of the preferred species, lane for lane the same
 * operations in the same order ({@link FloatVectorMath} for float64, copied into generated code
 * by {@link VectorMathInliner} in the same way).
 */
public final class DoubleVectorMath {
    private DoubleVectorMath() {}

    /** A constant in every lane (see FloatVectorMath.c). */
    private static DoubleVector v(double value) {
        return DoubleVector.broadcast(DoubleVector.SPECIES_PREFERRED, value);
    }

    public static DoubleVector exp(DoubleVector x) {
        DoubleVector t = x.fma(v(LOG2E), v(SHIFT));
        DoubleVector k = t.sub(SHIFT);
        DoubleVector r = k.fma(v(-LN2_HI), x);
        r = k.fma(v(-LN2_LO), r);
        DoubleVector y = r.mul(r).fma(expTail(r).fma(r, v(0.5)), r).add(1.0);
        LongVector n = t.viewAsIntegralLanes().sub(SHIFT_BITS);
        if (x.abs().compare(VectorOperators.LE, 708.0).allTrue()) {
            // As in FloatVectorMath.exp: one product where every 2^k is normal.
            return y.mul(pow2(n));
        }
        LongVector half = n.lanewise(VectorOperators.ASHR, 1);
        y = y.mul(pow2(half)).mul(pow2(n.sub(half)));
        y = y.blend(v(Double.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_MAX));
        return y.blend(v(0), x.compare(VectorOperators.LT, EXP_MIN));
    }

    public static DoubleVector expm1(DoubleVector x) {
        DoubleVector t = x.fma(v(LOG2E), v(SHIFT));
        DoubleVector k = t.sub(SHIFT);
        DoubleVector rh = k.fma(v(-LN2_HI), x);
        DoubleVector c = k.mul(-LN2_LO);
        DoubleVector r = rh.add(c);
        DoubleVector z = rh.mul(rh);
        DoubleVector small = rh.fma(c, c).add(v(0.5).fma(rh.fma(rh, z.neg()), r.mul(r.mul(r)).mul(expTail(r))));
        DoubleVector s = pow2(t.viewAsIntegralLanes().sub(SHIFT_BITS + 1));
        DoubleVector b = s.sub(0.5);
        DoubleVector a1 = s.fma(rh, b);
        DoubleVector e1 = s.mul(rh).sub(a1.sub(b)).add(s.sub(b).sub(0.5));
        DoubleVector h = s.mul(v(0.5).mul(z));
        DoubleVector a2 = a1.add(h);
        DoubleVector e2 = h.sub(a2.sub(a1));
        DoubleVector y = v(2).mul(a2.add(s.fma(small, e1.add(e2))));
        y = y.blend(v(Double.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_MAX));
        y = y.blend(v(-1), x.compare(VectorOperators.LT, EXPM1_MIN));
        return y.blend(x, x.abs().compare(VectorOperators.LT, 0x1p-54));
    }

    private static DoubleVector expTail(DoubleVector r) {
        DoubleVector p = v(E8).fma(r, v(E7)).fma(r, v(E6)).fma(r, v(E5)).fma(r, v(E4));
        return p.fma(r, v(E3)).fma(r, v(E2)).fma(r, v(E1)).fma(r, v(E0));
    }

    private static DoubleVector pow2(LongVector k) {
        return k.add(1023L).lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes();
    }

    public static DoubleVector log(DoubleVector x) {
        if (x.compare(VectorOperators.GE, 0x1p-1022).and(x.compare(VectorOperators.LT, Double.POSITIVE_INFINITY)).allTrue()) {
            return logScaled(x, v(0), v(0)); // as in FloatVectorMath.log
        }
        VectorMask<Double> subnormal = x.compare(VectorOperators.LT, 0x1p-1022);
        DoubleVector y = logScaled(x.blend(x.mul(0x1p52), subnormal), v(0).blend(v(-52), subnormal), v(0));
        y = y.blend(x, x.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        y = y.blend(v(Double.NEGATIVE_INFINITY), x.compare(VectorOperators.EQ, 0.0));
        return y.blend(v(Double.NaN), x.compare(VectorOperators.GE, 0.0).not());
    }

    public static DoubleVector log1p(DoubleVector x) {
        DoubleVector u = v(1).add(x);
        DoubleVector c = x.sub(u.sub(1.0)).div(u);
        DoubleVector y = logScaled(u, v(0), c);
        y = y.blend(x, x.compare(VectorOperators.EQ, Double.POSITIVE_INFINITY));
        y = y.blend(v(Double.NEGATIVE_INFINITY), x.compare(VectorOperators.EQ, -1.0));
        y = y.blend(x, x.compare(VectorOperators.EQ, 0.0));
        return y.blend(v(Double.NaN), x.compare(VectorOperators.GE, -1.0).not());
    }

    private static DoubleVector logScaled(DoubleVector u, DoubleVector e0, DoubleVector c) {
        LongVector b = u.viewAsIntegralLanes().sub(SQRT_HALF_BITS);
        DoubleVector f = b.and(MANTISSA).add(SQRT_HALF_BITS).viewAsFloatingLanes().sub(1.0);
        DoubleVector e = b.lanewise(VectorOperators.ASHR, 52).add(SHIFT_BITS).viewAsFloatingLanes().sub(SHIFT).add(e0);
        DoubleVector s = f.div(v(2).add(f));
        DoubleVector z = s.mul(s);
        DoubleVector p = v(L6).fma(z, v(L5)).fma(z, v(L4)).fma(z, v(L3));
        DoubleVector r = z.mul(p.fma(z, v(L2)).fma(z, v(L1)).fma(z, v(L0)));
        DoubleVector hfsq = v(0.5).mul(f).mul(f);
        DoubleVector t = s.neg().fma(hfsq.add(r), hfsq);
        DoubleVector a = e.mul(LOG_LN2_HI);
        DoubleVector hi = a.add(f);
        DoubleVector lo = f.sub(hi.sub(a));
        return hi.add(lo.add(e.fma(v(LOG_LN2_LO), c).sub(t)));
    }

    public static DoubleVector sin(DoubleVector x) {
        DoubleVector t = x.fma(v(TWO_OVER_PI), v(SHIFT));
        DoubleVector r = reduce(x, t.sub(SHIFT));
        DoubleVector z = r.mul(r);
        LongVector n = t.viewAsIntegralLanes();
        DoubleVector y = r.mul(z).fma(sinTail(z), r).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 62)).viewAsFloatingLanes();
        y = y.blend(x, x.compare(VectorOperators.EQ, 0.0));
        return huge(x, y, 0);
    }

    public static DoubleVector cos(DoubleVector x) {
        DoubleVector t = x.fma(v(TWO_OVER_PI), v(SHIFT));
        DoubleVector r = reduce(x, t.sub(SHIFT));
        DoubleVector z = r.mul(r);
        LongVector n = t.viewAsIntegralLanes().add(1L);
        DoubleVector y = r.mul(z).fma(sinTail(z), r).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 62)).viewAsFloatingLanes();
        return huge(x, y, 1);
    }

    public static DoubleVector tan(DoubleVector x) {
        DoubleVector t = x.fma(v(TWO_OVER_PI), v(SHIFT));
        DoubleVector q = t.sub(SHIFT);
        DoubleVector r1 = q.fma(v(-PIO2_1), x);
        DoubleVector ph = q.mul(-PIO2_2);
        DoubleVector pl = q.fma(v(-PIO2_2), ph.neg());
        DoubleVector rh = r1.add(ph);
        DoubleVector bb = rh.sub(r1);
        DoubleVector rl = q.fma(v(-PIO2_3), r1.sub(rh.sub(bb)).add(ph.sub(bb)).add(pl));
        DoubleVector z = rh.mul(rh);
        DoubleVector sl = rh.mul(z).fma(sinTail(z), rl);
        DoubleVector w = v(-0.5).fma(z, v(1));
        DoubleVector lo = v(-0.5).fma(rh.fma(rh, z.neg()), v(1).sub(w).sub(v(0.5).mul(z)));
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
        DoubleVector r = q.fma(v(-PIO2_1), x);
        r = q.fma(v(-PIO2_2), r);
        return q.fma(v(-PIO2_3), r);
    }

    private static DoubleVector sinTail(DoubleVector z) {
        return v(S5).fma(z, v(S4)).fma(z, v(S3)).fma(z, v(S2)).fma(z, v(S1)).fma(z, v(S0));
    }

    private static DoubleVector cosTail(DoubleVector z) {
        return v(C5).fma(z, v(C4)).fma(z, v(C3)).fma(z, v(C2)).fma(z, v(C1)).fma(z, v(C0));
    }

    private static DoubleVector cosReduced(DoubleVector r, DoubleVector z) {
        DoubleVector w = v(-0.5).fma(z, v(1));
        DoubleVector lo = v(-0.5).fma(r.fma(r, z.neg()), v(1).sub(w).sub(v(0.5).mul(z)));
        return w.add(z.mul(z).fma(v(C5).fma(z, v(C4)).fma(z, v(C3)).fma(z, v(C2)).fma(z, v(C1)).fma(z, v(C0)), lo));
    }

    /**
     * Lanes beyond TRIG_MAX take StrictMath's value, as DoubleMath does. The rare path passes arrays,
     * not vectors: a vector argument of a call C2 compiles in would be boxed on every pass.
     */
    private static DoubleVector huge(DoubleVector x, DoubleVector y, int function) {
        return x.abs().compare(VectorOperators.GT, TRIG_MAX).anyTrue()
                ? DoubleVector.fromArray(DoubleVector.SPECIES_PREFERRED, strict(x.toArray(), y.toArray(), function), 0) : y;
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
        DoubleVector p = v(H10).fma(z, v(H9)).fma(z, v(H8)).fma(z, v(H7)).fma(z, v(H6)).fma(z, v(H5));
        p = p.fma(z, v(H4)).fma(z, v(H3)).fma(z, v(H2)).fma(z, v(H1)).fma(z, v(H0));
        DoubleVector small = x.mul(z).fma(p, x);
        small = small.blend(x, x.compare(VectorOperators.EQ, 0.0));
        VectorMask<Double> isSmall = a.compare(VectorOperators.LT, TANH_SMALL);
        if (isSmall.allTrue()) {
            return small; // e^2|x| is not needed
        }
        DoubleVector large = v(1).sub(v(2).div(exp(v(2).mul(a)).add(1.0)));
        large = large.viewAsIntegralLanes().or(x.viewAsIntegralLanes().and(SIGN)).viewAsFloatingLanes();
        return large.blend(small, isSmall);
    }

    public static DoubleVector sigmoid(DoubleVector x) {
        DoubleVector t = exp(x.abs().neg());
        return t.blend(v(1), x.compare(VectorOperators.GE, 0.0)).div(v(1).add(t));
    }

    public static DoubleVector softplus(DoubleVector x) {
        return x.max(0.0).add(log1p(exp(x.abs().neg())));
    }

    public static DoubleVector rsqrt(DoubleVector x) {
        return v(1).div(x.sqrt());
    }
}

package dev.nabla.runtime.jvm.math;

import static dev.nabla.runtime.jvm.math.FloatMath.*;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link FloatMath}'s functions over vectors of the preferred species, lane for lane the same
 * operations in the same order: a scalar {@code c ? a : b} is a blend, a bit move a view of the
 * lanes as ints. Where a whole vector may take a shortcut (exp's one scaling when every lane's
 * 2^k is normal, log when no lane is special, tanh without e^2|x| when every lane is small), the
 * shortcut gives each lane the same bits. The Vector API's own EXP, LOG, SIN and the others call
 * Intel's SVML once C2 compiles them and Math lane by lane before, which differ in the last bit;
 * these use only arithmetic that every tier rounds alike.
 *
 * <p>The JVM backend does not call these: {@link VectorMathInliner} copies their bytecode into its
 * generated kernels, where C2 keeps the vectors in registers (a call C2 did not inline boxes
 * every vector that crosses it). The copies call only the Vector API and, for huge trigonometric
 * arguments, {@link #strict}, which is public for that; tests call the functions.
 */
public final class FloatVectorMath {
    private FloatVectorMath() {}

    /**
     * A constant in every lane. (VectorMathInliner copies this too, so the copies read nothing
     * of this class: the JDK's species field is public.)
     */
    private static FloatVector c(float value) {
        return FloatVector.broadcast(FloatVector.SPECIES_PREFERRED, value);
    }

    public static FloatVector exp(FloatVector x) {
        FloatVector t = x.fma(c(LOG2E), c(SHIFT));
        FloatVector k = t.sub(SHIFT);
        FloatVector r = k.fma(c(-LN2_HI), x);
        r = k.fma(c(-LN2_LO), r);
        FloatVector y = r.mul(r).fma(expTail(r).fma(r, c(0.5f)), r).add(1f);
        IntVector n = t.viewAsIntegralLanes().sub(SHIFT_BITS);
        if (x.abs().compare(VectorOperators.LE, 87f).allTrue()) {
            // Every lane's 2^k is a normal number and none needs a special value: one product
            // rounds once, as FloatMath's two do.
            return y.mul(pow2(n));
        }
        IntVector half = n.lanewise(VectorOperators.ASHR, 1);
        y = y.mul(pow2(half)).mul(pow2(n.sub(half)));
        y = y.blend(c(Float.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_MAX));
        return y.blend(c(0f), x.compare(VectorOperators.LT, EXP_MIN));
    }

    public static FloatVector expm1(FloatVector x) {
        FloatVector t = x.fma(c(LOG2E), c(SHIFT));
        FloatVector k = t.sub(SHIFT);
        FloatVector rh = k.fma(c(-LN2_HI), x);
        FloatVector cc = k.mul(-LN2_LO);
        FloatVector r = rh.add(cc);
        FloatVector z = rh.mul(rh);
        FloatVector small = rh.fma(cc, cc).add(c(0.5f).fma(rh.fma(rh, z.neg()), r.mul(r.mul(r)).mul(expm1Tail(r))));
        FloatVector s = pow2(t.viewAsIntegralLanes().sub(SHIFT_BITS + 1));
        FloatVector b = s.sub(0.5f);
        FloatVector a1 = s.fma(rh, b);
        FloatVector e1 = s.mul(rh).sub(a1.sub(b)).add(s.sub(b).sub(0.5f));
        FloatVector h = s.mul(c(0.5f).mul(z));
        FloatVector a2 = a1.add(h);
        FloatVector e2 = h.sub(a2.sub(a1));
        FloatVector y = c(2f).mul(a2.add(s.fma(small, e1.add(e2))));
        y = y.blend(c(Float.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_MAX));
        y = y.blend(c(-1f), x.compare(VectorOperators.LT, EXPM1_MIN));
        return y.blend(x, x.abs().compare(VectorOperators.LT, 0x1p-24f));
    }

    private static FloatVector expTail(FloatVector r) {
        return c(E3).fma(r, c(E2)).fma(r, c(E1)).fma(r, c(E0));
    }

    private static FloatVector expm1Tail(FloatVector r) {
        return c(M4).fma(r, c(M3)).fma(r, c(M2)).fma(r, c(M1)).fma(r, c(M0));
    }

    private static FloatVector pow2(IntVector k) {
        return k.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
    }

    public static FloatVector log(FloatVector x) {
        if (x.compare(VectorOperators.GE, 0x1p-126f).and(x.compare(VectorOperators.LT, Float.POSITIVE_INFINITY)).allTrue()) {
            // Only positive normal numbers: FloatMath's scaling and special values change nothing.
            return logScaled(x, c(0f), c(0f));
        }
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, 0x1p-126f);
        FloatVector y = logScaled(x.blend(x.mul(0x1p23f), subnormal), c(0f).blend(c(-23f), subnormal), c(0f));
        y = y.blend(x, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        y = y.blend(c(Float.NEGATIVE_INFINITY), x.compare(VectorOperators.EQ, 0f));
        return y.blend(c(Float.NaN), x.compare(VectorOperators.GE, 0f).not());
    }

    public static FloatVector log1p(FloatVector x) {
        FloatVector u = c(1f).add(x);
        FloatVector cc = x.sub(u.sub(1f)).div(u);
        FloatVector y = logScaled(u, c(0f), cc);
        y = y.blend(x, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        y = y.blend(c(Float.NEGATIVE_INFINITY), x.compare(VectorOperators.EQ, -1f));
        y = y.blend(x, x.compare(VectorOperators.EQ, 0f));
        return y.blend(c(Float.NaN), x.compare(VectorOperators.GE, -1f).not());
    }

    private static FloatVector logScaled(FloatVector u, FloatVector e0, FloatVector cc) {
        IntVector b = u.viewAsIntegralLanes().sub(SQRT_HALF_BITS);
        FloatVector f = b.and(0x007fffff).add(SQRT_HALF_BITS).viewAsFloatingLanes().sub(1f);
        FloatVector e = b.lanewise(VectorOperators.ASHR, 23).add(SHIFT_BITS).viewAsFloatingLanes().sub(SHIFT).add(e0);
        FloatVector s = f.div(c(2f).add(f));
        FloatVector z = s.mul(s);
        FloatVector r = z.mul(c(L2).fma(z, c(L1)).fma(z, c(L0)));
        FloatVector hfsq = c(0.5f).mul(f).mul(f);
        FloatVector t = s.neg().fma(hfsq.add(r), hfsq);
        FloatVector a = e.mul(LOG_LN2_HI);
        FloatVector hi = a.add(f);
        FloatVector lo = f.sub(hi.sub(a));
        return hi.add(lo.add(e.fma(c(LOG_LN2_LO), cc).sub(t)));
    }

    public static FloatVector sin(FloatVector x) {
        FloatVector t = x.fma(c(TWO_OVER_PI), c(SHIFT));
        FloatVector r = reduce(x, t.sub(SHIFT));
        FloatVector z = r.mul(r);
        IntVector n = t.viewAsIntegralLanes();
        FloatVector y = sinReduced(r, z).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 30)).viewAsFloatingLanes();
        y = y.blend(x, x.compare(VectorOperators.EQ, 0f));
        return huge(x, y, 0);
    }

    public static FloatVector cos(FloatVector x) {
        FloatVector t = x.fma(c(TWO_OVER_PI), c(SHIFT));
        FloatVector r = reduce(x, t.sub(SHIFT));
        FloatVector z = r.mul(r);
        IntVector n = t.viewAsIntegralLanes().add(1);
        FloatVector y = sinReduced(r, z).blend(cosReduced(r, z), odd(n));
        y = y.viewAsIntegralLanes().lanewise(VectorOperators.XOR, n.and(2).lanewise(VectorOperators.LSHL, 30)).viewAsFloatingLanes();
        return huge(x, y, 1);
    }

    public static FloatVector tan(FloatVector x) {
        FloatVector t = x.fma(c(TWO_OVER_PI), c(SHIFT));
        FloatVector q = t.sub(SHIFT);
        FloatVector r1 = q.fma(c(-PIO2_1), x);
        FloatVector ph = q.mul(-PIO2_2);
        FloatVector pl = q.fma(c(-PIO2_2), ph.neg());
        FloatVector rh = r1.add(ph);
        FloatVector bb = rh.sub(r1);
        FloatVector rl = q.fma(c(-PIO2_3), r1.sub(rh.sub(bb)).add(ph.sub(bb)).add(pl));
        FloatVector z = rh.mul(rh);
        FloatVector p = c(T6).fma(z, c(T5)).fma(z, c(T4)).fma(z, c(T3)).fma(z, c(T2)).fma(z, c(T1)).fma(z, c(T0));
        FloatVector pz = rh.mul(z).mul(p);
        FloatVector th = rh.add(pz);
        FloatVector tl = rl.fma(c(1f).add(z), rh.sub(th).add(pz));
        FloatVector s = th.add(tl);
        FloatVector sl = tl.sub(s.sub(th));
        FloatVector d = c(-1f).div(s);
        FloatVector e = d.fma(sl, d.fma(s, c(1f)));
        FloatVector y = s.blend(d.fma(e, d), odd(t.viewAsIntegralLanes()));
        y = y.blend(x, x.compare(VectorOperators.EQ, 0f));
        return huge(x, y, 2);
    }

    /** Lanes whose quadrant number is odd: its low bit, viewed as a float (0 or the smallest subnormal). */
    private static VectorMask<Float> odd(IntVector n) {
        return n.and(1).viewAsFloatingLanes().compare(VectorOperators.NE, 0f);
    }

    private static FloatVector reduce(FloatVector x, FloatVector q) {
        FloatVector r = q.fma(c(-PIO2_1), x);
        r = q.fma(c(-PIO2_2), r);
        return q.fma(c(-PIO2_3), r);
    }

    private static FloatVector sinReduced(FloatVector r, FloatVector z) {
        return r.mul(z).fma(c(S2).fma(z, c(S1)).fma(z, c(S0)), r);
    }

    private static FloatVector cosReduced(FloatVector r, FloatVector z) {
        FloatVector w = c(-0.5f).fma(z, c(1f));
        FloatVector lo = c(-0.5f).fma(r.fma(r, z.neg()), c(1f).sub(w).sub(c(0.5f).mul(z)));
        return w.add(z.mul(z).fma(c(C2).fma(z, c(C1)).fma(z, c(C0)), lo));
    }

    /** Lanes beyond {@link FloatMath#TRIG_MAX} take StrictMath's value, as FloatMath does. */
    /**
     * Lanes beyond TRIG_MAX take StrictMath's value, as FloatMath does. The rare path passes arrays,
     * not vectors: a vector argument of a call C2 compiles in would be boxed on every pass.
     */
    private static FloatVector huge(FloatVector x, FloatVector y, int function) {
        return x.abs().compare(VectorOperators.GT, TRIG_MAX).anyTrue()
                ? FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, strict(x.toArray(), y.toArray(), function), 0) : y;
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
        FloatVector small = x.mul(z).fma(c(H5).fma(z, c(H4)).fma(z, c(H3)).fma(z, c(H2)).fma(z, c(H1)).fma(z, c(H0)), x);
        small = small.blend(x, x.compare(VectorOperators.EQ, 0f));
        VectorMask<Float> isSmall = a.compare(VectorOperators.LT, TANH_SMALL);
        if (isSmall.allTrue()) {
            return small; // e^2|x| is not needed
        }
        FloatVector large = c(1f).sub(c(2f).div(exp(c(2f).mul(a)).add(1f)));
        large = large.viewAsIntegralLanes().or(x.viewAsIntegralLanes().and(SIGN)).viewAsFloatingLanes();
        return large.blend(small, isSmall);
    }

    public static FloatVector sigmoid(FloatVector x) {
        FloatVector t = exp(x.abs().neg());
        return t.blend(c(1f), x.compare(VectorOperators.GE, 0f)).div(c(1f).add(t));
    }

    public static FloatVector softplus(FloatVector x) {
        return x.max(0f).add(log1p(exp(x.abs().neg())));
    }

    public static FloatVector rsqrt(FloatVector x) {
        return c(1f).div(x.sqrt());
    }
}

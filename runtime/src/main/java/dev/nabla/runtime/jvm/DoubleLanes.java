package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float64 primitives. Transcendental functions use the Vector API, whose lanewise SIN, EXP,
 * ... are compiled to the JDK's SIMD math library (accurate to about 1 ulp; see
 * docs/ARCHITECTURE.md); plain arithmetic loops are left to HotSpot's auto-vectorizer.
 */
final class DoubleLanes implements Lanes {
    static final DoubleLanes INSTANCE = new DoubleLanes();
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

    private DoubleLanes() {}

    @Override
    public Object newArray(int n) {
        return new double[n];
    }

    @Override
    public void fill(Object dst, int dOff, double value, int n) {
        java.util.Arrays.fill((double[]) dst, dOff, dOff + n, value);
    }

    @Override
    public void unary(UnaryFn fn, Object dst, int dOff, Object x, int xOff, int n) {
        double[] d = (double[]) dst;
        double[] a = (double[]) x;
        VectorOperators.Unary vop = switch (fn) {
            case EXP -> VectorOperators.EXP;
            case LOG -> VectorOperators.LOG;
            case LOG1P -> VectorOperators.LOG1P;
            case EXPM1 -> VectorOperators.EXPM1;
            case SIN -> VectorOperators.SIN;
            case COS -> VectorOperators.COS;
            case TAN -> VectorOperators.TAN;
            case TANH -> VectorOperators.TANH;
            default -> null;
        };
        if (vop != null) {
            int i = 0;
            for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                DoubleVector.fromArray(S, a, xOff + i).lanewise(vop).intoArray(d, dOff + i);
            }
            for (; i < n; i++) {
                d[dOff + i] = fn.apply(a[xOff + i]);
            }
            return;
        }
        switch (fn) {
            case NEG -> { for (int i = 0; i < n; i++) d[dOff + i] = -a[xOff + i]; }
            case ABS -> { for (int i = 0; i < n; i++) d[dOff + i] = Math.abs(a[xOff + i]); }
            case SQRT -> { for (int i = 0; i < n; i++) d[dOff + i] = Math.sqrt(a[xOff + i]); }
            case RSQRT -> { for (int i = 0; i < n; i++) d[dOff + i] = (1.0 / Math.sqrt(a[xOff + i])); }
            case RELU -> { for (int i = 0; i < n; i++) d[dOff + i] = a[xOff + i] > 0 ? a[xOff + i] : (a[xOff + i] != a[xOff + i] ? a[xOff + i] : 0.0); }
            default -> { for (int i = 0; i < n; i++) d[dOff + i] = fn.apply(a[xOff + i]); }
        }
    }

    @Override
    public void binary(BinaryFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        double[] d = (double[]) dst;
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        switch (fn) {
            case ADD -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] + b[bOff + i]; }
            case SUB -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] - b[bOff + i]; }
            case MUL -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] * b[bOff + i]; }
            case DIV -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] / b[bOff + i]; }
            case MINIMUM -> { for (int i = 0; i < n; i++) d[dOff + i] = Math.min(a[aOff + i], b[bOff + i]); }
            case MAXIMUM -> { for (int i = 0; i < n; i++) d[dOff + i] = Math.max(a[aOff + i], b[bOff + i]); }
            case POW -> { for (int i = 0; i < n; i++) d[dOff + i] = Math.pow(a[aOff + i], b[bOff + i]); }
        }
    }

    @Override
    public void fma(Object dst, int dOff, Object x, int aOff, Object y, int bOff, Object z, int cOff, int n) {
        double[] d = (double[]) dst;
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        double[] c = (double[]) z;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVector.fromArray(S, a, aOff + i).fma(DoubleVector.fromArray(S, b, bOff + i),
                    DoubleVector.fromArray(S, c, cOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = Math.fma(a[aOff + i], b[bOff + i], c[cOff + i]);
        }
    }

    @Override
    public void compare(CompareFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        double[] d = (double[]) dst;
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        switch (fn) {
            case LT -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] < b[bOff + i] ? 1.0 : 0.0; }
            case LE -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] <= b[bOff + i] ? 1.0 : 0.0; }
            case GT -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] > b[bOff + i] ? 1.0 : 0.0; }
            case GE -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] >= b[bOff + i] ? 1.0 : 0.0; }
            case EQ -> { for (int i = 0; i < n; i++) d[dOff + i] = a[aOff + i] == b[bOff + i] ? 1.0 : 0.0; }
        }
    }

    @Override
    public void where(Object dst, int dOff, Object cond, int cOff, Object x, int aOff, Object y, int bOff, int n) {
        double[] d = (double[]) dst;
        double[] c = (double[]) cond;
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        for (int i = 0; i < n; i++) {
            d[dOff + i] = c[cOff + i] != 0 ? a[aOff + i] : b[bOff + i];
        }
    }

    @Override
    public void convert(Object dst, int dOff, Object src, int sOff, int n) {
        double[] d = (double[]) dst;
        if (src instanceof double[] f) {
            System.arraycopy(f, sOff, d, dOff, n);
        } else {
            float[] s = (float[]) src;
            for (int i = 0; i < n; i++) {
                d[dOff + i] = s[sOff + i];
            }
        }
    }

    @Override
    public double reduce(ReduceFn fn, Object array, int off, int n, double acc) {
        double[] a = (double[]) array;
        VectorOperators.Associative op = switch (fn) {
            case SUM -> VectorOperators.ADD;
            case PROD -> VectorOperators.MUL;
            case MAX -> VectorOperators.MAX;
            case MIN -> VectorOperators.MIN;
        };
        int i = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            DoubleVector v = DoubleVector.fromArray(S, a, off);
            for (i = S.length(); i < bound; i += S.length()) {
                v = v.lanewise(op, DoubleVector.fromArray(S, a, off + i));
            }
            acc = fn.combine(acc, v.reduceLanes(op));
        }
        for (; i < n; i++) {
            acc = fn.combine(acc, a[off + i]);
        }
        return acc;
    }

    @Override
    public void accumulate(ReduceFn fn, Object accumulator, int accOff, Object source, int sOff, int n) {
        double[] acc = (double[]) accumulator;
        double[] src = (double[]) source;
        switch (fn) {
            case SUM -> { for (int i = 0; i < n; i++) acc[accOff + i] += src[sOff + i]; }
            case PROD -> { for (int i = 0; i < n; i++) acc[accOff + i] *= src[sOff + i]; }
            default -> { for (int i = 0; i < n; i++) acc[accOff + i] = fn.combine(acc[accOff + i], src[sOff + i]); }
        }
    }
}

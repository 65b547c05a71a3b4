package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * float64 primitives, written with the Vector API (one loop per operator: a lanewise op becomes
 * SIMD code only when its operator is a constant at the call). Transcendental functions, sigmoid,
 * softplus and rsqrt are {@link MathLoops}' (the same bits in every JIT tier and in vector
 * bodies and tails alike, docs/ARCHITECTURE.md); sign uses its scalar definition.
 *
 * <p>{@link FloatLanes} is this class for the other type, line for line (Java has no generics over
 * primitive arrays, and boxing would undo the SIMD): change both together.
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
        DoubleVector zero = DoubleVector.zero(S);
        switch (fn) {
            case EXP, LOG, LOG1P, EXPM1, SIN, COS, TAN, TANH, SIGMOID, SOFTPLUS, RSQRT ->
                    MathLoops.apply(fn, d, dOff, a, xOff, n);
            case NEG -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.NEG).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[xOff + i]);
                }
            }
            case ABS -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.ABS).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[xOff + i]);
                }
            }
            case SQRT -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.SQRT).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[xOff + i]);
                }
            }
            case RELU -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector v = DoubleVector.fromArray(S, a, xOff + i); v.blend(zero, v.compare(VectorOperators.LE, 0)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[xOff + i]);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = fn.apply(a[xOff + i]);
                }
            }
        }
    }

    @Override
    public void binary(BinaryFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        double[] d = (double[]) dst;
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        switch (fn) {
            case ADD -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.ADD, DoubleVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case SUB -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.SUB, DoubleVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case MUL -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MUL, DoubleVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case DIV -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.DIV, DoubleVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case MINIMUM -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MIN, DoubleVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case MAXIMUM -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MAX, DoubleVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = Math.pow(a[aOff + i], b[bOff + i]);
                }
            }
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
            DoubleVector.fromArray(S, a, aOff + i).fma(DoubleVector.fromArray(S, b, bOff + i), DoubleVector.fromArray(S, c, cOff + i))
                    .intoArray(d, dOff + i);
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
        DoubleVector zero = DoubleVector.zero(S);
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        switch (fn) {
            case LT -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, DoubleVector.fromArray(S, a, aOff + i).compare(VectorOperators.LT, DoubleVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1.0 : 0.0;
                }
            }
            case LE -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, DoubleVector.fromArray(S, a, aOff + i).compare(VectorOperators.LE, DoubleVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1.0 : 0.0;
                }
            }
            case GT -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, DoubleVector.fromArray(S, a, aOff + i).compare(VectorOperators.GT, DoubleVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1.0 : 0.0;
                }
            }
            case GE -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, DoubleVector.fromArray(S, a, aOff + i).compare(VectorOperators.GE, DoubleVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1.0 : 0.0;
                }
            }
            case EQ -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, DoubleVector.fromArray(S, a, aOff + i).compare(VectorOperators.EQ, DoubleVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1.0 : 0.0;
                }
            }
        }
    }

    @Override
    public void where(Object dst, int dOff, Object cond, int cOff, Object x, int aOff, Object y, int bOff, int n) {
        double[] d = (double[]) dst;
        double[] c = (double[]) cond;
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVector.fromArray(S, a, aOff + i).blend(DoubleVector.fromArray(S, b, bOff + i),
                    DoubleVector.fromArray(S, c, cOff + i).compare(VectorOperators.EQ, 0)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = c[cOff + i] != 0 ? a[aOff + i] : b[bOff + i];
        }
    }

    @Override
    public void convert(Object dst, int dOff, Object src, int sOff, int n) {
        double[] d = (double[]) dst;
        if (src instanceof double[] same) {
            System.arraycopy(same, sOff, d, dOff, n);
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
        int i = 0;
        int bound = S.loopBound(n);
        if (bound > 0) {
            // One method per operator, each with its own vectors: a vector shared by four loops
            // in one method (or loops too many to inline together) stayed a heap object, an
            // allocation per vector once more than one kind of reduction had run.
            acc = fn.combine(acc, switch (fn) {
                case SUM -> sum(a, off, bound);
                case PROD -> product(a, off, bound);
                case MAX -> max(a, off, bound);
                case MIN -> min(a, off, bound);
            });
            i = bound;
        }
        for (; i < n; i++) {
            acc = fn.combine(acc, a[off + i]);
        }
        return acc;
    }

    /**
     * Lane swaps across halves, quarters, ... of a vector: sums and products fold their lanes in
     * this fixed tree, the same in every JIT tier. (reduceLanes(ADD) and (MUL) are not: the Java
     * fallback adds the lanes in order, C2 in a tree, and the bits differ.)
     */
    private static final VectorShuffle<Double>[] SWAPS = swaps();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Double>[] swaps() {
        java.util.List<VectorShuffle<Double>> swaps = new java.util.ArrayList<>();
        for (int half = S.length() / 2; half > 0; half /= 2) {
            int h = half;
            swaps.add(VectorShuffle.fromOp(S, i -> i ^ h));
        }
        return swaps.toArray(new VectorShuffle[0]);
    }

    private static double sum(double[] a, int off, int bound) {
        DoubleVector v = DoubleVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.add(DoubleVector.fromArray(S, a, off + i));
        }
        for (VectorShuffle<Double> swap : SWAPS) {
            v = v.add(v.rearrange(swap));
        }
        return v.lane(0);
    }

    private static double product(double[] a, int off, int bound) {
        DoubleVector v = DoubleVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.mul(DoubleVector.fromArray(S, a, off + i));
        }
        for (VectorShuffle<Double> swap : SWAPS) {
            v = v.mul(v.rearrange(swap));
        }
        return v.lane(0);
    }

    private static double max(double[] a, int off, int bound) {
        DoubleVector v = DoubleVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.max(DoubleVector.fromArray(S, a, off + i));
        }
        return v.reduceLanes(VectorOperators.MAX);
    }

    private static double min(double[] a, int off, int bound) {
        DoubleVector v = DoubleVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.min(DoubleVector.fromArray(S, a, off + i));
        }
        return v.reduceLanes(VectorOperators.MIN);
    }

    @Override
    public void accumulate(ReduceFn fn, Object accumulator, int accOff, Object source, int sOff, int n) {
        double[] acc = (double[]) accumulator;
        double[] src = (double[]) source;
        int i = 0;
        int bound = S.loopBound(n);
        switch (fn) {
            case SUM -> {
                for (; i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, acc, accOff + i).add(DoubleVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
                }
            }
            case PROD -> {
                for (; i < bound; i += S.length()) {
                    DoubleVector.fromArray(S, acc, accOff + i).mul(DoubleVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
                }
            }
            default -> { }
        }
        for (; i < n; i++) {
            acc[accOff + i] = fn.combine(acc[accOff + i], src[sOff + i]);
        }
    }
}

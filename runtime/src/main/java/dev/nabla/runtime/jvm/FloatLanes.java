package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 primitives, written with the Vector API (one loop per operator: a lanewise op becomes
 * SIMD code only when its operator is a constant at the call). Transcendental functions, sigmoid,
 * softplus and rsqrt are {@link MathLoops}' (the same bits in every JIT tier and in vector
 * bodies and tails alike, docs/ARCHITECTURE.md); sign uses its scalar definition.
 *
 * <p>The build makes {@code DoubleLanes} from this file by swapping the types (runtime/pom.xml):
 * Java has no generics over primitive arrays, and boxing would undo the SIMD. Lines marked
 * "both types" keep their types, the {@link Lanes} interface's.
 */
final class FloatLanes implements Lanes {
    static final FloatLanes INSTANCE = new FloatLanes();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FloatLanes() {}

    @Override
    public Object newArray(int n) {
        return new float[n];
    }

    @Override
    public void fill(Object dst, int dOff, double value, int n) {  // both types (Lanes)
        java.util.Arrays.fill((float[]) dst, dOff, dOff + n, (float) value);
    }

    @Override
    public void unary(UnaryFn fn, Object dst, int dOff, Object x, int xOff, int n) {
        float[] d = (float[]) dst;
        float[] a = (float[]) x;
        FloatVector zero = FloatVector.zero(S);
        switch (fn) {
            case EXP, LOG, LOG1P, EXPM1, SIN, COS, TAN, TANH, SIGMOID, SOFTPLUS, RSQRT ->
                    MathLoops.apply(fn, d, dOff, a, xOff, n);
            case NEG -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.NEG).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[xOff + i]);
                }
            }
            case ABS -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.ABS).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[xOff + i]);
                }
            }
            case SQRT -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.SQRT).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[xOff + i]);
                }
            }
            case RELU -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, a, xOff + i); v.blend(zero, v.compare(VectorOperators.LE, 0)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[xOff + i]);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[xOff + i]);
                }
            }
        }
    }

    @Override
    public void binary(BinaryFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        float[] d = (float[]) dst;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        switch (fn) {
            case ADD -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.ADD, FloatVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case SUB -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.SUB, FloatVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case MUL -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MUL, FloatVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case DIV -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.DIV, FloatVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case MINIMUM -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MIN, FloatVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case MAXIMUM -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MAX, FloatVector.fromArray(S, b, bOff + i)).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[aOff + i], b[bOff + i]);
                }
            }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = (float) Math.pow(a[aOff + i], b[bOff + i]);
                }
            }
        }
    }

    @Override
    public void fma(Object dst, int dOff, Object x, int aOff, Object y, int bOff, Object z, int cOff, int n) {
        float[] d = (float[]) dst;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        float[] c = (float[]) z;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), FloatVector.fromArray(S, c, cOff + i))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = Math.fma(a[aOff + i], b[bOff + i], c[cOff + i]);
        }
    }

    @Override
    public void compare(CompareFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        float[] d = (float[]) dst;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        switch (fn) {
            case LT -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.LT, FloatVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
                }
            }
            case LE -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.LE, FloatVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
                }
            }
            case GT -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.GT, FloatVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
                }
            }
            case GE -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.GE, FloatVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
                }
            }
            case EQ -> {
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                    zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.EQ, FloatVector.fromArray(S, b, bOff + i))).intoArray(d, dOff + i);
                }
                for (; i < n; i++) {
                    d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
                }
            }
        }
    }

    @Override
    public void where(Object dst, int dOff, Object cond, int cOff, Object x, int aOff, Object y, int bOff, int n) {
        float[] d = (float[]) dst;
        float[] c = (float[]) cond;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).blend(FloatVector.fromArray(S, b, bOff + i),
                    FloatVector.fromArray(S, c, cOff + i).compare(VectorOperators.EQ, 0)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = c[cOff + i] != 0 ? a[aOff + i] : b[bOff + i];
        }
    }

    @Override
    public void convert(Object dst, int dOff, Object src, int sOff, int n) {
        float[] d = (float[]) dst;
        if (src instanceof float[] same) {
            System.arraycopy(same, sOff, d, dOff, n);
        } else {
            double[] s = (double[]) src;
            for (int i = 0; i < n; i++) {
                d[dOff + i] = (float) s[sOff + i];
            }
        }
    }

    @Override
    public double reduce(ReduceFn fn, Object array, int off, int n, double acc) {  // both types (Lanes)
        float[] a = (float[]) array;
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
    private static final VectorShuffle<Float>[] SWAPS = swaps();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] swaps() {
        java.util.List<VectorShuffle<Float>> swaps = new java.util.ArrayList<>();
        for (int half = S.length() / 2; half > 0; half /= 2) {
            int h = half;
            swaps.add(VectorShuffle.fromOp(S, i -> i ^ h));
        }
        return swaps.toArray(new VectorShuffle[0]);
    }

    private static float sum(float[] a, int off, int bound) {
        FloatVector v = FloatVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.add(FloatVector.fromArray(S, a, off + i));
        }
        for (VectorShuffle<Float> swap : SWAPS) {
            v = v.add(v.rearrange(swap));
        }
        return v.lane(0);
    }

    private static float product(float[] a, int off, int bound) {
        FloatVector v = FloatVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.mul(FloatVector.fromArray(S, a, off + i));
        }
        for (VectorShuffle<Float> swap : SWAPS) {
            v = v.mul(v.rearrange(swap));
        }
        return v.lane(0);
    }

    private static float max(float[] a, int off, int bound) {
        FloatVector v = FloatVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.max(FloatVector.fromArray(S, a, off + i));
        }
        return v.reduceLanes(VectorOperators.MAX);
    }

    private static float min(float[] a, int off, int bound) {
        FloatVector v = FloatVector.fromArray(S, a, off);
        for (int i = S.length(); i < bound; i += S.length()) {
            v = v.min(FloatVector.fromArray(S, a, off + i));
        }
        return v.reduceLanes(VectorOperators.MIN);
    }

    @Override
    public void accumulate(ReduceFn fn, Object accumulator, int accOff, Object source, int sOff, int n) {
        float[] acc = (float[]) accumulator;
        float[] src = (float[]) source;
        int i = 0;
        int bound = S.loopBound(n);
        switch (fn) {
            case SUM -> {
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, acc, accOff + i).add(FloatVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
                }
            }
            case PROD -> {
                for (; i < bound; i += S.length()) {
                    FloatVector.fromArray(S, acc, accOff + i).mul(FloatVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
                }
            }
            default -> { }
        }
        for (; i < n; i++) {
            acc[accOff + i] = (float) fn.combine(acc[accOff + i], src[sOff + i]);
        }
    }
}

package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.ScalarMath;
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
        // One method per operator, as in reduce: C2 compiles a method's cases that had not run
        // yet as calls it cannot see through, and where it may no longer set traps (a method that
        // has recorded too many) it never recompiles them, so a vector loop sharing a method with
        // cases run later kept boxing its vectors (JvmBackendAllocationTest's every kind of step,
        // in the no-speculation JVM of UnspeculativeJitAllocationTest).
        switch (fn) {
            case EXP, LOG, LOG1P, EXPM1, SIN, COS, TAN, TANH, SIGMOID, SOFTPLUS, RSQRT ->
                    MathLoops.apply(fn, d, dOff, a, xOff, n);
            case NEG -> neg(d, dOff, a, xOff, n);
            case ABS -> abs(d, dOff, a, xOff, n);
            case SQRT -> sqrt(d, dOff, a, xOff, n);
            case RELU -> relu(d, dOff, a, xOff, n);
            default -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = (float) fn.apply(a[xOff + i]);
                }
            }
        }
    }

    private static void neg(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.NEG).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) UnaryFn.NEG.apply(a[xOff + i]);
        }
    }

    private static void abs(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.ABS).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) UnaryFn.ABS.apply(a[xOff + i]);
        }
    }

    private static void sqrt(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, xOff + i).lanewise(VectorOperators.SQRT).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) UnaryFn.SQRT.apply(a[xOff + i]);
        }
    }

    private static void relu(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, a, xOff + i);
            v.blend(FloatVector.zero(S), v.compare(VectorOperators.LE, 0)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) UnaryFn.RELU.apply(a[xOff + i]);
        }
    }

    @Override
    public void binary(BinaryFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        float[] d = (float[]) dst;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        switch (fn) {
            case ADD -> add(d, dOff, a, aOff, b, bOff, n);
            case SUB -> subtract(d, dOff, a, aOff, b, bOff, n);
            case MUL -> multiply(d, dOff, a, aOff, b, bOff, n);
            case DIV -> divide(d, dOff, a, aOff, b, bOff, n);
            case MINIMUM -> minimum(d, dOff, a, aOff, b, bOff, n);
            case MAXIMUM -> maximum(d, dOff, a, aOff, b, bOff, n);
            case POW -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = (float) ScalarMath.pow(a[aOff + i], b[bOff + i]);
                }
            }
        }
    }

    private static void add(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.ADD, FloatVector.fromArray(S, b, bOff + i))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) BinaryFn.ADD.apply(a[aOff + i], b[bOff + i]);
        }
    }

    private static void subtract(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.SUB, FloatVector.fromArray(S, b, bOff + i))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) BinaryFn.SUB.apply(a[aOff + i], b[bOff + i]);
        }
    }

    private static void multiply(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MUL, FloatVector.fromArray(S, b, bOff + i))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) BinaryFn.MUL.apply(a[aOff + i], b[bOff + i]);
        }
    }

    private static void divide(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.DIV, FloatVector.fromArray(S, b, bOff + i))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) BinaryFn.DIV.apply(a[aOff + i], b[bOff + i]);
        }
    }

    private static void minimum(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MIN, FloatVector.fromArray(S, b, bOff + i))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) BinaryFn.MINIMUM.apply(a[aOff + i], b[bOff + i]);
        }
    }

    private static void maximum(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, aOff + i).lanewise(VectorOperators.MAX, FloatVector.fromArray(S, b, bOff + i))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = (float) BinaryFn.MAXIMUM.apply(a[aOff + i], b[bOff + i]);
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
        switch (fn) {
            case LT -> less(d, dOff, a, aOff, b, bOff, n);
            case LE -> lessOrEqual(d, dOff, a, aOff, b, bOff, n);
            case GT -> greater(d, dOff, a, aOff, b, bOff, n);
            case GE -> greaterOrEqual(d, dOff, a, aOff, b, bOff, n);
            case EQ -> equal(d, dOff, a, aOff, b, bOff, n);
        }
    }

    private static void less(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.LT, FloatVector.fromArray(S, b, bOff + i)))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = CompareFn.LT.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
        }
    }

    private static void lessOrEqual(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.LE, FloatVector.fromArray(S, b, bOff + i)))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = CompareFn.LE.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
        }
    }

    private static void greater(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.GT, FloatVector.fromArray(S, b, bOff + i)))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = CompareFn.GT.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
        }
    }

    private static void greaterOrEqual(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.GE, FloatVector.fromArray(S, b, bOff + i)))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = CompareFn.GE.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
        }
    }

    private static void equal(float[] d, int dOff, float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            zero.blend(one, FloatVector.fromArray(S, a, aOff + i).compare(VectorOperators.EQ, FloatVector.fromArray(S, b, bOff + i)))
                    .intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = CompareFn.EQ.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
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
        switch (fn) {
            case SUM -> accumulateSum(acc, accOff, src, sOff, n);
            case PROD -> accumulateProduct(acc, accOff, src, sOff, n);
            case MAX -> accumulateMax(acc, accOff, src, sOff, n);
            case MIN -> accumulateMin(acc, accOff, src, sOff, n);
        }
    }

    private static void accumulateSum(float[] acc, int accOff, float[] src, int sOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, acc, accOff + i).add(FloatVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = (float) ReduceFn.SUM.combine(acc[accOff + i], src[sOff + i]);
        }
    }

    /** Lane by lane as Math.max: a NaN wins, and +0 is larger than -0 (as ReduceFn.MAX). */
    private static void accumulateMax(float[] acc, int accOff, float[] src, int sOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, acc, accOff + i).max(FloatVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = (float) ReduceFn.MAX.combine(acc[accOff + i], src[sOff + i]);
        }
    }

    /** Lane by lane as Math.min: a NaN wins, and -0 is smaller than +0 (as ReduceFn.MIN). */
    private static void accumulateMin(float[] acc, int accOff, float[] src, int sOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, acc, accOff + i).min(FloatVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = (float) ReduceFn.MIN.combine(acc[accOff + i], src[sOff + i]);
        }
    }

    private static void accumulateProduct(float[] acc, int accOff, float[] src, int sOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, acc, accOff + i).mul(FloatVector.fromArray(S, src, sOff + i)).intoArray(acc, accOff + i);
        }
        for (; i < n; i++) {
            acc[accOff + i] = (float) ReduceFn.PROD.combine(acc[accOff + i], src[sOff + i]);
        }
    }
}

package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.runtime.jvm.math.FloatMath;
import dev.nabla.runtime.jvm.math.FloatVectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatLanes}' loops for the functions of {@link FloatVectorMath}: the vector body and the
 * scalar tail compute each element with the same operations, so where an element falls (which
 * depends on chunking and threads) does not change its bits. One method per function, so that
 * each is compiled with its function inlined and its vectors in registers.
 */
final class FloatMathLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FloatMathLoops() {}

    static void apply(UnaryFn fn, float[] d, int dOff, float[] a, int xOff, int n) {
        switch (fn) {
            case EXP -> exp(d, dOff, a, xOff, n);
            case LOG -> log(d, dOff, a, xOff, n);
            case LOG1P -> log1p(d, dOff, a, xOff, n);
            case EXPM1 -> expm1(d, dOff, a, xOff, n);
            case SIN -> sin(d, dOff, a, xOff, n);
            case COS -> cos(d, dOff, a, xOff, n);
            case TAN -> tan(d, dOff, a, xOff, n);
            case TANH -> tanh(d, dOff, a, xOff, n);
            case SIGMOID -> sigmoid(d, dOff, a, xOff, n);
            case SOFTPLUS -> softplus(d, dOff, a, xOff, n);
            case RSQRT -> rsqrt(d, dOff, a, xOff, n);
            default -> throw new IllegalArgumentException(fn.name());
        }
    }

    private static void exp(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.exp(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.exp(a[xOff + i]);
        }
    }

    private static void log(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.log(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.log(a[xOff + i]);
        }
    }

    private static void log1p(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.log1p(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.log1p(a[xOff + i]);
        }
    }

    private static void expm1(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.expm1(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.expm1(a[xOff + i]);
        }
    }

    private static void sin(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.sin(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.sin(a[xOff + i]);
        }
    }

    private static void cos(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.cos(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.cos(a[xOff + i]);
        }
    }

    private static void tan(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.tan(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.tan(a[xOff + i]);
        }
    }

    private static void tanh(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.tanh(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.tanh(a[xOff + i]);
        }
    }

    private static void sigmoid(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.sigmoid(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.sigmoid(a[xOff + i]);
        }
    }

    private static void softplus(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.softplus(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.softplus(a[xOff + i]);
        }
    }

    private static void rsqrt(float[] d, int dOff, float[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVectorMath.rsqrt(FloatVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = FloatMath.rsqrt(a[xOff + i]);
        }
    }
}

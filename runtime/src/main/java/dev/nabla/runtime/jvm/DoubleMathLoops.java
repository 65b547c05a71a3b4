package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.runtime.jvm.math.DoubleMath;
import dev.nabla.runtime.jvm.math.DoubleVectorMath;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DoubleLanes}' loops for the functions of {@link DoubleVectorMath}: the vector body and the
 * scalar tail compute each element with the same operations, so where an element falls (which
 * depends on chunking and threads) does not change its bits. One method per function, so that
 * each is compiled with its function inlined and its vectors in registers.
 */
final class DoubleMathLoops {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

    private DoubleMathLoops() {}

    static void apply(UnaryFn fn, double[] d, int dOff, double[] a, int xOff, int n) {
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

    private static void exp(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.exp(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.exp(a[xOff + i]);
        }
    }

    private static void log(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.log(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.log(a[xOff + i]);
        }
    }

    private static void log1p(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.log1p(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.log1p(a[xOff + i]);
        }
    }

    private static void expm1(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.expm1(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.expm1(a[xOff + i]);
        }
    }

    private static void sin(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.sin(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.sin(a[xOff + i]);
        }
    }

    private static void cos(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.cos(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.cos(a[xOff + i]);
        }
    }

    private static void tan(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.tan(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.tan(a[xOff + i]);
        }
    }

    private static void tanh(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.tanh(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.tanh(a[xOff + i]);
        }
    }

    private static void sigmoid(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.sigmoid(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.sigmoid(a[xOff + i]);
        }
    }

    private static void softplus(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.softplus(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.softplus(a[xOff + i]);
        }
    }

    private static void rsqrt(double[] d, int dOff, double[] a, int xOff, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            DoubleVectorMath.rsqrt(DoubleVector.fromArray(S, a, xOff + i)).intoArray(d, dOff + i);
        }
        for (; i < n; i++) {
            d[dOff + i] = DoubleMath.rsqrt(a[xOff + i]);
        }
    }
}

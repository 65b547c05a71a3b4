package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;

/**
 * float64 primitives in plain Java loops, for JVMs started without the Vector API
 * ({@link VectorSupport}). Every element is computed as {@link DoubleLanes} computes it
 * ({@link UnaryScalars}: the transcendental functions as {@code DoubleMath}, which the SIMD code
 * matches bit for bit), so elementwise results do not depend on the flag (reductions add in
 * another order). The cheap arithmetic has loops of its own, which C2 may vectorize by itself;
 * the rest goes through the enums.
 *
 * <p>{@link PlainFloatLanes} is this class for the other type, line for line: change both together.
 */
final class PlainDoubleLanes implements Lanes {
    static final PlainDoubleLanes INSTANCE = new PlainDoubleLanes();

    private PlainDoubleLanes() {}

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
        switch (fn) {
            case NEG -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = -a[xOff + i];
                }
            }
            case ABS -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = Math.abs(a[xOff + i]);
                }
            }
            case SQRT -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = Math.sqrt(a[xOff + i]);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = UnaryScalars.apply(fn, a[xOff + i]);
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
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = a[aOff + i] + b[bOff + i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = a[aOff + i] - b[bOff + i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = a[aOff + i] * b[bOff + i];
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = a[aOff + i] / b[bOff + i];
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    d[dOff + i] = fn.apply(a[aOff + i], b[bOff + i]);
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
        for (int i = 0; i < n; i++) {
            d[dOff + i] = Math.fma(a[aOff + i], b[bOff + i], c[cOff + i]);
        }
    }

    @Override
    public void compare(CompareFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        double[] d = (double[]) dst;
        double[] a = (double[]) x;
        double[] b = (double[]) y;
        for (int i = 0; i < n; i++) {
            d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1.0 : 0.0;
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
        for (int i = 0; i < n; i++) {
            acc = fn.combine(acc, a[off + i]);
        }
        return acc;
    }

    @Override
    public void accumulate(ReduceFn fn, Object accumulator, int accOff, Object source, int sOff, int n) {
        double[] acc = (double[]) accumulator;
        double[] src = (double[]) source;
        for (int i = 0; i < n; i++) {
            acc[accOff + i] = fn.combine(acc[accOff + i], src[sOff + i]);
        }
    }
}

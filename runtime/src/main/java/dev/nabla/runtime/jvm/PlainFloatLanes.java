package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;

/**
 * float32 primitives in plain Java loops, for JVMs started without the Vector API
 * ({@link VectorSupport}). Every element is computed as {@link FloatLanes} computes it
 * ({@link UnaryScalars}: the transcendental functions as {@code FloatMath}, which the SIMD code
 * matches bit for bit), so elementwise results do not depend on the flag (reductions add in
 * another order). The cheap arithmetic has loops of its own, which C2 may vectorize by itself;
 * the rest goes through the enums.
 *
 * <p>The build makes {@code PlainDoubleLanes} from this file by swapping the types (runtime/pom.xml).
 */
final class PlainFloatLanes implements Lanes {
    static final PlainFloatLanes INSTANCE = new PlainFloatLanes();

    private PlainFloatLanes() {}

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
                    d[dOff + i] = (float) Math.sqrt(a[xOff + i]);
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
        float[] d = (float[]) dst;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
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
                    d[dOff + i] = (float) fn.apply(a[aOff + i], b[bOff + i]);
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
        for (int i = 0; i < n; i++) {
            d[dOff + i] = Math.fma(a[aOff + i], b[bOff + i], c[cOff + i]);
        }
    }

    @Override
    public void compare(CompareFn fn, Object dst, int dOff, Object x, int aOff, Object y, int bOff, int n) {
        float[] d = (float[]) dst;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        for (int i = 0; i < n; i++) {
            d[dOff + i] = fn.test(a[aOff + i], b[bOff + i]) ? 1f : 0f;
        }
    }

    @Override
    public void where(Object dst, int dOff, Object cond, int cOff, Object x, int aOff, Object y, int bOff, int n) {
        float[] d = (float[]) dst;
        float[] c = (float[]) cond;
        float[] a = (float[]) x;
        float[] b = (float[]) y;
        for (int i = 0; i < n; i++) {
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
        for (int i = 0; i < n; i++) {
            acc = fn.combine(acc, a[off + i]);
        }
        return acc;
    }

    @Override
    public void accumulate(ReduceFn fn, Object accumulator, int accOff, Object source, int sOff, int n) {
        float[] acc = (float[]) accumulator;
        float[] src = (float[]) source;
        for (int i = 0; i < n; i++) {
            acc[accOff + i] = (float) fn.combine(acc[accOff + i], src[sOff + i]);
        }
    }
}

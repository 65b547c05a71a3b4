package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.UnaryFn;

/**
 * Elementwise primitives over runs of n elements of one working type (float[] or double[]
 * arrays, each with an offset). Fused kernels are sequences of these over chunks small enough
 * to stay in the L1 cache, so no intermediate value goes to memory.
 */
interface Lanes {
    Object newArray(int n);

    void fill(Object dst, int dOff, double value, int n);

    void unary(UnaryFn fn, Object dst, int dOff, Object x, int xOff, int n);

    void binary(BinaryFn fn, Object dst, int dOff, Object a, int aOff, Object b, int bOff, int n);

    void fma(Object dst, int dOff, Object a, int aOff, Object b, int bOff, Object c, int cOff, int n);

    /** dst = 1 where the comparison holds, else 0. */
    void compare(CompareFn fn, Object dst, int dOff, Object a, int aOff, Object b, int bOff, int n);

    /** dst = a where cond != 0, else b. */
    void where(Object dst, int dOff, Object cond, int cOff, Object a, int aOff, Object b, int bOff, int n);

    /** Copies n elements from an array of any storage type (float[] or double[]), converting. */
    void convert(Object dst, int dOff, Object src, int sOff, int n);

    /** Folds n elements into acc with the reduction's combine (any association order). */
    double reduce(dev.nabla.compiler.ir.ReduceFn fn, Object a, int off, int n, double acc);

    /** acc[i] = combine(acc[i], src[i]) for n elements. */
    void accumulate(dev.nabla.compiler.ir.ReduceFn fn, Object acc, int accOff, Object src, int sOff, int n);

    /** The Vector API's primitives, or plain loops when the JVM lacks it ({@link VectorSupport}). */
    static Lanes of(dev.nabla.core.DType working) {
        boolean f32 = working == dev.nabla.core.DType.F32;
        if (!VectorSupport.enabled()) {
            return f32 ? PlainFloatLanes.INSTANCE : PlainDoubleLanes.INSTANCE;
        }
        return f32 ? FloatLanes.INSTANCE : DoubleLanes.INSTANCE;
    }
}

package dev.nabla.runtime.jvm;

/**
 * Generated code for a fused elementwise kernel: computes the elements of [start, end) that fill
 * whole SIMD vectors and returns where it stopped; the caller finishes the tail.
 */
public interface RangeKernel {
    int run(Object[] buffers, int start, int end);
}

package dev.nabla.runtime.jvm;

/**
 * Generated code for a fused elementwise kernel over rows ({@link RowLayout}): computes every
 * element of rows [rowFrom, rowTo), tails included.
 */
public interface RowKernel {
    void run(Object[] buffers, int rowFrom, int rowTo);
}

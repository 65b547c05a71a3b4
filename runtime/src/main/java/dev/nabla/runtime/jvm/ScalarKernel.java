package dev.nabla.runtime.jvm;

/** A generated straight-line program over scalars: in holds inputs then parameters. */
public interface ScalarKernel {
    void run(double[] in, double[] out);
}

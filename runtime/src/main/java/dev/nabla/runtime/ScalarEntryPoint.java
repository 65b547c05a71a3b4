package dev.nabla.runtime;

/**
 * Compiled code for a program of scalars, called with plain doubles: no arrays to wrap, no
 * allocation. {@code in} holds the program's inputs, then its parameters; {@code out} receives
 * its results.
 */
@FunctionalInterface
public interface ScalarEntryPoint {
    void run(double[] in, double[] out);
}

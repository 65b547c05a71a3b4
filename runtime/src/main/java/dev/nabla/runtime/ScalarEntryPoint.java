package dev.nabla.runtime;

/**
 * Compiled code for a program of scalars, called with plain doubles: no arrays to wrap, no
 * allocation. {@code frame} holds the program's inputs, then its parameters, then room for the
 * code's own use, {@code frameSize} in all; {@code out} receives its results.
 */
public record ScalarEntryPoint(Code code, int frameSize) {
    @FunctionalInterface
    public interface Code {
        void run(double[] frame, double[] out);
    }

    public void run(double[] frame, double[] out) {
        code.run(frame, out);
    }
}

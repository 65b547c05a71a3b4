package dev.nabla.compiler.ir;

import java.util.Arrays;

/** The value of a constant node: one number repeated over the node's shape, or dense data. */
public sealed interface Literal {
    double at(int flatIndex);

    /** Every element equals {@code value}. */
    record Fill(double value) implements Literal {
        @Override
        public double at(int flatIndex) {
            return value;
        }

        @Override
        public boolean equals(Object o) {
            // Bitwise, so that 0.0 and -0.0 (and NaNs) stay distinct constants.
            return o instanceof Fill f && Double.doubleToLongBits(f.value) == Double.doubleToLongBits(value);
        }

        @Override
        public int hashCode() {
            return Double.hashCode(value);
        }
    }

    /**
     * The zero a derivative rule makes where a slope or cotangent is structurally absent (sign's
     * slope, relu's off side, a variable the output does not reach). It is exactly zero whatever
     * it meets: zero times NaN is zero here, as in PyTorch's zero gradients, and the simplifier
     * drops it from sums and products. Derivatives hand results back to the user as ordinary
     * zeros, so user arithmetic never sees one.
     */
    record Zero() implements Literal {
        @Override
        public double at(int flatIndex) {
            return 0;
        }
    }

    /**
     * The identity matrix of {@code size} rows, flattened: ones at every (size+1)-th element. It
     * seeds the batched vjp or jvp of a whole Jacobian; kept symbolic so that it costs no memory
     * in the graph and the simplifier can see that a product with it is the other factor.
     */
    record Identity(int size) implements Literal {
        @Override
        public double at(int flatIndex) {
            return flatIndex % (size + 1) == 0 ? 1 : 0;
        }
    }

    /** Row-major data, one double per element (already rounded to the node's dtype). */
    record Dense(double[] values) implements Literal {
        public Dense {
            values = values.clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        @Override
        public double at(int flatIndex) {
            return values[flatIndex];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Dense d && Arrays.equals(values, d.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return values.length <= 8 ? Arrays.toString(values) : "Dense[" + values.length + " values]";
        }
    }

    /** A fill when all values agree, so that constant folding and printing see the number. */
    static Literal of(double[] values) {
        for (int i = 1; i < values.length; i++) {
            if (Double.doubleToLongBits(values[i]) != Double.doubleToLongBits(values[0])) {
                return new Dense(values);
            }
        }
        return values.length == 0 ? new Dense(values) : new Fill(values[0]);
    }
}

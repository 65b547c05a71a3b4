package dev.nabla.core;

/** Element types. Floating types carry values and gradients; the others carry masks and indices. */
public enum DType {
    /** 32-bit IEEE floating point, stored as floats: the usual type of values and gradients. */
    F32("f32", 4),
    /** 64-bit IEEE floating point, stored as doubles. */
    F64("f64", 8),
    /** 32-bit integers (indices, labels), stored as doubles holding whole numbers. */
    I32("i32", 4),
    /** Booleans (masks, comparison results), stored as doubles holding 0 or 1. */
    BOOL("bool", 1);

    private final String shortName;
    private final int byteSize;

    DType(String shortName, int byteSize) {
        this.shortName = shortName;
        this.byteSize = byteSize;
    }

    /** {@return how a backend stores this type: f32 as floats, everything else as doubles} */
    public DType storage() {
        return this == F32 ? F32 : F64;
    }

    /** {@return whether this is f32 or f64, the types that carry values and gradients} */
    public boolean isFloating() {
        return this == F32 || this == F64;
    }

    /** {@return the size of one element in a saved file (safetensors): 4, 8, 4 or 1 bytes} */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Rounds a double to the nearest value this type can hold: how every backend stores a result.
     * For f32 a value computed in double and rounded once equals IEEE single-precision arithmetic
     * for + - * / and sqrt (double has more than 2*24+2 bits).
     *
     * @param v the value to round
     * @return {@code v} as this type holds it: a float's value, an integer truncated toward zero,
     *         or 0/1 for bool
     */
    public double round(double v) {
        return switch (this) {
            case F32 -> (float) v;
            case F64 -> v;
            case I32 -> (int) v;
            case BOOL -> v != 0 ? 1 : 0;
        };
    }

    @Override
    public String toString() {
        return shortName;
    }
}

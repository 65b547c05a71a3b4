package dev.nabla.core;

/** Element types. Floating types carry values and gradients; the others carry masks and indices. */
public enum DType {
    F32("f32", 4),
    F64("f64", 8),
    I32("i32", 4),
    BOOL("bool", 1);

    private final String shortName;
    private final int byteSize;

    DType(String shortName, int byteSize) {
        this.shortName = shortName;
        this.byteSize = byteSize;
    }

    /** How a backend stores this type: f32 as floats, everything else as doubles. */
    public DType storage() {
        return this == F32 ? F32 : F64;
    }

    public boolean isFloating() {
        return this == F32 || this == F64;
    }

    public int byteSize() {
        return byteSize;
    }

    /**
     * Rounds a double to the nearest value this type can hold: how every backend stores a result.
     * For f32 a value computed in double and rounded once equals IEEE single-precision arithmetic
     * for + - * / and sqrt (double has more than 2*24+2 bits).
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

package dev.nabla.compiler.ir;

/** Elementwise comparisons; the result is a bool mask (1 or 0). */
public enum CompareFn {
    LT, LE, GT, GE, EQ;

    public boolean test(double a, double b) {
        return switch (this) {
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
            case EQ -> a == b;
        };
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

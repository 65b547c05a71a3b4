package dev.nabla.compiler.ir;

/** Elementwise functions of two arguments. */
public enum BinaryFn {
    ADD, SUB, MUL, DIV, POW, MINIMUM, MAXIMUM;

    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case POW -> ScalarMath.pow(a, b);
            // NaN-propagating, as torch.minimum/maximum.
            case MINIMUM -> Math.min(a, b);
            case MAXIMUM -> Math.max(a, b);
        };
    }

    public boolean isCommutative() {
        return this == ADD || this == MUL || this == MINIMUM || this == MAXIMUM;
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package dev.nabla.compiler.ir;

/** Elementwise functions of one argument, with their exact double-precision definition. */
public enum UnaryFn {
    NEG, EXP, LOG, LOG1P, EXPM1, SQRT, RSQRT, ABS, SIGN, SIN, COS, TAN, TANH, SIGMOID, RELU, SOFTPLUS;

    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case LOG1P -> Math.log1p(x);
            case EXPM1 -> Math.expm1(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> ScalarMath.rsqrt(x);
            case ABS -> Math.abs(x);
            case SIGN -> ScalarMath.sign(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TAN -> Math.tan(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> ScalarMath.sigmoid(x);
            case RELU -> ScalarMath.relu(x);
            case SOFTPLUS -> ScalarMath.softplus(x);
        };
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

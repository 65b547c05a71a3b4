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
            case RSQRT -> 1.0 / Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SIGN -> Double.isNaN(x) ? x : Math.signum(x) + 0.0;
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TAN -> Math.tan(x);
            case TANH -> Math.tanh(x);
            // Both branches avoid exp overflow.
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case RELU -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
            // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
            case SOFTPLUS -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
        };
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.View;
import java.util.function.Function;

/**
 * Writes a fused elementwise body as Java statements for a TornadoVM kernel: one local per tree
 * node, in the kernel's working type (float for f32, double otherwise). Functions that OpenCL
 * lacks or defines differently (log1p, expm1, sigmoid, NaN-propagating minimum) call the
 * helpers {@link KernelSource} adds to every class; their names avoid OpenCL built-ins.
 */
final class ExprCode {
    private final StringBuilder out;
    private final String type;
    private final Function<View, String> load;
    private int next;

    /**
     * @param out  where the statements go
     * @param type "float" or "double"
     * @param load a Java expression reading a view's element at the current index
     */
    ExprCode(StringBuilder out, String type, Function<View, String> load) {
        this.out = out;
        this.type = type;
        this.load = load;
    }

    /** Appends statements computing {@code e}; returns the local that holds it. */
    String emit(Expr e, String indent) {
        String value = switch (e) {
            case Expr.Load l -> "(" + type + ") " + load.apply(l.view());
            case Expr.Const c -> literal(c.value());
            case Expr.Unary u -> unary(u, emit(u.x(), indent));
            case Expr.Binary b -> binary(b, emit(b.a(), indent), emit(b.b(), indent));
            // TornadoVM's OpenCL backend contracts a * b + c into one fma.
            case Expr.Fma f -> emit(f.a(), indent) + " * " + emit(f.b(), indent) + " + " + emit(f.c(), indent);
            case Expr.Compare c -> compare(c, emit(c.a(), indent), emit(c.b(), indent));
            case Expr.Where w -> {
                String cond = emit(w.cond(), indent);
                String a = emit(w.a(), indent);
                String b = emit(w.b(), indent);
                yield cond + " != 0 ? " + a + " : " + b;
            }
        };
        String local = "t" + next++;
        out.append(indent).append(type).append(' ').append(local).append(" = ").append(value).append(";\n");
        return local;
    }

    String literal(double v) {
        boolean f = type.equals("float");
        String box = f ? "Float" : "Double";
        // NaN, and infinities in double, are read from memory, never written as constants:
        // TornadoVM prints NaN as "NaNF", which OpenCL does not know, and a double infinity as a
        // float, which OpenCL's isequal(double, float) and the like reject.
        if (Double.isNaN(v)) {
            return "(" + type + ") " + KernelSource.SPECIALS + ".get(2)";
        }
        if (Double.isInfinite(v)) {
            return f ? box + (v > 0 ? ".POSITIVE_INFINITY" : ".NEGATIVE_INFINITY")
                    : KernelSource.SPECIALS + ".get(" + (v > 0 ? 0 : 1) + ")";
        }
        return f ? "(" + Float.toString((float) v) + "f)" : "(" + v + ")";
    }

    private String suffix() {
        return type.equals("float") ? "F" : "D";
    }

    /**
     * A math function: in double and rounded for f32 kernels, because OpenCL's float functions
     * may be several ulp off (PoCL's tanh stops short of 1, so 1 - tanh^2 never reaches 0).
     */
    private String math(String fn, String x) {
        return type.equals("float") ? "(float) TornadoMath." + fn + "((double) " + x + ")" : "TornadoMath." + fn + "(" + x + ")";
    }

    private String unary(Expr.Unary u, String x) {
        String one = literal(1);
        String zero = literal(0);
        return switch (u.fn()) {
            case NEG -> "-" + x;
            case EXP -> math("exp", x);
            case LOG -> math("log", x);
            case LOG1P -> "nablaLog1p" + suffix() + "(" + x + ")";
            case EXPM1 -> "nablaExpm1" + suffix() + "(" + x + ")";
            case SQRT -> "TornadoMath.sqrt(" + x + ")";
            case RSQRT -> one + " / TornadoMath.sqrt(" + x + ")";
            case ABS -> "TornadoMath.abs(" + x + ")";
            // +0 for either zero, NaN stays NaN: as ScalarMath.sign.
            case SIGN -> x + " > 0 ? " + one + " : (" + x + " < 0 ? -" + one + " : (" + x + " != " + x + " ? " + x
                    + " : " + zero + "))";
            case SIN -> math("sin", x);
            case COS -> math("cos", x);
            case TAN -> math("tan", x);
            case TANH -> math("tanh", x);
            case SIGMOID -> "nablaSigmoid" + suffix() + "(" + x + ")";
            case RELU -> x + " > 0 ? " + x + " : (" + x + " != " + x + " ? " + x + " : " + zero + ")";
            case SOFTPLUS -> "nablaSoftplus" + suffix() + "(" + x + ")";
        };
    }

    private String binary(Expr.Binary b, String x, String y) {
        return switch (b.fn()) {
            case ADD -> x + " + " + y;
            case SUB -> x + " - " + y;
            case MUL -> x + " * " + y;
            case DIV -> x + " / " + y;
            case POW -> "nablaPow" + suffix() + "(" + x + ", " + y + ")";
            case MINIMUM -> "nablaMinimum" + suffix() + "(" + x + ", " + y + ")";
            case MAXIMUM -> "nablaMaximum" + suffix() + "(" + x + ", " + y + ")";
        };
    }

    private String compare(Expr.Compare c, String x, String y) {
        String op = switch (c.fn()) {
            case LT -> " < ";
            case LE -> " <= ";
            case GT -> " > ";
            case GE -> " >= ";
            case EQ -> " == ";
        };
        return "(" + x + op + y + ") ? " + literal(1) + " : " + literal(0);
    }
}

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
        if (Double.isNaN(v)) {
            return box + ".NaN";
        }
        if (Double.isInfinite(v)) {
            return box + (v > 0 ? ".POSITIVE_INFINITY" : ".NEGATIVE_INFINITY");
        }
        return f ? "(" + Float.toString((float) v) + "f)" : "(" + v + ")";
    }

    private String suffix() {
        return type.equals("float") ? "F" : "D";
    }

    private String unary(Expr.Unary u, String x) {
        String one = literal(1);
        String zero = literal(0);
        return switch (u.fn()) {
            case NEG -> "-" + x;
            case EXP -> "TornadoMath.exp(" + x + ")";
            case LOG -> "TornadoMath.log(" + x + ")";
            case LOG1P -> "nablaLog1p" + suffix() + "(" + x + ")";
            case EXPM1 -> "nablaExpm1" + suffix() + "(" + x + ")";
            case SQRT -> "TornadoMath.sqrt(" + x + ")";
            case RSQRT -> one + " / TornadoMath.sqrt(" + x + ")";
            case ABS -> "TornadoMath.abs(" + x + ")";
            // +0 for either zero, NaN stays NaN: as ScalarMath.sign.
            case SIGN -> x + " > 0 ? " + one + " : (" + x + " < 0 ? -" + one + " : " + x + " + " + zero + ")";
            case SIN -> "TornadoMath.sin(" + x + ")";
            case COS -> "TornadoMath.cos(" + x + ")";
            case TAN -> "TornadoMath.tan(" + x + ")";
            case TANH -> "TornadoMath.tanh(" + x + ")";
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

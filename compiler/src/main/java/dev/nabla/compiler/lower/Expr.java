package dev.nabla.compiler.lower;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.UnaryFn;

/**
 * The body of a fused elementwise kernel: a tree evaluated at every index of the kernel's
 * shape. Leaves read views of buffers or are numbers; no intermediate value is stored.
 * Comparisons yield 1 or 0 in the kernel's working type.
 */
public sealed interface Expr {
    /** The expressions this one combines, in order (a square x*x lists x twice). */
    default java.util.List<Expr> operands() {
        return switch (this) {
            case Load l -> java.util.List.of();
            case Const c -> java.util.List.of();
            case Unary u -> java.util.List.of(u.x());
            case Binary b -> java.util.List.of(b.a(), b.b());
            case Fma f -> java.util.List.of(f.a(), f.b(), f.c());
            case Compare c -> java.util.List.of(c.a(), c.b());
            case Where w -> java.util.List.of(w.cond(), w.a(), w.b());
        };
    }

    record Load(View view) implements Expr {}

    record Const(double value) implements Expr {}

    record Unary(UnaryFn fn, Expr x) implements Expr {}

    record Binary(BinaryFn fn, Expr a, Expr b) implements Expr {}

    record Fma(Expr a, Expr b, Expr c) implements Expr {}

    record Compare(CompareFn fn, Expr a, Expr b) implements Expr {}

    record Where(Expr cond, Expr a, Expr b) implements Expr {}
}

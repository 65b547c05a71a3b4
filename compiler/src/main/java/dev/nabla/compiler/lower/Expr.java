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
    record Load(View view) implements Expr {}

    record Const(double value) implements Expr {}

    record Unary(UnaryFn fn, Expr x) implements Expr {}

    record Binary(BinaryFn fn, Expr a, Expr b) implements Expr {}

    record Fma(Expr a, Expr b, Expr c) implements Expr {}

    record Compare(CompareFn fn, Expr a, Expr b) implements Expr {}

    record Where(Expr cond, Expr a, Expr b) implements Expr {}
}

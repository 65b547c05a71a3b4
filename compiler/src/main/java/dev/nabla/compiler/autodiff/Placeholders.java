package dev.nabla.compiler.autodiff;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Ops;

/**
 * Fresh inputs that stand for a tangent or cotangent while a transform builds a graph over them
 * (a Jacobian's seed, a rule being transposed or batched, Taylor mode through a rule, a loop's
 * derivative body). The transform replaces or differentiates them away, so no program ever needs
 * one fed (see {@link Ops#placeholder}).
 */
final class Placeholders {
    private Placeholders() {}

    /** A new input of {@code like}'s shape and dtype, named after its role for error messages. */
    static Node like(Node like, String role) {
        return Ops.placeholder(like.table(), role, like.shape(), like.dtype());
    }
}

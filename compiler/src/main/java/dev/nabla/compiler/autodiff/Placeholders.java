package dev.nabla.compiler.autodiff;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fresh inputs that stand for a tangent or cotangent while a transform builds a graph over them
 * (a Jacobian's seed, a rule being transposed or batched, Taylor mode through a rule). The
 * transform replaces or differentiates them away, so no program ever needs one fed. They are
 * interned, not declared: no user name can clash with one, and none shows among a graph's
 * variables.
 */
final class Placeholders {
    private static final AtomicLong COUNT = new AtomicLong();

    private Placeholders() {}

    /** A new input of {@code like}'s shape and dtype, named after its role for error messages. */
    static Node like(Node like, String role) {
        return like.table().intern(new Op.Input("<" + role + " #" + COUNT.incrementAndGet() + ">"), List.of(),
                like.shape(), like.dtype());
    }
}

package dev.nabla.compiler.ir;

import java.util.List;

/**
 * The identity as a node of its own (a custom node whose derivative rules are the identity):
 * ops built over it cannot look through it to the value behind, and hash-consing cannot merge
 * them with the same ops built over the value. A custom function's primal is built over one per
 * argument, so that the simplifier cannot make it read an argument's inputs in place of the
 * argument; a checkpoint recomputes its segment over them. Lowering aliases it: no kernel, no
 * copy. {@code position} keeps the barriers of one tensor in two argument positions apart.
 */
public record Barrier(int position) implements TransparentRule {
    /** x behind a barrier of this position; a value that has no derivative needs none. */
    public static Node of(Node x, int position) {
        return x.dtype().isFloating() ? Ops.custom(new Barrier(position), x, List.of(x)) : x;
    }

    @Override
    public String name() {
        return "barrier";
    }

    @Override
    public Node jvp(List<Node> args, Node output, List<Node> tangents) {
        return tangents.get(0);
    }

    @Override
    public List<Node> vjp(List<Node> args, Node output, Node cotangent) {
        return List.of(cotangent);
    }
}

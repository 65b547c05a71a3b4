package dev.nabla.compiler.ir;

import java.util.List;

/**
 * A user's derivative rules for one function of tensors, in nodes: what an {@link Op.Custom} node
 * carries. The rules build ordinary nodes with the public ops, so what they return can be
 * differentiated again. Identity is equality: two custom nodes merge only when they carry the same
 * rule object.
 *
 * <p>The transforms check what a rule returns (count, null, graph, shape, dtype) and call only the
 * rules that are present ({@link #hasJvp}, {@link #hasVjp}); a missing one is derived from the
 * other by transposition.
 */
public interface CustomRule {
    /** The function's name, for printing and error messages. */
    String name();

    boolean hasJvp();

    boolean hasVjp();

    /**
     * The tangent of {@code output} given one tangent per argument (a zero where an argument has
     * none). {@code output} is the custom node itself, so a rule that uses it is differentiated
     * through this rule again.
     */
    Node jvp(List<Node> args, Node output, List<Node> tangents);

    /**
     * One cotangent per argument, given the cotangent of {@code output}; entries for arguments that
     * are not floating are ignored.
     */
    List<Node> vjp(List<Node> args, Node output, Node cotangent);

    /**
     * Whether the primal's own derivatives are the function's: true for rules that change how
     * derivatives are computed but not what they are (a checkpoint recomputes its segment), so
     * that Taylor mode, which needs every order, may differentiate the primal itself.
     */
    default boolean transparent() {
        return false;
    }
}

package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.RuleException;
import dev.nabla.compiler.ir.CustomRule;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.ShapeRules;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Derivatives through a custom node ({@link Op.Custom}): the user's rules, with what they return
 * checked, or, where one rule is missing, the other transposed. A vjp is linear in its cotangent
 * and a jvp in its tangents, so the derivative of {@code <vjp(u), t>} with respect to a placeholder
 * cotangent u is the jvp along t, and that of {@code <jvp(t), g>} with respect to placeholder
 * tangents is the vjp of g. Both are taken by reverse mode, so they are ordinary nodes,
 * differentiable again. A result that still depends on its placeholder comes from a rule that is
 * not linear (a vjp that clips the gradient) and is refused.
 */
final class CustomDerivatives {
    private CustomDerivatives() {}

    /**
     * The cotangent contribution to each input of the custom node n, given its cotangent g: null
     * for the primal, for arguments that are not floating and for captured variables.
     */
    static List<Node> vjp(Node n, Node g, BitSet live) {
        Op.Custom op = (Op.Custom) n.op();
        for (Node c : captured(n)) {
            if (live.get(c.id())) {
                throw capturedError(op, c);
            }
        }
        List<Node> args = args(n);
        List<Node> cotangents = op.rule().hasVjp() ? checkedVjp(n, args, g) : transposedJvp(n, args, g);
        List<Node> out = new ArrayList<>(Collections.nCopies(n.inputs().size(), (Node) null));
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).dtype().isFloating()) {
                out.set(1 + i, cotangents.get(i));
            }
        }
        return out;
    }

    /**
     * The tangent of the custom node n from the tangents of its inputs (null where none), or null
     * when its arguments have none.
     */
    static Node jvp(Node n, List<Node> inputTangents) {
        Op.Custom op = (Op.Custom) n.op();
        List<Node> captured = captured(n);
        for (int i = 0; i < captured.size(); i++) {
            if (inputTangents.get(1 + op.arity() + i) != null) {
                throw capturedError(op, captured.get(i));
            }
        }
        List<Node> args = args(n);
        List<Node> given = inputTangents.subList(1, 1 + op.arity());
        if (given.stream().allMatch(t -> t == null)) {
            return null;
        }
        List<Node> tangents = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            tangents.add(given.get(i) != null ? given.get(i) : structuralZerosLike(args.get(i)));
        }
        return op.rule().hasJvp() ? checkedJvp(n, args, tangents) : transposedVjp(n, args, tangents);
    }

    static List<Node> args(Node n) {
        return n.inputs().subList(1, 1 + ((Op.Custom) n.op()).arity());
    }

    private static List<Node> captured(Node n) {
        return n.inputs().subList(1 + ((Op.Custom) n.op()).arity(), n.inputs().size());
    }

    private static GraphException capturedError(Op.Custom op, Node variable) {
        return new GraphException("custom function " + op.rule().name() + ": its primal reads " + variable.describe()
                + " other than through its arguments, so its rules cannot give the derivative with respect to it;"
                + " pass " + variable.describe() + " as an argument");
    }

    // ---- the user's rules, checked ----

    private static List<Node> checkedVjp(Node n, List<Node> args, Node g) {
        CustomRule rule = ((Op.Custom) n.op()).rule();
        List<Node> result = rule.vjp(args, n, g);
        String what = prefix(rule, "vjp");
        if (result == null) {
            throw new RuleException(what + "returned null; return a list of one cotangent per argument ("
                    + args.size() + ")");
        }
        if (result.size() != args.size()) {
            throw new RuleException(what + "returned " + result.size() + " cotangents for " + args.size()
                    + " arguments " + args + "; return one per argument, of its shape and dtype");
        }
        List<Node> cotangents = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            Node a = args.get(i);
            Node c = result.get(i);
            if (a.dtype().isFloating()) {
                // As in PyTorch, a cotangent of the broadcast shape is summed back to the argument's.
                if (c != null && c.table() == n.table() && c.dtype() == a.dtype()
                        && ShapeRules.broadcastsTo(a.shape(), c.shape())) {
                    c = sumToShape(c, a.shape());
                }
                requireFits(what, "the cotangent of argument " + i + " (" + a.describe() + ")", c, n, a.shape(),
                        a.dtype());
            }
            cotangents.add(c);
        }
        return cotangents;
    }

    private static Node checkedJvp(Node n, List<Node> args, List<Node> tangents) {
        CustomRule rule = ((Op.Custom) n.op()).rule();
        Node result = rule.jvp(args, n, tangents);
        requireFits(prefix(rule, "jvp"), "the tangent of the output (" + n.describe() + ")", result, n, n.shape(),
                n.dtype());
        return result;
    }

    private static String prefix(CustomRule rule, String which) {
        return "custom function " + rule.name() + ": its " + which + " rule ";
    }

    private static void requireFits(String what, String role, Node result, Node n, Shape shape, DType dtype) {
        if (result == null) {
            throw new RuleException(what + "returned null as " + role + "; return zeros of " + dtype + shape
                    + " where there is none");
        }
        if (result.table() != n.table()) {
            throw new RuleException(what + "returned " + result.describe() + " of another graph as " + role
                    + "; build it from the rule's arguments");
        }
        if (!result.shape().equals(shape) || result.dtype() != dtype) {
            throw new RuleException(what + "returned " + result.dtype() + result.shape() + " as " + role
                    + ", which must be " + dtype + shape);
        }
    }

    // ---- a missing rule, transposed from the other ----

    /** Reverse mode from a jvp rule: the derivative of {@code <jvp(t), g>} with respect to t. */
    private static List<Node> transposedJvp(Node n, List<Node> args, Node g) {
        List<Node> tangents = new ArrayList<>(args.size());
        List<Node> placeholders = new ArrayList<>();
        for (Node a : args) {
            Node t = a.dtype().isFloating() ? Placeholders.like(a, "tangent of " + ((Op.Custom) n.op()).rule().name()) : structuralZerosLike(a);
            tangents.add(t);
            if (a.dtype().isFloating()) {
                placeholders.add(t);
            }
        }
        Node inner = sum(mul(checkedJvp(n, args, tangents), g), new int[0], false);
        List<Node> transposed = ReverseMode.cotangents(inner, onesLike(inner), placeholders);
        requireIndependent(n, false, transposed, placeholders);
        List<Node> out = new ArrayList<>(args.size());
        int next = 0;
        for (Node a : args) {
            out.add(a.dtype().isFloating() ? transposed.get(next++) : null);
        }
        return out;
    }

    /** Forward mode from a vjp rule: the derivative of {@code sum_i <vjp_i(u), t_i>} with respect to u. */
    private static Node transposedVjp(Node n, List<Node> args, List<Node> tangents) {
        Node u = Placeholders.like(n, "cotangent of " + ((Op.Custom) n.op()).rule().name());
        List<Node> cotangents = checkedVjp(n, args, u);
        Node inner = null;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).dtype().isFloating() && !tangents.get(i).isSymbolicZero()) {
                Node term = cast(sum(mul(cotangents.get(i), tangents.get(i)), new int[0], false), n.dtype());
                inner = inner == null ? term : add(inner, term);
            }
        }
        if (inner == null) {
            return null;
        }
        Node transposed = ReverseMode.cotangents(inner, onesLike(inner), List.of(u)).get(0);
        requireIndependent(n, true, List.of(transposed), List.of(u));
        return transposed;
    }

    /**
     * Refuses a transposed rule that still reads its placeholders: the rule was not linear in them.
     * Only nodes newer than the placeholders can read them (ids are a topological order).
     */
    private static void requireIndependent(Node n, boolean forward, List<Node> results, List<Node> placeholders) {
        Set<Node> targets = new HashSet<>(placeholders);
        int oldest = placeholders.stream().mapToInt(Node::id).min().orElse(Integer.MAX_VALUE);
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> todo = new ArrayDeque<>(results);
        while (!todo.isEmpty()) {
            Node x = todo.pop();
            if (x.id() < oldest || !seen.add(x)) {
                continue;
            }
            if (targets.contains(x)) {
                String name = ((Op.Custom) n.op()).rule().name();
                throw new RuleException("custom function " + name + ": " + (forward
                        ? "forward mode needs a jvp, which Nabla derives by transposing the vjp rule; that works only"
                          + " for a vjp linear in its cotangent, and this one is not (its transpose still depends on"
                          + " the cotangent). Add a jvp rule (withJvp)"
                        : "reverse mode needs a vjp, which Nabla derives by transposing the jvp rule; that works only"
                          + " for a jvp linear in its tangents, and this one is not (its transpose still depends on"
                          + " them). Add a vjp rule (withVjp)"));
            }
            todo.addAll(x.inputs());
        }
    }
}

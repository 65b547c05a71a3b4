package dev.nabla.compiler.autodiff;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Graph traversals the transforms share. Node ids are a topological order (inputs first). */
public final class GraphWalk {
    private GraphWalk() {}

    /** Every node the roots depend on, roots included, in topological order. */
    public static List<Node> ancestors(Collection<Node> roots) {
        return walk(roots, Node::inputs);
    }

    /**
     * The nodes a derivative of the roots passes through, in topological order: their ancestors,
     * except that a custom node's primal is not entered (its rules stand for it).
     */
    static List<Node> derivativeAncestors(Collection<Node> roots) {
        return walk(roots, GraphWalk::derivativeInputs);
    }

    /** The inputs a derivative flows to: all of them, but a custom node's primal (input 0). */
    static List<Node> derivativeInputs(Node n) {
        return n.op() instanceof Op.Custom ? n.inputs().subList(1, n.inputs().size()) : n.inputs();
    }

    private static List<Node> walk(Collection<Node> roots, Function<Node, List<Node>> edges) {
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> stack = new ArrayDeque<>(roots);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (seen.add(n)) {
                stack.addAll(edges.apply(n));
            }
        }
        return seen.stream().sorted(Comparator.comparingInt(Node::id)).toList();
    }

    /** Ids of the nodes in {@code order} (topological) that depend on any of {@code sources}. */
    static BitSet dependents(List<Node> order, Collection<Node> sources) {
        BitSet depends = new BitSet();
        for (Node s : sources) {
            depends.set(s.id());
        }
        for (Node n : order) {
            for (Node in : derivativeInputs(n)) {
                if (depends.get(in.id())) {
                    depends.set(n.id());
                    break;
                }
            }
        }
        return depends;
    }
}

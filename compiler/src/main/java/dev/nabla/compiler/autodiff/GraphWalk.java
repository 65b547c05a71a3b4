package dev.nabla.compiler.autodiff;

import dev.nabla.compiler.ir.Node;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Graph traversals the transforms share. Node ids are a topological order (inputs first). */
public final class GraphWalk {
    private GraphWalk() {}

    /** Every node the roots depend on, roots included, in topological order. */
    public static List<Node> ancestors(Collection<Node> roots) {
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> stack = new ArrayDeque<>(roots);
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            if (seen.add(n)) {
                stack.addAll(n.inputs());
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
            for (Node in : n.inputs()) {
                if (depends.get(in.id())) {
                    depends.set(n.id());
                    break;
                }
            }
        }
        return depends;
    }
}

package dev.nabla.compiler.autodiff;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.PostOrder;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;

/** Graph traversals the transforms share, in {@link PostOrder}'s topological order (fixed by structure). */
public final class GraphWalk {
    private GraphWalk() {}

    /** Every node the roots depend on, roots included, in topological order. */
    public static List<Node> ancestors(Collection<Node> roots) {
        return PostOrder.of(roots, Node::inputs);
    }

    /**
     * The nodes a derivative of the roots passes through, in topological order: their ancestors,
     * except that a custom node's primal is not entered (its rules stand for it).
     */
    static List<Node> derivativeAncestors(Collection<Node> roots) {
        return PostOrder.of(roots, GraphWalk::derivativeInputs);
    }

    /** The inputs a derivative flows to: all of them, but a custom node's primal (input 0). */
    static List<Node> derivativeInputs(Node n) {
        return n.op() instanceof Op.Custom ? n.inputs().subList(1, n.inputs().size()) : n.inputs();
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

package dev.nabla.compiler.autodiff;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Graph traversals the transforms share, in topological orders (inputs first) fixed by structure. */
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

    /**
     * The post-order of a depth-first walk from the roots, each node's inputs in their order: a
     * topological order that the graph's structure alone fixes. (Sorting by id gave one too, but
     * the table holds nodes weakly: a node the collector took and a later build made again has a
     * new id, so the order, and with it the sums a derivative accumulates and the graph it ends
     * as, depended on when the collector had run.) Iterative, for graphs of any depth.
     */
    private static List<Node> walk(Collection<Node> roots, Function<Node, List<Node>> edges) {
        Set<Node> seen = new HashSet<>();
        List<Node> order = new ArrayList<>();
        ArrayDeque<Frame> path = new ArrayDeque<>();
        for (Node root : roots) {
            if (seen.add(root)) {
                path.push(new Frame(root, edges.apply(root)));
            }
            while (!path.isEmpty()) {
                Frame top = path.peek();
                if (top.next < top.inputs.size()) {
                    Node in = top.inputs.get(top.next++);
                    if (seen.add(in)) {
                        path.push(new Frame(in, edges.apply(in)));
                    }
                } else {
                    order.add(path.pop().node);
                }
            }
        }
        return order;
    }

    /** A node on the walk's path, its inputs, and the next of them to visit. */
    private static final class Frame {
        final Node node;
        final List<Node> inputs;
        int next;

        Frame(Node node, List<Node> inputs) {
            this.node = node;
            this.inputs = inputs;
        }
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

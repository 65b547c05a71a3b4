package dev.nabla.compiler.ir;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The post-order of a depth-first walk, each node's edges in their order: a topological order
 * (inputs first) that the graph's structure alone fixes. Sorting by id gives one too, but a
 * table holds nodes weakly: a node the collector took and a later build made again has a new
 * id, so anything ordered by id (the sums a derivative accumulates, a loop's captured inputs)
 * would depend on when the collector ran. Iterative, for graphs of any depth.
 */
public final class PostOrder {
    private PostOrder() {}

    /** The nodes reachable from {@code roots} through {@code edges}, roots included. */
    public static List<Node> of(Collection<Node> roots, Function<Node, List<Node>> edges) {
        Set<Node> seen = new HashSet<>();
        List<Node> order = new ArrayList<>();
        ArrayDeque<Frame> path = new ArrayDeque<>();
        for (Node root : roots) {
            if (seen.add(root)) {
                path.push(new Frame(root, edges.apply(root)));
            }
            while (!path.isEmpty()) {
                Frame top = path.peek();
                if (top.next < top.edges.size()) {
                    Node in = top.edges.get(top.next++);
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

    /** A node on the walk's path, where its edges lead, and the next of them to visit. */
    private static final class Frame {
        final Node node;
        final List<Node> edges;
        int next;

        Frame(Node node, List<Node> edges) {
            this.node = node;
            this.edges = edges;
        }
    }
}

package dev.nabla.compiler.io;

import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the loop bodies and conditional branches of a saved graph ({@link LoopBody},
 * {@link LoopBody#history}, {@link CondBranches}, whose constructors check that a body is closed
 * and its results fit), after checking what they do not: distinct parameters, how deep loops
 * nest, and how many nodes the bodies' closures walk together.
 */
final class BodyEntries {
    private static final int MAX = Integer.MAX_VALUE;

    private final NodeEntries refs;
    private final ReadLimits limits;
    /** Nodes visited closing bodies: bounded, so that bodies sharing a large subgraph cannot take quadratic time. */
    private long walked;
    /** How deep each body's loops and conditionals nest (1 for one without any inside). */
    private final Map<Object, Integer> depth = new IdentityHashMap<>();

    BodyEntries(NodeEntries refs, ReadLimits limits) {
        this.refs = refs;
        this.limits = limits;
    }

    LoopBody loopBody(Entry e) {
        Node index = refs.node(e, "index", e.integer("index", 0, MAX));
        List<Node> carries = refs.nodes(e, "carries");
        List<Node> xs = refs.nodes(e, "xs");
        List<Node> captured = refs.nodes(e, "captured");
        List<Node> newCarries = refs.nodes(e, "newCarries");
        List<Node> ys = refs.nodes(e, "ys");
        Node condition = e.has("condition") ? refs.node(e, "condition", e.integer("condition", 0, MAX)) : null;
        int length = e.integer("length", -1, MAX);
        boolean reverse = e.bool("reverse");
        if (index.dtype() != DType.I32 || index.rank() != 0) {
            throw e.fail("index", "must be an i32 scalar, got " + index.describe());
        }
        List<Node> params = new ArrayList<>(List.of(index));
        params.addAll(carries);
        params.addAll(xs);
        params.addAll(captured);
        List<Node> results = new ArrayList<>(newCarries);
        results.addAll(ys);
        if (condition != null) {
            results.add(condition);
        }
        int d = close(e, params, results);
        return nested(new LoopBody(index, carries, xs, captured, newCarries, ys, condition, length, reverse), d);
    }

    LoopBody loopHistory(Entry e) {
        LoopBody base = refs.ref(e, "of", e.integer("of", 0, MAX), LoopBody.class, "a loop body");
        if (base.isWhile()) {
            throw e.fail("of", "is a while loop, which has no fixed length to stack a history over");
        }
        List<Node> residuals = refs.nodes(e, "residuals");
        int d = Math.max(depth.get(base), close(e, base.params(), residuals));
        LoopBody history = base.history(residuals);
        List<Node> expected = new ArrayList<>(base.ys());
        expected.addAll(base.carries());
        expected.addAll(residuals);
        if (!history.ys().equals(expected)) {
            throw e.fail("residuals", "differ from those of the history already made of loop body "
                    + e.integer("of", 0, Integer.MAX_VALUE) + "; a body has one history");
        }
        return nested(history, d);
    }

    CondBranches condBranches(Entry e) {
        List<Node> captured = refs.nodes(e, "captured");
        int[][] ids = e.intLists("branches", 0, MAX);
        List<List<Node>> results = new ArrayList<>();
        List<Node> all = new ArrayList<>();
        for (int[] branch : ids) {
            List<Node> r = new ArrayList<>();
            for (int id : branch) {
                r.add(refs.node(e, "branches", id));
            }
            results.add(r);
            all.addAll(r);
        }
        int d = close(e, captured, all);
        return nested(new CondBranches(captured, results), d);
    }

    /**
     * Checks that the parameters are distinct and counts the nodes between them and the results
     * against the walking budget (about eight times the entries so far: real files walk each body's
     * nodes once or twice). Returns the body's nesting depth: one more than the deepest loop or
     * conditional it runs, which must be within the limit.
     */
    private int close(Entry e, List<Node> params, List<Node> results) {
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node p : params) {
            if (!seen.add(p)) {
                throw e.fail("lists the parameter " + p.describe() + " twice");
            }
        }
        long budget = 8L * (refs.size() + 1024);
        int inner = 0;
        ArrayDeque<Node> todo = new ArrayDeque<>(results);
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (seen.add(n)) {
                if (++walked > budget) {
                    throw e.fail("bodies and branches reach more nodes together than the file holds many times over;"
                            + " a body should reach its own nodes");
                }
                switch (n.op()) {
                    case Op.Loop(var body, int output) -> inner = Math.max(inner, depth.getOrDefault(body, 0));
                    case Op.Cond(var branches, int output) -> inner = Math.max(inner, depth.getOrDefault(branches, 0));
                    default -> { }
                }
                todo.addAll(n.inputs());
            }
        }
        if (inner + 1 > limits.maxNesting()) {
            throw e.fail("nests loops and conditionals " + (inner + 1) + " deep, more than the reader's limit of "
                    + limits.maxNesting());
        }
        return inner + 1;
    }

    private <T> T nested(T body, int d) {
        depth.put(body, d);
        return body;
    }
}

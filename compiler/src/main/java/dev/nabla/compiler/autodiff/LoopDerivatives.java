package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * Derivatives of loops, as loops. Forward mode runs the body's jvp beside the body, carrying
 * tangents with the carries. Reverse mode runs the loop once more stacking the carries each step
 * started from and the body's residuals, the values its vjp reads ({@link LoopBody#history}),
 * then a loop in the other direction whose body is the body's vjp over those: it carries the
 * carries' cotangents and sums the captured values' cotangents, and stacks the per-step inputs'
 * cotangents. A backward step reads its forward values instead of computing them again. Both
 * derivative loops are loops like any other: their derivatives are built the same way, to any
 * order.
 */
final class LoopDerivatives {
    private LoopDerivatives() {}

    /** The inputs of a loop node, by role. */
    private record Parts(List<Node> inits, List<Node> xs, List<Node> captured) {
        static Parts of(Node loop, LoopBody b) {
            List<Node> in = loop.inputs();
            int nc = b.carries().size();
            int nx = b.xs().size();
            return new Parts(in.subList(0, nc), in.subList(nc, nc + nx), in.subList(nc + nx, in.size()));
        }
    }

    /**
     * The tangent of each output of n's loop (null: zero), given the tangents of its inputs
     * (null: zero).
     */
    static Node[] jvp(Node n, List<Node> t) {
        LoopBody b = ((Op.Loop) n.op()).body();
        Parts p = Parts.of(n, b);
        int nc = b.carries().size();
        int nx = b.xs().size();
        int ny = b.ys().size();
        Map<Node, Node> seeds = new HashMap<>();
        List<Node> carries = new ArrayList<>(b.carries());
        List<Node> inits = new ArrayList<>(p.inits());
        List<Integer> tangentCarries = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            Node c = b.carries().get(i);
            if (c.dtype().isFloating()) {
                Node dc = Placeholders.like(c, "tangent of carry " + i);
                seeds.put(c, dc);
                carries.add(dc);
                inits.add(orZeros(t.get(i), p.inits().get(i)));
                tangentCarries.add(i);
            }
        }
        List<Node> xs = new ArrayList<>(b.xs());
        List<Node> stacked = new ArrayList<>(p.xs());
        for (int i = 0; i < nx; i++) {
            Node tx = t.get(nc + i);
            if (tx != null && b.xs().get(i).dtype().isFloating()) {
                Node dx = Placeholders.like(b.xs().get(i), "tangent of slice " + i);
                seeds.put(b.xs().get(i), dx);
                xs.add(dx);
                stacked.add(materialize(tx));
            }
        }
        List<Node> captured = new ArrayList<>(b.captured());
        List<Node> values = new ArrayList<>(p.captured());
        for (int k = 0; k < b.captured().size(); k++) {
            Node tk = t.get(nc + nx + k);
            if (tk != null && b.captured().get(k).dtype().isFloating()) {
                Node dk = Placeholders.like(b.captured().get(k), "tangent of captured " + k);
                seeds.put(b.captured().get(k), dk);
                captured.add(dk);
                values.add(materialize(tk));
            }
        }
        List<Integer> tangentYs = floating(b.ys());
        List<Node> differentiated = new ArrayList<>();
        tangentCarries.forEach(i -> differentiated.add(b.newCarries().get(i)));
        tangentYs.forEach(y -> differentiated.add(b.ys().get(y)));
        List<Node> tangents = ForwardMode.tangents(differentiated, seeds);
        List<Node> newCarries = new ArrayList<>(b.newCarries());
        newCarries.addAll(tangents.subList(0, tangentCarries.size()));
        List<Node> ys = new ArrayList<>(b.ys());
        ys.addAll(tangents.subList(tangentCarries.size(), tangents.size()));
        LoopBody j = new LoopBody(b.index(), carries, xs, captured, newCarries, ys, b.condition(), b.length(),
                b.reverse());
        List<Node> out = loop(j, inits, stacked, values);
        Node[] result = new Node[b.outputCount()];
        int jc = carries.size();
        for (int k = 0; k < tangentCarries.size(); k++) {
            result[tangentCarries.get(k)] = out.get(nc + k);
        }
        for (int k = 0; k < tangentYs.size(); k++) {
            result[nc + tangentYs.get(k)] = out.get(jc + ny + k);
        }
        return result;
    }

    /**
     * The cotangent contribution to each input of n's loop, given the cotangent of each of its
     * outputs (null: zero).
     */
    static List<Node> vjp(Node n, Node[] cotangents, BitSet live) {
        LoopBody b = ((Op.Loop) n.op()).body();
        if (b.isWhile()) {
            throw new GraphException("whileLoop: reverse mode (grad, vjp, jacrev) needs the number of steps when the"
                    + " graph is built, and a while loop decides it while running; write the loop with fori or scan"
                    + " (a fixed number of steps), or use forward mode (jvp, jacfwd)");
        }
        if (Arrays.stream(cotangents).allMatch(c -> c == null)) {
            return Arrays.asList(new Node[n.inputs().size()]);
        }
        Parts p = Parts.of(n, b);
        int nc = b.carries().size();
        int nx = b.xs().size();
        int nk = b.captured().size();
        int ny = b.ys().size();
        LoopBody withHistory = b.history(residuals(b));
        List<Node> stackedByHistory = loop(withHistory, p.inits(), p.xs(), p.captured());
        List<Node> history = stackedByHistory.subList(nc + ny, nc + ny + nc);
        List<Node> residuals = withHistory.ys().subList(ny + nc, withHistory.ys().size());

        List<Node> outputs = new ArrayList<>();
        List<Node> seeds = new ArrayList<>();
        List<Node> carryCotangents = new ArrayList<>();
        List<Node> inits = new ArrayList<>();
        List<Integer> floatingCarries = floating(b.carries());
        for (int i : floatingCarries) {
            Node ct = Placeholders.like(b.carries().get(i), "cotangent of carry " + i);
            carryCotangents.add(ct);
            outputs.add(b.newCarries().get(i));
            seeds.add(ct);
            inits.add(orZeros(cotangents[i], p.inits().get(i)));
        }
        List<Node> sliceParams = new ArrayList<>(b.carries());
        sliceParams.addAll(b.xs());
        List<Node> stacked = new ArrayList<>(history);
        stacked.addAll(p.xs());
        for (int y = 0; y < ny; y++) {
            Node ys = cotangents[nc + y];
            if (ys != null && b.ys().get(y).dtype().isFloating()) {
                Node like = b.ys().get(y);
                outputs.add(like);
                if (ys.fillValue() != null) {
                    // The same cotangent at every step (a sum's): a constant of the body, not a stacked input.
                    seeds.add(fillLike(like, ys.fillValue(), like.shape(), like.dtype()));
                    continue;
                }
                Node ct = Placeholders.like(like, "cotangent of output " + y);
                sliceParams.add(ct);
                stacked.add(materialize(ys));
                seeds.add(ct);
            }
        }
        // Cotangents only for the inputs the sweep differentiates through (the carries always).
        List<Integer> floatingXs = floating(b.xs()).stream().filter(i -> live.get(n.input(nc + i).id())).toList();
        List<Integer> floatingCaptured = floating(b.captured()).stream()
                .filter(k -> live.get(n.input(nc + nx + k).id())).toList();
        List<Node> wrt = new ArrayList<>();
        floatingCarries.forEach(i -> wrt.add(b.carries().get(i)));
        floatingXs.forEach(i -> wrt.add(b.xs().get(i)));
        floatingCaptured.forEach(k -> wrt.add(b.captured().get(k)));
        List<Node> cts = ReverseMode.partials(outputs, seeds, wrt);

        List<Node> carries = new ArrayList<>(carryCotangents);
        List<Node> newCarries = new ArrayList<>(cts.subList(0, floatingCarries.size()));
        int at = floatingCarries.size() + floatingXs.size();
        for (int k = 0; k < floatingCaptured.size(); k++) {
            Node acc = Placeholders.like(b.captured().get(floatingCaptured.get(k)), "sum of cotangents of captured " + k);
            carries.add(acc);
            newCarries.add(add(acc, cts.get(at + k)));
            inits.add(zerosLike(p.captured().get(floatingCaptured.get(k))));
        }
        List<Node> ys = cts.subList(floatingCarries.size(), at);
        // The forward values the backward body reads that the forward loop stacked: read, not recomputed.
        List<Node> results = new ArrayList<>(newCarries);
        results.addAll(ys);
        Set<Node> reached = new HashSet<>(GraphWalk.ancestors(results));
        Map<Node, Node> stored = new HashMap<>();
        for (int r = 0; r < residuals.size(); r++) {
            Node value = residuals.get(r);
            if (reached.contains(value) && !stored.containsKey(value)) {
                Node slice = Placeholders.like(value, "stored value " + r);
                stored.put(value, slice);
                sliceParams.add(slice);
                stacked.add(stackedByHistory.get(nc + ny + nc + r));
            }
        }
        if (!stored.isEmpty()) {
            List<Node> rebuilt = dev.nabla.compiler.ir.Rebuild.substitute(results, stored);
            newCarries = new ArrayList<>(rebuilt.subList(0, newCarries.size()));
            ys = rebuilt.subList(newCarries.size(), rebuilt.size());
        }
        LoopBody backward = new LoopBody(b.index(), carries, sliceParams, b.captured(), newCarries, ys, null,
                b.length(), !b.reverse());
        List<Node> out = loop(backward, inits, stacked, p.captured());

        Node[] contributions = new Node[nc + nx + nk];
        for (int k = 0; k < floatingCarries.size(); k++) {
            contributions[floatingCarries.get(k)] = out.get(k);
        }
        for (int k = 0; k < floatingCaptured.size(); k++) {
            contributions[nc + nx + floatingCaptured.get(k)] = out.get(floatingCarries.size() + k);
        }
        for (int k = 0; k < floatingXs.size(); k++) {
            contributions[nc + floatingXs.get(k)] = out.get(carries.size() + k);
        }
        return Arrays.asList(contributions);
    }

    private static final Map<LoopBody, List<Node>> RESIDUALS = new java.util.WeakHashMap<>();

    /**
     * The values of the body its full vjp reads (a tanh's output, a product's operands): the
     * frontier where the vjp's own nodes meet the body's. The forward loop stacks them, so that a
     * backward step reads them instead of running the forward step again.
     */
    private static List<Node> residuals(LoopBody b) {
        synchronized (RESIDUALS) {
            List<Node> known = RESIDUALS.get(b);
            if (known != null) {
                return known;
            }
        }
        List<Node> outputs = new ArrayList<>();
        List<Node> seeds = new ArrayList<>();
        for (Node r : b.results()) {
            if (r.dtype().isFloating()) {
                outputs.add(r);
                seeds.add(Placeholders.like(r, "cotangent"));
            }
        }
        List<Node> wrt = new ArrayList<>();
        for (Node p : b.params()) {
            if (p.dtype().isFloating()) {
                wrt.add(p);
            }
        }
        Set<Node> forward = new HashSet<>(b.program().nodes());
        b.params().forEach(forward::remove);
        List<Node> found = new ArrayList<>();
        if (!outputs.isEmpty()) {
            List<Node> cts = ReverseMode.partials(outputs, seeds, wrt);
            Set<Node> seen = new HashSet<>();
            java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(cts);
            while (!todo.isEmpty()) {
                Node m = todo.pop();
                if (!seen.add(m)) {
                    continue;
                }
                if (forward.contains(m)) {
                    if (!(m.op() instanceof Op.Constant)) {
                        found.add(m);
                    }
                    continue;
                }
                todo.addAll(m.inputs());
            }
        }
        found.sort(java.util.Comparator.comparingInt(Node::id));
        List<Node> residuals = List.copyOf(found);
        synchronized (RESIDUALS) {
            RESIDUALS.putIfAbsent(b, residuals);
            return RESIDUALS.get(b);
        }
    }

    /** The positions of the floating nodes (those that have derivatives) in a list. */
    static List<Integer> floating(List<Node> nodes) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i).dtype().isFloating()) {
                out.add(i);
            }
        }
        return out;
    }

    private static Node orZeros(Node t, Node like) {
        return t != null ? materialize(t) : zerosLike(like);
    }
}

package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Builds loops from a function the user writes over stand-ins for the loop variables: the body is
 * built once, over placeholders, then closed (see {@link #captures}) into a {@link LoopBody}.
 */
public final class Loops {
    private Loops() {}

    /** One step of a scan body: the new carries and the values to stack. */
    public record Step(List<Node> carries, List<Node> ys) {}

    /** A scan body over the iteration index, the carries and one slice of each stacked input. */
    @FunctionalInterface
    public interface Body {
        Step apply(Node index, List<Node> carries, List<Node> xs);
    }

    /**
     * The body run {@code length} times (the leading axis of every xs, which must agree; or the
     * given length when there are none), carrying {@code inits}: the final carries, then each
     * per-step output stacked along a new leading axis.
     */
    public static List<Node> scan(String op, NodeTable table, List<Node> inits, List<Node> xs, int length,
                                  boolean reverse, Body body) {
        int n = length;
        for (Node x : xs) {
            if (x.rank() == 0) {
                throw new ShapeException(op + ": the stacked input " + x.describe() + " has no leading axis to scan over");
            }
            if (n < 0) {
                n = x.shape().dim(0);
            } else if (x.shape().dim(0) != n) {
                throw new ShapeException(op + ": the stacked input " + x.describe() + " has " + x.shape().dim(0)
                        + " steps but the loop runs " + n);
            }
        }
        if (n < 0) {
            throw new ShapeException(op + ": give a length when there is nothing to scan over");
        }
        Node index = Ops.placeholder(table, op + " index", Shape.SCALAR, DType.I32);
        List<Node> carries = new ArrayList<>();
        for (int i = 0; i < inits.size(); i++) {
            Node init = inits.get(i);
            carries.add(Ops.placeholder(table, op + " carry " + i, init.shape(), init.dtype()));
        }
        List<Node> slices = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            Node x = xs.get(i);
            slices.add(Ops.placeholder(table, op + " slice " + i, x.shape().dropFirst(), x.dtype()));
        }
        Step step = body.apply(index, List.copyOf(carries), List.copyOf(slices));
        if (step == null || step.carries() == null || step.ys() == null) {
            throw new GraphException(op + ": the body returned null");
        }
        requireNodes(op, table, step.carries(), "carries");
        requireNodes(op, table, step.ys(), "outputs");
        List<Node> params = new ArrayList<>(List.of(index));
        params.addAll(carries);
        params.addAll(slices);
        List<Node> roots = new ArrayList<>(step.carries());
        roots.addAll(step.ys());
        Closure closed = close(index.id(), params, roots, true);
        int nc = step.carries().size();
        List<Node> built = closed.roots();
        LoopBody loop = new LoopBody(index, carries, slices, closed.params(), built.subList(0, nc),
                built.subList(nc, built.size()), null, n, reverse);
        return Ops.loop(loop, inits, xs, closed.values());
    }

    /**
     * {@code body} applied to the carries while {@code condition} holds of them (checked before
     * each step), at most {@code maxIterations} times (-1: no bound).
     */
    public static List<Node> whileLoop(String op, NodeTable table, List<Node> inits,
                                       Function<List<Node>, Node> condition,
                                       Function<List<Node>, List<Node>> body, int maxIterations) {
        Node index = Ops.placeholder(table, op + " index", Shape.SCALAR, DType.I32);
        List<Node> carries = new ArrayList<>();
        for (int i = 0; i < inits.size(); i++) {
            Node init = inits.get(i);
            carries.add(Ops.placeholder(table, op + " carry " + i, init.shape(), init.dtype()));
        }
        Node test = condition.apply(List.copyOf(carries));
        List<Node> next = body.apply(List.copyOf(carries));
        if (test == null || next == null) {
            throw new GraphException(op + ": the " + (test == null ? "condition" : "body") + " returned null");
        }
        requireNodes(op, table, List.of(test), "condition");
        requireNodes(op, table, next, "carries");
        List<Node> params = new ArrayList<>(List.of(index));
        params.addAll(carries);
        List<Node> roots = new ArrayList<>(next);
        roots.add(test);
        Closure closed = close(index.id(), params, roots, true);
        List<Node> built = closed.roots();
        LoopBody loop = new LoopBody(index, carries, List.of(), closed.params(), built.subList(0, next.size()),
                List.of(), built.get(next.size()), maxIterations, false);
        return Ops.loop(loop, inits, List.of(), closed.values());
    }

    /**
     * Branch {@code index} of {@code branches} (clamped), each built here as a function of the
     * values it reads: only the selected one runs.
     */
    public static List<Node> cond(String op, Node index, List<java.util.function.Supplier<List<Node>>> branches) {
        NodeTable table = index.table();
        int first = table.nextId();
        List<List<Node>> results = new ArrayList<>();
        List<Node> roots = new ArrayList<>();
        for (var branch : branches) {
            List<Node> r = branch.get();
            if (r == null) {
                throw new GraphException(op + ": branch " + results.size() + " returned null");
            }
            requireNodes(op, table, r, "results");
            results.add(r);
            roots.addAll(r);
        }
        Closure closed = close(first, List.of(), roots, false);
        List<List<Node>> branchResults = new ArrayList<>();
        int at = 0;
        for (List<Node> r : results) {
            branchResults.add(closed.roots().subList(at, at + r.size()));
            at += r.size();
        }
        return Ops.cond(new CondBranches(closed.params(), branchResults), index, closed.values());
    }

    private static void requireNodes(String op, NodeTable table, List<Node> nodes, String what) {
        for (Node n : nodes) {
            if (n == null) {
                throw new GraphException(op + ": the body returned a null among its " + what);
            }
            if (n.table() != table) {
                throw new GraphException(op + ": the body returned " + n.describe()
                        + ", which belongs to another graph");
            }
        }
    }

    /**
     * A body closed over its outer values: {@code values} are what it reads from outside, each
     * replaced in {@code roots} by a parameter of its own ({@code params}). Parameters are
     * leaves, so no rewrite of the body (a derivative's simplification, say) can look through
     * one to the outer graph behind it.
     */
    record Closure(List<Node> values, List<Node> params, List<Node> roots) {}

    static Closure close(int firstBodyId, List<Node> params, List<Node> roots, boolean hoist) {
        List<Node> values = captures(firstBodyId, params, roots, hoist);
        Map<Node, Node> replace = new HashMap<>();
        List<Node> captured = new ArrayList<>();
        for (int k = 0; k < values.size(); k++) {
            Node v = values.get(k);
            Node p = Ops.placeholder(v.table(), "captured " + k, v.shape(), v.dtype());
            replace.put(v, p);
            captured.add(p);
        }
        return new Closure(values, captured, Rebuild.substitute(roots, replace));
    }

    /**
     * The outer values a body reads, which become its captured parameters: the nodes built before
     * it ({@code firstBodyId}) that its own nodes read, constants aside (a leaf the body may hold
     * itself). With {@code hoist}, values the body built that do not depend on any parameter are
     * taken out of it too (loop-invariant code motion): computed once, outside.
     */
    public static List<Node> captures(int firstBodyId, List<Node> params, List<Node> roots, boolean hoist) {
        Set<Node> paramSet = new HashSet<>(params);
        // The body's own nodes: built after it began, reachable from the roots without passing a
        // parameter; in the structural order, so the captured values' order never depends on ids.
        Predicate<Node> inBody = n -> !paramSet.contains(n) && n.id() >= firstBodyId;
        List<Node> own = PostOrder.of(roots, n -> inBody.test(n) ? n.inputs() : List.of()).stream()
                .filter(inBody).toList();
        Map<Node, Boolean> dependent = new HashMap<>();
        for (Node n : own) {
            boolean d = false;
            for (Node in : n.inputs()) {
                d |= paramSet.contains(in) || dependent.getOrDefault(in, false);
            }
            dependent.put(n, d);
        }
        Set<Node> captured = new LinkedHashSet<>();
        for (Node n : own) {
            if (hoist && !dependent.get(n)) {
                continue;
            }
            for (Node in : n.inputs()) {
                if (!paramSet.contains(in) && isOuter(in, firstBodyId, dependent, hoist)) {
                    captured.add(in);
                }
            }
        }
        for (Node r : roots) {
            if (!paramSet.contains(r) && isOuter(r, firstBodyId, dependent, hoist)) {
                captured.add(r);
            }
        }
        return List.copyOf(captured);
    }

    private static boolean isOuter(Node n, int firstBodyId, Map<Node, Boolean> dependent, boolean hoist) {
        if (n.op() instanceof Op.Constant) {
            return false;
        }
        return n.id() < firstBodyId || (hoist && !dependent.get(n));
    }
}

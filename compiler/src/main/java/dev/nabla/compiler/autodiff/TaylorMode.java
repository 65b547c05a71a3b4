package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.autodiff.ReverseMode.ints;
import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.passes.DerivativeScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Taylor mode (truncated Taylor series propagation, as jax.experimental.jet) as a graph
 * transformation: for a variable x, a direction v and an order n, the coefficients y_0..y_n of
 * y(x + t v) = Σ y_k t^k for each output, as new nodes of the same graph (k!·y_k is the k-th
 * directional derivative). Each node's series follows from its operands' by one rule per op; the
 * rules cost O(n²) nodes per node of the graph, where nesting grad n times grows the graph
 * exponentially in n.
 */
final class TaylorMode {
    private TaylorMode() {}

    /** For each output, its coefficients y_0..y_order along x + t·direction. */
    static List<List<Node>> coefficients(List<Node> outputs, Node x, Node direction, int order) {
        return DerivativeScope.run(() -> series(outputs, x, direction, order));
    }

    /** k!·y_k for k = 0..order along x + t·1: y's derivatives d^k y / dx^k for a one-element x. */
    static List<Node> derivatives(Node y, Node x, int order) {
        return DerivativeScope.run(() -> {
            List<Node> c = series(List.of(y), x, onesLike(x), order).get(0);
            List<Node> out = new ArrayList<>(c.size());
            for (int k = 0; k < c.size(); k++) {
                out.add(timesFactorial(c.get(k), k));
            }
            return out;
        });
    }

    /** The coefficients, handed back with structural zeros made ordinary. */
    private static List<List<Node>> series(List<Node> outputs, Node x, Node direction, int order) {
        Map<Node, Series> series = order > 0 ? propagate(outputs, Map.of(x, Series.line(x, direction, order)), order)
                : Map.of();
        List<List<Node>> out = new ArrayList<>(outputs.size());
        for (Node o : outputs) {
            Series s = series.getOrDefault(o, Series.constant(o, order));
            List<Node> c = new ArrayList<>(order + 1);
            c.add(o);
            for (int k = 1; k <= order; k++) {
                c.add(s.at(k) != null ? materialize(s.at(k)) : zerosLike(o));
            }
            out.add(c);
        }
        return out;
    }

    /**
     * The series of every node the outputs depend on that moves, from the seeds' (nodes whose
     * series is given), in one walk over the graph in topological order.
     */
    static Map<Node, Series> propagate(List<Node> outputs, Map<Node, Series> seeds, int order) {
        Map<Node, Series> series = new HashMap<>(seeds);
        for (Node n : GraphWalk.ancestors(outputs)) {
            if (series.containsKey(n) || n.inputs().isEmpty()) {
                continue;
            }
            List<Series> in = new ArrayList<>(n.inputs().size());
            boolean moves = false;
            for (Node i : n.inputs()) {
                Series s = series.get(i);
                moves |= s != null;
                in.add(s != null ? s : Series.constant(i, order));
            }
            if (ReverseMode.isFamily(n)) {
                // A loop's (or conditional's) outputs move together: one loop carries all their coefficients.
                if (moves) {
                    List<Node> family = family(n);
                    Series[] out = n.op() instanceof Op.Loop ? TaylorControlFlow.loop(n, in, order)
                            : TaylorControlFlow.cond(n, in, order);
                    for (int k = 0; k < out.length; k++) {
                        if (out[k] != null && !out[k].isConstant()) {
                            series.put(family.get(k), out[k]);
                        }
                    }
                }
                continue;
            }
            Series s = moves ? rule(n, in, series) : null;
            if (s != null && !s.isConstant()) {
                series.put(n, s);
            }
        }
        return series;
    }

    /** The series of n from its inputs' (at least one of which moves); null when n's does not move. */
    private static Series rule(Node n, List<Series> s, Map<Node, Series> known) {
        List<Node> in = n.inputs();
        return switch (n.op()) {
            case Op.Input i -> null;
            case Op.Parameter p -> null;
            case Op.Constant c -> null;
            case Op.Unary(var fn) -> SeriesFunctions.unary(fn, n, s.get(0));
            case Op.Binary(var fn) -> binary(fn, n, s.get(0), s.get(1));
            case Op.Fma f -> Series.product(s.get(0), s.get(1), n, s.get(2));
            case Op.Compare c -> null;
            // Every coefficient takes the side the value took.
            case Op.Where w -> Series.combine(List.of(s.get(1), s.get(2)), n,
                    c -> where(in.get(0), c.get(0), c.get(1)));
            case Op.Reduce r -> reduction(r, n, s.get(0));
            case Op.Reshape r -> s.get(0).map(n, c -> reshape(c, n.shape()));
            case Op.Permute(var perm) -> s.get(0).map(n, c -> permute(c, ints(perm)));
            case Op.BroadcastTo b -> s.get(0).map(n, c -> broadcastTo(c, n.shape()));
            case Op.Slice(var starts, var steps) ->
                    s.get(0).map(n, c -> sliceNode(c, ints(starts), ints(steps), n.shape()));
            case Op.Pad(var starts, var steps) -> s.get(0).map(n, c -> pad(c, ints(starts), ints(steps), n.shape()));
            case Op.Windows(var w) -> s.get(0).map(n, c -> windows(c, w));
            case Op.WindowsSum(var w) -> s.get(0).map(n, c -> windowsSum(c, w, n.shape()));
            case Op.Concat(int axis) -> Series.combine(s, n, c -> concat(axis, c));
            // Linear in the floating operand, whose indices never move: coefficient by coefficient.
            case Op.Gather(int axis) -> s.get(0).map(n, c -> takeAlongAxis(c, in.get(1), axis));
            case Op.ScatterAdd(int axis) -> s.get(1).map(n, c -> scatterAddNode(in.get(0), c, axis, n.shape()));
            case Op.MatMul m -> Series.bilinear(s.get(0), s.get(1), n, (a, b) -> matmul(a, b));
            case Op.Cast c -> n.dtype().isFloating() ? s.get(0).map(n, x -> cast(x, n.dtype())) : null;
            case Op.StopGradient g -> null;
            case Op.Random r -> null;
            case Op.Custom c -> c.rule().transparent() ? s.get(0).map(n, x -> x) : throughRules(n, c, s, known);
            case Op.Loop l -> throw new IllegalStateException("loops move as a family");
            case Op.Cond c -> throw new IllegalStateException("conditionals move as a family");
        };
    }

    /**
     * A custom function through its rules. Along the path its value y(t) solves the first-order
     * equation y' = jvp(args(t), y(t); args'(t)), with the jvp rule (given or transposed) written
     * in ops: coefficient k of y is coefficient k-1 of that jvp, divided by k, and the jvp's
     * series to order k-1 needs y only to order k-1. So each order propagates series through the
     * rule's graph once more: O(n) passes, polynomial in the order as everywhere else.
     */
    private static Series throughRules(Node n, Op.Custom c, List<Series> s, Map<Node, Series> known) {
        int order = s.get(0).order();
        List<Node> tangents = new ArrayList<>(s.size());
        tangents.add(null);   // the primal: its derivatives are the rules'
        Map<Node, Integer> placeholders = new HashMap<>();
        for (int i = 1; i < s.size(); i++) {
            Node in = n.input(i);
            if (s.get(i).isConstant() || !in.dtype().isFloating()) {
                tangents.add(null);
            } else if (i <= c.arity()) {
                Node t = Placeholders.like(in, "Taylor tangent of " + c.rule().name());
                placeholders.put(t, i);
                tangents.add(t);
            } else {
                tangents.add(s.get(i).at(1));   // a captured variable that moves: the rules' error
            }
        }
        Node slope = CustomDerivatives.jvp(n, tangents);
        if (slope == null) {
            return null;
        }
        return Series.recurrence(n, order, (k, below) -> {
            if (k == 1) {
                // The first coefficient is the slope; propagating at order 0 would ask rules for
                // companion series of order -1.
                return substitute(slope, placeholders, s);
            }
            Map<Node, Series> seeds = new HashMap<>();
            // The rule's graph may read nodes behind the arguments (the simplifier sees through
            // them: x·x of an argument 0.3·t becomes 0.09·t·t): those move as they already do.
            for (Node a : GraphWalk.ancestors(List.of(slope))) {
                Series moving = known.get(a);
                if (moving != null) {
                    seeds.put(a, moving.truncated(k - 1));
                }
            }
            seeds.put(n, below.truncated(k - 1));
            for (int i = 1; i <= c.arity(); i++) {
                seeds.put(n.input(i), s.get(i).truncated(k - 1));
            }
            placeholders.forEach((t, i) -> seeds.put(t, s.get(i).truncated(k).derivative(t)));
            Map<Node, Series> ys = propagate(List.of(slope), seeds, k - 1);
            Node coefficient = ys.containsKey(slope) ? ys.get(slope).at(k - 1) : null;
            return coefficient == null ? null : div(substitute(coefficient, placeholders, s), (double) k);
        });
    }

    /**
     * The coefficient with each tangent placeholder replaced by the value it stands for, the
     * argument's first coefficient: a batch of one of the placeholder's shape, then unbatched.
     */
    private static Node substitute(Node coefficient, Map<Node, Integer> placeholders, List<Series> s) {
        Map<Node, Node> batches = new HashMap<>();
        placeholders.forEach((t, i) -> {
            Node value = s.get(i).at(1) != null ? s.get(i).at(1) : zerosLike(t);
            batches.put(t, reshape(value, BatchRules.batched(1, t.shape())));
        });
        Node batched = Batching.vmap("taylor", List.of(coefficient), batches).get(0);
        return reshape(batched, coefficient.shape());
    }

    private static Series binary(BinaryFn fn, Node n, Series a, Series b) {
        return switch (fn) {
            case ADD -> Series.combine(List.of(a, b), n, c -> add(c.get(0), c.get(1)));
            case SUB -> Series.combine(List.of(a, b), n, c -> sub(c.get(0), c.get(1)));
            case MUL -> Series.product(a, b, n);
            // From y·b = a.
            case DIV -> Series.quotient(a, b, n);
            case POW -> SeriesFunctions.pow(n, a, b);
            // A selection: every coefficient takes the first-order slopes (1, 0, or 1/2 each on a tie).
            case MINIMUM, MAXIMUM -> {
                List<Node> slopes = LocalDerivatives.binary(fn, a.primal(), b.primal(), n);
                yield Series.combine(List.of(a, b), n,
                        c -> add(mul(c.get(0), slopes.get(0)), mul(c.get(1), slopes.get(1))));
            }
        };
    }

    private static Series reduction(Op.Reduce r, Node n, Series x) {
        int[] axes = ints(r.axes());
        return switch (r.fn()) {
            case SUM -> x.map(n, c -> sum(c, axes, r.keepDims()));
            // The extreme's coefficients, shared evenly among ties (LocalDerivatives.reduce's mask).
            case MAX, MIN -> {
                Node slope = LocalDerivatives.reduce(r, x.primal(), n);
                yield x.map(n, c -> reduce(ReduceFn.SUM, mul(c, slope), axes, r.keepDims()));
            }
            case PROD -> SeriesFunctions.prod(n, r, x);
        };
    }

    /**
     * c·k!, in c's dtype. In f32, k! passes the largest float at k = 35, so it is applied in
     * factors that each fit (the simplifier does not combine constants whose product overflows).
     */
    private static Node timesFactorial(Node c, int k) {
        double limit = c.dtype() == DType.F32 ? 1e38 : Double.MAX_VALUE;
        double factor = 1;
        Node out = c;
        for (int i = 2; i <= k; i++) {
            if (factor * i > limit) {
                out = mul(factor, out);
                factor = 1;
            }
            factor *= i;
        }
        return mul(factor, out);
    }
}

package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Taylor mode through loops and conditionals: a loop that carries every Taylor coefficient of its
 * carries beside them (the body's series propagated once, inside the body), and a conditional
 * whose branches return their results' coefficients. Like forward mode with n tangents, so the
 * cost stays polynomial in the order.
 */
final class TaylorControlFlow {
    private TaylorControlFlow() {}

    /** The series of each output of n's loop (null: not floating), from its inputs' series. */
    static Series[] loop(Node n, List<Series> s, int order) {
        LoopBody b = ((Op.Loop) n.op()).body();
        int nc = b.carries().size();
        int nx = b.xs().size();
        Map<Node, Series> seeds = new HashMap<>();
        List<Node> carries = new ArrayList<>(b.carries());
        List<Node> inits = new ArrayList<>(n.inputs().subList(0, nc));
        List<Integer> floatingCarries = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            Node c = b.carries().get(i);
            if (c.dtype().isFloating()) {
                floatingCarries.add(i);
                seeds.put(c, coefficients(c, s.get(i), order, carries, inits, n.input(i), "carry " + i));
            }
        }
        List<Node> xs = new ArrayList<>(b.xs());
        List<Node> stacked = new ArrayList<>(n.inputs().subList(nc, nc + nx));
        for (int i = 0; i < nx; i++) {
            Node x = b.xs().get(i);
            if (x.dtype().isFloating() && !s.get(nc + i).isConstant()) {
                seeds.put(x, coefficients(x, s.get(nc + i), order, xs, stacked, n.input(nc + i), "slice " + i));
            }
        }
        List<Node> captured = new ArrayList<>(b.captured());
        List<Node> values = new ArrayList<>(n.inputs().subList(nc + nx, n.inputs().size()));
        for (int k = 0; k < b.captured().size(); k++) {
            Node c = b.captured().get(k);
            Series sk = s.get(nc + nx + k);
            if (c.dtype().isFloating() && !sk.isConstant()) {
                seeds.put(c, coefficients(c, sk, order, captured, values, n.input(nc + nx + k), "captured " + k));
            }
        }
        List<Integer> floatingYs = LoopDerivatives.floating(b.ys());
        List<Node> moved = new ArrayList<>();
        floatingCarries.forEach(i -> moved.add(b.newCarries().get(i)));
        floatingYs.forEach(y -> moved.add(b.ys().get(y)));
        Map<Node, Series> inside = TaylorMode.propagate(moved, seeds, order);
        List<Node> newCarries = new ArrayList<>(b.newCarries());
        for (int i : floatingCarries) {
            newCarries.addAll(higher(b.newCarries().get(i), inside, order));
        }
        List<Node> ys = new ArrayList<>(b.ys());
        for (int y : floatingYs) {
            ys.addAll(higher(b.ys().get(y), inside, order));
        }
        LoopBody taylor = new LoopBody(b.index(), carries, xs, captured, newCarries, ys, b.condition(), b.length(),
                b.reverse());
        List<Node> out = dev.nabla.compiler.ir.Ops.loop(taylor, inits, stacked, values);
        List<Node> family = family(n);
        Series[] result = new Series[b.outputCount()];
        for (int k = 0; k < floatingCarries.size(); k++) {
            int i = floatingCarries.get(k);
            result[i] = series(family.get(i), out, nc + k * order, order);
        }
        int ysAt = carries.size() + b.ys().size();
        for (int k = 0; k < floatingYs.size(); k++) {
            int y = floatingYs.get(k);
            result[nc + y] = series(family.get(nc + y), out, ysAt + k * order, order);
        }
        return result;
    }

    /** The series of each output of n's conditional (null: not floating), from its inputs' series. */
    static Series[] cond(Node n, List<Series> s, int order) {
        CondBranches b = ((Op.Cond) n.op()).branches();
        Map<Node, Series> seeds = new HashMap<>();
        List<Node> params = new ArrayList<>(b.captured());
        List<Node> args = new ArrayList<>(n.inputs().subList(1, n.inputs().size()));
        for (int k = 0; k < b.captured().size(); k++) {
            Node c = b.captured().get(k);
            Series sk = s.get(1 + k);
            if (c.dtype().isFloating() && !sk.isConstant()) {
                seeds.put(c, coefficients(c, sk, order, params, args, n.input(1 + k), "captured " + k));
            }
        }
        List<Integer> floating = LoopDerivatives.floating(b.results(0));
        List<List<Node>> results = new ArrayList<>();
        for (int br = 0; br < b.branchCount(); br++) {
            List<Node> r = new ArrayList<>(b.results(br));
            List<Node> moved = new ArrayList<>();
            for (int o : floating) {
                moved.add(r.get(o));
            }
            Map<Node, Series> inside = TaylorMode.propagate(moved, seeds, order);
            for (Node m : moved) {
                r.addAll(higher(m, inside, order));
            }
            results.add(r);
        }
        List<Node> out = dev.nabla.compiler.ir.Ops.cond(new CondBranches(params, results), n.input(0), args);
        List<Node> family = family(n);
        Series[] result = new Series[b.outputCount()];
        for (int k = 0; k < floating.size(); k++) {
            int o = floating.get(k);
            result[o] = series(family.get(o), out, b.outputCount() + k * order, order);
        }
        return result;
    }

    /**
     * The seed series of a body parameter: the parameter, then one new parameter per coefficient,
     * each appended to {@code params} with its outer value (the input's coefficient, or zeros).
     */
    private static Series coefficients(Node param, Series outer, int order, List<Node> params, List<Node> values,
                                       Node input, String role) {
        List<Node> c = new ArrayList<>(List.of(param));
        for (int k = 1; k <= order; k++) {
            Node p = Placeholders.like(param, "Taylor coefficient " + k + " of " + role);
            c.add(p);
            params.add(p);
            values.add(outer.at(k) != null ? materialize(outer.at(k)) : zerosLike(input));
        }
        return Series.of(c);
    }

    /** Coefficients 1..order of a body result (zeros where it does not move). */
    private static List<Node> higher(Node result, Map<Node, Series> inside, int order) {
        Series s = inside.get(result);
        List<Node> c = new ArrayList<>(order);
        for (int k = 1; k <= order; k++) {
            c.add(s != null && s.at(k) != null ? materialize(s.at(k)) : zerosLike(result));
        }
        return c;
    }

    private static Series series(Node primal, List<Node> out, int first, int order) {
        List<Node> c = new ArrayList<>(List.of(primal));
        c.addAll(out.subList(first, first + order));
        return Series.of(c);
    }
}

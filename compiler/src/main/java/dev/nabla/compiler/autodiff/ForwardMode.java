package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.passes.DerivativeScope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Forward-mode differentiation as a graph transformation: from tangents of some variables, the
 * tangent of each output (a Jacobian-vector product), as new nodes of the same graph.
 */
final class ForwardMode {
    private ForwardMode() {}

    static List<Node> jvp(List<Node> outputs, Map<Node, Node> seeds) {
        return DerivativeScope.run(() -> tangents(outputs, seeds));
    }

    /** The tangent of each output, handed back with structural zeros made ordinary. */
    static List<Node> tangents(List<Node> outputs, Map<Node, Node> seeds) {
        Map<Node, Node> tangent = new HashMap<>(seeds);
        for (Node n : GraphWalk.derivativeAncestors(outputs)) {
            if (ReverseMode.isFamily(n) && !tangent.containsKey(n)) {
                // A loop's (or conditional's) outputs get their tangents together, from one loop.
                List<Node> inputTangents = n.inputs().stream().map(tangent::get).toList();
                if (inputTangents.stream().anyMatch(t -> t != null)) {
                    List<Node> family = family(n);
                    Node[] t = n.op() instanceof Op.Loop ? LoopDerivatives.jvp(n, inputTangents)
                            : CondDerivatives.jvp(n, inputTangents);
                    for (int k = 0; k < t.length; k++) {
                        if (t[k] != null) {
                            tangent.put(family.get(k), t[k]);
                        }
                    }
                }
                continue;
            }
            if (!tangent.containsKey(n) && !n.inputs().isEmpty()) {
                Node t = rule(n, n.inputs().stream().map(tangent::get).toList());
                if (t != null) {
                    tangent.put(n, t);
                }
            }
        }
        List<Node> out = new ArrayList<>(outputs.size());
        for (Node o : outputs) {
            Node t = tangent.get(o);
            out.add(t != null ? materialize(t) : zerosLike(o));
        }
        return out;
    }

    /** The tangent of n from its inputs' tangents (null: zero); null when n's tangent is zero. */
    private static Node rule(Node n, List<Node> t) {
        if (t.stream().allMatch(x -> x == null)) {
            return null;
        }
        List<Node> in = n.inputs();
        return switch (n.op()) {
            case Op.Input i -> null;
            case Op.Parameter p -> null;
            case Op.Constant c -> null;
            case Op.Unary(var fn) -> LocalDerivatives.unaryChain(fn, in.get(0), n, t.get(0));
            case Op.Binary(var fn) -> {
                List<Node> slopes = LocalDerivatives.binary(fn, in.get(0), in.get(1), n);
                yield sum(t.get(0) == null ? null : mul(t.get(0), slopes.get(0)),
                        t.get(1) == null ? null : mul(t.get(1), slopes.get(1)));
            }
            case Op.Fma f -> sum(sum(t.get(0) == null ? null : mul(t.get(0), in.get(1)),
                    t.get(1) == null ? null : mul(in.get(0), t.get(1))), t.get(2));
            case Op.Compare c -> null;
            case Op.Where w -> where(in.get(0), orZero(t.get(1), in.get(1)), orZero(t.get(2), in.get(2)));
            case Op.Reduce r -> reduce(ReduceFn.SUM, mul(t.get(0), LocalDerivatives.reduce(r, in.get(0), n)),
                    ReverseMode.ints(r.axes()), r.keepDims());
            case Op.Reshape r -> reshape(t.get(0), n.shape());
            case Op.Permute(var perm) -> permute(t.get(0), ReverseMode.ints(perm));
            case Op.BroadcastTo b -> broadcastTo(t.get(0), n.shape());
            case Op.Slice(var starts, var steps) -> sliceNode(t.get(0), ReverseMode.ints(starts), ReverseMode.ints(steps), n.shape());
            case Op.Pad(var starts, var steps) -> pad(t.get(0), ReverseMode.ints(starts), ReverseMode.ints(steps), n.shape());
            case Op.Windows(var w) -> windows(t.get(0), w);
            case Op.WindowsSum(var w) -> windowsSum(t.get(0), w, n.shape());
            case Op.Concat(int axis) -> {
                List<Node> parts = new ArrayList<>();
                for (int k = 0; k < in.size(); k++) {
                    parts.add(orZero(t.get(k), in.get(k)));
                }
                yield concat(axis, parts);
            }
            case Op.Gather(int axis) -> t.get(0) == null ? null : takeAlongAxis(t.get(0), in.get(1), axis);
            case Op.ScatterAdd(int axis) -> t.get(1) == null ? null : scatterAddNode(in.get(0), t.get(1), axis, n.shape());
            case Op.MatMul m -> sum(t.get(0) == null ? null : matmul(t.get(0), in.get(1)),
                    t.get(1) == null ? null : matmul(in.get(0), t.get(1)));
            case Op.Cast c -> n.dtype().isFloating() ? cast(t.get(0), n.dtype()) : null;
            case Op.StopGradient s -> null;
            // A draw is a function of its key alone, an integer: no tangent flows through it.
            case Op.Random r -> null;
            case Op.Custom c -> CustomDerivatives.jvp(n, t);
            case Op.Loop l -> throw new IllegalStateException("loops are differentiated as a family");
            case Op.Cond c -> throw new IllegalStateException("conditionals are differentiated as a family");
        };
    }

    private static Node sum(Node a, Node b) {
        return a == null ? b : b == null ? a : add(a, b);
    }

    private static Node orZero(Node tangent, Node like) {
        return tangent != null ? tangent : structuralZerosLike(like);
    }
}

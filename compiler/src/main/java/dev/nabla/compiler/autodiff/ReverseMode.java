package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ties;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.passes.DerivativeScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode differentiation as a graph transformation: from an output and its cotangent, the
 * cotangent of each requested variable, as new nodes of the same graph.
 */
final class ReverseMode {
    private ReverseMode() {}

    /** The cotangent of each of wrt, handed back with structural zeros made ordinary. */
    static List<Node> vjp(Node output, Node cotangent, List<Node> wrt) {
        return DerivativeScope.run(() -> cotangents(output, cotangent, wrt).stream().map(Ops::materialize).toList());
    }

    /**
     * The partial derivatives with respect to each of wrt, holding the others fixed: the sweep
     * does not pass below a node of wrt, so where one of them depends on another (a checkpoint's
     * argument on a parameter the segment also reads), the latter gets only its direct part.
     */
    static List<Node> partials(Node output, Node cotangent, List<Node> wrt) {
        return DerivativeScope.run(() -> sweep(output, cotangent, wrt, true).stream().map(Ops::materialize).toList());
    }

    /**
     * The partials of several outputs at once, each with its cotangent (a loop body's results),
     * structural zeros kept: for use inside a derivative being built.
     */
    static List<Node> partials(List<Node> outputs, List<Node> cotangents, List<Node> wrt) {
        return sweep(outputs, cotangents, wrt, true);
    }

    /** The cotangent of each of wrt, structural zeros kept: for use inside a derivative being built. */
    static List<Node> cotangents(Node output, Node cotangent, List<Node> wrt) {
        return sweep(output, cotangent, wrt, false);
    }

    private static List<Node> sweep(Node output, Node cotangent, List<Node> wrt, boolean stopAtWrt) {
        return sweep(List.of(output), List.of(cotangent), wrt, stopAtWrt);
    }

    private static List<Node> sweep(List<Node> outputs, List<Node> cotangents, List<Node> wrt, boolean stopAtWrt) {
        java.util.Set<Node> stops = stopAtWrt ? new java.util.HashSet<>(wrt) : java.util.Set.of();
        List<Node> order = GraphWalk.derivativeAncestors(outputs);
        BitSet live = GraphWalk.dependents(order, wrt);
        Map<Node, Node> adjoint = new HashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
            if (live.get(outputs.get(i).id())) {
                adjoint.merge(outputs.get(i), cotangents.get(i), (x, y) -> add(x, y));
            }
        }
        // A loop's (or conditional's) outputs are differentiated together, at the first of them in the order: by
        // then every consumer of every one of them has given its cotangent.
        Map<Object, Node> firstOfFamily = new HashMap<>();
        for (Node n : order) {
            if (isFamily(n)) {
                firstOfFamily.putIfAbsent(familyKey(n), n);
            }
        }
        for (int i = order.size() - 1; i >= 0; i--) {
            Node n = order.get(i);
            if (isFamily(n)) {
                if (firstOfFamily.get(familyKey(n)) == n && !stops.contains(n)) {
                    List<Node> family = family(n);
                    Node[] cts = new Node[family.size()];
                    for (int k = 0; k < cts.length; k++) {
                        cts[k] = adjoint.get(family.get(k));
                    }
                    accumulate(n, n.op() instanceof Op.Loop ? LoopDerivatives.vjp(n, cts, live) : CondDerivatives.vjp(n, cts),
                            live, adjoint);
                }
                continue;
            }
            Node g = adjoint.get(n);
            if (g == null || n.inputs().isEmpty() || stops.contains(n)) {
                continue;
            }
            accumulate(n, rule(n, g, live), live, adjoint);
        }
        List<Node> out = new ArrayList<>(wrt.size());
        for (Node w : wrt) {
            out.add(adjoint.getOrDefault(w, structuralZerosLike(w)));
        }
        return out;
    }

    /** Whether n is one output of a loop or conditional, whose outputs are differentiated together. */
    static boolean isFamily(Node n) {
        return n.op() instanceof Op.Loop || n.op() instanceof Op.Cond;
    }

    private static void accumulate(Node n, List<Node> contributions, BitSet live, Map<Node, Node> adjoint) {
        for (int k = 0; k < n.inputs().size(); k++) {
            Node in = n.input(k);
            Node c = contributions.get(k);
            if (c != null && live.get(in.id())) {
                adjoint.merge(in, c, (x, y) -> add(x, y));
            }
        }
    }

    /**
     * The cotangent contribution to each input of n, given n's cotangent g (null: none); live
     * holds the ids of the nodes that depend on the variables differentiated against.
     */
    private static List<Node> rule(Node n, Node g, BitSet live) {
        List<Node> in = n.inputs();
        return switch (n.op()) {
            case Op.Input i -> List.of();
            case Op.Parameter p -> List.of();
            case Op.Constant c -> List.of();
            case Op.Unary(var fn) -> List.of(LocalDerivatives.unaryChain(fn, in.get(0), n, g));
            case Op.Binary(var fn) -> {
                List<Node> slopes = LocalDerivatives.binary(fn, in.get(0), in.get(1), n);
                yield List.of(mul(g, slopes.get(0)), mul(g, slopes.get(1)));
            }
            case Op.Fma f -> List.of(mul(g, in.get(1)), mul(g, in.get(0)), g);
            case Op.Compare c -> nulls(2);
            case Op.Where w -> Arrays.asList(null, where(in.get(0), g, structuralZerosLike(g)),
                    where(in.get(0), structuralZerosLike(g), g));
            case Op.Reduce r -> {
                Node x = in.get(0);
                Node spread = broadcastTo(LocalDerivatives.keepDims(g, r, x), x.shape());
                if (r.ties() == Ties.FIRST) {
                    // A selection: the cotangent itself where the mask holds (no product with 1s and 0s).
                    Node yb = broadcastTo(LocalDerivatives.keepDims(n, r, x), x.shape());
                    yield List.of(where(LocalDerivatives.firstExtreme(r, x, yb), spread, structuralZerosLike(spread)));
                }
                yield List.of(mul(spread, LocalDerivatives.reduce(r, x, n)));
            }
            case Op.Reshape r -> List.of(reshape(g, in.get(0).shape()));
            case Op.Permute(var perm) -> List.of(permute(g, inverse(perm)));
            case Op.BroadcastTo b -> List.of(sumToShape(g, in.get(0).shape()));
            case Op.Slice(var starts, var steps) -> List.of(pad(g, ints(starts), ints(steps), in.get(0).shape()));
            case Op.Pad(var starts, var steps) -> List.of(sliceNode(g, ints(starts), ints(steps), in.get(0).shape()));
            case Op.Windows(var w) -> List.of(windowsSum(g, w, in.get(0).shape()));
            case Op.WindowsSum(var w) -> List.of(windows(g, w));
            case Op.Concat(int axis) -> concatParts(g, axis, in);
            // Linear in x: the adjoint puts each cotangent back where its element came from.
            case Op.Gather(int axis) -> Arrays.asList(scatterAddNode(in.get(1), g, axis, in.get(0).shape()), null);
            case Op.ScatterAdd(int axis) -> Arrays.asList(null, takeAlongAxis(g, in.get(0), axis));
            case Op.MatMul m -> List.of(matmul(g, matrixTranspose(in.get(1))), matmul(matrixTranspose(in.get(0)), g));
            case Op.Cast c -> Arrays.asList(in.get(0).dtype().isFloating() ? cast(g, in.get(0).dtype()) : null);
            case Op.StopGradient s -> nulls(1);
            case Op.Random r -> nulls(1);
            case Op.Custom c -> CustomDerivatives.vjp(n, g, live);
            case Op.Loop l -> throw new IllegalStateException("loops are differentiated as a family");
            case Op.Cond c -> throw new IllegalStateException("conditionals are differentiated as a family");
        };
    }

    private static List<Node> concatParts(Node g, int axis, List<Node> parts) {
        List<Node> out = new ArrayList<>(parts.size());
        int offset = 0;
        for (Node p : parts) {
            int len = p.shape().dim(axis);
            out.add(slice(g, axis, offset, offset + len, 1));
            offset += len;
        }
        return out;
    }

    static int[] inverse(List<Integer> perm) {
        int[] inv = new int[perm.size()];
        for (int i = 0; i < inv.length; i++) {
            inv[perm.get(i)] = i;
        }
        return inv;
    }

    static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<Node> nulls(int n) {
        return Arrays.asList(new Node[n]);
    }
}

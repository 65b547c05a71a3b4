package dev.nabla.compiler.ir;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A graph built again with some of its nodes replaced: each node that depends on a replaced one
 * is built anew from its new operands by the same op (through the public builders, so the
 * simplifier sees it again); the rest is shared.
 */
public final class Rebuild {
    private Rebuild() {}

    /** The roots with every key of {@code replace} replaced by its value. */
    public static List<Node> substitute(List<Node> roots, Map<Node, Node> replace) {
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> todo = new ArrayDeque<>(roots);
        List<Node> order = new ArrayList<>();
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n) || replace.containsKey(n)) {
                continue;
            }
            order.add(n);
            todo.addAll(n.inputs());
        }
        order.sort(Comparator.comparingInt(Node::id));
        Map<Node, Node> rebuilt = new HashMap<>(replace);
        for (Node n : order) {
            List<Node> inputs = new ArrayList<>(n.inputs().size());
            boolean changed = false;
            for (Node in : n.inputs()) {
                Node r = rebuilt.getOrDefault(in, in);
                changed |= r != in;
                inputs.add(r);
            }
            rebuilt.put(n, changed ? apply(n, inputs) : n);
        }
        return roots.stream().map(r -> rebuilt.getOrDefault(r, r)).toList();
    }

    /** n's op over other operands of the same shapes and dtypes. */
    static Node apply(Node n, List<Node> in) {
        return switch (n.op()) {
            case Op.Input i -> n;
            case Op.Parameter p -> n;
            case Op.Constant c -> n;
            case Op.Unary(var fn) -> Ops.unary(fn, in.get(0));
            case Op.Binary(var fn) -> Ops.binary(fn, in.get(0), in.get(1));
            case Op.Compare(var fn) -> Ops.compare(fn, in.get(0), in.get(1));
            case Op.Fma f -> Ops.fma(in.get(0), in.get(1), in.get(2));
            case Op.Where w -> Ops.where(in.get(0), in.get(1), in.get(2));
            case Op.Reduce(var fn, var axes, boolean keepDims, var ties) -> Ops.reduce(fn, in.get(0), ints(axes), keepDims, ties);
            case Op.Reshape r -> Ops.reshape(in.get(0), n.shape());
            case Op.Permute(var perm) -> Ops.permute(in.get(0), ints(perm));
            case Op.BroadcastTo b -> Ops.broadcastTo(in.get(0), n.shape());
            case Op.Slice(var starts, var steps) -> Ops.sliceNode(in.get(0), ints(starts), ints(steps), n.shape());
            case Op.Pad(var starts, var steps) -> Ops.pad(in.get(0), ints(starts), ints(steps), n.shape());
            case Op.Windows(var w) -> Ops.windows(in.get(0), w);
            case Op.WindowsSum(var w) -> Ops.windowsSum(in.get(0), w, n.shape());
            case Op.Concat(int axis) -> Ops.concat(axis, in);
            case Op.Gather(int axis) -> Ops.takeAlongAxis(in.get(0), in.get(1), axis);
            case Op.ScatterAdd(int axis) -> Ops.scatterAddNode(in.get(0), in.get(1), axis, n.shape());
            case Op.MatMul m -> Ops.matmul(in.get(0), in.get(1));
            case Op.Cast c -> Ops.cast(in.get(0), n.dtype());
            case Op.StopGradient s -> Ops.stopGradient(in.get(0));
            case Op.Random(var dist) -> RandomOps.draw(dist, in.get(0), RandomOps.sample(n), n.dtype());
            // Rules, bodies and branches do not depend on the operands' identity: the node is the same op.
            case Op.Custom c -> in.get(0).table().intern(n.op(), in, n.shape(), n.dtype());
            case Op.Loop l -> in.get(0).table().intern(n.op(), in, n.shape(), n.dtype());
            case Op.Cond c -> in.get(0).table().intern(n.op(), in, n.shape(), n.dtype());
        };
    }

    private static int[] ints(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }
}

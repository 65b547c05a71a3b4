package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Shape;
import java.util.List;

/**
 * One batching rule per op: the node rebuilt over operands of which some carry a leading batch
 * axis. Elementwise ops broadcast an unbatched operand along the batch (the op builders do it),
 * axis arguments shift by one, and a matrix product with one unbatched matrix folds the batch
 * into the other operand's rows or columns, so that it stays one matrix product.
 */
final class BatchRules {
    private BatchRules() {}

    /** An operand: a batched node ([B] ++ the original shape) or the original, shared node. */
    record Operand(Node node, boolean batched) {}

    static Shape batched(int batch, Shape shape) {
        int[] dims = new int[shape.rank() + 1];
        dims[0] = batch;
        System.arraycopy(shape.dims(), 0, dims, 1, shape.rank());
        return new Shape(dims);
    }

    /** n over the given operands, of shape [B] ++ n's shape; at least one operand is batched. */
    static Node batch(Node n, int batch, List<Operand> in) {
        Shape shape = batched(batch, n.shape());
        return switch (n.op()) {
            case Op.Input i -> throw new IllegalStateException("an unbatched variable has no batched operand");
            case Op.Parameter p -> throw new IllegalStateException("an unbatched variable has no batched operand");
            case Op.Constant c -> throw new IllegalStateException("a constant has no batched operand");
            case Op.Unary(var fn) -> unary(fn, node(in, 0));
            case Op.Binary(var fn) -> binary(fn, node(in, 0), node(in, 1));
            case Op.Compare(var fn) -> compare(fn, node(in, 0), node(in, 1));
            case Op.Fma f -> fma(node(in, 0), node(in, 1), node(in, 2));
            case Op.Where w -> where(node(in, 0), node(in, 1), node(in, 2));
            case Op.Reduce r -> reduce(r.fn(), node(in, 0), shifted(r.axes()), r.keepDims(), r.ties());
            case Op.Reshape r -> reshape(node(in, 0), shape);
            case Op.Permute(var perm) -> permute(node(in, 0), withBatchAxis(perm));
            case Op.BroadcastTo b -> broadcastTo(node(in, 0), shape);
            case Op.Slice(var starts, var steps) -> sliceNode(node(in, 0), prepend(starts, 0), prepend(steps, 1), shape);
            case Op.Pad(var starts, var steps) -> pad(node(in, 0), prepend(starts, 0), prepend(steps, 1), shape);
            // Windows run over the last axes: a batch axis in front is one more leading axis.
            case Op.Windows(var w) -> windows(node(in, 0), w);
            case Op.WindowsSum(var w) -> windowsSum(node(in, 0), w, shape);
            case Op.Concat(int axis) -> concat(axis + 1, in.stream().map(o -> expanded(o, batch)).toList());
            // The unbatched operand is broadcast along the batch: a stride-0 view once lowered.
            case Op.Gather(int axis) -> takeAlongAxis(expanded(in.get(0), batch), expanded(in.get(1), batch), axis + 1);
            case Op.ScatterAdd(int axis) ->
                    scatterAddNode(expanded(in.get(0), batch), expanded(in.get(1), batch), axis + 1, shape);
            case Op.MatMul m -> batchedMatmul(in.get(0), in.get(1), batch);
            case Op.Cast c -> cast(node(in, 0), n.dtype());
            case Op.StopGradient s -> stopGradient(node(in, 0));
            // The batch becomes one more leading axis of keys: each batch element draws on its own.
            case Op.Random(var dist) -> dev.nabla.compiler.ir.RandomOps.draw(dist, node(in, 0),
                    dev.nabla.compiler.ir.RandomOps.sample(n), n.dtype());
            case Op.Custom c -> custom(new BatchedCustomRule(c.rule(), n.inputs().subList(1, 1 + c.arity()), n),
                    expanded(in.get(0), batch), in.subList(1, 1 + c.arity()).stream().map(Operand::node).toList());
            case Op.Loop l -> throw new IllegalStateException("loops are batched as a family");
            case Op.Cond c -> throw new IllegalStateException("conditionals are batched as a family");
        };
    }

    private static Node node(List<Operand> in, int k) {
        return in.get(k).node();
    }

    /** An operand with the batch axis, broadcast along it when it had none. */
    private static Node expanded(Operand o, int batch) {
        return o.batched() ? o.node() : broadcastTo(o.node(), batched(batch, o.node().shape()));
    }

    /**
     * The batched matrix product. Both batched: a batched product. Only the left batched and a
     * plain matrix on the right: the batch joins the left's rows, [B·m, k]·[k, n]. Only the right:
     * the batch joins its columns, [m, k]·[k, B·n]. With leading axes besides the batch, the
     * unbatched side is broadcast.
     */
    private static Node batchedMatmul(Operand a, Operand b, int batch) {
        Node x = a.node();
        Node y = b.node();
        if (a.batched() && !b.batched() && x.rank() == 3) {
            int m = x.shape().dim(1);
            int k = x.shape().dim(2);
            Node rows = matmul(reshape(x, batch * m, k), y);
            return reshape(rows, batch, m, y.shape().dim(1));
        }
        if (b.batched() && !a.batched() && y.rank() == 3) {
            int k = y.shape().dim(1);
            int n = y.shape().dim(2);
            Node columns = reshape(permute(y, 1, 0, 2), k, batch * n);
            Node product = matmul(x, columns);
            return permute(reshape(product, x.shape().dim(0), batch, n), 1, 0, 2);
        }
        return matmul(expanded(a, batch), expanded(b, batch));
    }

    private static int[] shifted(List<Integer> axes) {
        return axes.stream().mapToInt(a -> a + 1).toArray();
    }

    /** The permutation with the batch axis kept first. */
    private static int[] withBatchAxis(List<Integer> perm) {
        int[] p = new int[perm.size() + 1];
        for (int i = 0; i < perm.size(); i++) {
            p[i + 1] = perm.get(i) + 1;
        }
        return p;
    }

    private static int[] prepend(List<Integer> values, int first) {
        int[] out = new int[values.size() + 1];
        out[0] = first;
        for (int i = 0; i < values.size(); i++) {
            out[i + 1] = values.get(i);
        }
        return out;
    }
}

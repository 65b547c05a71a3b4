package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The batching rule of a loop: one loop whose body is the batched body. Every carry is batched
 * (a carry that starts the same for all rows may differ after one step), a stacked input keeps
 * its steps first and the batch second inside the loop, and the batch moves back to the front of
 * the stacked outputs. A while loop is batched only when its condition is the same for all rows.
 */
final class LoopBatching {
    private LoopBatching() {}

    /** Every output of n's loop, batched: [B] ++ its shape. */
    static List<Node> batch(Node n, int batch, List<BatchRules.Operand> in) {
        LoopBody b = ((Op.Loop) n.op()).body();
        int nc = b.carries().size();
        int nx = b.xs().size();
        Map<Node, Node> batched = new HashMap<>();
        List<Node> carries = new ArrayList<>();
        List<Node> inits = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            Node c = b.carries().get(i);
            Node bc = batchedPlaceholder(c, batch, "batched carry " + i);
            batched.put(c, bc);
            carries.add(bc);
            inits.add(expanded(in.get(i), batch));
        }
        List<Node> xs = new ArrayList<>();
        List<Node> stacked = new ArrayList<>();
        for (int i = 0; i < nx; i++) {
            Node x = b.xs().get(i);
            BatchRules.Operand o = in.get(nc + i);
            if (o.batched()) {
                Node bx = batchedPlaceholder(x, batch, "batched slice " + i);
                batched.put(x, bx);
                xs.add(bx);
                stacked.add(swapFirstAxes(o.node()));
            } else {
                xs.add(x);
                stacked.add(o.node());
            }
        }
        List<Node> captured = new ArrayList<>();
        List<Node> values = new ArrayList<>();
        for (int k = 0; k < b.captured().size(); k++) {
            Node c = b.captured().get(k);
            BatchRules.Operand o = in.get(nc + nx + k);
            if (o.batched()) {
                Node bk = batchedPlaceholder(c, batch, "batched captured " + k);
                batched.put(c, bk);
                captured.add(bk);
            } else {
                captured.add(c);
            }
            values.add(o.node());
        }
        Node condition = b.condition();
        if (condition != null) {
            List<Node> order = GraphWalk.ancestors(List.of(condition));
            if (GraphWalk.dependents(order, batched.keySet()).get(condition.id())) {
                throw new GraphException("vmap: the condition of a while loop depends on the batched values, so each"
                        + " row would stop at another step; batch a fori loop (a fixed number of steps) instead");
            }
        }
        List<Node> results = b.results();
        List<Node> rebuilt = results.isEmpty() ? List.of() : Batching.batchGraph(results, batched, batch);
        List<Node> newCarries = rebuilt.subList(0, nc);
        List<Node> ys = rebuilt.subList(nc, rebuilt.size());
        LoopBody body = new LoopBody(b.index(), carries, xs, captured, newCarries, ys, condition, b.length(),
                b.reverse());
        List<Node> out = new ArrayList<>(loop(body, inits, stacked, values));
        for (int y = nc; y < out.size(); y++) {
            out.set(y, swapFirstAxes(out.get(y)));
        }
        return out;
    }

    private static Node batchedPlaceholder(Node like, int batch, String role) {
        return placeholder(like.table(), role, BatchRules.batched(batch, like.shape()), like.dtype());
    }

    private static Node expanded(BatchRules.Operand o, int batch) {
        return o.batched() ? o.node() : broadcastTo(o.node(), BatchRules.batched(batch, o.node().shape()));
    }

    /** [a, b, ...] to [b, a, ...]. */
    private static Node swapFirstAxes(Node x) {
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[0] = 1;
        perm[1] = 0;
        return permute(x, perm);
    }
}

package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.compiler.ir.Node;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The batching transform (JAX's {@code vmap}): the outputs computed once for each row of a batch,
 * as one graph whose every value carries the batch as a leading axis. Each variable in
 * {@code batched} is replaced by its batch, a node of shape [B] ++ its shape, and every node
 * that depends on one is rebuilt by {@link BatchRules}; the rest of the graph is shared
 * unchanged. The result is ordinary nodes: it can be differentiated, batched again (nested
 * vmap) and compiled like anything else.
 */
public final class Batching {
    private Batching() {}

    /**
     * For each output, a node of shape [B] ++ its shape whose row b is the output computed with
     * row b of each batch in place of its variable. Outputs that depend on no batched variable
     * are broadcast along the batch.
     */
    public static List<Node> vmap(String op, List<Node> outputs, Map<Node, Node> batched) {
        return batchGraph(outputs, batched, check(op, outputs, batched));
    }

    /**
     * vmap without the checks on what is batched: any node may stand for a batched value (a loop
     * body's parameters, which may be outer values it captured).
     */
    static List<Node> batchGraph(List<Node> outputs, Map<Node, Node> batched, int batch) {
        List<Node> order = GraphWalk.ancestors(outputs);
        BitSet dependent = GraphWalk.dependents(order, batched.keySet());
        Map<Node, Node> rebuilt = new HashMap<>(batched);
        for (Node n : order) {
            if (ReverseMode.isFamily(n) && dependent.get(n.id()) && !rebuilt.containsKey(n)) {
                // A loop's (or conditional's) outputs are batched together, as one.
                List<Node> family = family(n);
                List<BatchRules.Operand> operands = n.inputs().stream().map(in -> input(in, rebuilt)).toList();
                List<Node> b = n.op() instanceof dev.nabla.compiler.ir.Op.Loop ? LoopBatching.batch(n, batch, operands)
                        : CondDerivatives.batch(n, batch, operands);
                for (int k = 0; k < family.size(); k++) {
                    rebuilt.put(family.get(k), b.get(k));
                }
                continue;
            }
            if (dependent.get(n.id()) && !rebuilt.containsKey(n)) {
                Node b = BatchRules.batch(n, batch, n.inputs().stream().map(in -> input(in, rebuilt)).toList());
                if (!b.shape().equals(BatchRules.batched(batch, n.shape())) || b.dtype() != n.dtype()) {
                    throw new IllegalStateException("vmap: the batching rule of " + n.opName() + " made "
                            + b.describe() + " from " + n.describe());
                }
                rebuilt.put(n, b);
            }
        }
        List<Node> out = new ArrayList<>(outputs.size());
        for (Node o : outputs) {
            Node b = rebuilt.get(o);
            out.add(b != null ? b : broadcastTo(o, BatchRules.batched(batch, o.shape())));
        }
        return out;
    }

    /** An operand of a rebuilt node: its batched version, or the shared node itself. */
    private static BatchRules.Operand input(Node in, Map<Node, Node> rebuilt) {
        Node b = rebuilt.get(in);
        return b != null ? new BatchRules.Operand(b, true) : new BatchRules.Operand(in, false);
    }

    /** The batch size, after checking that every batch fits its variable. */
    private static int check(String op, List<Node> outputs, Map<Node, Node> batched) {
        if (outputs.isEmpty()) {
            throw new NablaException(op + ": needs at least one output");
        }
        if (batched.isEmpty()) {
            throw new NablaException(op + ": name at least one input or parameter to batch over");
        }
        Node first = outputs.get(0);
        int batch = -1;
        Node batchOwner = null;
        for (Map.Entry<Node, Node> e : batched.entrySet()) {
            Node x = e.getKey();
            Node xs = e.getValue();
            for (Node n : List.of(x, xs)) {
                if (n.table() != first.table()) {
                    throw new GraphException(op + ": " + n.describe() + " belongs to another graph than "
                            + first.describe());
                }
            }
            if (!x.isVariable()) {
                throw new GraphException(op + ": can only batch over an input or parameter, but " + x.describe()
                        + " is computed by " + x.opName());
            }
            if (xs.dtype() != x.dtype()) {
                throw new DTypeException(op + ": the batch " + xs.describe() + " for " + x.describe()
                        + " must have its dtype " + x.dtype());
            }
            if (xs.rank() != x.rank() + 1 || !BatchRules.batched(xs.shape().dim(0), x.shape()).equals(xs.shape())) {
                throw new ShapeException(op + ": the batch " + xs.describe() + " for " + x.describe()
                        + " must have the shape [B] ++ " + x.shape() + ", one row per element of the batch");
            }
            if (batch >= 0 && xs.shape().dim(0) != batch) {
                throw new ShapeException(op + ": batches of different sizes: " + batchOwner.describe() + " has "
                        + batch + " rows, " + xs.describe() + " has " + xs.shape().dim(0));
            }
            batch = xs.shape().dim(0);
            batchOwner = xs;
        }
        return batch;
    }
}

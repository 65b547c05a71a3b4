package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Derivatives and batching of conditionals, as conditionals: the derivative of a branch is taken
 * inside that branch, so only the selected branch's derivative runs. Reverse mode recomputes the
 * branch's forward values in its vjp branch (nothing is stored between the passes).
 */
final class CondDerivatives {
    private CondDerivatives() {}

    /** The tangent of each output of n's conditional (null: zero), given its inputs' tangents. */
    static Node[] jvp(Node n, List<Node> t) {
        CondBranches b = ((Op.Cond) n.op()).branches();
        List<Node> values = n.inputs().subList(1, n.inputs().size());
        List<Node> params = new ArrayList<>(b.captured());
        List<Node> args = new ArrayList<>(values);
        Map<Node, Node> seeds = new HashMap<>();
        for (int k = 0; k < b.captured().size(); k++) {
            Node c = b.captured().get(k);
            Node tk = t.get(1 + k);
            if (tk != null && c.dtype().isFloating()) {
                Node dk = Placeholders.like(c, "tangent of captured " + k);
                seeds.put(c, dk);
                params.add(dk);
                args.add(materialize(tk));
            }
        }
        List<Integer> floating = LoopDerivatives.floating(b.results(0));
        List<List<Node>> results = new ArrayList<>();
        for (int br = 0; br < b.branchCount(); br++) {
            List<Node> r = new ArrayList<>(b.results(br));
            List<Node> differentiated = new ArrayList<>();
            for (int o : floating) {
                differentiated.add(r.get(o));
            }
            r.addAll(ForwardMode.tangents(differentiated, seeds));
            results.add(r);
        }
        List<Node> out = cond(new CondBranches(params, results), n.input(0), args);
        Node[] tangents = new Node[b.outputCount()];
        for (int k = 0; k < floating.size(); k++) {
            tangents[floating.get(k)] = out.get(b.outputCount() + k);
        }
        return tangents;
    }

    /** The cotangent contribution to each input of n's conditional, given its outputs' cotangents. */
    static List<Node> vjp(Node n, Node[] cotangents) {
        CondBranches b = ((Op.Cond) n.op()).branches();
        List<Node> none = Arrays.asList(new Node[n.inputs().size()]);
        List<Integer> wrtIndex = new ArrayList<>();
        for (int k = 0; k < b.captured().size(); k++) {
            if (b.captured().get(k).dtype().isFloating()) {
                wrtIndex.add(k);
            }
        }
        if (wrtIndex.isEmpty() || Arrays.stream(cotangents).allMatch(c -> c == null)) {
            return none;
        }
        List<Node> params = new ArrayList<>(b.captured());
        List<Node> args = new ArrayList<>(n.inputs().subList(1, n.inputs().size()));
        List<Integer> seeded = new ArrayList<>();
        List<Node> seeds = new ArrayList<>();
        for (int o = 0; o < cotangents.length; o++) {
            if (cotangents[o] != null && b.outputDType(o).isFloating()) {
                Node ct = Placeholders.like(b.results(0).get(o), "cotangent of result " + o);
                params.add(ct);
                seeds.add(ct);
                args.add(materialize(cotangents[o]));
                seeded.add(o);
            }
        }
        if (seeded.isEmpty()) {
            return none;
        }
        List<Node> wrt = wrtIndex.stream().map(k -> b.captured().get(k)).toList();
        List<List<Node>> results = new ArrayList<>();
        for (int br = 0; br < b.branchCount(); br++) {
            List<Node> outputs = new ArrayList<>();
            for (int o : seeded) {
                outputs.add(b.results(br).get(o));
            }
            results.add(ReverseMode.partials(outputs, seeds, wrt).stream().map(x -> materialize(x)).toList());
        }
        List<Node> out = cond(new CondBranches(params, results), n.input(0), args);
        Node[] contributions = new Node[n.inputs().size()];
        for (int k = 0; k < wrtIndex.size(); k++) {
            contributions[1 + wrtIndex.get(k)] = out.get(k);
        }
        return Arrays.asList(contributions);
    }

    /** Every output of n's conditional, batched ([B] ++ its shape). */
    static List<Node> batch(Node n, int batch, List<BatchRules.Operand> in) {
        CondBranches b = ((Op.Cond) n.op()).branches();
        BatchRules.Operand index = in.get(0);
        if (index.batched()) {
            // Each row may take another branch: compute every branch for the whole batch, then select.
            Map<Node, Node> all = new HashMap<>();
            for (int k = 0; k < b.captured().size(); k++) {
                all.put(b.captured().get(k), expanded(in.get(1 + k), batch));
            }
            List<Node> out = new ArrayList<>();
            for (int o = 0; o < b.outputCount(); o++) {
                Node selected = null;
                for (int br = b.branchCount() - 1; br >= 0; br--) {
                    Node r = Batching.batchGraph(List.of(b.results(br).get(o)), all, batch).get(0);
                    if (selected == null) {
                        selected = r;
                    } else {
                        Node take = compare(dev.nabla.compiler.ir.CompareFn.LE, index.node(), br);
                        int[] dims = new int[r.rank()];
                        Arrays.fill(dims, 1);
                        dims[0] = batch;
                        selected = where(broadcastTo(reshape(take, dims), r.shape()), r, selected);
                    }
                }
                out.add(selected);
            }
            return out;
        }
        Map<Node, Node> batched = new HashMap<>();
        List<Node> params = new ArrayList<>();
        List<Node> args = new ArrayList<>();
        for (int k = 0; k < b.captured().size(); k++) {
            Node c = b.captured().get(k);
            BatchRules.Operand o = in.get(1 + k);
            if (o.batched()) {
                Node bc = placeholder(c.table(), "batched captured " + k, BatchRules.batched(batch, c.shape()), c.dtype());
                batched.put(c, bc);
                params.add(bc);
            } else {
                params.add(c);
            }
            args.add(o.node());
        }
        List<List<Node>> results = new ArrayList<>();
        for (int br = 0; br < b.branchCount(); br++) {
            results.add(Batching.batchGraph(b.results(br), batched, batch));
        }
        return cond(new CondBranches(params, results), index.node(), args);
    }

    private static Node expanded(BatchRules.Operand o, int batch) {
        return o.batched() ? o.node() : broadcastTo(o.node(), BatchRules.batched(batch, o.node().shape()));
    }
}

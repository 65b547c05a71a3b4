package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.CustomRule;
import dev.nabla.compiler.ir.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of a custom function batched by {@link Batching}: the user's rules are written for one
 * example, so each call builds them over placeholders of the unbatched shapes and batches what
 * they return (JAX batches custom rules the same way). An argument without a batch axis is
 * shared by every row, so its cotangent is the sum over the rows.
 */
final class BatchedCustomRule implements CustomRule {
    private final CustomRule rule;
    private final List<Node> originalArgs;
    private final Node originalOutput;

    BatchedCustomRule(CustomRule rule, List<Node> originalArgs, Node originalOutput) {
        this.rule = rule;
        this.originalArgs = List.copyOf(originalArgs);
        this.originalOutput = originalOutput;
    }

    @Override
    public String name() {
        return rule.name();
    }

    @Override
    public boolean hasJvp() {
        return rule.hasJvp();
    }

    @Override
    public boolean hasVjp() {
        return rule.hasVjp();
    }

    @Override
    public boolean transparent() {
        return rule.transparent();
    }

    @Override
    public Node jvp(List<Node> args, Node output, List<Node> tangents) {
        Map<Node, Node> batches = new HashMap<>();
        List<Node> unbatchedArgs = unbatched(args, batches);
        List<Node> unbatchedTangents = unbatched(tangents, batches);
        Node y = Placeholders.like(originalOutput, "batched " + rule.name());
        batches.put(y, output);
        Node t = rule.jvp(unbatchedArgs, y, unbatchedTangents);
        if (t == null) {
            return null;   // the outer check names the rule and what it returned
        }
        return Batching.vmap("vmap", List.of(t), batches).get(0);
    }

    @Override
    public List<Node> vjp(List<Node> args, Node output, Node cotangent) {
        Map<Node, Node> batches = new HashMap<>();
        List<Node> unbatchedArgs = unbatched(args, batches);
        Node y = Placeholders.like(originalOutput, "batched " + rule.name());
        Node g = Placeholders.like(originalOutput, "batched " + rule.name());
        batches.put(y, output);
        batches.put(g, cotangent);
        List<Node> cotangents = rule.vjp(unbatchedArgs, y, g);
        if (cotangents == null || cotangents.stream().anyMatch(c -> c == null || c.table() != output.table())) {
            return cotangents;   // the outer check names the rule and what it returned
        }
        List<Node> batched = Batching.vmap("vmap", cotangents, batches);
        List<Node> out = new ArrayList<>(batched.size());
        for (int i = 0; i < batched.size(); i++) {
            Node c = batched.get(i);
            // A shared argument met every row: its cotangent sums the rows'.
            boolean shared = i < args.size() && args.get(i).rank() == originalArgs.get(i).rank();
            out.add(shared ? sum(c, new int[] {0}, false) : c);
        }
        return out;
    }

    /**
     * Each value with a batch axis (one more than the original argument's) replaced by a
     * placeholder of the unbatched shape, recorded in {@code batches}; shared ones kept.
     */
    private List<Node> unbatched(List<Node> values, Map<Node, Node> batches) {
        List<Node> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            Node v = values.get(i);
            Node original = originalArgs.get(i);
            if (v != null && v.rank() == original.rank() + 1) {
                Node p = Placeholders.like(original, "batched " + rule.name());
                batches.put(p, v);
                out.add(p);
            } else {
                out.add(v);
            }
        }
        return out;
    }
}

package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException;
import dev.nabla.compiler.ir.Barrier;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.TransparentRule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Rematerialization (JAX's {@code checkpoint}, PyTorch's {@code torch.utils.checkpoint}): a
 * segment whose intermediate values reverse mode does not keep but recomputes. It is a custom
 * function whose vjp rule builds the segment again over barriers (an identity of each argument:
 * the same values, but other nodes, so hash-consing cannot hand back the forward pass's nodes)
 * and differentiates that copy. The forward pass's intermediates then die once
 * the forward pass has used them; the copy is computed where the backward pass needs it.
 */
public final class Checkpoint {
    private Checkpoint() {}

    /**
     * The segment's value, {@code segment} applied to {@code args}, with its backward pass
     * recomputing the segment. Variables the segment reads besides its arguments (captured
     * parameters) become arguments too, so their gradients flow as without the checkpoint.
     */
    public static Node apply(Function<List<Node>, Node> segment, List<Node> args) {
        if (args.isEmpty()) {
            throw new NablaException("checkpoint: needs at least one argument");
        }
        Node primal = segment.apply(args);
        if (primal == null) {
            throw new NablaException("checkpoint: the segment returned null; return the tensor it computes");
        }
        List<Node> all = new ArrayList<>(args);
        all.addAll(capturedVariables(primal, args));
        return custom(new Rule(segment, args.size()), primal, all);
    }

    /** The segment's derivatives: reverse mode over a recomputed copy, forward mode over the original. */
    private record Rule(Function<List<Node>, Node> segment, int arity) implements TransparentRule {
        @Override
        public String name() {
            return "checkpoint";
        }

        @Override
        public Node jvp(List<Node> args, Node output, List<Node> tangents) {
            // Forward mode keeps nothing for later: differentiate the segment as it stands.
            Map<Node, Node> seeds = new HashMap<>();
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i).dtype().isFloating()) {
                    seeds.put(args.get(i), tangents.get(i));
                }
            }
            return ForwardMode.jvp(List.of(segment.apply(args.subList(0, arity))), seeds).get(0);
        }

        @Override
        public List<Node> vjp(List<Node> args, Node output, Node cotangent) {
            List<Node> barriers = new ArrayList<>(args.size());
            for (int i = 0; i < args.size(); i++) {
                // Captured variables are leaves the forward pass keeps anyway: no barrier needed.
                barriers.add(i < arity ? Barrier.of(args.get(i), i) : args.get(i));
            }
            Node recomputed = segment.apply(barriers.subList(0, arity));
            List<Node> floating = barriers.stream().filter(b -> b.dtype().isFloating()).toList();
            // Partials: a captured parameter the arguments also depend on (weights shared with
            // earlier layers) gets only its direct part here; the rest reaches it through the
            // arguments' cotangents, in the enclosing reverse pass.
            List<Node> cotangents = ReverseMode.partials(recomputed, cotangent, floating);
            List<Node> out = new ArrayList<>(args.size());
            int k = 0;
            for (Node b : barriers) {
                out.add(b.dtype().isFloating() ? cotangents.get(k++) : null);
            }
            return out;
        }
    }
}

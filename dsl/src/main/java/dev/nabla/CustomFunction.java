package dev.nabla;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.RuleException;
import dev.nabla.compiler.autodiff.GraphWalk;
import dev.nabla.compiler.ir.Barrier;
import dev.nabla.compiler.ir.CustomRule;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Ops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A function of tensors with derivative rules of your own, as JAX's {@code custom_jvp}/{@code
 * custom_vjp} or a PyTorch {@code autograd.Function}: a numerically stable gradient, a
 * straight-through estimator, the implicit-function gradient of an iterative solver, a gradient
 * clipped on the way back.
 *
 * <pre>{@code
 * CustomFunction log1pexp = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p())
 *         .withJvp((xs, y, t) -> t.get(0).mul(xs.get(0).sigmoid()))
 *         .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid())));
 * Tensor y = log1pexp.apply(x);
 * }</pre>
 *
 * <p>The primal builds the value from the arguments with ordinary ops; derivatives never look
 * inside it, they call the rules. Reverse mode ({@link Tensor#grad}, {@link Nabla#vjp}, Hessians,
 * training) calls the vjp rule, forward mode ({@link Nabla#jvp}, {@link Nabla#hvp}) the jvp rule.
 * The rules are written with ops too, so what they return is differentiated again for higher
 * orders (a rule that uses its {@code output} argument is differentiated through this function's
 * rules once more).
 *
 * <p>One rule is enough: a missing one is derived from the other by transposition (a vjp is
 * linear in its cotangent, a jvp in its tangents, so reverse mode over the rule given yields the
 * other). That needs the given rule to be linear in that argument, as every true vjp and jvp is.
 * Where the transposed rule still depends on it, the rule was not (a vjp that clips its
 * cotangent, say), and building the derivative throws a {@link RuleException} asking for the
 * missing rule; a rule that is affine but not linear is not detected. A function without rules is
 * refused at {@link #apply}. {@link GradCheck} compares the rules with finite differences.
 *
 * <p>What rules return is checked when a derivative is built: one tensor per argument from a vjp,
 * of that argument's shape and dtype (or of a shape it broadcasts to, which is summed back to it,
 * as PyTorch does; entries for arguments that are not floating are ignored), one of the output's
 * shape and dtype from a jvp, never null or of another graph; each mistake is a
 * {@link RuleException} naming the function, the rule and the shapes. Tangents of arguments that
 * have none reach a jvp rule as zeros.
 *
 * <p>The primal must read variables only through its arguments. It may read others (a parameter
 * captured from the enclosing code), but the rules cannot give derivatives with respect to those,
 * so asking for one is an error. At run time the function is just its primal, on every backend;
 * a program that computes it also needs its arguments. Applying one function object twice to the
 * same arguments gives one node; different function objects never share one. Instances are
 * immutable and may be shared between graphs and threads.
 */
public final class CustomFunction {
    /** Builds the function's value from its arguments, with ordinary ops. */
    @FunctionalInterface
    public interface Primal {
        /**
         * {@return the function's value}
         *
         * @param args the arguments
         */
        Tensor apply(List<Tensor> args);
    }

    /** The output's tangent, given one tangent per argument (linear in the tangents). */
    @FunctionalInterface
    public interface Jvp {
        /**
         * {@return the output's tangent, of its shape and dtype}
         *
         * @param args     the arguments
         * @param output   the function's value
         * @param tangents one tangent per argument (zeros for one that has none)
         */
        Tensor apply(List<Tensor> args, Tensor output, List<Tensor> tangents);
    }

    /** One cotangent per argument, given the output's cotangent (linear in the cotangent). */
    @FunctionalInterface
    public interface Vjp {
        /**
         * {@return one cotangent per argument, each of its argument's shape and dtype (or a shape that broadcasts to it)}
         *
         * @param args      the arguments
         * @param output    the function's value
         * @param cotangent the output's cotangent
         */
        List<Tensor> apply(List<Tensor> args, Tensor output, Tensor cotangent);
    }

    private final String name;
    private final Primal primal;
    private final Jvp jvp;
    private final Vjp vjp;

    private CustomFunction(String name, Primal primal, Jvp jvp, Vjp vjp) {
        this.name = name;
        this.primal = primal;
        this.jvp = jvp;
        this.vjp = vjp;
    }

    /**
     * {@return a function computed by {@code primal}; give it rules with {@link #withJvp} and {@link #withVjp}}
     *
     * @param name   names it in printed graphs and errors; not blank
     * @param primal builds its value from its arguments
     */
    public static CustomFunction of(String name, Primal primal) {
        if (name == null || name.isBlank()) {
            throw new NablaException("CustomFunction.of: give the function a non-blank name (it appears in printed"
                    + " graphs and in errors)");
        }
        if (primal == null) {
            throw new NablaException("CustomFunction.of: custom function " + name + " needs a primal, got null");
        }
        return new CustomFunction(name, primal, null, null);
    }

    /**
     * {@return this function with {@code rule} as its jvp (forward mode); a new object, this one is unchanged}
     *
     * @param rule the jvp rule
     */
    public CustomFunction withJvp(Jvp rule) {
        if (rule == null) {
            throw new NablaException("withJvp: custom function " + name + " got a null jvp rule");
        }
        return new CustomFunction(name, primal, rule, vjp);
    }

    /**
     * {@return this function with {@code rule} as its vjp (reverse mode); a new object, this one is unchanged}
     *
     * @param rule the vjp rule
     */
    public CustomFunction withVjp(Vjp rule) {
        if (rule == null) {
            throw new NablaException("withVjp: custom function " + name + " got a null vjp rule");
        }
        return new CustomFunction(name, primal, jvp, rule);
    }

    /** {@return the function's name} */
    public String name() {
        return name;
    }

    /**
     * {@return the function of these arguments (tensors of one graph): the primal's value, with this function's rules}
     *
     * @param args at least one tensor, all of one graph
     * @throws dev.nabla.core.NablaException.RuleException if the function has no rule
     */
    public Tensor apply(Tensor... args) {
        return apply(args == null ? null : Arrays.asList(args));
    }

    /**
     * {@return the function of these arguments (tensors of one graph): the primal's value, with this function's rules}
     *
     * @param args at least one tensor, all of one graph
     * @throws dev.nabla.core.NablaException.RuleException if the function has no rule
     */
    public Tensor apply(List<Tensor> args) {
        String op = "custom function " + name;
        if (jvp == null && vjp == null) {
            throw new RuleException(op + " has no derivative rule: give it withVjp(...) for reverse mode,"
                    + " withJvp(...) for forward mode, or both (the one missing is derived from the other)");
        }
        if (args == null || args.isEmpty()) {
            throw new NablaException(op + ": needs at least one tensor argument");
        }
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i) == null) {
                throw new GraphException(op + ": argument " + i + " is null; pass tensors of one graph");
            }
        }
        Graph graph = args.get(0).graph();
        List<Node> nodes = graph.unwrapAll(op, args);
        Tensor value = primal.apply(List.copyOf(args));
        if (value != null && value.graph() == graph && readsAroundArguments(value.node(), nodes)) {
            // The simplifier rewrote the primal to read an argument's inputs in place of the
            // argument (-(a)*b is -(a*b)), which looks like a variable read besides the arguments.
            // Built again over barriers, it reads exactly its arguments.
            List<Tensor> barriers = new ArrayList<>(nodes.size());
            for (int i = 0; i < nodes.size(); i++) {
                barriers.add(graph.wrap(Barrier.of(nodes.get(i), i)));
            }
            value = primal.apply(List.copyOf(barriers));
        }
        if (value == null) {
            throw new NablaException(op + ": the primal returned null; return the function's value as a tensor");
        }
        if (value.graph() != graph) {
            throw new GraphException(op + ": the primal returned " + value.node().describe() + " of another graph;"
                    + " build it from the arguments");
        }
        return graph.wrap(Ops.custom(graph.customRule(this), value.node(), nodes));
    }

    /** Whether the primal reads, other than through the arguments, a variable an argument depends on. */
    private static boolean readsAroundArguments(Node primal, List<Node> args) {
        List<Node> captured = Ops.capturedVariables(primal, args);
        return !captured.isEmpty() && GraphWalk.ancestors(args).stream().anyMatch(captured::contains);
    }

    /** The rules in nodes, for one graph (which turns nodes into the tensors the user's rules take). */
    CustomRule ruleFor(Graph graph) {
        return new Rule(graph, name, jvp, vjp);
    }

    @Override
    public String toString() {
        return "CustomFunction(" + name + (jvp != null ? ", jvp" : "") + (vjp != null ? ", vjp" : "") + ")";
    }

    /**
     * The user's rules over nodes. Identity is equality (one per function and graph), and it holds
     * the rules rather than the function, so that the graph's cache of rules keeps no function alive.
     */
    private static final class Rule implements CustomRule {
        private final Graph graph;
        private final String name;
        private final Jvp jvp;
        private final Vjp vjp;

        Rule(Graph graph, String name, Jvp jvp, Vjp vjp) {
            this.graph = graph;
            this.name = name;
            this.jvp = jvp;
            this.vjp = vjp;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean hasJvp() {
            return jvp != null;
        }

        @Override
        public boolean hasVjp() {
            return vjp != null;
        }

        @Override
        public Node jvp(List<Node> args, Node output, List<Node> tangents) {
            return node(jvp.apply(graph.wrapAll(args), graph.wrap(output), graph.wrapAll(tangents)));
        }

        @Override
        public List<Node> vjp(List<Node> args, Node output, Node cotangent) {
            List<Tensor> result = vjp.apply(graph.wrapAll(args), graph.wrap(output), graph.wrap(cotangent));
            if (result == null) {
                return null;
            }
            // Nulls and tensors of other graphs pass through as nodes, for the transforms to name.
            List<Node> nodes = new ArrayList<>(result.size());
            for (Tensor t : result) {
                nodes.add(node(t));
            }
            return nodes;
        }

        private static Node node(Tensor t) {
            return t == null ? null : t.node();
        }

        @Override
        public String toString() {
            return name;
        }
    }
}

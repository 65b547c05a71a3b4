package dev.nabla.compiler.text;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A readable text form of a program, one line per computed node (in the spirit of JAX's jaxpr):
 *
 * <pre>
 * graph(x: f32[]) {
 *   t1: f32[] = pow(x, 2.0)
 *   t2: f32[] = mul(3.0, t1)
 *   return t2
 * }
 * </pre>
 *
 * Uniform constants print inline as their number; dense constants get a line of their own.
 */
public final class GraphPrinter {
    private GraphPrinter() {}

    public static String print(Program program) {
        Map<Node, String> names = new HashMap<>();
        StringBuilder body = new StringBuilder();
        int temp = 0;
        for (Node n : program.nodes()) {
            if (n.isVariable()) {
                names.put(n, n.variableName());
            } else if (n.fillValue() != null) {
                names.put(n, number(n.fillValue()));
            } else {
                String name = "t" + (++temp);
                names.put(n, name);
                body.append("  ").append(name).append(": ").append(n.dtype()).append(n.shape()).append(" = ")
                        .append(expression(n, names)).append('\n');
            }
        }
        String params = program.nodes().stream().filter(Node::isVariable)
                .map(n -> n.variableName() + ": " + n.dtype() + n.shape()
                        + (n.op() instanceof Op.Parameter ? " (parameter)" : ""))
                .collect(Collectors.joining(", "));
        String results = program.outputs().stream().map(names::get).collect(Collectors.joining(", "));
        for (Program.Update u : program.updates()) {
            body.append("  ").append(names.get(u.parameter())).append(" <- ").append(names.get(u.value())).append('\n');
        }
        return "graph(" + params + ") {\n" + body + "  return " + results + "\n}";
    }

    private static String expression(Node n, Map<Node, String> names) {
        String args = n.inputs().stream().map(names::get).collect(Collectors.joining(", "));
        return switch (n.op()) {
            case Op.Constant(Literal value) -> "const(" + value + ")";
            case Op.Unary(var fn) -> fn.opName() + "(" + args + ")";
            case Op.Binary(var fn) -> fn.opName() + "(" + args + ")";
            case Op.Compare(var fn) -> fn.opName() + "(" + args + ")";
            case Op.Where w -> "where(" + args + ")";
            case Op.Fma f -> "fma(" + args + ")";
            case Op.Reduce(var fn, List<Integer> axes, boolean keep) ->
                    fn.opName() + "(" + args + ", axes=" + axes + (keep ? ", keepDims" : "") + ")";
            case Op.Reshape r -> "reshape(" + args + ")";
            case Op.Permute(var perm) -> "permute(" + args + ", " + perm + ")";
            case Op.BroadcastTo b -> "broadcast(" + args + ")";
            case Op.Slice(var starts, var steps) -> "slice(" + args + ", start=" + starts + ", step=" + steps + ")";
            case Op.Pad(var starts, var steps) -> "pad(" + args + ", start=" + starts + ", step=" + steps + ")";
            case Op.Concat(int axis) -> "concat(" + args + ", axis=" + axis + ")";
            case Op.MatMul m -> "matmul(" + args + ")";
            case Op.Cast c -> "cast(" + args + ")";
            case Op.StopGradient s -> "stopGradient(" + args + ")";
            case Op.Custom(var rule, int arity) -> custom(rule.name(), arity, n, names);
            case Op.Input i -> i.name();
            case Op.Parameter p -> p.name();
            case Op.Loop(var body, int output) -> body + "@" + Integer.toHexString(System.identityHashCode(body))
                    + "(" + args + ")." + output;
            case Op.Cond(var branches, int output) -> branches + "@"
                    + Integer.toHexString(System.identityHashCode(branches)) + "(" + args + ")." + output;
        };
    }

    /** custom[name](args, value=primal), and the variables the primal reads besides, if any. */
    private static String custom(String name, int arity, Node n, Map<Node, String> names) {
        List<String> in = n.inputs().stream().map(names::get).toList();
        String captured = in.size() > 1 + arity ? ", reads=" + in.subList(1 + arity, in.size()) : "";
        return "custom[" + name + "](" + String.join(", ", in.subList(1, 1 + arity)) + ", value=" + in.get(0)
                + captured + ")";
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) + ".0" : String.valueOf(v);
    }
}

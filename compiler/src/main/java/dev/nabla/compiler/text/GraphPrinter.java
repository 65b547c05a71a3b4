package dev.nabla.compiler.text;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        GraphPrinter printer = new GraphPrinter();
        StringBuilder body = new StringBuilder();
        printer.block(program, Set.of(), "  ", body);
        String params = program.nodes().stream().filter(Node::isVariable)
                .map(n -> n.variableName() + ": " + n.dtype() + n.shape()
                        + (n.op() instanceof Op.Parameter ? " (parameter)" : ""))
                .collect(Collectors.joining(", "));
        String results = program.outputs().stream().map(printer.names::get).collect(Collectors.joining(", "));
        for (Program.Update u : program.updates()) {
            body.append("  ").append(printer.names.get(u.parameter())).append(" <- ")
                    .append(printer.names.get(u.value())).append('\n');
        }
        return "graph(" + params + ") {\n" + body + "  return " + results + "\n}";
    }

    private final Map<Node, String> names = new HashMap<>();
    private int temp;

    /** The program's computed nodes, one line each; a loop or conditional with its bodies nested. */
    private void block(Program program, Set<Node> bound, String indent, StringBuilder out) {
        Map<Object, List<Node>> families = new HashMap<>();
        for (Node n : program.nodes()) {
            if (isFamily(n) && !bound.contains(n)) {
                families.computeIfAbsent(Ops.familyKey(n), k -> new ArrayList<>()).add(n);
            }
        }
        for (Node n : program.nodes()) {
            if (bound.contains(n) || names.containsKey(n) && !isFamily(n)) {
                continue;
            }
            if (n.isVariable()) {
                names.put(n, n.variableName());
            } else if (n.fillValue() != null) {
                names.put(n, number(n.fillValue()));
            } else if (isFamily(n)) {
                if (!names.containsKey(n)) {
                    family(n, families.get(Ops.familyKey(n)), indent, out);
                }
            } else {
                String name = "t" + (++temp);
                names.put(n, name);
                out.append(indent).append(name).append(": ").append(n.dtype()).append(n.shape()).append(" = ")
                        .append(expression(n, names)).append('\n');
            }
        }
    }

    private static boolean isFamily(Node n) {
        return n.op() instanceof Op.Loop || n.op() instanceof Op.Cond;
    }

    /** "t3, t4 = scan[6](...) { body(...) { ... } }": every output of one loop or conditional. */
    private void family(Node first, List<Node> members, String indent, StringBuilder out) {
        int count = first.op() instanceof Op.Loop(LoopBody b, int o) ? b.outputCount()
                : ((Op.Cond) first.op()).branches().outputCount();
        String[] lhs = new String[count];
        Arrays.fill(lhs, "_");
        for (Node m : members) {
            String name = "t" + (++temp);
            names.put(m, name);
            int output = m.op() instanceof Op.Loop(LoopBody b, int o) ? o : ((Op.Cond) m.op()).output();
            lhs[output] = name + ": " + m.dtype() + m.shape();
        }
        String args = first.inputs().stream().map(names::get).collect(Collectors.joining(", "));
        String inner = indent + "    ";
        switch (first.op()) {
            case Op.Loop(LoopBody b, int o) -> {
                String kind = b.isWhile() ? "while" + (b.length() >= 0 ? "[at most " + b.length() + "]" : "")
                        : (b.xs().isEmpty() && b.ys().isEmpty() ? "fori" : b.reverse() ? "scan reverse" : "scan")
                        + "[" + b.length() + "]";
                out.append(indent).append(String.join(", ", lhs)).append(" = ").append(kind).append("(").append(args)
                        .append(") {\n");
                List<String> params = new ArrayList<>();
                params.add(bind(b.index(), "i"));
                for (int k = 0; k < b.carries().size(); k++) {
                    params.add(bind(b.carries().get(k), "c" + k));
                }
                for (int k = 0; k < b.xs().size(); k++) {
                    params.add(bind(b.xs().get(k), "s" + k));
                }
                for (int k = 0; k < b.captured().size(); k++) {
                    params.add(bind(b.captured().get(k), "k" + k));
                }
                Set<Node> bound = new HashSet<>(b.params());
                if (b.isWhile()) {
                    nested(indent + "  ", "while", params, b.conditionProgram(), bound, out);
                }
                nested(indent + "  ", "body", params, b.program(), bound, out);
            }
            case Op.Cond(CondBranches c, int o) -> {
                out.append(indent).append(String.join(", ", lhs)).append(" = cond(").append(args).append(") {\n");
                List<String> params = new ArrayList<>();
                for (int k = 0; k < c.captured().size(); k++) {
                    params.add(bind(c.captured().get(k), "k" + k));
                }
                for (int br = 0; br < c.branchCount(); br++) {
                    nested(indent + "  ", "branch " + br, params, c.programs().get(br), new HashSet<>(c.captured()), out);
                }
            }
            default -> throw new IllegalStateException("not a loop or conditional: " + first);
        }
        out.append(indent).append("}\n");
    }

    private void nested(String indent, String title, List<String> params, Program p, Set<Node> bound,
                        StringBuilder out) {
        out.append(indent).append(title).append("(").append(String.join(", ", params)).append(") {\n");
        // A scope of its own: what it names is not visible to the blocks beside it.
        Map<Node, String> outer = new HashMap<>(names);
        block(p, bound, indent + "  ", out);
        out.append(indent).append("  return ")
                .append(p.outputs().stream().map(names::get).collect(Collectors.joining(", "))).append('\n');
        out.append(indent).append("}\n");
        names.clear();
        names.putAll(outer);
    }

    /** A body parameter's name: an outer value keeps the name it has; the others get one. */
    private String bind(Node param, String fallback) {
        String name = names.get(param);
        if (name == null || param.op() instanceof Op.Input && param.variableName().startsWith("<")) {
            name = fallback;
            names.put(param, name);
        }
        return name + ": " + param.dtype() + param.shape();
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
            case Op.Reduce(var fn, List<Integer> axes, boolean keep, Ties ties) -> fn.opName() + "(" + args + ", axes="
                    + axes + (keep ? ", keepDims" : "") + (ties == Ties.FIRST ? ", ties=first" : "") + ")";
            case Op.Reshape r -> "reshape(" + args + ")";
            case Op.Permute(var perm) -> "permute(" + args + ", " + perm + ")";
            case Op.BroadcastTo b -> "broadcast(" + args + ")";
            case Op.Slice(var starts, var steps) -> "slice(" + args + ", start=" + starts + ", step=" + steps + ")";
            case Op.Pad(var starts, var steps) -> "pad(" + args + ", start=" + starts + ", step=" + steps + ")";
            case Op.Windows(var w) -> "windows(" + args + ", kernel=" + w.kernel() + ", stride=" + w.stride()
                    + ", dilation=" + w.dilation() + ")";
            case Op.WindowsSum(var w) -> "windows_sum(" + args + ", kernel=" + w.kernel() + ", stride=" + w.stride()
                    + ", dilation=" + w.dilation() + ")";
            case Op.Concat(int axis) -> "concat(" + args + ", axis=" + axis + ")";
            case Op.Gather(int axis) -> "gather(" + args + ", axis=" + axis + ")";
            case Op.ScatterAdd(int axis) -> "scatterAdd(" + args + ", axis=" + axis + ")";
            case Op.MatMul m -> "matmul(" + args + ")";
            case Op.Cast c -> "cast(" + args + ")";
            case Op.StopGradient s -> "stopGradient(" + args + ")";
            case Op.Random(var dist) -> "random." + dist.name() + "(" + args + ")";
            case Op.Custom(var rule, int arity) -> custom(rule.name(), arity, n, names);
            case Op.Input i -> i.name();
            case Op.Parameter p -> p.name();
            case Op.Loop l -> throw new IllegalStateException("loops print as a family");
            case Op.Cond c -> throw new IllegalStateException("conditionals print as a family");
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

package dev.nabla.compiler.text;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;

/** Graphviz DOT for a program: one box per node, edges from operands to results. */
public final class DotExporter {
    private DotExporter() {}

    public static String export(Program program) {
        StringBuilder dot = new StringBuilder("digraph nabla {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n");
        for (Node n : program.nodes()) {
            String shape = n.isVariable() ? "ellipse" : n.op() instanceof Op.Constant ? "plaintext" : "box";
            dot.append("  n").append(n.id()).append(" [shape=").append(shape).append(", label=\"")
                    .append(escape(label(n))).append("\"];\n");
            for (int k = 0; k < n.inputs().size(); k++) {
                // A custom node takes its primal's value: that edge is labelled, its arguments' are not.
                String edge = n.op() instanceof Op.Custom && k == 0 ? " [label=\"value\"]" : "";
                dot.append("  n").append(n.input(k).id()).append(" -> n").append(n.id()).append(edge).append(";\n");
            }
        }
        for (int i = 0; i < program.outputs().size(); i++) {
            dot.append("  out").append(i).append(" [shape=doublecircle, label=\"out").append(i).append("\"];\n")
                    .append("  n").append(program.outputs().get(i).id()).append(" -> out").append(i).append(";\n");
        }
        return dot.append("}\n").toString();
    }

    private static String label(Node n) {
        String type = n.dtype() + n.shape().toString();
        if (n.isVariable()) {
            return n.variableName() + "\n" + type;
        }
        if (n.fillValue() != null) {
            return GraphPrinter.number(n.fillValue());
        }
        String op = switch (n.op()) {
            case Op.Reduce r -> n.opName() + " " + r.axes();
            case Op.Custom c -> "custom " + n.opName();
            default -> n.opName();
        };
        return op + "\n" + type;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}

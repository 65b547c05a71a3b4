package dev.nabla.compiler.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The text form (GraphPrinter) and Graphviz export (DotExporter) of programs. */
class TextFormTest {
    private static final Pattern NODE_LINE =
            Pattern.compile("  n(\\d+) \\[shape=(ellipse|box|plaintext), label=\"((?:[^\"\\\\]|\\\\.)*)\"\\];");
    private static final Pattern EDGE_LINE = Pattern.compile("  n(\\d+) -> (n\\d+|out\\d+);");
    private static final Pattern OUT_LINE = Pattern.compile("  out(\\d+) \\[shape=doublecircle, label=\"out\\1\"\\];");

    private final NodeTable table = new NodeTable();
    private final Node x = Ops.input(table, "x", Shape.of(2, 3), DType.F32);
    private final Node w = Ops.parameter(table, "w", Shape.of(3), DType.F32);

    /** sum(x*w + 1, axis 1) - [1, 2], and max(x) over axis 0 kept. */
    private Program smallProgram() {
        Node h = Ops.add(Ops.mul(x, w), 1.0);
        Node s = Ops.sum(h, new int[] {1}, false);
        Node out = Ops.sub(s, Ops.constant(table, new double[] {1, 2}, Shape.of(2), DType.F32));
        Node m = Ops.max(x, new int[] {0}, true);
        return Program.of(List.of(out, m));
    }

    @Test
    void printsOneLinePerComputedNode() {
        assertEquals("""
                graph(x: f32[2,3], w: f32[3] (parameter)) {
                  t1: f32[1,3] = reshape(w)
                  t2: f32[2,3] = broadcast(t1)
                  t3: f32[2,3] = mul(x, t2)
                  t4: f32[2,3] = add(1.0, t3)
                  t5: f32[2] = sum(t4, axes=[1])
                  t6: f32[2] = const([1.0, 2.0])
                  t7: f32[2] = sub(t5, t6)
                  t8: f32[1,3] = max(x, axes=[0], keepDims)
                  return t7, t8
                }""", GraphPrinter.print(smallProgram()));
    }

    @Test
    void printsEveryKindOfOp() {
        Node v = Ops.input(table, "v", Shape.of(4), DType.F64);
        Node mask = Ops.compare(CompareFn.GT, v, 0.0);
        Node relu = Ops.where(mask, v, 0.0);
        Node sliced = Ops.slice(relu, 0, 1, 4, 2);
        Node joined = Ops.concat(0, List.of(sliced, Ops.stopGradient(sliced)));
        Node asF32 = Ops.cast(joined, DType.F32);
        Node t = Ops.permute(Ops.reshape(asF32, 2, 2), 1, 0);
        Node p = Ops.matmul(t, t);
        assertEquals("""
                graph(v: f64[4]) {
                  t1: bool[4] = gt(v, 0.0)
                  t2: f64[4] = where(t1, v, 0.0)
                  t3: f64[2] = slice(t2, start=[1], step=[2])
                  t4: f64[2] = stopGradient(t3)
                  t5: f64[4] = concat(t3, t4, axis=0)
                  t6: f32[4] = cast(t5)
                  t7: f32[2,2] = reshape(t6)
                  t8: f32[2,2] = permute(t7, [1, 0])
                  t9: f32[2,2] = matmul(t8, t8)
                  return t9
                }""", GraphPrinter.print(Program.of(List.of(p))));
    }

    @Test
    void constantsPrintInlineAndNonIntegersInFull() {
        Node s = Ops.input(table, "s", Shape.SCALAR, DType.F64);
        assertEquals("graph(s: f64[]) {\n  t1: f64[] = mul(0.1, s)\n  return t1\n}",
                GraphPrinter.print(Program.of(List.of(Ops.mul(s, 0.1)))));
        assertEquals("graph() {\n  return -3.0\n}",
                GraphPrinter.print(Program.of(List.of(Ops.fill(table, -3, Shape.SCALAR, DType.F32)))));
        assertEquals("graph(s: f64[]) {\n  return s\n}", GraphPrinter.print(Program.of(List.of(s))));
        // Integers print with ".0" up to 1e15 (exclusive), where Java's own notation takes over.
        assertEquals("2.0", GraphPrinter.number(2));
        assertEquals("-3.0", GraphPrinter.number(-3));
        assertEquals("999999999999999.0", GraphPrinter.number(999999999999999.0));
        assertEquals("1.0E15", GraphPrinter.number(1e15));
        assertEquals("-1.0E15", GraphPrinter.number(-1e15));
        assertEquals("0.5", GraphPrinter.number(0.5));
        assertEquals("NaN", GraphPrinter.number(Double.NaN));
        assertEquals("Infinity", GraphPrinter.number(Double.POSITIVE_INFINITY));
    }

    @Test
    void nodesLiteralsAndDTypesDescribeThemselves() {
        Node s = Ops.sum(x, new int[] {1}, false);
        assertEquals("x:f32[2,3]", x.toString());
        assertEquals("%" + s.id() + ":f32[2]", s.toString());
        assertEquals("[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]",
                new dev.nabla.compiler.ir.Literal.Dense(new double[] {1, 2, 3, 4, 5, 6, 7, 8}).toString());
        assertEquals("Dense[9 values]", new dev.nabla.compiler.ir.Literal.Dense(new double[9]).toString());
        assertEquals(4, DType.F32.byteSize());
        assertEquals(8, DType.F64.byteSize());
        assertEquals(1, DType.BOOL.byteSize());
    }

    @Test
    void dotOfATinyGraphExactly() {
        NodeTable t = new NodeTable();
        Node a = Ops.input(t, "a", Shape.SCALAR, DType.F32);
        String dot = DotExporter.export(Program.of(List.of(Ops.exp(a))));
        assertEquals("""
                digraph nabla {
                  rankdir=TB;
                  node [fontname="monospace"];
                  n0 [shape=ellipse, label="a\\nf32[]"];
                  n1 [shape=box, label="exp\\nf32[]"];
                  n0 -> n1;
                  out0 [shape=doublecircle, label="out0"];
                  n1 -> out0;
                }
                """, dot);
    }

    @Test
    void dotIsWellFormed() {
        Program program = smallProgram();
        String dot = DotExporter.export(program);
        assertTrue(dot.startsWith("digraph nabla {\n"), dot);
        assertTrue(dot.endsWith("}\n"), dot);
        String[] lines = dot.split("\n");
        Set<String> declared = new HashSet<>();
        int nodeLines = 0;
        int edgeLines = 0;
        int outLines = 0;
        for (int i = 1; i < lines.length - 1; i++) {
            String line = lines[i];
            Matcher node = NODE_LINE.matcher(line);
            Matcher edge = EDGE_LINE.matcher(line);
            Matcher out = OUT_LINE.matcher(line);
            if (node.matches()) {
                nodeLines++;
                assertTrue(declared.add("n" + node.group(1)), "node declared twice: " + line);
            } else if (out.matches()) {
                outLines++;
                declared.add("out" + out.group(1));
            } else if (edge.matches()) {
                edgeLines++;
                assertTrue(declared.contains("n" + edge.group(1)), "edge from an undeclared node: " + line);
            } else {
                assertTrue(line.equals("  rankdir=TB;") || line.equals("  node [fontname=\"monospace\"];"),
                        "unexpected line: " + line);
            }
        }
        assertEquals(program.nodes().size(), nodeLines, "one node line per program node");
        int operandEdges = program.nodes().stream().mapToInt(n -> n.inputs().size()).sum();
        assertEquals(operandEdges + program.outputs().size(), edgeLines, "one edge per operand and per output");
        assertEquals(program.outputs().size(), outLines);
        for (Node n : program.nodes()) {
            assertTrue(declared.contains("n" + n.id()), "no line for " + n);
            for (Node in : n.inputs()) {
                assertTrue(dot.contains("  n" + in.id() + " -> n" + n.id() + ";\n"), "no edge into " + n);
            }
        }
        // Variables are ellipses, constants plain text, ops boxes.
        assertTrue(dot.contains("  n" + x.id() + " [shape=ellipse, label=\"x\\nf32[2,3]\"];"), dot);
        assertTrue(dot.contains("  n" + w.id() + " [shape=ellipse, label=\"w\\nf32[3]\"];"), dot);
        assertTrue(dot.contains("[shape=plaintext, label=\"1.0\"]"), dot);
        assertTrue(dot.contains("[shape=box, label=\"sum [1]\\nf32[2]\"]"), dot);
    }
}

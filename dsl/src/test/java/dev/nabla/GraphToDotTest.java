package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link Graph#toDot}: Graphviz text of the program that computes the given outputs. */
class GraphToDotTest {

    @Test
    void namesAreEscapedAndEveryOutputGetsItsNode() {
        try (Graph g = Graph.create()) {
            // A quote, a backslash and a real line break in names must not end or break the label.
            Tensor x = g.input("say \"hi\"\\n", DType.F32, 3);
            Tensor w = g.parameter("w\nv", NDArray.of(new float[] {1, 2, 3}, 3));
            Tensor y = x.mul(w).add(0.5).sum();
            // Outputs in order, a repeated one and a variable among them: one out node each.
            assertEquals("""
                    digraph nabla {
                      rankdir=TB;
                      node [fontname="monospace"];
                      n0 [shape=ellipse, label="say \\"hi\\"\\\\n\\nf32[3]"];
                      n1 [shape=ellipse, label="w\\nv\\nf32[3]"];
                      n2 [shape=box, label="mul\\nf32[3]"];
                      n0 -> n2;
                      n1 -> n2;
                      n4 [shape=plaintext, label="0.5"];
                      n5 [shape=box, label="add\\nf32[3]"];
                      n4 -> n5;
                      n2 -> n5;
                      n6 [shape=box, label="sum [0]\\nf32[]"];
                      n5 -> n6;
                      out0 [shape=doublecircle, label="out0"];
                      n6 -> out0;
                      out1 [shape=doublecircle, label="out1"];
                      n0 -> out1;
                      out2 [shape=doublecircle, label="out2"];
                      n6 -> out2;
                    }
                    """, g.toDot(y, x, y));
            // Only what the outputs need: d/dw sum(x*w + 0.5) is x.
            assertEquals("""
                    digraph nabla {
                      rankdir=TB;
                      node [fontname="monospace"];
                      n0 [shape=ellipse, label="say \\"hi\\"\\\\n\\nf32[3]"];
                      out0 [shape=doublecircle, label="out0"];
                      n0 -> out0;
                    }
                    """, g.toDot(y.grad(w)));
        }
    }

    private static final Pattern NODE = Pattern.compile("  n(\\d+) \\[shape=(ellipse|box|plaintext), label=\"((?:[^\"\\\\]|\\\\.)*)\"\\];");
    private static final Pattern EDGE = Pattern.compile("  n(\\d+) -> (n\\d+|out\\d+);");
    private static final Pattern OUT = Pattern.compile("  out(\\d+) \\[shape=doublecircle, label=\"out\\1\"\\];");

    @Test
    void theProgramOfAGradientIsAConnectedDagEndingInItsOutputs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 4, 3);
            Tensor w = g.parameter("w", NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2));
            Tensor loss = x.matmul(w).tanh().softmax(1).log().mean();
            List<Tensor> grads = loss.grad(x, w);
            String dot = g.toDot(loss, grads.get(0), grads.get(1));
            String[] lines = dot.split("\n");
            assertEquals("digraph nabla {", lines[0]);
            assertEquals("}", lines[lines.length - 1]);
            Map<String, String> shapeOf = new HashMap<>();
            Map<String, List<String>> into = new HashMap<>();
            int outs = 0;
            for (int i = 3; i < lines.length - 1; i++) {
                Matcher n = NODE.matcher(lines[i]);
                Matcher e = EDGE.matcher(lines[i]);
                Matcher o = OUT.matcher(lines[i]);
                if (n.matches()) {
                    assertThat(shapeOf.put("n" + n.group(1), n.group(2))).as("declared twice: " + lines[i]).isNull();
                } else if (e.matches()) {
                    String from = "n" + e.group(1);
                    assertTrue(shapeOf.containsKey(from), "an edge from a node not declared before it: " + lines[i]);
                    if (e.group(2).startsWith("n")) {
                        assertThat(Integer.parseInt(e.group(1))).as(lines[i]).isLessThan(Integer.parseInt(e.group(2).substring(1)));
                    }
                    into.computeIfAbsent(e.group(2), k -> new ArrayList<>()).add(from);
                } else if (o.matches()) {
                    assertEquals(outs++, Integer.parseInt(o.group(1)), "outputs numbered in order");
                    shapeOf.put("out" + o.group(1), "doublecircle");
                } else {
                    throw new AssertionError("not a line toDot writes: " + lines[i] + "\n" + dot);
                }
            }
            assertEquals(3, outs);
            // Variables are the only ellipses, here x and w.
            assertEquals(2, shapeOf.values().stream().filter("ellipse"::equals).count(), dot);
            assertThat(dot).contains("[shape=ellipse, label=\"x\\nf64[4,3]\"]", "[shape=ellipse, label=\"w\\nf64[3,2]\"]",
                    "[shape=box, label=\"matmul\\nf64[4,2]\"]");
            // Boxes (ops) have operands, leaves none; each output has exactly one edge.
            shapeOf.forEach((node, shape) -> {
                int in = into.getOrDefault(node, List.of()).size();
                switch (shape) {
                    case "box" -> assertThat(in).as(node + " has operands").isPositive();
                    case "doublecircle" -> assertThat(in).as(node).isEqualTo(1);
                    default -> assertThat(in).as(node + " is a leaf").isZero();
                }
            });
            // Nothing dead: every node is reached walking back from the outputs.
            Set<String> reached = new HashSet<>();
            ArrayDeque<String> todo = new ArrayDeque<>();
            for (int i = 0; i < outs; i++) {
                todo.add("out" + i);
            }
            while (!todo.isEmpty()) {
                String n = todo.poll();
                if (reached.add(n)) {
                    todo.addAll(into.getOrDefault(n, List.of()));
                }
            }
            assertEquals(shapeOf.keySet(), reached, dot);
            // The same program as the text form: one box per computed line of print.
            long computed = g.print(loss, grads.get(0), grads.get(1)).lines().filter(l -> l.matches("  t\\d+: .*")).count();
            assertEquals(computed, shapeOf.values().stream().filter("box"::equals).count());
        }
    }

    @Test
    void aTensorOfAnotherGraphIsNamed() {
        try (Graph g = Graph.create(); Graph other = Graph.create()) {
            Tensor mine = g.input("a", 2);
            Tensor theirs = other.input("b", 2);
            assertThat(assertThrows(NablaException.GraphException.class, () -> g.toDot(mine, theirs)).getMessage())
                    .startsWith("toDot: operand b:f32[2] belongs to another graph");
        }
    }
}

package dev.nabla.compiler;

import dev.nabla.core.NablaException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Program.of: dead-code elimination, topological order, inputs and parameters. */
class ProgramTest {
    private final NodeTable table = new NodeTable();
    private final Node x = Ops.input(table, "x", Shape.of(3), DType.F32);
    private final Node y = Ops.input(table, "y", Shape.of(3), DType.F32);
    private final Node z = Ops.input(table, "z", Shape.of(3), DType.F32);
    private final Node p = Ops.parameter(table, "p", Shape.of(3), DType.F32);
    private final Node q = Ops.parameter(table, "q", Shape.of(3), DType.F32);

    /** The ancestors of roots, found independently of GraphWalk. */
    private static Set<Node> ancestors(List<Node> roots) {
        Set<Node> seen = new HashSet<>();
        List<Node> todo = new ArrayList<>(roots);
        while (!todo.isEmpty()) {
            Node n = todo.removeLast();
            if (seen.add(n)) {
                todo.addAll(n.inputs());
            }
        }
        return seen;
    }

    private static void assertTopological(Program program) {
        Set<Node> before = new HashSet<>();
        for (Node n : program.nodes()) {
            for (Node in : n.inputs()) {
                assertTrue(before.contains(in), in + " comes after its user " + n);
            }
            before.add(n);
        }
    }

    @Test
    void keepsOnlyAncestorsOfTheOutputs() {
        Node a = Ops.sin(x);
        Node b = Ops.mul(a, y);
        Node dead = Ops.exp(z);
        Node dead2 = Ops.add(dead, p);
        Ops.sum(dead2, new int[0], false);

        Program program = Program.of(List.of(b));
        assertEquals(Set.of(x, y, a, b), Set.copyOf(program.nodes()));
        assertEquals(4, program.nodes().size(), "no node twice");
        assertEquals(List.of(x, y), program.inputs());
        assertEquals(List.of(), program.parameters());
        assertEquals(List.of(b), program.outputs());
        assertTopological(program);

        Program both = Program.of(List.of(b, dead2));
        assertEquals(Set.of(x, y, z, p, a, b, dead, dead2), Set.copyOf(both.nodes()));
        assertEquals(List.of(x, y, z), both.inputs());
        assertEquals(List.of(p), both.parameters());
        assertTopological(both);
    }

    @Test
    void unusedVariablesAreNotInputsOrParameters() {
        Node out = Ops.mul(Ops.add(x, q), 2.0);
        Program program = Program.of(List.of(out));
        assertEquals(List.of(x), program.inputs());
        assertEquals(List.of(q), program.parameters());
        assertEquals(ancestors(List.of(out)), Set.copyOf(program.nodes()));
    }

    @Test
    void gradientProgramsDropTheScaffoldingTheirConstructionLeftBehind() {
        Node s = Ops.input(table, "s", Shape.SCALAR, DType.F32);
        Node f = Ops.add(Ops.mul(Ops.sin(s), Ops.pow(s, 3.0)), Ops.sum(Ops.mul(x, p), new int[0], false));
        Node df = Autodiff.grad(f, List.of(s)).get(0);
        Program program = Program.of(List.of(df));
        assertEquals(ancestors(List.of(df)), Set.copyOf(program.nodes()));
        assertTrue(program.nodes().size() < table.size(), "the table keeps nodes no output needs");
        assertEquals(List.of(s), program.inputs(), "x and p do not affect d f / d s");
        assertEquals(List.of(), program.parameters());
        assertTopological(program);
    }

    @Test
    void aConstantOutputNeedsNothing() {
        Node c = Ops.fill(table, 4, Shape.of(2), DType.F32);
        Program program = Program.of(List.of(c, Ops.mul(Ops.add(c, 1.0), 0.5)));
        assertEquals(2, program.nodes().size());
        assertEquals(List.of(), program.inputs());
    }

    @Test
    void repeatedOutputsShareNodes() {
        Node e = Ops.exp(x);
        Program program = Program.of(List.of(e, e, Ops.exp(x)));
        assertEquals(3, program.outputs().size());
        assertEquals(Set.of(x, e), Set.copyOf(program.nodes()));
        assertEquals(2, program.nodes().size());
    }

    @Test
    void badOutputLists() {
        NablaException empty = assertThrows(NablaException.class, () -> Program.of(List.of()));
        assertTrue(empty.getMessage().contains("at least one output"), empty.getMessage());
        Node other = Ops.input(new NodeTable(), "o", Shape.SCALAR, DType.F32);
        NablaException.GraphException mixed =
                assertThrows(NablaException.GraphException.class, () -> Program.of(List.of(x, other)));
        assertTrue(mixed.getMessage().contains("different graphs"), mixed.getMessage());
    }
}

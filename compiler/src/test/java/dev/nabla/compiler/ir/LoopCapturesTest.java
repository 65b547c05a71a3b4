package dev.nabla.compiler.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a loop body reads from outside, and in which order it becomes the loop's inputs. */
class LoopCapturesTest {
    private static final Shape SCALAR = Shape.of();

    /**
     * The same body over the same outer values, once with them built in one order and once in
     * the other (as when the collector took one and a later build made it again, with a new id):
     * the captured inputs come in the same order, the one the body's structure gives.
     */
    @Test
    void capturedOrderFollowsTheBodyNotTheIds() {
        assertEquals(List.of("sin", "cos"), capturedOps(true));
        assertEquals(List.of("sin", "cos"), capturedOps(false));
    }

    @Test
    void hoistedValuesAndConstantsAreNotReadFromInsideTheBody() {
        NodeTable table = new NodeTable();
        Node x = Ops.input(table, "x", SCALAR, DType.F64);
        int firstBodyId = table.nextId();
        Node p = Ops.placeholder(table, "carry", SCALAR, DType.F64);
        Node invariant = Ops.exp(x);
        Node root = Ops.add(Ops.mul(p, invariant), 2.0);
        assertEquals(List.of(invariant), Loops.captures(firstBodyId, List.of(p), List.of(root), true));
        assertEquals(List.of(x), Loops.captures(firstBodyId, List.of(p), List.of(root), false));
    }

    private static List<String> capturedOps(boolean sinFirst) {
        NodeTable table = new NodeTable();
        Node x = Ops.input(table, "x", SCALAR, DType.F64);
        Node sin = sinFirst ? Ops.sin(x) : null;
        Node cos = Ops.cos(x);
        if (!sinFirst) {
            sin = Ops.sin(x);
        }
        int firstBodyId = table.nextId();
        Node p = Ops.placeholder(table, "carry", SCALAR, DType.F64);
        Node root = Ops.add(Ops.mul(p, sin), cos);
        return Loops.captures(firstBodyId, List.of(p), List.of(root), true).stream()
                .map(Node::opName)
                .toList();
    }
}

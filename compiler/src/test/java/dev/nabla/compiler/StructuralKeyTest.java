package dev.nabla.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class StructuralKeyTest {
    private static Program gradOfCube(String name, double coefficient) {
        NodeTable t = new NodeTable();
        Node x = Ops.input(t, name, Shape.SCALAR, DType.F32);
        Node y = Ops.mul(coefficient, Ops.pow(x, 3));
        return Program.of(Autodiff.grad(y, List.of(x)));
    }

    @Test
    void equalStructureInAnotherGraphWithOtherNamesHasTheSameKey() {
        assertEquals(StructuralKey.of(gradOfCube("x", 2)), StructuralKey.of(gradOfCube("renamed", 2)));
    }

    @Test
    void constantsShapesAndDTypesTellProgramsApart() {
        assertNotEquals(StructuralKey.of(gradOfCube("x", 2)), StructuralKey.of(gradOfCube("x", 3)));
        NodeTable t = new NodeTable();
        Node a = Ops.input(t, "a", Shape.of(2), DType.F32);
        Node b = Ops.input(t, "b", Shape.of(3), DType.F32);
        Node c = Ops.input(t, "c", Shape.of(2), DType.F64);
        assertNotEquals(StructuralKey.of(Program.of(List.of(Ops.exp(a)))), StructuralKey.of(Program.of(List.of(Ops.exp(b)))));
        assertNotEquals(StructuralKey.of(Program.of(List.of(Ops.exp(a)))), StructuralKey.of(Program.of(List.of(Ops.exp(c)))));
        assertNotEquals(StructuralKey.of(Program.of(List.of(Ops.exp(a)))), StructuralKey.of(Program.of(List.of(Ops.log(a)))));
    }

    @Test
    void whichParameterEachUpdateWritesTellsProgramsApart() {
        NodeTable t = new NodeTable();
        Node p = Ops.parameter(t, "p", Shape.of(2), DType.F32);
        Node q = Ops.parameter(t, "q", Shape.of(2), DType.F32);
        Node pPlusOne = Ops.add(p, 1.0);
        Node qTwice = Ops.mul(q, 2.0);
        Node loss = Ops.sum(Ops.mul(p, q), new int[0], false);
        Program straight = Program.of(List.of(loss),
                List.of(new Program.Update(p, pPlusOne), new Program.Update(q, qTwice)));
        Program crossed = Program.of(List.of(loss),
                List.of(new Program.Update(p, qTwice), new Program.Update(q, pPlusOne)));
        assertEquals(straight.nodes(), crossed.nodes());
        assertNotEquals(StructuralKey.of(straight), StructuralKey.of(crossed));
        assertEquals(StructuralKey.of(straight), StructuralKey.of(Program.of(List.of(loss),
                List.of(new Program.Update(p, pPlusOne), new Program.Update(q, qTwice)))));
    }
}

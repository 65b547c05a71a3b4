package dev.nabla.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.Shape;
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
}

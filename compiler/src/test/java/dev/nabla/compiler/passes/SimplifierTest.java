package dev.nabla.compiler.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.compiler.text.GraphPrinter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hash-consing and the peephole simplifier that the op constructors apply as nodes are built. */
class SimplifierTest {
    private final NodeTable table = new NodeTable();
    private final Node x = Ops.input(table, "x", Shape.SCALAR, DType.F32);
    private final Node y = Ops.input(table, "y", Shape.SCALAR, DType.F32);
    private final Node v = Ops.input(table, "v", Shape.of(3), DType.F32);

    private Node c(double value) {
        return Ops.fill(table, value, Shape.SCALAR, DType.F32);
    }

    private static String print(Node n) {
        return GraphPrinter.print(Program.of(List.of(n)));
    }

    private static void assertFill(double value, Shape shape, Node n) {
        assertEquals(value, n.fillValue(), () -> n + " is not the constant " + value);
        assertEquals(shape, n.shape());
    }

    // ---- hash-consing ----

    @Test
    void structurallyEqualNodesAreOneObject() {
        assertSame(Ops.add(x, y), Ops.add(x, y));
        assertSame(Ops.sin(Ops.mul(x, y)), Ops.sin(Ops.mul(x, y)));
        assertSame(c(2), c(2));
        assertSame(Ops.sum(v, new int[] {0}, false), Ops.sum(v, new int[] {-1}, false));
        assertSame(Ops.constant(table, new double[] {1, 2, 3}, Shape.of(3), DType.F32),
                Ops.constant(table, new double[] {1, 2, 3}, Shape.of(3), DType.F32));
        int size = table.size();
        Ops.exp(Ops.add(Ops.mul(x, y), Ops.sin(Ops.mul(x, y))));
        int grown = table.size();
        Ops.exp(Ops.add(Ops.mul(x, y), Ops.sin(Ops.mul(x, y))));
        assertEquals(grown, table.size(), "rebuilding an existing expression adds no nodes");
        assertTrue(grown > size);
    }

    @Test
    void differentOpsShapesOrDTypesAreDifferentNodes() {
        assertNotSame(Ops.add(x, y), Ops.sub(x, y));
        assertNotSame(Ops.sub(x, y), Ops.sub(y, x));
        assertNotSame(c(2), Ops.fill(table, 2, Shape.SCALAR, DType.F64));
        assertNotSame(c(2), Ops.fill(table, 2, Shape.of(1), DType.F32));
        assertNotSame(c(0.0), c(-0.0));
        assertNotSame(Ops.sum(v, new int[] {0}, false), Ops.sum(v, new int[] {0}, true));
    }

    // ---- identities ----

    /** The same graph built with FAST arithmetic. */
    private final NodeTable fastTable = new NodeTable(Arithmetic.FAST, null);
    private final Node fx = Ops.input(fastTable, "x", Shape.SCALAR, DType.F32);
    private final Node fv = Ops.input(fastTable, "v", Shape.of(3), DType.F32);

    private static boolean isBinary(Node n, BinaryFn fn) {
        return n.op() instanceof Op.Binary(BinaryFn f) && f == fn;
    }

    @Test
    void exactIdentitiesHoldInIeeeArithmetic() {
        assertSame(x, Ops.mul(x, 1.0));
        assertSame(x, Ops.mul(1.0, x));
        // -0 + x is x for every x, signed zeros included; +0 + (-0) is +0, so x + 0 stays.
        assertSame(x, Ops.add(x, -0.0));
        assertSame(x, Ops.add(-0.0, x));
        assertTrue(isBinary(Ops.add(x, 0.0), BinaryFn.ADD));
        assertSame(x, Ops.sub(x, 0.0));
        assertTrue(isBinary(Ops.sub(x, -0.0), BinaryFn.SUB));
        assertSame(x, Ops.div(x, 1.0));
        assertSame(Ops.neg(x), Ops.sub(-0.0, x));
        assertTrue(isBinary(Ops.sub(0.0, x), BinaryFn.SUB), "0 - 0 is +0 but -(0) is -0");
        assertSame(Ops.neg(x), Ops.mul(-1.0, x));
        assertSame(Ops.neg(x), Ops.div(x, -1.0));
        assertEquals("graph(x: f32[]) {\n  t1: f32[] = neg(x)\n  return t1\n}", print(Ops.sub(-0.0, x)));
        assertSame(x, Ops.pow(x, 1.0));
        assertFill(1, Shape.SCALAR, Ops.pow(x, 0.0));
        assertFill(1, Shape.of(3), Ops.pow(v, 0.0));
    }

    @Test
    void fastArithmeticAlsoDropsZerosOfEitherSign() {
        assertSame(fx, Ops.add(fx, 0.0));
        assertSame(fx, Ops.sub(fx, -0.0));
        assertSame(Ops.neg(fx), Ops.sub(0.0, fx));
        assertFill(1, Shape.of(3), Ops.pow(Ops.fill(fastTable, 1, Shape.of(3), DType.F32), fv));
    }

    @Test
    void inversePairsCancel() {
        assertSame(x, Ops.neg(Ops.neg(x)));
        assertSame(Ops.abs(x), Ops.abs(Ops.abs(x)));
        assertSame(Ops.relu(x), Ops.relu(Ops.relu(x)));
        assertSame(Ops.sub(x, y), Ops.add(x, Ops.neg(y)));
        assertSame(Ops.add(x, y), Ops.sub(x, Ops.neg(y)));
        assertSame(Ops.mul(x, y), Ops.mul(Ops.neg(x), Ops.neg(y)));
        assertSame(Ops.sub(y, x), Ops.add(Ops.neg(x), y));
        // A negation leaves a product, exactly (rounding is symmetric in sign): x * (-y) = -(x * y).
        assertSame(Ops.neg(Ops.mul(x, y)), Ops.mul(x, Ops.neg(y)));
        assertSame(Ops.neg(Ops.mul(x, y)), Ops.mul(Ops.neg(x), y));
        // ... and a constant takes it over: -(3x) = (-3)x.
        assertSame(Ops.mul(-3.0, x), Ops.neg(Ops.mul(3.0, x)));
        // exp(x) overflows for x > 88 in f32, so log(exp(x)) is not x there.
        assertTrue(Ops.log(Ops.exp(x)).op() instanceof Op.Unary);
        assertSame(fx, Ops.log(Ops.exp(fx)));
    }

    @Test
    void fastRewritesStillNeedTheirConstantOrTheirRepeatedOperand() {
        Node fz = Ops.input(fastTable, "z", Shape.SCALAR, DType.F32);
        assertTrue(isBinary(Ops.sub(fx, fy), BinaryFn.SUB), "x - y is not 0");
        assertTrue(isBinary(Ops.div(fx, fy), BinaryFn.DIV), "x / y is not x");
        assertTrue(isBinary(Ops.pow(fx, fy), BinaryFn.POW), "x ^ y is not 1");
        assertTrue(isBinary(Ops.mul(fx, fy), BinaryFn.MUL), "x * y is not x");
        assertTrue(isBinary(Ops.add(fx, fy), BinaryFn.ADD), "x + y is not y");
        assertTrue(Ops.fma(fx, fy, fz).op() instanceof Op.Fma, "x * y + z is not x * y");
        assertTrue(Ops.log(Ops.sin(fx)).op() instanceof Op.Unary(dev.nabla.compiler.ir.UnaryFn f)
                && f == dev.nabla.compiler.ir.UnaryFn.LOG, "log(sin x) is not x");
        Node fm = Ops.input(fastTable, "m", Shape.of(2, 2), DType.F32);
        Node fn = Ops.input(fastTable, "n", Shape.of(2, 2), DType.F32);
        assertTrue(Ops.matmul(fm, fn).op() instanceof Op.MatMul);
        assertTrue(Ops.matmul(fm, Ops.fill(fastTable, 1, Shape.of(2, 2), DType.F32)).op() instanceof Op.MatMul);
    }

    @Test
    void annihilatorsAssumeFiniteValuesSoOnlyFastArithmeticUsesThem() {
        // NaN * 0, inf - inf and 0 / 0 are NaN: as written, these are not zero.
        assertTrue(isBinary(Ops.sub(x, x), BinaryFn.SUB));
        assertTrue(isBinary(Ops.mul(x, 0.0), BinaryFn.MUL));
        assertTrue(isBinary(Ops.mul(0.0, v), BinaryFn.MUL));
        assertTrue(isBinary(Ops.div(0.0, x), BinaryFn.DIV));
        assertTrue(isBinary(Ops.pow(Ops.fill(table, 1, Shape.of(3), DType.F32), v), BinaryFn.POW), "1^NaN is NaN");
        assertTrue(Ops.fma(x, y, c(0.0)).op() instanceof Op.Fma, "fma(-1, 0, +0) is +0, (-1)*0 is -0");
        assertSame(Ops.mul(x, y), Ops.fma(x, y, c(-0.0)));
        Node m = Ops.input(table, "m", Shape.of(3, 3), DType.F32);
        assertTrue(Ops.matmul(Ops.fill(table, 0, Shape.of(3, 3), DType.F32), m).op() instanceof Op.MatMul);

        assertFill(0, Shape.SCALAR, Ops.sub(fx, fx));
        assertFill(0, Shape.of(3), Ops.sub(fv, fv));
        assertFill(0, Shape.SCALAR, Ops.mul(fx, 0.0));
        assertFill(0, Shape.SCALAR, Ops.mul(0.0, fx));
        assertFill(0, Shape.of(3), Ops.mul(fv, 0.0));
        assertFill(0, Shape.SCALAR, Ops.div(0.0, fx));
        assertFill(0, Shape.of(3), Ops.div(0.0, fv));
        assertSame(Ops.mul(fx, fx), Ops.fma(fx, fx, Ops.fill(fastTable, 0, Shape.SCALAR, DType.F32)));
        assertSame(x, Ops.minimum(x, x));
        assertSame(x, Ops.maximum(x, x));
    }

    @Test
    void structuralZerosAreAbsentTerms() {
        Node z = Ops.structuralZerosLike(x);
        assertTrue(z.isSymbolicZero());
        assertEquals(0.0, z.fillValue());
        assertSame(z, Ops.mul(z, x));
        assertSame(z, Ops.mul(x, z));
        assertSame(x, Ops.add(z, x));
        assertSame(x, Ops.add(x, z));
        assertSame(x, Ops.sub(x, z));
        assertSame(Ops.neg(x), Ops.sub(z, x));
        assertSame(z, Ops.div(z, x));
        assertTrue(isBinary(Ops.div(x, z), BinaryFn.DIV), "dividing by an absent term is no rule");
        assertSame(z, Ops.neg(z));
        assertSame(y, Ops.fma(z, x, y));
        assertSame(Ops.mul(x, y), Ops.fma(x, y, z));
        Node zv = Ops.broadcastTo(z, Shape.of(2, 3));
        assertTrue(zv.isSymbolicZero());
        assertTrue(Ops.reshape(zv, 3, 2).isSymbolicZero());
        assertTrue(Ops.permute(zv, 1, 0).isSymbolicZero());
        assertTrue(Ops.slice(zv, 1, 0, 2, 1).isSymbolicZero());
        assertTrue(Ops.sum(zv, new int[] {1}, false).isSymbolicZero());
        assertTrue(Ops.cast(zv, DType.F64).isSymbolicZero());
        Node m = Ops.input(table, "m", Shape.of(3, 4), DType.F32);
        assertTrue(Ops.matmul(zv, m).isSymbolicZero());
        // Functions of a structural zero are ordinary numbers; a derivative hands zeros back ordinary.
        assertFalse(Ops.exp(z).isSymbolicZero());
        assertFill(1, Shape.SCALAR, Ops.exp(z));
        assertFalse(Ops.materialize(z).isSymbolicZero());
        assertFalse(Autodiff.grad(Ops.sign(x), List.of(x)).get(0).isSymbolicZero());
        assertFalse(Autodiff.grad(x, List.of(y)).get(0).isSymbolicZero());
    }

    // ---- constants ----

    @Test
    void constantFolding() {
        assertFill(6, Shape.SCALAR, Ops.mul(c(2), c(3)));
        assertFill(5, Shape.SCALAR, Ops.add(c(2), c(3)));
        assertFill(8, Shape.SCALAR, Ops.pow(c(2), c(3)));
        assertFill(Math.exp(1), Shape.SCALAR, Ops.exp(Ops.fill(table, 1, Shape.SCALAR, DType.F64)));
        // f32 constants fold in float precision.
        assertFill(0.1f + 0.2f, Shape.SCALAR, Ops.add(c(0.1f), c(0.2f)));
        assertFill((float) (1.0 / 3.0), Shape.SCALAR, Ops.div(c(1), c(3)));
        assertEquals("graph() {\n  return 6.0\n}", print(Ops.mul(c(2), c(3))));
        Node dense = Ops.constant(table, new double[] {1, 2, 3}, Shape.of(3), DType.F32);
        Node doubled = Ops.mul(dense, 2.0);
        assertEquals(new Op.Constant(new dev.nabla.compiler.ir.Literal.Dense(new double[] {2, 4, 6})),
                doubled.op());
        assertFill(1, Shape.of(3), Ops.cast(Ops.compare(CompareFn.LT, dense, 5.0), DType.F32));
    }

    @Test
    void fmaOfConstantsFoldsWithOneRounding() {
        assertFill(10, Shape.SCALAR, Ops.fma(c(2), c(3), c(4)));
        // 0.1 * 10 rounds to exactly 1, so mul-then-add gives 0; the fused operation keeps the
        // product's rounding error: 2^-54.
        Node tenth = Ops.fill(table, 0.1, Shape.SCALAR, DType.F64);
        Node ten = Ops.fill(table, 10, Shape.SCALAR, DType.F64);
        Node minusOne = Ops.fill(table, -1, Shape.SCALAR, DType.F64);
        assertFill(Math.fma(0.1, 10, -1), Shape.SCALAR, Ops.fma(tenth, ten, minusOne));
        assertEquals(0x1p-54, Math.fma(0.1, 10, -1));
        Node dense = Ops.constant(table, new double[] {1, 2, 3}, Shape.of(3), DType.F32);
        assertEquals(new Op.Constant(new dev.nabla.compiler.ir.Literal.Dense(new double[] {5, 8, 11})),
                Ops.fma(dense, c(3), c(2)).op());
    }

    @Test
    void fmaWithAFactorOfZeroOrOneIsASum() {
        // A product with 1 needs no rounding: one rounding of the sum is left, as in fma.
        assertSame(Ops.add(x, y), Ops.fma(c(1), x, y));
        assertSame(Ops.add(x, y), Ops.fma(x, c(1), y));
        // So does a product with 0 (kept as 0 * x: it is NaN for an infinite or NaN x).
        Node zeroFirst = Ops.fma(c(0), x, y);
        assertTrue(isBinary(zeroFirst, BinaryFn.ADD), () -> print(zeroFirst));
        assertSame(Ops.mul(c(0), x), zeroFirst.input(0));
        assertSame(y, zeroFirst.input(1));
        assertSame(zeroFirst, Ops.fma(x, c(0), y));
        assertTrue(Ops.fma(x, c(2), y).op() instanceof Op.Fma);
    }

    @Test
    void constantsCombineOnlyIntoNormalNumbers() {
        // 2 + (x + 2) is 4 + x: the test is on the sum of the constants, not their difference.
        assertSame(Ops.add(4.0, x), DerivativeScope.run(() -> Ops.add(2.0, Ops.add(x, 2.0))));
        // 3e38 + 2e38 overflows f32, while 3e38 + (2e38 + x) may not: kept.
        Node overflow = DerivativeScope.run(() -> Ops.add(3e38, Ops.add(x, 2e38)));
        assertEquals((double) 3e38f, overflow.input(0).fillValue());
        // The smallest normal number itself may be made...
        Node smallest = DerivativeScope.run(() -> Ops.mul(2 * Float.MIN_NORMAL, Ops.mul(0.5, x)));
        assertSame(Ops.mul((double) Float.MIN_NORMAL, x), smallest);
        // ... but not an f32 subnormal (normal in f64): 1e-20 * 1e-19 is kept apart in f32.
        Node subnormal = DerivativeScope.run(() -> Ops.mul(1e-20, Ops.mul(1e-19, x)));
        assertEquals((double) 1e-20f, subnormal.input(0).fillValue());
        // ... and f64 has normal numbers far below f32's: 1e-30 * 1e-30 combines there.
        Node d = Ops.input(table, "d", Shape.SCALAR, DType.F64);
        Node tiny = DerivativeScope.run(() -> Ops.mul(1e-30, Ops.mul(1e-30, d)));
        assertSame(Ops.mul(1e-30 * 1e-30, d), tiny);
    }

    @Test
    void matmulWithAZeroMatrixIsZeroOnlyUnderFastArithmetic() {
        Node m = Ops.input(table, "m", Shape.of(3, 4), DType.F32);
        Node zeros = Ops.fill(table, 0, Shape.of(4, 5), DType.F32);
        assertTrue(Ops.matmul(m, zeros).op() instanceof Op.MatMul, "inf * 0 is NaN");
        Node fm = Ops.input(fastTable, "m", Shape.of(3, 4), DType.F32);
        assertFill(0, Shape.of(3, 5), Ops.matmul(fm, Ops.fill(fastTable, 0, Shape.of(4, 5), DType.F32)));
        assertFill(0, Shape.of(2, 4), Ops.matmul(Ops.fill(fastTable, 0, Shape.of(2, 3), DType.F32), fm));
    }

    @Test
    void constantsMoveFirst() {
        assertSame(Ops.mul(3.0, x), Ops.mul(x, 3.0));
        assertSame(Ops.add(3.0, x), Ops.add(x, 3.0));
        assertEquals(3.0, Ops.mul(x, 3.0).input(0).fillValue());
        assertSame(Ops.mul(-2.0, x), Ops.mul(2.0, Ops.neg(x)));
    }

    @Test
    void constantsCombineInDerivativesAndUnderFastArithmeticOnly() {
        // 3 * (3 * 0.1x) rounds twice as written; 9 * 0.1x once: they differ for many x.
        Node twice = Ops.mul(2.0, Ops.mul(3.0, x));
        assertNotSame(Ops.mul(6.0, x), twice);
        assertSame(x, twice.input(1).input(1));
        assertNotSame(Ops.add(5.0, x), Ops.add(2.0, Ops.add(x, 3.0)));

        assertSame(Ops.mul(6.0, x), DerivativeScope.run(() -> Ops.mul(2.0, Ops.mul(3.0, x))));
        assertSame(Ops.mul(6.0, x), DerivativeScope.run(() -> Ops.mul(Ops.mul(x, 3.0), 2.0)));
        assertSame(Ops.add(5.0, x), DerivativeScope.run(() -> Ops.add(2.0, Ops.add(x, 3.0))));
        // Not when the combined constant overflows or underflows: 1e30 * (1e30 * x) is finite for tiny x.
        Node big = DerivativeScope.run(() -> Ops.mul(1e30, Ops.mul(1e30, x)));
        assertEquals((double) 1e30f, big.input(0).fillValue());
        Node tiny = DerivativeScope.run(() -> Ops.mul(1e-30, Ops.mul(1e-30, x)));
        assertEquals((double) 1e-30f, tiny.input(0).fillValue());
        assertFalse(DerivativeScope.active());

        assertSame(Ops.mul(6.0, fx), Ops.mul(2.0, Ops.mul(3.0, fx)));
        assertSame(Ops.add(5.0, fx), Ops.add(2.0, Ops.add(fx, 3.0)));
        assertEquals("graph(x: f32[]) {\n  t1: f32[] = mul(6.0, x)\n  return t1\n}",
                print(Ops.mul(2.0, Ops.mul(3.0, fx))));
    }

    // ---- shape ops ----

    @Test
    void reshapeOfReshapeIsOneReshape() {
        Node w = Ops.input(table, "w", Shape.of(6), DType.F32);
        Node twice = Ops.reshape(Ops.reshape(w, 2, 3), 3, 2);
        assertEquals(new Op.Reshape(), twice.op());
        assertSame(w, twice.input(0));
        assertSame(w, Ops.reshape(Ops.reshape(w, 2, 3), 6));
        assertSame(w, Ops.squeeze(Ops.unsqueeze(w, 0), 0));
    }

    @Test
    void reshapeOfADenseConstantIsAConstant() {
        Node dense = Ops.constant(table, new double[] {1, 2, 3, 4, 5, 6}, Shape.of(6), DType.F32);
        Node matrix = Ops.reshape(dense, 2, 3);
        assertEquals(new Op.Constant(new dev.nabla.compiler.ir.Literal.Dense(new double[] {1, 2, 3, 4, 5, 6})),
                matrix.op());
        assertEquals(Shape.of(2, 3), matrix.shape());
    }

    @Test
    void padToItsOwnShapeAndSumToItsOwnShapeAreTheIdentity() {
        assertSame(v, Ops.pad(v, new int[] {0}, new int[] {1}, Shape.of(3)));
        assertSame(v, Ops.sumToShape(v, Shape.of(3)));
        // Zeros padded with zeros are a fill; -0s padded with +0s are not one number.
        int[] start = {1};
        int[] step = {1};
        assertFill(0, Shape.of(3), Ops.pad(Ops.fill(table, 0, Shape.of(2), DType.F32), start, step, Shape.of(3)));
        assertTrue(Ops.pad(Ops.structuralZerosLike(v), start, step, Shape.of(4)).isSymbolicZero());
        Node negativeZeros = Ops.pad(Ops.fill(table, -0.0, Shape.of(2), DType.F32), start, step, Shape.of(3));
        assertTrue(negativeZeros.op() instanceof Op.Pad, () -> negativeZeros.op().toString());
        // Summing a broadcast gradient back: leading axes and grown size-1 axes are summed.
        Node g = Ops.input(table, "g", Shape.of(2, 4, 3), DType.F32);
        Node toRow = Ops.sumToShape(g, Shape.of(1, 3));
        assertEquals(Shape.of(1, 3), toRow.shape());
        Node reduce = toRow.input(0);
        assertEquals(new Op.Reduce(dev.nabla.compiler.ir.ReduceFn.SUM, List.of(0, 1), true), reduce.op());
        assertSame(g, reduce.input(0));
        Node toVector = Ops.sumToShape(g, Shape.of(3));
        assertEquals(new Op.Reduce(dev.nabla.compiler.ir.ReduceFn.SUM, List.of(0, 1), true), toVector.input(0).op());
    }

    @Test
    void transposeOfTransposeIsTheIdentity() {
        Node m = Ops.input(table, "m", Shape.of(2, 3, 4), DType.F32);
        assertSame(m, Ops.matrixTranspose(Ops.matrixTranspose(m)));
        assertSame(m, Ops.transpose(Ops.transpose(m, 0, 2), 2, 0));
        Node once = Ops.permute(m, 1, 2, 0);
        Node twice = Ops.permute(once, 1, 2, 0);
        assertSame(Ops.permute(m, 2, 0, 1), twice);
        assertSame(m, twice.input(0));
        assertSame(m, Ops.permute(twice, 1, 2, 0));
        assertSame(m, Ops.permute(m, 0, 1, 2));
    }

    @Test
    void broadcastOfAFillIsAFill() {
        Node b = Ops.broadcastTo(c(2), Shape.of(2, 3));
        assertFill(2, Shape.of(2, 3), b);
        assertEquals(new Op.Constant(new dev.nabla.compiler.ir.Literal.Fill(2)), b.op());
        assertFill(7, Shape.of(3, 2), Ops.permute(Ops.fill(table, 7, Shape.of(2, 3), DType.F32), 1, 0));
        assertFill(7, Shape.of(2), Ops.slice(Ops.fill(table, 7, Shape.of(5), DType.F32), 0, 1, 3, 1));
        assertFill(7, Shape.of(6), Ops.reshape(Ops.fill(table, 7, Shape.of(2, 3), DType.F32), 6));
        // A fill added to a vector is broadcast as a fill, not as a broadcast node.
        Node sum = Ops.add(v, 1.0);
        assertFill(1, Shape.of(3), sum.input(0));
    }

    @Test
    void reductionsOfFillsAndOfUnitAxes() {
        Node ones = Ops.fill(table, 1.5, Shape.of(2, 4), DType.F32);
        assertFill(6, Shape.of(2), Ops.sum(ones, new int[] {1}, false));
        assertFill(1.5, Shape.of(1, 4), Ops.max(ones, new int[] {0}, true));
        assertFill(1.5 * 1.5, Shape.of(4), Ops.prod(ones, new int[] {0}, false));
        Node col = Ops.input(table, "col", Shape.of(3, 1), DType.F32);
        // A sum of one element is 0 + x, which is +0 for x = -0: kept as written.
        assertTrue(Ops.sum(col, new int[] {1}, false).op() instanceof Op.Reduce);
        assertEquals(new Op.Reshape(), Ops.max(col, new int[] {1}, false).op(), "max of one element moves no data");
        assertEquals(new Op.Reshape(), Ops.prod(col, new int[] {1}, false).op());
        assertEquals(new Op.Reshape(), DerivativeScope.run(() -> Ops.sum(col, new int[] {1}, false)).op());
        Node fcol = Ops.input(fastTable, "col", Shape.of(3, 1), DType.F32);
        assertEquals(new Op.Reshape(), Ops.sum(fcol, new int[] {1}, false).op());
        assertSame(x, Ops.sum(x, new int[0], false));
        assertFill(0, Shape.of(2), Ops.sum(Ops.fill(table, -0.0, Shape.of(2, 3), DType.F32), new int[] {1}, false));
        assertTrue(Ops.sum(Ops.fill(table, -0.0, Shape.of(2, 3), DType.F32), new int[] {1}, false).isFillBits(0.0));
        Node infinities = Ops.fill(table, Double.POSITIVE_INFINITY, Shape.of(2, 0), DType.F32);
        assertTrue(Ops.sum(infinities, new int[] {1}, false).isFillBits(0.0), "an empty sum is 0, not inf * 0");
    }

    @Test
    void whereWithAConstantCondition() {
        Node t = Ops.compare(CompareFn.LT, c(1), c(2));
        assertSame(x, Ops.where(t, x, y));
        assertSame(y, Ops.where(Ops.compare(CompareFn.GT, c(1), c(2)), x, y));
        assertSame(x, Ops.where(Ops.compare(CompareFn.LT, x, y), x, x));
        assertNull(Simplifier.where(Ops.compare(CompareFn.LT, x, y), x, y));
    }

    // ---- collecting like terms: derivatives and FAST only, except the exact rewrites ----

    /** Built as a derivative is: where algebraically equal rewrites are allowed. */
    private static Node inDerivative(java.util.function.Supplier<Node> body) {
        return DerivativeScope.run(body);
    }

    private final Node fy = Ops.input(fastTable, "y", Shape.SCALAR, DType.F32);

    @Test
    void doublingIsExactSoItIsMadeEverywhere() {
        // x + x and 2x are one rounding of the same number, overflow and signed zeros included.
        assertSame(Ops.mul(2.0, x), Ops.add(x, x));
        assertSame(Ops.mul(2.0, v), Ops.add(v, v));
        assertSame(Ops.mul(2.0, fx), Ops.add(fx, fx));
    }

    @Test
    void likeTermsCollectInDerivativesAndUnderFastArithmeticOnly() {
        // 2x + 3x rounds three times as written, 5x once: a user's graph keeps it.
        assertTrue(isBinary(Ops.add(Ops.mul(2.0, x), Ops.mul(3.0, x)), BinaryFn.ADD));
        assertSame(Ops.mul(5.0, x), inDerivative(() -> Ops.add(Ops.mul(2.0, x), Ops.mul(3.0, x))));
        assertSame(Ops.mul(5.0, fx), Ops.add(Ops.mul(2.0, fx), Ops.mul(3.0, fx)));
        // The fourth derivative of sin(x) x^2 had (-s - s) - s: it is -3s.
        Node s = Ops.sin(x);
        assertTrue(isBinary(Ops.sub(Ops.sub(Ops.neg(s), s), s), BinaryFn.SUB));
        assertSame(Ops.mul(-3.0, s), inDerivative(() -> Ops.sub(Ops.sub(Ops.neg(s), s), s)));
        assertSame(Ops.mul(3.0, x), inDerivative(() -> Ops.add(x, Ops.mul(2.0, x))));
        assertSame(Ops.mul(-2.0, x), inDerivative(() -> Ops.sub(x, Ops.mul(3.0, x))));
        // One level into either operand: (y + 2x) + 3x = y + 5x, 3x - (2x - y) = x + y.
        assertSame(inDerivative(() -> Ops.add(y, Ops.mul(5.0, x))),
                inDerivative(() -> Ops.add(Ops.add(y, Ops.mul(2.0, x)), Ops.mul(3.0, x))));
        assertSame(inDerivative(() -> Ops.add(x, y)),
                inDerivative(() -> Ops.sub(Ops.mul(3.0, x), Ops.sub(Ops.mul(2.0, x), y))));
        // Constants: (x - 2) + 5 = 3 + x; (x - 2) + 2 = x, also for inf and NaN.
        assertSame(Ops.add(3.0, x), inDerivative(() -> Ops.add(Ops.sub(x, 2.0), 5.0)));
        assertSame(x, inDerivative(() -> Ops.add(Ops.sub(x, 2.0), 2.0)));
        assertTrue(isBinary(Ops.add(Ops.sub(x, 2.0), 5.0), BinaryFn.ADD));
        // Through a constant multiple of a sum: 8(1 - t) - 4t = 8 - 12t (a derivative of tanh).
        Node t = Ops.tanh(x);
        assertSame(Ops.sub(8.0, Ops.mul(12.0, t)),
                inDerivative(() -> Ops.sub(Ops.mul(8.0, Ops.sub(1.0, t)), Ops.mul(4.0, t))));
    }

    @Test
    void termsCancelOnlyUnderFastArithmetic() {
        // x - x is NaN for an infinite x: a derivative keeps NaN, so it keeps the difference.
        assertTrue(isBinary(inDerivative(() -> Ops.sub(x, x)), BinaryFn.SUB));
        Node twice = Ops.mul(2.0, x);
        assertTrue(isBinary(inDerivative(() -> Ops.sub(twice, Ops.mul(2.0, x))), BinaryFn.SUB));
        Node opposite = inDerivative(() -> Ops.add(Ops.mul(2.0, x), Ops.mul(-2.0, x)));
        assertTrue(isBinary(opposite, BinaryFn.ADD), () -> print(opposite));
        assertSame(fy, Ops.add(fx, Ops.sub(fy, fx)));
        assertFill(0, Shape.SCALAR, Ops.sub(Ops.mul(2.0, fx), Ops.add(fx, fx)));
        // A coefficient that overflows (3e38 + 2e38 in f32) or underflows is no normal number: kept.
        assertTrue(isBinary(inDerivative(() -> Ops.add(Ops.mul(3e38, x), Ops.mul(2e38, x))), BinaryFn.ADD));
        assertTrue(isBinary(inDerivative(() -> Ops.sub(Ops.mul(1.5e-38, x), Ops.mul(1e-38, x))), BinaryFn.SUB));
    }

    @Test
    void aCommonFactorIsTakenOutOfASumInDerivatives() {
        Node u = Ops.sin(x);
        assertTrue(isBinary(Ops.add(Ops.mul(x, u), Ops.mul(y, u)), BinaryFn.ADD), "as written in IEEE arithmetic");
        assertSame(inDerivative(() -> Ops.mul(Ops.add(x, y), u)),
                inDerivative(() -> Ops.add(Ops.mul(x, u), Ops.mul(y, u))));
        assertSame(inDerivative(() -> Ops.mul(Ops.sub(x, y), u)),
                inDerivative(() -> Ops.sub(Ops.mul(u, x), Ops.mul(y, u))));
        // u + x*u = (1 + x)*u
        assertSame(inDerivative(() -> Ops.mul(Ops.add(1.0, x), u)), inDerivative(() -> Ops.add(u, Ops.mul(x, u))));
        Node fu = Ops.sin(fx);
        assertSame(Ops.mul(Ops.add(fx, fy), fu), Ops.add(Ops.mul(fx, fu), Ops.mul(fy, fu)));
    }

    @Test
    void constantsMoveOutOfProductsInDerivatives() {
        Node written = Ops.mul(Ops.mul(2.0, x), y);
        assertSame(Ops.mul(2.0, x), written.input(0), "(2x)y rounds twice as written: kept");
        assertSame(inDerivative(() -> Ops.mul(2.0, Ops.mul(x, y))), inDerivative(() -> Ops.mul(Ops.mul(2.0, x), y)));
        assertSame(inDerivative(() -> Ops.mul(6.0, Ops.mul(x, y))),
                inDerivative(() -> Ops.mul(Ops.mul(2.0, x), Ops.mul(3.0, y))));
        assertSame(Ops.mul(6.0, Ops.mul(fx, fy)), Ops.mul(Ops.mul(2.0, fx), Ops.mul(3.0, fy)));
        // Not into an overflow: 1e30 (1e30 xy) keeps its two constants, and does not loop.
        Node big = inDerivative(() -> Ops.mul(Ops.mul(1e30, x), Ops.mul(1e30, y)));
        assertEquals((double) 1e30f, big.input(0).fillValue());
        assertSame(inDerivative(() -> Ops.mul(1e30, Ops.mul(x, y))), big.input(1));
    }

    @Test
    void productsOfPowersOfOneBaseArePowersInDerivatives() {
        assertTrue(isBinary(Ops.mul(x, x), BinaryFn.MUL), "x*x as written");
        assertSame(Ops.pow(x, 2.0), inDerivative(() -> Ops.mul(x, x)));
        assertSame(Ops.pow(x, 3.0), inDerivative(() -> Ops.mul(x, Ops.pow(x, 2.0))));
        assertSame(Ops.pow(x, 5.0), inDerivative(() -> Ops.mul(Ops.pow(x, 2.0), Ops.pow(x, 3.0))));
        assertSame(Ops.pow(fx, 2.0), Ops.mul(fx, fx));
        // Only positive integer exponents add up: x^0.5 x^0.5 is NaN for x < 0, x^-1 x is NaN at 0.
        Node root = Ops.pow(x, 0.5);
        assertSame(Ops.pow(root, 2.0), inDerivative(() -> Ops.mul(root, root)));
        assertTrue(isBinary(inDerivative(() -> Ops.mul(Ops.pow(x, -1.0), x)), BinaryFn.MUL));
        assertTrue(isBinary(inDerivative(() -> Ops.mul(Ops.pow(x, 2.5), x)), BinaryFn.MUL));
    }

    @Test
    void operandsTakeAFixedOrderInDerivatives() {
        assertNotSame(Ops.mul(x, y), Ops.mul(y, x), "a user's graph keeps the order written");
        assertSame(inDerivative(() -> Ops.mul(x, y)), inDerivative(() -> Ops.mul(y, x)));
        assertSame(inDerivative(() -> Ops.add(x, y)), inDerivative(() -> Ops.add(y, x)));
        assertSame(Ops.mul(fx, fy), Ops.mul(fy, fx));
        // The order is structural, the same in every graph and every run.
        NodeTable other = new NodeTable();
        Node ox = Ops.input(other, "x", Shape.SCALAR, DType.F32);
        Node oy = Ops.input(other, "y", Shape.SCALAR, DType.F32);
        Node here = inDerivative(() -> Ops.mul(Ops.sin(y), Ops.exp(x)));
        Node there = inDerivative(() -> Ops.mul(Ops.exp(ox), Ops.sin(oy)));
        assertEquals(here.input(0).opName(), there.input(0).opName());
        assertEquals(x.structuralHash(), ox.structuralHash());
    }

    @Test
    void aNegatedDifferenceIsTheOtherDifferenceInDerivatives() {
        assertTrue(Ops.neg(Ops.sub(x, y)).op() instanceof Op.Unary, "-(x - x) is -0 where x - x is +0");
        assertSame(Ops.sub(y, x), inDerivative(() -> Ops.neg(Ops.sub(x, y))));
        assertSame(Ops.sub(fy, fx), Ops.neg(Ops.sub(fx, fy)));
    }

    @Test
    void aUsersSumIsNotTakenApartByADerivative() {
        // Its terms are not collected with each other: it stays, and may be used elsewhere.
        Node written = Ops.add(Ops.mul(2.0, x), Ops.mul(3.0, x));
        Node sum = inDerivative(() -> Ops.add(written, y));
        assertTrue(sum.inputs().contains(written), () -> print(sum));
    }

    @Test
    void longSumsCollectAsTheyGrowInBoundedWork() {
        // 20,000 terms alternating between two variables: each add is collected as it is built.
        Node sum = fx;
        for (int i = 0; i < 20_000; i++) {
            sum = Ops.add(sum, i % 3 == 0 ? fy : fx);
        }
        assertEquals("""
                graph(x: f32[], y: f32[]) {
                  t1: f32[] = mul(6667.0, y)
                  t2: f32[] = mul(13334.0, x)
                  t3: f32[] = add(t2, t1)
                  return t3
                }""", print(sum));
        // Nothing to collect: a chain as long stays as long (and is built without deep recursion).
        Node chain = x;
        for (int i = 0; i < 20_000; i++) {
            Node term = Ops.sin(i % 2 == 0 ? chain : Ops.mul(3.0, chain));
            chain = inDerivative(() -> Ops.add(term, y));
        }
        assertTrue(Program.of(List.of(chain)).nodes().size() > 40_000);
    }

    @Test
    void theFourthDerivativeOfSinXTimesXSquaredIsTheHandForm() {
        Node d = Ops.mul(Ops.sin(x), Ops.pow(x, 2.0));
        for (int i = 0; i < 4; i++) {
            d = Autodiff.grad(d, List.of(x)).get(0);
        }
        // -8x cos x + (x^2 - 12) sin x: before, twenty nodes with add(t2, t2) and (-s - s) - s.
        assertEquals("""
                graph(x: f32[]) {
                  t1: f32[] = sin(x)
                  t2: f32[] = pow(x, 2.0)
                  t3: f32[] = cos(x)
                  t4: f32[] = mul(x, t3)
                  t5: f32[] = add(-12.0, t2)
                  t6: f32[] = mul(t1, t5)
                  t7: f32[] = mul(-8.0, t4)
                  t8: f32[] = add(t7, t6)
                  return t8
                }""", print(d));
    }

    // ---- derivatives come out simplified ----

    @Test
    void gradOfCubePrintsSimplified() {
        Node dy = Autodiff.grad(Ops.pow(x, 3.0), List.of(x)).get(0);
        assertEquals("""
                graph(x: f32[]) {
                  t1: f32[] = pow(x, 2.0)
                  t2: f32[] = mul(3.0, t1)
                  return t2
                }""", print(dy));
    }

    @Test
    void secondDerivativeOfSquareIsTheConstantTwo() {
        Node dy = Autodiff.grad(Ops.pow(x, 2.0), List.of(x)).get(0);
        assertEquals("graph(x: f32[]) {\n  t1: f32[] = mul(2.0, x)\n  return t1\n}", print(dy));
        Node d2y = Autodiff.grad(dy, List.of(x)).get(0);
        assertFill(2, Shape.SCALAR, d2y);
        assertEquals("graph() {\n  return 2.0\n}", print(d2y));
    }

    @Test
    void fourthDerivativeOfFifthPowerIsLinear() {
        Node d = Ops.pow(x, 5.0);
        for (int i = 0; i < 4; i++) {
            d = Autodiff.grad(d, List.of(x)).get(0);
        }
        assertSame(Ops.mul(120.0, x), d);
    }

    @Test
    void derivativeOfALinearMapIsItsConstant() {
        Node f = Ops.add(Ops.mul(4.0, x), 7.0);
        assertFill(4, Shape.SCALAR, Autodiff.grad(f, List.of(x)).get(0));
        assertFill(0, Shape.SCALAR, Autodiff.grad(f, List.of(y)).get(0));
    }

    @Test
    void aWeightUsedTransposedGetsItsGradientInItsOwnLayout() {
        // y = x.W^T, as a linear layer: dL/dW = (x^T.g)^T, made as g^T.x, a product in W's layout.
        Node in = Ops.input(table, "in", Shape.of(4, 3), DType.F32);
        Node w = Ops.input(table, "w", Shape.of(5, 3), DType.F32);
        Node loss = Ops.sum(Ops.sin(Ops.matmul(in, Ops.matrixTranspose(w))), new int[0], false);
        Node dw = Autodiff.grad(loss, List.of(w)).get(0);
        assertTrue(dw.op() instanceof Op.MatMul, () -> "the gradient is " + dw.op() + ", not a product");
        assertEquals(Shape.of(5, 3), dw.shape());
        // Outside a derivative a transposed product stays a view of the one product.
        Node product = Ops.matmul(in, Ops.matrixTranspose(w));
        Node transposed = Ops.matrixTranspose(product);
        assertTrue(transposed.op() instanceof Op.Permute);
        assertSame(product, transposed.input(0));
    }

    // ---- the simplifier never lets a node of another graph through ----

    @Test
    void operandsOfAnotherGraphAreRejectedEvenWhenTheyWouldFoldAway() {
        NodeTable other = new NodeTable();
        Node one = Ops.fill(other, 1, Shape.SCALAR, DType.F32);
        Node zero = Ops.fill(other, 0, Shape.SCALAR, DType.F32);
        assertThrows(GraphException.class, () -> Ops.mul(x, one));
        assertThrows(GraphException.class, () -> Ops.add(zero, x));
        assertThrows(GraphException.class, () -> Ops.sub(x, zero));
        assertThrows(GraphException.class, () -> Ops.pow(x, zero));
        Node trueMask = Ops.compare(CompareFn.EQ, one, one);
        assertThrows(GraphException.class, () -> Ops.where(trueMask, x, y));
        Node foreign = Ops.input(other, "z", Shape.SCALAR, DType.F32);
        GraphException e = assertThrows(GraphException.class, () -> Ops.add(x, foreign));
        assertTrue(e.getMessage().startsWith("add: "), e.getMessage());
        assertTrue(e.getMessage().contains("different graphs"), e.getMessage());
        assertThrows(GraphException.class, () -> Ops.concat(0, List.of(Ops.reshape(x, 1), Ops.reshape(foreign, 1))));
        assertThrows(GraphException.class, () -> Ops.matmul(v, Ops.input(other, "u", Shape.of(3), DType.F32)));
        assertThrows(GraphException.class, () -> Autodiff.grad(x, List.of(foreign)));
        assertThrows(GraphException.class, () -> Autodiff.vjp(x, one, List.of(x)));
        GraphException t = assertThrows(GraphException.class, () -> Autodiff.jvp(List.of(x), java.util.Map.of(x, one)));
        assertTrue(t.getMessage().startsWith("jvp: the tangent"), t.getMessage());
        assertTrue(assertThrows(dev.nabla.core.NablaException.class, () -> Autodiff.jvp(List.of(), java.util.Map.of()))
                .getMessage().contains("at least one output"));
    }

    /** The op named in a GraphException for mixing graphs: the op called, not one it delegates to. */
    private static void rejectsAnotherGraph(String op, org.junit.jupiter.api.function.Executable call) {
        GraphException e = assertThrows(GraphException.class, call);
        assertTrue(e.getMessage().startsWith(op + ": ") && e.getMessage().contains("different graphs"), e.getMessage());
    }

    @Test
    void everyOpChecksItsOperandsGraphsBeforeSimplifying() {
        NodeTable other = new NodeTable();
        Node one = Ops.fill(other, 1, Shape.SCALAR, DType.F32);
        Node two = Ops.fill(other, 2, Shape.SCALAR, DType.F32);
        Node negZero = Ops.fill(other, -0.0, Shape.SCALAR, DType.F32);
        Node u = Ops.input(other, "u", Shape.of(3), DType.F32);
        // Each of these would fold, or return an operand, without ever interning a node.
        rejectsAnotherGraph("lt", () -> Ops.compare(CompareFn.LT, c(1), two));
        rejectsAnotherGraph("fma", () -> Ops.fma(x, one, y));
        rejectsAnotherGraph("fma", () -> Ops.fma(one, x, y));
        rejectsAnotherGraph("fma", () -> Ops.fma(x, y, negZero));
        Node trueMask = Ops.compare(CompareFn.LT, c(1), c(2));
        rejectsAnotherGraph("where", () -> Ops.where(trueMask, x, one));
        NodeTable fastOther = new NodeTable(Arithmetic.FAST, null);
        Node fastZeros = Ops.fill(fastOther, 0, Shape.of(2, 3), DType.F32);
        rejectsAnotherGraph("matmul", () -> Ops.matmul(fastZeros, u));
        // Those that delegate to other ops name themselves, not the op they delegate to.
        rejectsAnotherGraph("dot", () -> Ops.dot(v, u));
        rejectsAnotherGraph("stack", () -> Ops.stack(0, List.of(v, u)));
        rejectsAnotherGraph("concat", () -> Ops.concat(0, List.of(v, Ops.input(other, "w", Shape.of(2, 3), DType.F32))));
    }

    @Test
    void fmaAndMatmulCheckDTypesBeforeSimplifying() {
        Node d = Ops.input(table, "d", Shape.SCALAR, DType.F64);
        Node one64 = Ops.fill(table, 1, Shape.SCALAR, DType.F64);
        // fma(x, 1, c) would become x + c, which checks only x and c.
        assertTrue(assertThrows(DTypeException.class, () -> Ops.fma(x, one64, y)).getMessage().startsWith("fma: dtypes differ"));
        assertTrue(assertThrows(DTypeException.class, () -> Ops.fma(x, y, d)).getMessage().startsWith("fma: dtypes differ"));
        Node mask = Ops.compare(CompareFn.LT, v, 0.0);
        assertTrue(assertThrows(DTypeException.class, () -> Ops.fma(mask, mask, mask)).getMessage()
                .startsWith("fma: needs a floating tensor"));
        Node matrixMask = Ops.compare(CompareFn.LT, Ops.input(table, "m", Shape.of(2, 2), DType.F32), 0.0);
        assertTrue(assertThrows(DTypeException.class, () -> Ops.matmul(matrixMask, matrixMask)).getMessage()
                .startsWith("matmul: needs a floating tensor"));
    }

    @Test
    void fillsFoldWhateverTheirShape() {
        // Above the dense-folding limit of 64K elements: 2 * -(3) once recursed without end.
        Shape big = Shape.of(70000);
        Node three = Ops.fill(table, 3, big, DType.F32);
        Node two = Ops.fill(table, 2, big, DType.F32);
        assertFill(-3, big, Ops.neg(three));
        assertFill(-6, big, Ops.mul(two, Ops.neg(three)));
        assertFill(5, big, Ops.add(two, three));
        Node w = Ops.input(table, "w", big, DType.F32);
        Node product = Ops.mul(two, Ops.neg(Ops.exp(w)));
        assertEquals(-2, product.input(0).fillValue());
        assertSame(Ops.exp(w), product.input(1));
        // -(3w) is (-3)w; 2 * ((-3)w) rounds twice as written, so it stays so in IEEE arithmetic.
        Node scaled = Ops.mul(two, Ops.neg(Ops.mul(three, w)));
        assertEquals(2, scaled.input(0).fillValue());
        assertSame(Ops.mul(Ops.neg(three), w), scaled.input(1));
        Node fw = Ops.input(fastTable, "w", big, DType.F32);
        Node fastProduct = Ops.mul(Ops.fill(fastTable, 2, big, DType.F32),
                Ops.neg(Ops.mul(Ops.fill(fastTable, 3, big, DType.F32), fw)));
        assertEquals(-6, fastProduct.input(0).fillValue());
        assertSame(fw, fastProduct.input(1));
        // How gradients met it: d/dw of 0.1 * sum((0.5 * (-w) + c) * c) for a constant scalar c.
        Node c = Ops.fill(table, 1.7, Shape.SCALAR, DType.F32);
        Node loss = Ops.mul(Ops.sum(Ops.mul(Ops.fma(Ops.neg(w), Ops.scalarLike(w, 0.5), c), c), new int[0], false), 0.1);
        assertEquals(big, Autodiff.grad(loss, List.of(w)).get(0).shape());
        // Dense constants that large are still left to the backend.
        double[] ramp = new double[70000];
        java.util.Arrays.setAll(ramp, i -> i);
        Node dense = Ops.constant(table, ramp, big, DType.F32);
        assertTrue(Ops.neg(dense).op() instanceof Op.Unary);
        // Up to the limit itself they fold.
        Node atLimit = Ops.constant(table, java.util.Arrays.copyOf(ramp, 1 << 16), Shape.of(1 << 16), DType.F32);
        Node negated = Ops.neg(atLimit);
        assertTrue(negated.op() instanceof Op.Constant(dev.nabla.compiler.ir.Literal.Dense d) && d.at(5) == -5,
                () -> negated.op().toString());
    }

    @Test
    void closingATableDropsItsNodes() {
        NodeTable t = new NodeTable();
        Node a = Ops.input(t, "a", Shape.SCALAR, DType.F32);
        Node e = Ops.exp(a);
        assertEquals(2, t.size());
        assertEquals(List.of("a"), List.copyOf(t.variables().keySet()));
        t.close();
        assertTrue(t.isClosed());
        assertEquals(0, t.size(), "nodes still reachable from outside are dropped too");
        assertTrue(t.variables().isEmpty());
        assertThrows(GraphException.class, () -> Ops.input(t, "b", Shape.SCALAR, DType.F32));
        java.lang.ref.Reference.reachabilityFence(e);
    }
    @Test
    void theIdentityThatSeedsAJacobianStaysSymbolicThroughViewsAndVanishesFromProducts() {
        Node eye = Ops.identity(table, 3, Shape.of(3, 3), DType.F32);
        Node m = Ops.input(table, "m", Shape.of(2, 3), DType.F32);
        Node n = Ops.input(table, "n", Shape.of(3, 4), DType.F32);
        assertSame(m, Ops.matmul(m, eye));
        assertSame(n, Ops.matmul(eye, n));
        // Views keep it an identity: [3,1,3] or its transpose is still the 3x3 identity.
        Node tall = Ops.reshape(eye, 3, 1, 3);
        assertEquals(new dev.nabla.compiler.ir.Literal.Identity(3), ((Op.Constant) tall.op()).value());
        assertSame(m, Ops.matmul(m, Ops.reshape(Ops.permute(tall, 2, 1, 0), 3, 3)));
        for (int i = 0; i < 9; i++) {
            assertEquals(i % 4 == 0 ? 1.0 : 0.0, ((Op.Constant) tall.op()).value().at(i), "element " + i);
        }
        // Sixteen elements in another shape are not a 4x4 identity: [2,8] is no unit for [2,2] @ [2,8].
        Node other = Ops.identity(table, 4, Shape.of(2, 8), DType.F32);
        Node p = Ops.input(table, "p", Shape.of(2, 2), DType.F32);
        assertTrue(Ops.matmul(p, other).op() instanceof Op.MatMul);
        // A permutation that mixes an axis of another size does not keep it an identity.
        Node blocks = Ops.identity(table, 4, Shape.of(4, 2, 2), DType.F32);
        assertTrue(Ops.permute(blocks, 1, 0, 2).op() instanceof Op.Permute);
        assertThrows(dev.nabla.core.NablaException.ShapeException.class,
                () -> Ops.identity(table, 3, Shape.of(3, 4), DType.F32));
    }
}

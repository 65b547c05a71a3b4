package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.AxisException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input fails fast, at the call that caused it, with the specific {@link NablaException}
 * subclass and a message that names the op, what it was given and what would be valid.
 */
class BadInputTest {

    /** Asserts that {@code call} throws exactly {@code type} and that its message holds every fragment. */
    private static <T extends NablaException> T expect(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        assertEquals(type, e.getClass(), () -> "wrong exception kind: " + e);
        String message = e.getMessage();
        for (String f : fragments) {
            assertTrue(message.contains(f), () -> "message lacks \"" + f + "\": " + message);
        }
        return e;
    }

    private static NDArray f32(int[] dims, float... values) {
        return NDArray.of(values, dims);
    }

    private static int[] dims(int... dims) {
        return dims;
    }

    // ---- shapes ----

    @Test
    void elementwiseShapeMismatch() {
        try (var g = Graph.create()) {
            Tensor a = g.input("a", 2, 3);
            Tensor b = g.input("b", 3, 2);
            expect(ShapeException.class, () -> a.add(b),
                    "add:", "[2,3]", "[3,2]", "cannot be broadcast", "equal or one of them 1");
            expect(ShapeException.class, () -> a.mul(b), "mul:", "[2,3]", "[3,2]");
            expect(ShapeException.class, () -> a.maximum(b), "maximum:", "[2,3]", "[3,2]");
            expect(ShapeException.class, () -> a.lt(b), "lt:", "[2,3]", "[3,2]");
        }
    }

    @Test
    void incompatibleBroadcast() {
        try (var g = Graph.create()) {
            Tensor a = g.input("a", 2, 3);
            Tensor b = g.input("b", 4);
            expect(ShapeException.class, () -> a.add(b),
                    "add:", "[2,3]", "[4]", "3 vs 4", "trailing dimensions must be equal or one of them 1");
            expect(ShapeException.class, () -> b.sub(a), "sub:", "[4]", "[2,3]", "4 vs 3");
            expect(ShapeException.class, () -> a.broadcastTo(4, 3),
                    "broadcastTo:", "[2,3]", "[4,3]", "equal or 1");
        }
    }

    @Test
    void matmulInnerDimensionMismatch() {
        try (var g = Graph.create()) {
            Tensor a = g.input("a", 2, 3);
            Tensor b = g.input("b", 4, 5);
            expect(ShapeException.class, () -> a.matmul(b),
                    "matmul:", "[2,3]", "[4,5]", "3 vs 4", "last axis of the left operand must equal");
            Tensor v = g.input("v", 4);
            expect(ShapeException.class, () -> a.matmul(v), "matmul:", "[2,3]", "[4]", "3 vs 4");
            Tensor s = g.input("s");
            expect(ShapeException.class, () -> a.matmul(s), "matmul:", "[]", "at least one axis", "mul");
            Tensor batchA = g.input("ba", 2, 2, 3);
            Tensor batchB = g.input("bb", 3, 3, 4);
            expect(ShapeException.class, () -> batchA.matmul(batchB),
                    "matmul:", "batch axes", "[2]", "[3]", "[2,2,3]", "[3,3,4]", "equal or 1");
            expect(ShapeException.class, () -> v.dot(g.input("w", 3)), "dot:", "[4]", "[3]", "equal length");
        }
    }

    @Test
    void mixedDTypes() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 2);
            Tensor y = g.input("y", DType.F64, 2);
            expect(DTypeException.class, () -> x.add(y), "add:", "x:f32[2]", "y:f64[2]", "cast");
            expect(DTypeException.class, () -> y.mul(x), "mul:", "f64", "f32", "cast");
            expect(DTypeException.class, () -> x.reshape(1, 2).matmul(y.reshape(2, 1)), "matmul:", "f32", "f64");
            expect(DTypeException.class, () -> x.lt(y), "lt:", "f32", "f64");
            expect(DTypeException.class, () -> Nabla.concat(0, x, y), "concat:", "f32", "f64");
            expect(DTypeException.class, () -> Nabla.where(x.gt(0), x, y), "where:", "f32", "f64");
        }
    }

    // ---- feeds ----

    @Test
    void feedOfWrongShape() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor y = x.mul(2);
            var run = g.compile();
            NDArray three = f32(dims(3), 1, 2, 3);
            expect(FeedException.class, () -> run.eval(Map.of(x, three), y), "'x'", "f32[2]", "f32[3]", "expects");
        }
    }

    @Test
    void feedOfWrongDType() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor y = x.mul(2);
            var run = g.compile();
            NDArray doubles = NDArray.of(new double[] {1, 2}, 2);
            expect(FeedException.class, () -> run.eval(Map.of(x, doubles), y), "'x'", "f32[2]", "f64[2]", "expects");
        }
    }

    @Test
    void feedOfWrongShapeIsCaughtEvenWhenUnused() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor unused = g.input("unused", 2);
            var run = g.compile();
            NDArray two = f32(dims(2), 1, 2);
            NDArray three = f32(dims(3), 1, 2, 3);
            expect(FeedException.class, () -> run.eval(Map.of(x, two, unused, three), x.mul(2)),
                    "'unused'", "f32[2]", "f32[3]");
        }
    }

    @Test
    void missingFeed() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor z = g.input("z", 2);
            Tensor y = x.add(z);
            var run = g.compile();
            NDArray two = f32(dims(2), 1, 2);
            expect(FeedException.class, () -> run.eval(y), "'x'", "f32[2]", "needs a value");
            expect(FeedException.class, () -> run.eval(Map.of(x, two), y), "'z'", "f32[2]", "needs a value");
        }
    }

    @Test
    void nullFeeds() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor w = g.parameter("w", f32(dims(2), 1, 1));
            var run = g.compile();
            expect(FeedException.class, () -> run.eval((Map<Tensor, NDArray>) null, x.mul(2)), "eval:", "feeds are null", "Map.of()");
            expect(FeedException.class, () -> run.evalInto(null, x, new float[2]), "evalInto:", "feeds are null");
            expect(FeedException.class, () -> run.run(null, java.util.List.of(x), Map.of(w, w.mul(2))),
                    "run:", "feeds are null");
        }
    }

    @Test
    void nullTensors() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            expect(GraphException.class, () -> x.add(null), "add:", "null");
            expect(GraphException.class, () -> x.matmul(null), "matmul:", "null");
            expect(GraphException.class, () -> x.sum().grad((Tensor) null), "grad:", "null");
            expect(GraphException.class, () -> g.compile().eval((Tensor) null), "eval:", "null");
            expect(GraphException.class, () -> g.print((Tensor) null), "print:", "null");
        }
    }

    @Test
    void feedingANonInput() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor w = g.parameter("w", f32(dims(2), 1, 1));
            Tensor h = x.mul(w);
            Tensor y = h.sum();
            var run = g.compile();
            NDArray two = f32(dims(2), 1, 2);
            expect(FeedException.class, () -> run.eval(Map.of(x, two, w, two), y),
                    "only inputs can be fed", "w:f32[2]", "parameter", "setParameter");
            expect(FeedException.class, () -> run.eval(Map.of(x, two, h, two), y),
                    "only inputs can be fed", "f32[2]", "computed");
        }
    }

    @Test
    void nonFiniteFeedsAreRejectedWhenCheckingIsOn() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor y = x.mul(2);
            var checked = g.compile(Device.best(), true);
            NDArray nan = f32(dims(2), 1, Float.NaN);
            NDArray inf = f32(dims(2), Float.NEGATIVE_INFINITY, 1);
            expect(FeedException.class, () -> checked.eval(Map.of(x, nan), y),
                    "run:", "input 'x'", "holds NaN at flat index 1", "must be finite");
            expect(FeedException.class, () -> checked.eval(Map.of(x, inf), y),
                    "run:", "input 'x'", "holds -Infinity at flat index 0", "must be finite");
            assertEquals("[2.0, 4.0]", checked.eval(Map.of(x, f32(dims(2), 1, 2)), y).get(0).toString());
            // A scalar function's arguments are fed values too.
            Tensor s = g.input("s");
            ScalarFunction f = checked.function(s.mul(2), s);
            expect(FeedException.class, () -> f.apply(Double.NaN),
                    "function:", "argument 's'", "given NaN", "must be finite");
            expect(FeedException.class, () -> f.apply(new double[] {Double.NEGATIVE_INFINITY}),
                    "function:", "argument 's'", "given -Infinity");
            assertEquals(6.0, f.apply(3));
            assertEquals(Double.NaN, g.compile(Device.best(), false).function(s.mul(2), s).apply(Double.NaN));

            var unchecked = g.compile(Device.best(), false);
            assertEquals("[2.0, NaN]", unchecked.eval(Map.of(x, nan), y).get(0).toString());
            assertEquals("[-Infinity, 2.0]", unchecked.eval(Map.of(x, inf), y).get(0).toString());
        }
    }

    @Test
    void nonFiniteParametersAreRejectedWhenCheckingIsOn() {
        try (var g = Graph.create()) {
            Tensor w = g.parameter("w", f32(dims(2), 1, Float.NaN));
            expect(FeedException.class, () -> g.compile(Device.best(), true),
                    "compile:", "parameter 'w'", "holds NaN at flat index 1");
            var unchecked = g.compile(Device.best(), false);
            assertEquals("[1.0, NaN]", unchecked.eval(w).toString());
        }
        try (var g = Graph.create()) {
            Tensor v = g.parameter("v", f32(dims(2), 1, 2));
            var checked = g.compile(Device.best(), true);
            expect(FeedException.class, () -> checked.setParameter(v, f32(dims(2), Float.POSITIVE_INFINITY, 0)),
                    "setParameter:", "parameter 'v'", "holds Infinity at flat index 0");
            assertEquals("[1.0, 2.0]", checked.parameter(v).toString());
            var unchecked = g.compile(Device.best(), false);
            unchecked.setParameter(v, f32(dims(2), Float.POSITIVE_INFINITY, 0));
            assertEquals("[Infinity, 0.0]", unchecked.eval(v).toString());
        }
    }

    @Test
    void aNonFiniteParameterDeclaredAfterCompilingIsRefusedByTheCallThatFirstReadsIt() {
        try (var g = Graph.create()) {
            var checked = g.compile(Device.best(), true);
            // Declared after compile checked the initial values: checked when first read, naming that call.
            Tensor w = g.parameter("w", f32(dims(2), 1, Float.POSITIVE_INFINITY));
            Tensor s = g.scalar("s", Float.NaN);
            expect(FeedException.class, () -> checked.parameter(w), "parameter:", "parameter 'w'", "holds Infinity");
            expect(FeedException.class, () -> checked.eval(w.sum()), "run:", "parameter 'w'", "holds Infinity");
            expect(FeedException.class, () -> checked.function(s.mul(2)), "function:", "parameter 's'", "holds NaN");
            var other = Graph.create();
            Tensor foreign = other.scalar("t", 1f);
            other.close();
            expect(NablaException.class, () -> checked.parameter(new Tensor(g, foreign.node())), "parameter:",
                    "t:f32[]", "not a parameter of this session's graph");
        }
    }

    // ---- reshape and axes ----

    @Test
    void reshapeToADifferentElementCount() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2, 3);
            expect(ShapeException.class, () -> x.reshape(4, 2),
                    "reshape:", "[2,3]", "6 elements", "8 elements", "element count must stay the same");
            expect(ShapeException.class, () -> x.reshape(-1, -1), "reshape:", "at most one dimension may be -1");
            expect(ShapeException.class, () -> x.reshape(4, -1), "reshape:", "-1", "6 elements", "[2,3]");
            expect(ShapeException.class, () -> x.reshape(3, -2), "reshape:", "-2");
        }
    }

    @Test
    void axisOutOfRange() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2, 3);
            expect(AxisException.class, () -> x.sum(2), "sum:", "axis 2", "rank 2", "-2..1");
            expect(AxisException.class, () -> x.mean(-3), "mean:", "axis -3", "rank 2", "-2..1");
            expect(AxisException.class, () -> x.maxKeepDims(5), "max:", "axis 5", "-2..1");
            expect(AxisException.class, () -> x.softmax(2), "softmax:", "axis 2", "-2..1");
            expect(AxisException.class, () -> x.logSoftmax(-3), "logSoftmax:", "axis -3", "-2..1");
            expect(AxisException.class, () -> x.transpose(0, 2), "transpose:", "axis 2", "-2..1");
            expect(AxisException.class, () -> x.unsqueeze(4), "unsqueeze:", "axis 4", "rank 2", "-3..2");
            expect(AxisException.class, () -> x.unsqueeze(-4), "unsqueeze:", "axis -4", "rank 2", "-3..2");
            assertEquals(Shape.of(2, 3, 1), x.unsqueeze(-1).shape());
            assertEquals(Shape.of(1, 2, 3), x.unsqueeze(-3).shape());
            expect(AxisException.class, () -> Nabla.concat(2, x, x), "concat:", "axis 2", "-2..1");
            expect(AxisException.class, () -> Nabla.stack(4, x, x), "stack:", "axis 4", "rank 2", "-3..2");
            expect(AxisException.class, () -> x.slice(2, 0, 1), "slice:", "axis 2", "-2..1");
            expect(AxisException.class, () -> x.squeeze(3), "squeeze:", "axis 3", "-2..1");
            expect(AxisException.class, () -> x.permute(0, 2), "permute:", "axis 2", "-2..1");
            expect(AxisException.class, () -> x.permute(0), "permute:", "[0]", "rank 2");
            Tensor s = g.input("s");
            expect(AxisException.class, () -> s.softmax(0), "softmax:", "axis 0", "a scalar has no axes");
        }
    }

    @Test
    void duplicateAxes() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2, 3);
            expect(AxisException.class, () -> x.sum(0, 0), "sum:", "axis 0", "twice", "[0, 0]");
            expect(AxisException.class, () -> x.max(1, -1), "max:", "twice", "[1, -1]");
            expect(AxisException.class, () -> x.mean(0, -2), "mean:", "twice");
            expect(AxisException.class, () -> x.permute(1, 1), "permute:", "axis 1", "twice", "[1, 1]");
            // squeeze named one axis twice without complaint, where the reductions and NumPy refuse.
            Tensor y = g.input("y", 2, 1, 1);
            expect(AxisException.class, () -> y.squeeze(1, -2), "squeeze:", "axis -2", "twice", "[1, -2]");
            expect(AxisException.class, () -> y.squeeze(2, 2), "squeeze:", "axis 2", "twice", "[2, 2]");
            assertEquals(Shape.of(2), y.squeeze(1, -1).shape());
        }
    }

    // ---- graphs and derivatives ----

    @Test
    void tensorsOfTwoGraphsInOneOp() {
        try (var g1 = Graph.create(); var g2 = Graph.create()) {
            Tensor x = g1.input("x", 2);
            Tensor y = g2.input("y", 2);
            expect(GraphException.class, () -> x.add(y), "add:", "y:f32[2]", "another graph");
            expect(GraphException.class, () -> x.matmul(y), "matmul:", "y:f32[2]", "another graph");
            expect(GraphException.class, () -> Nabla.where(x.gt(0), x, y), "where:", "y:f32[2]", "another graph");
            expect(GraphException.class, () -> Nabla.concat(0, x, y), "concat:", "y:f32[2]", "another graph");
            // A constant that the simplifier would fold away still may not cross graphs.
            expect(GraphException.class, () -> x.mul(g2.constant(1.0f)), "mul:", "another graph");
            var run = g1.compile();
            expect(GraphException.class, () -> run.eval(y), "eval:", "y:f32[2]", "another graph");
            expect(GraphException.class, () -> run.eval(Map.of(y, NDArray.of(new float[2], 2)), x.mul(2)),
                    "eval:", "y:f32[2]", "another graph");
            expect(GraphException.class, () -> g1.print(y), "print:", "another graph");
            expect(GraphException.class, () -> Nabla.stack(0, x, y), "stack:", "another graph");
        }
    }

    @Test
    void gradOfANonScalar() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 3);
            Tensor y = x.mul(2);
            expect(ShapeException.class, () -> y.grad(x), "grad:", "f32[3]", "scalar", "sum");
        }
    }

    @Test
    void gradWithRespectToAComputedNode() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 3);
            Tensor h = x.mul(2);
            Tensor y = h.sum();
            expect(GraphException.class, () -> y.grad(h), "grad:", "f32[3]", "input or parameter");
        }
    }

    @Test
    void gradWithRespectToATensorOfAnotherGraph() {
        try (var g1 = Graph.create(); var g2 = Graph.create()) {
            Tensor x = g1.input("x", 3);
            Tensor y = x.sum();
            Tensor other = g2.input("x", 3);
            expect(GraphException.class, () -> y.grad(other), "grad:", "x:f32[3]", "another graph");
        }
    }

    @Test
    void aJacobianOrHessianTooLargeForIntFailsBeforeBuildingAnything() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 100_000);
            Tensor y = g.input("y", 40_000).sin().mul(x.sum());
            // Before the check, 40,000 rows of one-hot cotangents were built first: a minute, then out of memory.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> expect(ShapeException.class,
                    () -> Nabla.jacobian(y, x), "jacobian:", "f32[40000]", "x:f32[100000]", "4000000000 elements",
                    "2^31-1"));
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> expect(ShapeException.class,
                    () -> Nabla.hessian(x.sin().sum(), x), "hessian:", "x:f32[100000]", "10000000000 elements"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm:cpu", "reference:cpu"})
    void aProgramWithATensorTooLargeForIntFailsBeforeRunningAnything(String device) {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 40_000, 1);
            Tensor square = x.matmul(x.transpose());                       // [40000,40000]: fits in an int
            Tensor both = Nabla.stack(-1, square.sin(), square.cos());     // [40000,40000,2]: does not
            var run = g.compile(Device.of(device));
            NDArray xs = NDArray.of(new float[40_000], 40_000, 1);
            // The reference interpreter used to evaluate the 1.6e9-element nodes first: out of memory.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> expect(ShapeException.class,
                    () -> run.eval(Map.of(x, xs), both), "run:", "[40000,40000,2]", "computed by concat",
                    "more than 2^31-1 elements"));
            // Even where the JVM backend would need no storage for it (an empty slice of a view), a
            // tensor that large is refused, as the reference interpreter, which makes every node, must.
            Tensor empty = x.broadcastTo(100_000, 100_000, 40_000, 1).slice(2, 4, 1);
            expect(ShapeException.class, () -> run.eval(Map.of(x, xs), empty), "run:",
                    "[100000,100000,40000,1]", "computed by broadcastTo", "more than 2^31-1 elements");
            expect(ShapeException.class, () -> run.evalInto(Map.of(x, xs), empty, new float[0]), "evalInto:",
                    "more than 2^31-1 elements");
        }
    }

    @Test
    void everyDerivativeTransformChecksWhatItDifferentiates() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 3);
            Tensor h = x.mul(2);
            Tensor y = h.sin();
            expect(GraphException.class, () -> Nabla.vjp(y, y, h), "vjp:", "f32[3]", "input or parameter");
            expect(GraphException.class, () -> Nabla.jvp(y, Map.of(h, h)), "jvp:", "input or parameter");
            expect(GraphException.class, () -> Nabla.jacobian(y, h), "jacobian:", "input or parameter");
            expect(DTypeException.class, () -> Nabla.jacobian(y.gt(0), x), "jacobian:", "bool[3]", "not floating");
            Tensor s = g.input("s");
            expect(DTypeException.class, () -> s.gt(0).grad(s), "grad:", "bool[]", "not floating");
            expect(NablaException.class, () -> s.sin().grad(java.util.List.of()), "grad:", "at least one");
            Tensor mask = g.input("mask", DType.BOOL, 3);
            expect(DTypeException.class, () -> Nabla.where(mask, x, x).sum().grad(mask), "grad:", "mask:bool[3]",
                    "only f32 and f64");
            expect(ShapeException.class, () -> Nabla.vjp(y, g.ones(DType.F32, 2), x), "vjp:", "output's shape");
            expect(ShapeException.class, () -> Nabla.vjp(y, g.ones(DType.F64, 3), x), "vjp:", "output's shape");
            expect(ShapeException.class, () -> Nabla.jvp(y, Map.of(x, g.ones(DType.F32, 2))), "jvp:", "its shape");
            expect(ShapeException.class, () -> Nabla.jvp(y, Map.of(x, g.ones(DType.F64, 3))), "jvp:", "its shape");
        }
    }

    @Test
    void emptyConcatAndStack() {
        expect(ShapeException.class, () -> Nabla.concat(0), "concat:", "at least one");
        expect(ShapeException.class, () -> Nabla.stack(0), "stack:", "at least one");
    }

    // ---- dtypes ----

    @Test
    void whereWithANonBoolCondition() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            expect(DTypeException.class, () -> Nabla.where(x, x, x), "where:", "x:f32[2]", "bool");
            expect(DTypeException.class, () -> Nabla.where(x, x, 0.0), "where:", "bool");
        }
    }

    @Test
    void unaryMathOnBool() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2);
            Tensor mask = x.gt(0);
            expect(DTypeException.class, mask::exp, "exp:", "bool[2]", "floating", "cast");
            expect(DTypeException.class, mask::log, "log:", "bool[2]", "floating");
            expect(DTypeException.class, mask::sigmoid, "sigmoid:", "bool[2]");
            expect(DTypeException.class, mask::neg, "neg:", "bool[2]");
            expect(DTypeException.class, () -> mask.sum(), "sum:", "bool[2]", "floating");
            expect(DTypeException.class, () -> mask.add(mask), "add:", "bool[2]", "floating");
            Tensor m = g.input("m", DType.BOOL, 2);
            expect(DTypeException.class, m::sqrt, "sqrt:", "m:bool[2]", "floating");
        }
    }

    // ---- declarations and parameters ----

    @Test
    void duplicateInputNames() {
        try (var g = Graph.create()) {
            g.input("x", 2);
            expect(GraphException.class, () -> g.input("x", 3), "'x'", "already used", "x:f32[2]");
            expect(GraphException.class, () -> g.parameter("x", f32(dims(1), 1)), "'x'", "already used");
            expect(GraphException.class, () -> g.input(" ", 3), "non-blank name");
        }
    }

    @Test
    void setParameterWithTheWrongShapeOrDType() {
        try (var g = Graph.create()) {
            Tensor w = g.parameter("w", f32(dims(2), 1, 2));
            var run = g.compile();
            expect(FeedException.class, () -> run.setParameter(w, f32(dims(3), 1, 2, 3)),
                    "setParameter:", "parameter 'w'", "expects f32[2]", "got f32[3]");
            expect(FeedException.class, () -> run.setParameter(w, NDArray.of(new double[] {1, 2}, 2)),
                    "setParameter:", "parameter 'w'", "expects f32[2]", "got f64[2]");
            // The failed calls left the value alone.
            assertEquals("[1.0, 2.0]", run.parameter(w).toString());
            Tensor x = g.input("x", 2);
            expect(NablaException.class, () -> run.setParameter(x, f32(dims(2), 1, 2)),
                    "setParameter:", "x:f32[2]", "not a parameter");
            expect(NablaException.class, () -> run.parameter(x), "parameter:", "x:f32[2]", "not a parameter");
        }
    }

    // ---- joining, squeezing, slicing ----

    @Test
    void concatAndStackOfMismatchedShapes() {
        try (var g = Graph.create()) {
            Tensor a = g.input("a", 2, 3);
            Tensor b = g.input("b", 2, 4);
            Tensor c = g.input("c", 2, 3, 1);
            expect(ShapeException.class, () -> Nabla.concat(0, a, b),
                    "concat:", "[2,3]", "[2,4]", "axis 1", "all axes but the concatenation axis 0 must match");
            expect(ShapeException.class, () -> Nabla.concat(0, a, c), "concat:", "[2,3]", "[2,3,1]", "ranks");
            assertEquals(Shape.of(2, 7), Nabla.concat(1, a, b).shape());
            expect(ShapeException.class, () -> Nabla.stack(0, a, b), "stack:", "[2,3]", "[2,4]", "one shape");
            Tensor d = g.input("d", DType.F64, 2, 3);
            expect(DTypeException.class, () -> Nabla.stack(0, a, d), "stack:", "f32[2,3]", "f64[2,3]");
        }
    }

    @Test
    void squeezeOfANonUnitAxis() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 2, 1);
            expect(ShapeException.class, () -> x.squeeze(0),
                    "squeeze:", "axis 0", "[2,1]", "size 2", "only size-1 axes");
            assertEquals(Shape.of(2), x.squeeze(1).shape());
        }
    }

    @Test
    void sliceWithStepZero() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 4);
            expect(ShapeException.class, () -> x.slice(0, 0, 4, 0),
                    "slice:", "step must be positive, got 0", "x:f32[4]", "axis 0");
            expect(ShapeException.class, () -> x.slice(0, 0, 4, -1), "slice:", "got -1", "positive");
        }
    }

    @Test
    void badArrays() {
        expect(ShapeException.class, () -> NDArray.of(new float[3], 2, 2), "NDArray", "3 values", "[2,2]", "4");
        try (var g = Graph.create()) {
            expect(ShapeException.class, () -> g.input("x", 2, -1), "negative dimension -1", "[2, -1]", "0 or more");
        }
    }
}

package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Conditionals in the graph against the same function written with where. */
class CondTest {
    private static final Device REFERENCE = Device.of("reference:cpu");
    private static final Device JVM = Device.of("jvm:cpu");

    /** f(x) = x^2 sin(x) for x > 0, else exp(x) * c: as a cond, and as a where of both. */
    @Test
    void condAndItsDerivativesEqualWhereOfBothBranches() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor c = g.input("c", DType.F64);
            Tensor viaCond = Nabla.cond(x.gt(0.0), () -> x.pow(2).mul(x.sin()), () -> x.exp().mul(c));
            Tensor viaWhere = Nabla.where(x.gt(0.0), x.pow(2).mul(x.sin()), x.exp().mul(c));
            Tensor[] a = {viaCond, viaCond.grad(x), viaCond.grad(x).grad(x), viaCond.grad(c),
                Nabla.jvp(viaCond, Map.of(x, g.constant(1.0)))};
            Tensor[] e = {viaWhere, viaWhere.grad(x), viaWhere.grad(x).grad(x), viaWhere.grad(c), viaWhere.grad(x)};
            for (double at : new double[] {-0.8, 0.3, 1.7}) {
                Map<Tensor, NDArray> feeds = Map.of(x, NDArray.scalar(at), c, NDArray.scalar(1.3));
                for (Device device : List.of(REFERENCE, JVM)) {
                    List<NDArray> got = g.compile(device).eval(feeds, a);
                    List<NDArray> want = g.compile(device).eval(feeds, e);
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(want.get(i).item(), got.get(i).item(), 1e-14, device + " x=" + at + " result " + i);
                    }
                }
            }
        }
    }

    @Test
    void switchOfClampsItsIndexAndRunsOneBranch() {
        try (Graph g = Graph.create()) {
            Tensor i = g.input("i", DType.I32);
            Tensor v = g.input("v", DType.F64, 3);
            List<Supplier<List<Tensor>>> branches = List.of(
                    () -> List.of(v.sum()), () -> List.of(v.mul(v).sum()), () -> List.of(v.exp().sum()));
            Tensor out = Nabla.switchOf(i, branches).get(0);
            Tensor dv = out.grad(v);
            NDArray values = NDArray.of(new double[] {0.5, -1, 2}, 3);
            double[][] expected = {{1.5, 1, 1, 1}, {5.25, 1, -2, 4},
                {Math.exp(0.5) + Math.exp(-1) + Math.exp(2), Math.exp(0.5), Math.exp(-1), Math.exp(2)}};
            int[] indices = {-3, 0, 1, 2, 9};
            int[] branch = {0, 0, 1, 2, 2};
            for (int k = 0; k < indices.length; k++) {
                NDArray index = NDArray.fromDoubles(DType.I32, dev.nabla.core.Shape.SCALAR, new double[] {indices[k]});
                for (Device device : List.of(REFERENCE, JVM)) {
                    List<NDArray> r = g.compile(device).eval(Map.of(i, index, v, values), out, dv);
                    double[] want = expected[branch[k]];
                    assertEquals(want[0], r.get(0).item(), 1e-14, device + " index " + indices[k]);
                    double[] grad = r.get(1).toDoubleArray();
                    for (int j = 0; j < 3; j++) {
                        assertEquals(want[1 + j], grad[j], 1e-14, device + " index " + indices[k] + " d/dv" + j);
                    }
                }
            }
        }
    }

    @Test
    void gradcheckOfCondToOrderTwo() {
        for (double sign : new double[] {-1, 1}) {
            int comparisons = GradCheck.of("cond on the sign of sum(x)", in -> {
                Tensor x = in.get(0).mul(sign);
                return Nabla.cond(x.sum().gt(0.0), () -> x.sin().mul(x).sum(), () -> x.tanh().pow(3).sum());
            }).input(uniform(0.2, 1), 3).order(2).check().comparisons();
            assertTrue(comparisons > 0);
        }
    }

    @Test
    void vmapWithABatchedPredicateSelectsPerRow() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2);
            Tensor y = Nabla.cond(x.sum().gt(0.0), () -> x.mul(x), () -> x.neg());
            Tensor xs = g.input("xs", DType.F64, 3, 2);
            Tensor batched = Nabla.vmap(x, xs).apply(y);
            Tensor w = g.input("w", DType.F64, 2);
            Tensor ws = g.input("ws", DType.F64, 3, 2);
            // Only a captured value batched, the predicate not: still one conditional.
            Tensor z = Nabla.cond(x.sum().gt(0.0), () -> w.mul(x), () -> w.add(x));
            Tensor zs = Nabla.vmap(w, ws).apply(z);
            NDArray rows = NDArray.of(new double[] {1, 2, -3, 1, 0.5, -0.25}, 3, 2);
            NDArray wrows = NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
            NDArray one = NDArray.of(new double[] {-1, 0.5}, 2);
            for (Device device : List.of(REFERENCE, JVM)) {
                List<NDArray> r = g.compile(device).eval(Map.of(xs, rows, ws, wrows, x, one), batched, zs);
                assertEquals(List.of(1.0, 4.0, 3.0, -1.0, 0.25, 0.0625),
                        java.util.Arrays.stream(r.get(0).toDoubleArray()).boxed().toList(), device.toString());
                assertEquals(List.of(0.0, 2.5, 2.0, 4.5, 4.0, 6.5),
                        java.util.Arrays.stream(r.get(1).toDoubleArray()).boxed().toList(), device.toString());
            }
        }
    }

    @Test
    void condInsideAScanAndItsGradient() {
        try (Graph g = Graph.create()) {
            Tensor x0 = g.input("x0", DType.F64);
            Tensor k = g.input("k", DType.F64);
            // A bouncing value: x <- x * k, reflected when it passes 1.
            Tensor looped = Nabla.fori(6, x0, x -> {
                Tensor next = x.mul(k);
                return Nabla.cond(next.gt(1.0), () -> next.neg().add(2.0), () -> next);
            });
            Tensor plain = x0;
            for (int s = 0; s < 6; s++) {
                Tensor next = plain.mul(k);
                plain = Nabla.where(next.gt(1.0), next.neg().add(2.0), next);
            }
            Map<Tensor, NDArray> feeds = Map.of(x0, NDArray.scalar(0.4), k, NDArray.scalar(1.45));
            for (Device device : List.of(REFERENCE, JVM)) {
                List<NDArray> a = g.compile(device).eval(feeds, looped, looped.grad(k), looped.grad(x0));
                List<NDArray> e = g.compile(device).eval(feeds, plain, plain.grad(k), plain.grad(x0));
                for (int i = 0; i < 3; i++) {
                    assertEquals(e.get(i).item(), a.get(i).item(), 1e-13, device + " result " + i);
                }
            }
        }
    }

    @Test
    void badConditionalsAreRefusedAtTheCall() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2);
            ShapeException shapes = assertThrows(ShapeException.class,
                    () -> Nabla.cond(x.sum().gt(0.0), () -> x, () -> x.sum()));
            assertTrue(shapes.getMessage().contains("every branch returns the same shapes"), shapes.getMessage());
            DTypeException index = assertThrows(DTypeException.class, () -> Nabla.cond(x.sum(), () -> x, () -> x));
            assertTrue(index.getMessage().contains("must be an i32 or bool scalar"), index.getMessage());
        }
    }
}

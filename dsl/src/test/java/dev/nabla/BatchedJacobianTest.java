package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.JacobianMode;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Jacobians and Hessians built as one batched vjp or jvp: equal to the rows computed one vjp at
 * a time, to closed forms, and of a graph whose size does not grow with the number of rows.
 */
class BatchedJacobianTest {
    private static final List<Device> DEVICES = List.of(Device.of("reference:cpu"), Device.of("jvm:cpu"));

    /** f(v) = sum(softplus(A v)) + v.v / 2, whose Hessian is A^T diag(sigmoid'(A v)) A + I. */
    @Test
    void hessianOfASoftplusLayerEqualsItsClosedForm() {
        int m = 10;
        int n = 20;
        Random rnd = new Random(3);
        double[] a = randoms(rnd, m * n);
        double[] v = randoms(rnd, n);
        try (Graph g = Graph.create()) {
            Tensor matrix = g.constant(NDArray.of(a, m, n));
            Tensor x = g.input("v", DType.F64, n);
            Tensor f = matrix.matmul(x).softplus().sum().add(x.dot(x).mul(0.5));
            Tensor h = Nabla.hessian(f, x);
            assertEquals(Shape.of(n, n), h.shape());
            int nodes = g.program("hessian", h).nodes().size();
            assertTrue(nodes < 60, "the batched Hessian has " + nodes + " nodes, not one vjp per row");
            // A v is the forward pass's product; the seed's identity leaves A^T diag(.) A as one more.
            long products = g.program("hessian", h).nodes().stream()
                    .filter(node -> node.op() instanceof dev.nabla.compiler.ir.Op.MatMul).count();
            assertEquals(2, products, "the forward product and one for the whole Hessian");
            double[] expected = new double[n * n];
            for (int k = 0; k < m; k++) {
                double z = 0;
                for (int j = 0; j < n; j++) {
                    z += a[k * n + j] * v[j];
                }
                double s = 1 / (1 + Math.exp(-z));
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        expected[i * n + j] += a[k * n + i] * s * (1 - s) * a[k * n + j];
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                expected[i * n + i] += 1;
            }
            for (Device d : DEVICES) {
                double[] got = g.compile(d).eval(Map.of(x, NDArray.of(v, n)), h).get(0).toDoubleArray();
                assertClose(expected, got, 1e-13, d.toString());
            }
        }
    }

    /** Reverse, forward and one-vjp-per-row Jacobians agree, for outputs with fewer and more elements. */
    @Test
    void reverseAndForwardJacobiansEqualTheRowsOneAtATime() {
        Random rnd = new Random(11);
        checkModes(rnd, new int[] {4, 2}, x -> x.reshape(8).matmul(x.graph().constant(NDArray.of(randoms(rnd, 24), 8, 3)))
                .tanh().reshape(3), "fewer outputs");
        checkModes(rnd, new int[] {3}, x -> x.graph().constant(NDArray.of(randoms(rnd, 30), 10, 3)).matmul(x).sin()
                .reshape(2, 5).mul(x.sum()), "more outputs");
        // More than 64 outputs: the identity that seeds the batch is a strided pad, not a dense constant.
        checkModes(rnd, new int[] {2, 50}, x -> x.exp().mul(x.slice(0, 1, 2).sum()), "100 outputs");
    }

    private static void checkModes(Random rnd, int[] xDims, Function<Tensor, Tensor> fn, String what) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, xDims);
            Tensor y = fn.apply(x);
            Tensor rev = Nabla.jacrev(y, x);
            Tensor fwd = Nabla.jacfwd(y, x);
            Tensor auto = Nabla.jacobian(y, x);
            int m = y.shape().size();
            List<Tensor> rows = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                double[] oneHot = new double[m];
                oneHot[i] = 1;
                rows.add(Nabla.vjp(y, g.constant(NDArray.of(oneHot, y.shape().dims())), x).get(0));
            }
            NDArray xv = NDArray.of(randoms(rnd, x.shape().size()), xDims);
            for (Device d : DEVICES) {
                CompiledGraph c = g.compile(d);
                List<NDArray> jac = c.eval(Map.of(x, xv), rev, fwd, auto);
                double[] expected = new double[m * x.shape().size()];
                for (int i = 0; i < m; i++) {
                    double[] row = c.eval(Map.of(x, xv), rows.get(i)).get(0).toDoubleArray();
                    System.arraycopy(row, 0, expected, i * row.length, row.length);
                }
                for (NDArray j : jac) {
                    assertEquals(Shape.of(concat(y.shape().dims(), xDims)), j.shape(), what);
                    assertClose(expected, j.toDoubleArray(), 1e-13, what + " on " + d);
                }
            }
        }
    }

    /** Blocks of several outputs and variables equal the Jacobians taken one pair at a time. */
    @Test
    void jacobianBlocksOfSeveralOutputsAndVariables() {
        Random rnd = new Random(5);
        try (Graph g = Graph.create()) {
            Tensor a = g.input("a", DType.F64, 2);
            Tensor b = g.input("b", DType.F64, 2, 2);
            Tensor y1 = b.matmul(a).sin();                      // [2]
            Tensor y2 = a.exp().sum().mul(b.prod());            // []
            Map<Tensor, NDArray> feeds = Map.of(a, NDArray.of(randoms(rnd, 2), 2), b, NDArray.of(randoms(rnd, 4), 2, 2));
            for (JacobianMode mode : JacobianMode.values()) {
                List<List<Tensor>> blocks = Nabla.jacobian(List.of(y1, y2), List.of(a, b), mode);
                CompiledGraph c = g.compile();
                List<Tensor> ys = List.of(y1, y2);
                List<Tensor> xs = List.of(a, b);
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        Tensor single = Nabla.jacrev(ys.get(i), xs.get(j));
                        assertEquals(single.shape(), blocks.get(i).get(j).shape());
                        List<NDArray> v = c.eval(feeds, single, blocks.get(i).get(j));
                        assertClose(v.get(0).toDoubleArray(), v.get(1).toDoubleArray(), 1e-14,
                                mode + " block " + i + "," + j);
                    }
                }
            }
        }
    }

    /** Hessian blocks of two variables: symmetric across the diagonal, equal to the one-variable Hessians. */
    @Test
    void hessianBlocksAreSymmetric() {
        Random rnd = new Random(9);
        try (Graph g = Graph.create()) {
            Tensor a = g.input("a", DType.F64, 3);
            Tensor b = g.input("b", DType.F64, 2);
            Tensor f = a.sum().mul(b.tanh().sum()).add(a.pow(3).sum()).sin();
            List<List<Tensor>> h = Nabla.hessian(f, List.of(a, b));
            assertEquals(Shape.of(3, 2), h.get(0).get(1).shape());
            assertEquals(Shape.of(2, 3), h.get(1).get(0).shape());
            Map<Tensor, NDArray> feeds = Map.of(a, NDArray.of(randoms(rnd, 3), 3), b, NDArray.of(randoms(rnd, 2), 2));
            List<NDArray> v = g.compile().eval(feeds, h.get(0).get(1), h.get(1).get(0).transpose(), h.get(0).get(0),
                    Nabla.hessian(f, a), h.get(1).get(1), Nabla.hessian(f, b));
            assertClose(v.get(0).toDoubleArray(), v.get(1).toDoubleArray(), 1e-14, "H_ab = H_ba^T");
            assertClose(v.get(3).toDoubleArray(), v.get(2).toDoubleArray(), 1e-14, "H_aa");
            assertClose(v.get(5).toDoubleArray(), v.get(4).toDoubleArray(), 1e-14, "H_bb");
        }
    }

    /** The batched Hessian is differentiable again: its derivatives pass gradcheck to order 2. */
    @Test
    void batchedHessiansPassGradcheck() {
        double[] a = randoms(new Random(13), 6);
        int checked = GradCheck.of("hessian of sum(softplus(A v)) * sin(v0)", x -> {
            Tensor v = x.get(0);
            Tensor f = v.graph().constant(NDArray.of(a, 2, 3)).matmul(v).softplus().sum()
                    .mul(v.slice(0, 0, 1).sum().sin());
            return Nabla.hessian(f, v);
        }).input(uniform(-1, 1), 3).order(2).check().comparisons();
        assertTrue(checked > 0);
    }

    /**
     * jacobian picks reverse mode for outputs with no more elements than the variable, forward
     * mode otherwise: each mode's graph is the same nodes whenever it is built (the placeholders
     * are gone after batching), so the choice is visible as node identity.
     */
    @Test
    void jacobianPicksTheModeByShape() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor wide = x.sin().sum().reshape(1).mul(x.slice(0, 0, 1));        // 1 output, 3 inputs
            Tensor tall = x.sin().reshape(3, 1).mul(x.cos().reshape(1, 3));    // 9 outputs, 3 inputs
            Tensor square = x.tanh().mul(x.sum());                              // 3 and 3: reverse
            assertSame(Nabla.jacrev(wide, x).node(), Nabla.jacobian(wide, x).node());
            assertSame(Nabla.jacfwd(tall, x).node(), Nabla.jacobian(tall, x).node());
            assertSame(Nabla.jacrev(square, x).node(), Nabla.jacobian(square, x).node());
            assertNotSame(Nabla.jacrev(tall, x).node(), Nabla.jacfwd(tall, x).node());
        }
    }

    @Test
    void theJacobianOfAnEmptyOutputIsEmpty() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor empty = x.slice(0, 1, 1);
            for (Tensor j : List.of(Nabla.jacobian(empty, x), Nabla.jacfwd(empty, x), Nabla.jacrev(empty, x))) {
                assertEquals(Shape.of(0, 3), j.shape());
                assertEquals(0, g.compile().eval(Map.of(x, NDArray.of(new double[3], 3)), j).get(0).size());
            }
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double[] randoms(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return v;
    }

    private static void assertClose(double[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = rtol * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + ": element " + i + " expected " + expected[i] + ", got " + actual[i]);
        }
    }
}

package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Nabla.jacobian, hessian and hvp, and repeated grad, against finite differences and by-hand values. */
class HigherOrderApiTest {

    private static final double EPS = 1e-6;

    /** Central differences of y(x) in each element of x: an array of shape y.shape ++ x.shape, row-major. */
    private static double[] numericJacobian(CompiledGraph run, Tensor x, Tensor y, double[] at) {
        int n = at.length;
        int m = y.shape().size();
        double[] jac = new double[m * n];
        for (int j = 0; j < n; j++) {
            double[] plus = at.clone();
            double[] minus = at.clone();
            plus[j] += EPS;
            minus[j] -= EPS;
            double[] yp = run.eval(Map.of(x, NDArray.of(plus, x.shape().dims())), y).get(0).toDoubleArray();
            double[] ym = run.eval(Map.of(x, NDArray.of(minus, x.shape().dims())), y).get(0).toDoubleArray();
            for (int i = 0; i < m; i++) {
                jac[i * n + j] = (yp[i] - ym[i]) / (2 * EPS);
            }
        }
        return jac;
    }

    private static void assertClose(double[] expected, double[] actual, double atol, double rtol) {
        assertEquals(expected.length, actual.length, "length");
        for (int i = 0; i < expected.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    "element " + i + ": expected " + expected[i] + ", got " + actual[i] + " (tol " + tol + ")");
        }
    }

    private static void checkJacobian(int[] xDims, double[] at, Function<Tensor, Tensor> f, Shape expectedShape) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, xDims);
            Tensor y = f.apply(x);
            Tensor jac = Nabla.jacobian(y, x);
            assertEquals(expectedShape, jac.shape());
            CompiledGraph run = g.compile();
            double[] analytic = run.eval(Map.of(x, NDArray.of(at, xDims)), jac).get(0).toDoubleArray();
            assertClose(numericJacobian(run, x, y, at), analytic, 1e-6, 1e-5);
        }
    }

    @Test
    void jacobianOfAVectorFunctionMatchesFiniteDifferences() {
        double[] m = {0.5, -1, 2, 1.5, 0.25, -0.75, -2, 1, 0.3, 0.7, -0.4, 1.1};
        checkJacobian(new int[] {3}, new double[] {0.3, -0.8, 1.2},
                x -> x.graph().constant(NDArray.of(m, 4, 3)).matmul(x).tanh().mul(x.prod()).reshape(2, 2),
                new Shape(2, 2, 3));
    }

    @Test
    void jacobianOfSoftmaxOverAMatrixMatchesFiniteDifferencesAndItsFormula() {
        double[] at = {0.1, -0.5, 1.2, 2.0, 0.3, -1.1};
        checkJacobian(new int[] {2, 3}, at, x -> x.softmax(1), new Shape(2, 3, 2, 3));
        // d s_ri / d x_qj = [r == q] s_ri ([i == j] - s_rj).
        try (Graph g = Graph.create()) {
            Tensor x = g.parameter("x", NDArray.of(at, 2, 3));
            double[] jac = g.compile().eval(Nabla.jacobian(x.softmax(1), x)).toDoubleArray();
            double[] s = new double[6];
            for (int r = 0; r < 2; r++) {
                double z = 0;
                for (int i = 0; i < 3; i++) {
                    z += Math.exp(at[3 * r + i]);
                }
                for (int i = 0; i < 3; i++) {
                    s[3 * r + i] = Math.exp(at[3 * r + i]) / z;
                }
            }
            double[] expected = new double[36];
            for (int r = 0; r < 2; r++) {
                for (int i = 0; i < 3; i++) {
                    for (int q = 0; q < 2; q++) {
                        for (int j = 0; j < 3; j++) {
                            expected[((r * 3 + i) * 2 + q) * 3 + j] =
                                    r == q ? s[3 * r + i] * ((i == j ? 1 : 0) - s[3 * r + j]) : 0;
                        }
                    }
                }
            }
            assertClose(expected, jac, 1e-15, 1e-12);
        }
    }

    @Test
    void jacobianOfAScalarHasTheInputsShape() {
        checkJacobian(new int[] {2, 2}, new double[] {0.5, 1, 1.5, 2}, x -> x.log().mul(x).sum(), new Shape(2, 2));
    }

    @Test
    void jacobiansAndHessiansOfEmptyTensorsAreEmpty() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 3);
            Tensor empty = g.input("e", DType.F32, 0, 2);
            // An empty y has no rows to stack: the Jacobian is empty, of x's dtype.
            Tensor j = Nabla.jacobian(x.sin().slice(0, 3, 3).cast(DType.F64), x);
            assertEquals(new Shape(0, 3), j.shape());
            assertEquals(DType.F32, j.dtype());
            assertEquals(new Shape(3, 0, 2), Nabla.jacobian(x.sin(), empty).shape());
            Tensor h = Nabla.hessian(empty.sin().sum(), empty);
            assertEquals(new Shape(0, 2, 0, 2), h.shape());
            var run = g.compile();
            NDArray es = NDArray.of(new float[0], 0, 2);
            List<NDArray> values = run.eval(Map.of(x, NDArray.of(new float[] {1, 2, 3}, 3), empty, es), j, h);
            assertEquals(0, values.get(0).size());
            assertEquals(new Shape(0, 2, 0, 2), values.get(1).shape());
        }
    }

    /** f(x) = x0^2 x1 + x1^3 + exp(x0 x2). */
    private static Tensor f(Tensor x) {
        Tensor x0 = x.slice(0, 0, 1).squeeze();
        Tensor x1 = x.slice(0, 1, 2).squeeze();
        Tensor x2 = x.slice(0, 2, 3).squeeze();
        return x0.pow(2).mul(x1).add(x1.pow(3)).add(x0.mul(x2).exp());
    }

    private static double[] fHessian(double x0, double x1, double x2) {
        double e = Math.exp(x0 * x2);
        double h00 = 2 * x1 + x2 * x2 * e;
        double h01 = 2 * x0;
        double h02 = e * (1 + x0 * x2);
        double h11 = 6 * x1;
        double h12 = 0;
        double h22 = x0 * x0 * e;
        return new double[] {h00, h01, h02, h01, h11, h12, h02, h12, h22};
    }

    @Test
    void hessianMatchesTheAnalyticSecondDerivatives() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor h = Nabla.hessian(f(x), x);
            assertEquals(new Shape(3, 3), h.shape());
            CompiledGraph run = g.compile();
            for (double[] at : new double[][] {{1, 2, 0.5}, {-0.7, 0.3, 1.4}, {0, 0, 0}}) {
                double[] value = run.eval(Map.of(x, NDArray.of(at, 3)), h).get(0).toDoubleArray();
                assertClose(fHessian(at[0], at[1], at[2]), value, 1e-14, 1e-13);
            }
        }
    }

    @Test
    void hessianOfAMatrixFunctionIsSymmetricAndMatchesFiniteDifferencesOfTheGradient() {
        double[] at = {0.4, -0.3, 1.1, 0.8};
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2, 2);
            Tensor fx = x.matmul(x).sin().sum().add(x.logSumExp());
            Tensor h = Nabla.hessian(fx, x);
            assertEquals(new Shape(2, 2, 2, 2), h.shape());
            CompiledGraph run = g.compile();
            double[] value = run.eval(Map.of(x, NDArray.of(at, 2, 2)), h).get(0).toDoubleArray();
            assertClose(numericJacobian(run, x, fx.grad(x), at), value, 1e-6, 1e-5);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(value[i * 4 + j], value[j * 4 + i], 1e-13, "symmetry at " + i + "," + j);
                }
            }
        }
    }

    @Test
    void hvpEqualsHessianTimesV() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            double[] v = {0.3, -1.2, 0.7};
            Tensor fx = f(x);
            Tensor hvp = Nabla.hvp(fx, x, g.constant(NDArray.of(v, 3)));
            Tensor hessian = Nabla.hessian(fx, x);
            assertEquals(new Shape(3), hvp.shape());
            CompiledGraph run = g.compile();
            for (double[] at : new double[][] {{1, 2, 0.5}, {-0.7, 0.3, 1.4}}) {
                List<NDArray> out = run.eval(Map.of(x, NDArray.of(at, 3)), hvp, hessian);
                double[] hv = out.get(0).toDoubleArray();
                double[] hm = out.get(1).toDoubleArray();
                double[] expected = new double[3];
                double[] byHand = fHessian(at[0], at[1], at[2]);
                double[] fromHand = new double[3];
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        expected[i] += hm[i * 3 + j] * v[j];
                        fromHand[i] += byHand[i * 3 + j] * v[j];
                    }
                }
                assertClose(expected, hv, 1e-14, 1e-13);
                assertClose(fromHand, hv, 1e-14, 1e-13);
            }
        }
    }

    @Test
    void hvpOfAMatrixFunction() {
        double[] at = {0.4, -0.3, 1.1, 0.8, 0.2, -0.6};
        double[] v = {1, 0.5, -0.25, 0.75, -1, 0.1};
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2, 3);
            Tensor fx = x.softmax(1).mul(x).sum().add(x.pow(3).mean());
            Tensor hvp = Nabla.hvp(fx, x, g.constant(NDArray.of(v, 2, 3)));
            Tensor h = Nabla.hessian(fx, x).reshape(6, 6);
            List<NDArray> out = g.compile().eval(Map.of(x, NDArray.of(at, 2, 3)), hvp, h);
            double[] hm = out.get(1).toDoubleArray();
            double[] expected = new double[6];
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    expected[i] += hm[i * 6 + j] * v[j];
                }
            }
            assertEquals(new Shape(2, 3), out.get(0).shape());
            assertClose(expected, out.get(0).toDoubleArray(), 1e-14, 1e-12);
        }
    }

    @Test
    void fourthDerivativeOfXToTheFifthIs120X() {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 2.0);
            Tensor d = x.pow(5);
            double[] expected = {5 * 16, 20 * 8, 60 * 4, 120 * 2};
            for (int order = 1; order <= 4; order++) {
                d = d.grad(x);
                assertEquals(expected[order - 1], g.compile().eval(d).item(), 0.0, "order " + order);
            }
            // Simplified as it is built: 120 * x, nothing more.
            assertEquals(3, g.program("print", d).nodes().size(), g.print(d));
            assertEquals(0.0, g.compile().eval(d.grad(x).grad(x)).item(), 0.0, "sixth derivative");
        }
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 4);
            Tensor d = x.pow(5).sum();
            for (int order = 1; order <= 4; order++) {
                d = d.grad(x);
                if (order < 4) {
                    d = d.sum();
                }
            }
            double[] at = {-1.5, 0, 2, 0.25};
            assertArrayEquals(new double[] {-180, 0, 240, 30},
                    g.compile().eval(Map.of(x, NDArray.of(at, 4)), d).get(0).toDoubleArray(), 1e-12);
        }
    }

    @Test
    void forwardOverForwardFourthDerivative() {
        // d4/dx4 of sin(x) x^2 = (x^2 - 12) sin x - 8 x cos x, by four nested jvps.
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 2.0);
            Tensor one = g.constant(1.0);
            Tensor d = x.sin().mul(x.pow(2));
            for (int order = 1; order <= 4; order++) {
                d = Nabla.jvp(d, Map.of(x, one));
            }
            assertEquals((4 - 12) * Math.sin(2.0) - 16 * Math.cos(2.0), g.compile().eval(d).item(), 1e-12);
        }
    }

    @Test
    void aJacobianOfALargeOutputCostsNodesNotDenseOneHots() {
        // Each row's cotangent picks one element of y; as dense constants, 3,000 rows held 9
        // million numbers (and 8,000 rows half a gigabyte).
        int m = 3000;
        try (var g = Graph.create()) {
            Tensor y = g.input("y", DType.F64, m);
            Tensor x = g.scalar("x", 2.0);
            Tensor j = Nabla.jacobian(y.mul(x).sin(), x);
            long denseValues = dev.nabla.compiler.Program.of(List.of(j.node())).nodes().stream()
                    .mapToLong(n -> n.op() instanceof dev.nabla.compiler.ir.Op.Constant(
                            dev.nabla.compiler.ir.Literal.Dense d) ? d.values().length : 0).sum();
            assertTrue(denseValues < 10L * m, "dense constant elements: " + denseValues);
            double[] v = new double[m];
            for (int i = 0; i < m; i++) {
                v[i] = Math.sin(i * 0.01);
            }
            double[] got = g.compile().eval(Map.of(y, NDArray.of(v, m)), j).get(0).toDoubleArray();
            for (int i = 0; i < m; i++) {
                assertEquals(v[i] * Math.cos(2 * v[i]), got[i], 1e-15, "row " + i);
            }
        }
    }
}

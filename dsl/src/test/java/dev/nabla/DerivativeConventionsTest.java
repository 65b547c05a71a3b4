package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Derivatives at non-differentiable points, which finite differences cannot check: the exact
 * values of the conventions LocalDerivatives documents (PyTorch's), in reverse and forward mode.
 */
class DerivativeConventionsTest {

    private static Tensor param(Graph g, String name, double[] values, int... dims) {
        return g.parameter(name, NDArray.of(values, dims));
    }

    private static Tensor vec(Graph g, String name, double... values) {
        return param(g, name, values, values.length);
    }

    private static Tensor cst(Graph g, double... values) {
        return g.constant(NDArray.of(values, values.length));
    }

    private static double[] eval(Graph g, Tensor t) {
        return g.compile().eval(t).toDoubleArray();
    }

    private static void assertValues(double[] expected, Graph g, Tensor t) {
        assertArrayEquals(expected, eval(g, t), 0.0, () -> "value of " + t);
    }

    // ---- elementwise kinks ----

    @Test
    void reluDerivativeAtZeroIsZero() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", -1, 0, 2, -0.0);
            Tensor y = x.relu();
            assertValues(new double[] {0, 0, 1, 0}, g, y.sum().grad(x));
            assertValues(new double[] {0, 0, 5, 0}, g, Nabla.jvp(y, Map.of(x, cst(g, 3, 4, 5, 6))));
            // relu'' = 0 everywhere, 0 included.
            assertValues(new double[] {0, 0, 0, 0}, g, y.sum().grad(x).mul(cst(g, 1, 2, 3, 4)).sum().grad(x));
        }
    }

    @Test
    void absDerivativeAtZeroIsZero() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", -1.5, 0, 2, -0.0);
            Tensor y = x.abs();
            assertValues(new double[] {-1, 0, 1, 0}, g, y.sum().grad(x));
            assertValues(new double[] {-3, 0, 5, 0}, g, Nabla.jvp(y, Map.of(x, cst(g, 3, 4, 5, 6))));
            assertValues(new double[] {0, 0, 0, 0}, g, y.sum().grad(x).mul(cst(g, 1, 2, 3, 4)).sum().grad(x));
        }
    }

    @Test
    void signDerivativeIsZeroEverywhere() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", -1, 0, 2);
            Tensor y = x.sign();
            assertValues(new double[] {0, 0, 0}, g, y.sum().grad(x));
            assertValues(new double[] {0, 0, 0}, g, Nabla.jvp(y, Map.of(x, cst(g, 3, 4, 5))));
            // d/dx sign(x) * x = sign(x): 0 at 0.
            assertValues(new double[] {-1, 0, 1}, g, y.mul(x).sum().grad(x));
        }
    }

    @Test
    void maximumAndMinimumSplitTiesInHalf() {
        try (Graph g = Graph.create()) {
            Tensor a = vec(g, "a", 1, 2, 3);
            Tensor b = vec(g, "b", 1, 0, 5);
            List<Tensor> dMax = a.maximum(b).sum().grad(a, b);
            assertValues(new double[] {0.5, 1, 0}, g, dMax.get(0));
            assertValues(new double[] {0.5, 0, 1}, g, dMax.get(1));
            List<Tensor> dMin = a.minimum(b).sum().grad(a, b);
            assertValues(new double[] {0.5, 0, 1}, g, dMin.get(0));
            assertValues(new double[] {0.5, 1, 0}, g, dMin.get(1));
            // Forward mode: the mean of the tangents at a tie.
            Map<Tensor, Tensor> t = Map.of(a, cst(g, 1, 1, 1), b, cst(g, 3, 3, 3));
            assertValues(new double[] {2, 1, 3}, g, Nabla.jvp(a.maximum(b), t));
            assertValues(new double[] {2, 3, 1}, g, Nabla.jvp(a.minimum(b), t));
            // Broadcast tie: maximum([1,2,3], 2) gives the scalar 1/2 from the tie plus 1 from 3.
            Tensor s = g.scalar("s", 2.0);
            assertValues(new double[] {1.5}, g, a.maximum(s).sum().grad(s));
        }
    }

    @Test
    void maxAndMinReductionsShareTiesEvenly() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", 1, 3, 3);
            assertValues(new double[] {0, 0.5, 0.5}, g, x.max().grad(x));
            // Forward mode: the mean of the tied elements' tangents, (2 + 4) / 2.
            assertValues(new double[] {3}, g, Nabla.jvp(x.max(), Map.of(x, cst(g, 1, 2, 4))));
            Tensor y = vec(g, "y", 2, 1, 1, 5);
            assertValues(new double[] {0, 0.5, 0.5, 0}, g, y.min().grad(y));
            Tensor m = param(g, "m", new double[] {1, 3, 3, 4, 4, 4}, 2, 3);
            double third = 1.0 / 3;
            assertValues(new double[] {0, 0.5, 0.5, third, third, third}, g,
                    m.maxKeepDims(1).sum().grad(m));
            assertValues(new double[] {1, 0, 0, third, third, third}, g, m.min(1).sum().grad(m));
            // Over all axes of the matrix: the three 4s share.
            assertValues(new double[] {0, 0, 0, third, third, third}, g, m.max().grad(m));
            // The second derivative of max is 0, ties included.
            assertValues(new double[] {0, 0, 0, 0, 0, 0}, g,
                    m.max(1).sum().grad(m).mul(param(g, "w", new double[] {1, 2, 3, 4, 5, 6}, 2, 3)).sum().grad(m));
        }
    }

    @Test
    void maxPoolingGivesATieToItsFirstMaximum() {
        try (Graph g = Graph.create()) {
            Tensor x = param(g, "x", new double[] {1, 3, 3, 2, 7, 7, 7, 7}, 1, 1, 8);
            Tensor y = Nabla.maxPool1d(x, 4, 4, 0);
            assertValues(new double[] {0, 1, 0, 0, 1, 0, 0, 0}, g, y.sum().grad(x));
            // Forward mode takes the first maximum's tangent.
            Tensor t = g.constant(NDArray.of(new double[] {1, 2, 4, 8, 16, 32, 64, 128}, 1, 1, 8));
            assertValues(new double[] {2, 16}, g, Nabla.jvp(y, Map.of(x, t)).reshape(2));
            // The second derivative is 0, ties included.
            assertValues(new double[8], g, y.sum().grad(x).mul(t).sum().grad(x));

            // Overlapping windows, stride 1: each window's first 5 takes its gradient.
            Tensor z = param(g, "z", new double[] {5, 5, 5, 5}, 1, 1, 4);
            assertValues(new double[] {1, 1, 1, 0}, g, Nabla.maxPool1d(z, 2, 1, 0).sum().grad(z));

            // An adaptive bin's first maximum in row-major order: (0, 1), not (1, 0).
            Tensor m = param(g, "m", new double[] {0, 5, 5, 0}, 1, 1, 2, 2);
            assertValues(new double[] {0, 1, 0, 0}, g, Nabla.adaptiveMaxPool2d(m, 1, 1).sum().grad(m));
            assertValues(new double[] {0, 1, 0, 0}, g, Nabla.maxPool2d(m, 2).sum().grad(m));

            // Windows of up to 9 positions find their first maximum by a chain of selections,
            // longer ones by a min over positions: the same rule either side of the switch.
            for (int size : new int[] {9, 10, 12}) {
                double[] values = new double[size];
                java.util.Arrays.fill(values, 1);
                values[3] = values[6] = values[size - 1] = 4;
                Tensor v = param(g, "v" + size, values, 1, 1, size);
                double[] first = new double[size];
                first[3] = 1;
                assertValues(first, g, Nabla.maxPool1d(v, size, size, 0).sum().grad(v));
            }

            // A window holding NaN: the value is NaN and the window's first element takes the
            // gradient (PyTorch's NaN takes it; either way the NaN reaches the loss).
            Tensor n = param(g, "n", new double[] {1, Double.NaN, 9, Double.NaN}, 1, 1, 4);
            Tensor pooled = Nabla.maxPool1d(n, 4, 4, 0);
            assertValues(new double[] {Double.NaN}, g, pooled.reshape(1));
            assertValues(new double[] {1, 0, 0, 0}, g, pooled.sum().grad(n));
        }
    }

    @Test
    void prodGradientWithZeros() {
        try (Graph g = Graph.create()) {
            Tensor none = vec(g, "none", 2, 4, 3);
            assertValues(new double[] {12, 6, 8}, g, none.prod().grad(none));
        }
        try (Graph g = Graph.create()) {
            Tensor one = vec(g, "one", 2, 0, 3);
            assertValues(new double[] {0, 6, 0}, g, one.prod().grad(one));
            assertValues(new double[] {6}, g, Nabla.jvp(one.prod(), Map.of(one, cst(g, 1, 1, 1))));
            Tensor two = vec(g, "two", 2, 0, 0, 3);
            assertValues(new double[] {0, 0, 0, 0}, g, two.prod().grad(two));
            Tensor m = param(g, "m", new double[] {2, 0, 3, 1, 2, 3, 0, 5, 0}, 3, 3);
            assertValues(new double[] {0, 6, 0, 6, 3, 2, 0, 0, 0}, g, m.prod(1).sum().grad(m));
            assertValues(new double[] {0, 0, 0, 0, 0, 0, 0, 0, 0}, g, m.prod().grad(m));
        }
    }

    @Test
    void prodHessianWithOneZero() {
        // P = x0 x1 x2 is a polynomial: d2P/dxi dxj = the product of the third element, zeros or not.
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", 2, 0, 3);
            assertValues(new double[] {0, 3, 0, 3, 0, 2, 0, 2, 0}, g, Nabla.hessian(x.prod(), x));
        }
    }

    @Test
    void prodHessianWithTwoZeros() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", 2, 0, 0);
            assertValues(new double[] {0, 0, 0, 0, 0, 2, 0, 2, 0}, g, Nabla.hessian(x.prod(), x));
        }
    }

    @Test
    void powConventionsAtZero() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", 0, 0, 0, 0, 2);
            Tensor y = vec(g, "y", 0, 1, 2, 0.5, 0);
            List<Tensor> d = x.pow(y).sum().grad(x, y);
            // d/dx x^y = y x^(y-1), and 0 where y == 0 (so 0^0 has slope 0); 0.5 * 0^-0.5 = inf.
            assertValues(new double[] {0, 1, 0, Double.POSITIVE_INFINITY, 0}, g, d.get(0));
            // d/dy x^y = x^y log x, and 0 where x == 0 and y >= 0.
            assertValues(new double[] {0, 0, 0, 0, Math.log(2)}, g, d.get(1));
            // x^0 with a number exponent is the constant 1.
            assertValues(new double[] {0, 0, 0, 0, 0}, g, x.pow(0).sum().grad(x));
            // x^1 = x, x^2 at 0.
            assertValues(new double[] {1, 1, 1, 1, 1}, g, x.pow(1).sum().grad(x));
            assertValues(new double[] {0, 0, 0, 0, 4}, g, x.pow(2).sum().grad(x));
            assertValues(new double[] {0, 0, 0, 0, 12}, g, x.pow(3).sum().grad(x).sum().grad(x));
            // A zero constant base: d/dy 0^y = 0 for y >= 0.
            assertValues(new double[] {0, 0, 0, 0, 0}, g, g.constant(0.0).pow(y).sum().grad(y));
        }
    }

    @Test
    void whereRoutesTheGradientToTheChosenBranchOnly() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", -1, 2, 0);
            Tensor y = vec(g, "y", 5, 6, 7);
            Tensor c = x.gt(0.0);
            List<Tensor> d = Nabla.where(c, x.mul(y), y).sum().grad(x, y);
            assertValues(new double[] {0, 6, 0}, g, d.get(0));
            assertValues(new double[] {1, 2, 1}, g, d.get(1));
            // The condition's operands get nothing, and a mask cast to f64 is a constant slope.
            assertValues(new double[] {0, 0, 0}, g, Nabla.where(x.lt(y), y, 2.0).sum().grad(x));
            assertValues(new double[] {0, 1, 0}, g, c.cast(DType.F64).mul(x).sum().grad(x));
        }
    }

    @Test
    void derivativeWithRespectToAnUnusedVariableIsZeroOfItsShape() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor z = g.input("z", DType.F64, 2, 3);
            Tensor p = g.parameter("p", NDArray.of(new double[] {1, 2}, 2, 1));
            Tensor f = x.sin().sum();
            List<Tensor> d = f.grad(x, z, p);
            assertEquals(new Shape(2, 3), d.get(1).shape());
            assertEquals(new Shape(2, 1), d.get(2).shape());
            Tensor jz = Nabla.jvp(x.sin(), Map.of(z, g.ones(DType.F64, 2, 3)));
            assertEquals(new Shape(3), jz.shape());
            Tensor second = d.get(0).sum().grad(z);
            var run = g.compile();
            var feeds = Map.of(x, NDArray.of(new double[] {0.1, 0.2, 0.3}, 3),
                    z, NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
            List<NDArray> v = run.eval(feeds, d.get(1), d.get(2), jz, second,
                    Nabla.vjp(x.sin(), g.ones(DType.F64, 3), z).get(0));
            assertArrayEquals(new double[6], v.get(0).toDoubleArray(), 0.0);
            assertArrayEquals(new double[2], v.get(1).toDoubleArray(), 0.0);
            assertArrayEquals(new double[3], v.get(2).toDoubleArray(), 0.0);
            assertArrayEquals(new double[6], v.get(3).toDoubleArray(), 0.0);
            assertArrayEquals(new double[6], v.get(4).toDoubleArray(), 0.0);
            assertEquals(new Shape(2, 3), v.get(3).shape());
        }
    }

    @Test
    void castPassesTheDerivativeThroughInTheVariablesDtype() {
        try (Graph g = Graph.create()) {
            // f32 variable, f64 computation: the gradient comes back as f32 (values exact here).
            Tensor x = g.parameter("x", NDArray.of(new float[] {1.5f, -2f}, 2));
            Tensor f = x.cast(DType.F64).pow(3).sum();
            Tensor d = f.grad(x);
            assertEquals(DType.F32, d.dtype());
            assertValues(new double[] {6.75, 12}, g, d);
            assertValues(new double[] {9, -12}, g, d.sum().grad(x));
            Tensor t = g.constant(NDArray.of(new float[] {1f, 0.5f}, 2));
            Tensor jvp = Nabla.jvp(x.cast(DType.F64).pow(2), Map.of(x, t));
            assertEquals(DType.F64, jvp.dtype());
            assertValues(new double[] {3, -2}, g, jvp);
            // f64 variable through f32: the cotangent is rounded to f32 on the way.
            Tensor y = vec(g, "y", 0.1, 3);
            Tensor dy = y.cast(DType.F32).mul(g.constant(2.5f)).cast(DType.F64).mul(y.graph().constant(1 / 3.0)).sum()
                    .grad(y);
            assertValues(new double[] {(float) (1 / 3.0) * 2.5f, (float) (1 / 3.0) * 2.5f}, g, dy);
        }
    }

    @Test
    void aRoundTripThroughBoolCarriesNoDerivative() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", 0.5, -1, 0);
            // cast(cast(x, bool), f64) is a step function of x: 0 in both modes, however many
            // floating casts surround it.
            Tensor step = x.cast(DType.BOOL).cast(DType.F64);
            assertValues(new double[] {0, 0, 0}, g, step.mul(3.0).sum().grad(x));
            assertValues(new double[] {0, 0, 0}, g, Nabla.jvp(step.mul(3.0), Map.of(x, cst(g, 1, 2, 3))));
            assertValues(new double[] {1, 1, 0}, g, step);
        }
    }

    @Test
    void stopGradientHasAZeroDerivative() {
        try (Graph g = Graph.create()) {
            Tensor x = vec(g, "x", 0.5, -1, 2);
            assertValues(new double[] {0, 0, 0}, g, x.stopGradient().sin().sum().grad(x));
            assertValues(new double[] {0, 0, 0}, g, Nabla.jvp(x.stopGradient().exp(), Map.of(x, cst(g, 1, 2, 3))));
            // d/dx x * detach(x) = detach(x): the value of x, with a zero derivative itself.
            Tensor d = x.mul(x.stopGradient()).sum().grad(x);
            assertValues(new double[] {0.5, -1, 2}, g, d);
            assertValues(new double[] {0, 0, 0}, g, d.sum().grad(x));
        }
    }
}

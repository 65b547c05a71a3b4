package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.NDArray;

/**
 * Newton's method on the Rosenbrock function with its exact Hessian: one graph computes the
 * gradient and the 2x2 Hessian symbolically, and each step solves H·d = g. It reaches the
 * minimum (1, 1) in a few steps where gradient descent needs thousands.
 */
public final class NewtonsMethod {
    public static void main(String[] args) {
        try (var g = Graph.create()) {
            Tensor p = g.parameter("p", NDArray.of(new double[] {-1.2, 1.0}, 2));
            Tensor x = p.slice(0, 0, 1).sum();
            Tensor y = p.slice(0, 1, 2).sum();
            Tensor f = x.rsub(1).pow(2).add(y.sub(x.pow(2)).pow(2).mul(100));
            Tensor grad = f.grad(p);
            Tensor hessian = Nabla.hessian(f, p);
            var run = g.compile();
            for (int step = 0; step <= 6; step++) {
                var v = run.eval(f, grad, hessian);
                double[] gr = v.get(1).toDoubleArray();
                double[] h = v.get(2).toDoubleArray();
                double[] at = run.parameter(p).toDoubleArray();
                System.out.printf("step %d: p = (%.6f, %.6f)  f = %.3e%n", step, at[0], at[1], v.get(0).item());
                // Solve the 2x2 system H d = g by Cramer's rule.
                double det = h[0] * h[3] - h[1] * h[2];
                double d0 = (gr[0] * h[3] - h[1] * gr[1]) / det;
                double d1 = (h[0] * gr[1] - h[2] * gr[0]) / det;
                run.setParameter(p, NDArray.of(new double[] {at[0] - d0, at[1] - d1}, 2));
            }
        }
    }
}

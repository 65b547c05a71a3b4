package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import java.util.Map;

/**
 * Batching with vmap: code written for one point or one example, run for a batch as one graph.
 * First the Laplacian of u(x, y) = sin(pi x) sin(pi y), the term of a physics-informed loss for
 * Poisson's equation, at five collocation points (vmap of the trace of a Hessian); then
 * per-example gradients of a linear model, clipped to norm 1 each before averaging.
 */
public final class Batching {
    public static void main(String[] args) {
        laplacian();
        perExampleClipping();
    }

    private static void laplacian() {
        try (var g = Graph.create()) {
            Tensor p = g.input("p", DType.F64, 2);                       // one point (x, y)
            Tensor u = p.mul(Math.PI).sin().prod();                       // sin(pi x) sin(pi y)
            Tensor laplacian = Nabla.hessian(u, p).reshape(4).slice(0, 0, 4, 3).sum();   // trace
            Tensor points = g.input("points", DType.F64, 5, 2);
            Tensor all = Nabla.vmap(p, points).apply(laplacian);          // [5]: one per point
            double[] xy = {0.5, 0.5, 0.25, 0.5, 0.1, 0.9, 0.3, 0.7, 0.0, 0.4};
            double[] lap = g.compile().eval(Map.of(points, NDArray.of(xy, 5, 2)), all).get(0).toDoubleArray();
            for (int i = 0; i < 5; i++) {
                double exact = -2 * Math.PI * Math.PI * Math.sin(Math.PI * xy[2 * i]) * Math.sin(Math.PI * xy[2 * i + 1]);
                System.out.printf("laplacian u(%.2f, %.2f) = %9.5f   (exact -2 pi^2 u = %9.5f)%n",
                        xy[2 * i], xy[2 * i + 1], lap[i], exact);
            }
        }
    }

    private static void perExampleClipping() {
        try (var g = Graph.create()) {
            Tensor w = g.parameter("w", NDArray.of(new double[] {0.5, -0.25, 1.0}, 3));
            Tensor x = g.input("x", DType.F64, 3);                        // one example
            Tensor y = g.input("y", DType.F64);
            Tensor grad = x.dot(w).sub(y).pow(2).grad(w);                 // its gradient
            Tensor xs = g.input("xs", DType.F64, 4, 3);
            Tensor ys = g.input("ys", DType.F64, 4);
            Tensor perExample = Nabla.vmap(x, xs).and(y, ys).apply(grad); // [4, 3]
            Tensor norms = perExample.pow(2).sum(1).sqrt();
            Tensor scale = norms.maximum(g.ones(DType.F64, 4)).rdiv(1.0).unsqueeze(1);
            Tensor clippedMean = perExample.mul(scale).mean(0);
            Tensor plainMean = perExample.mean(0);
            double[] xv = {1, 0, 2, 0.1, 0.2, 0.1, 3, -1, 0, 0.5, 0.5, 0.5};
            double[] yv = {1, 0, 10, 0.4};
            var v = g.compile().eval(Map.of(xs, NDArray.of(xv, 4, 3), ys, NDArray.of(yv, 4)), norms, clippedMean,
                    plainMean);
            System.out.println("per-example gradient norms: " + v.get(0));
            System.out.println("mean gradient:              " + v.get(2));
            System.out.println("mean of clipped gradients:  " + v.get(1));
        }
    }
}

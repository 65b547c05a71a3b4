package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Tensor;

/** z = dy/dx = 2x is itself a graph, so differentiating it again needs nothing special. */
public final class SecondDerivative {
    public static void main(String[] args) {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 5.0f);
            Tensor y = x.pow(2);
            Tensor z = y.grad(x);
            Tensor dz = z.grad(x);
            var run = g.compile();
            System.out.println("dy/dx = " + run.eval(z));
            System.out.println("dz/dx = " + run.eval(dz));
            System.out.println("d2y/dx2 simplifies to a constant:");
            System.out.println(g.print(dz));
        }
    }
}

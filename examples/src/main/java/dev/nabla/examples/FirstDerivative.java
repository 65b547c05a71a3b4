package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Tensor;

/** y = x^2 at x = 5: the derivative is a node of the graph, evaluated like any other. */
public final class FirstDerivative {
    public static void main(String[] args) {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 5.0f);
            Tensor y = x.pow(2);
            Tensor dy = y.grad(x);
            System.out.println("dy/dx = " + g.compile().eval(dy));
        }
    }
}

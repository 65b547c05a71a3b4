package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Tensor;

/**
 * Repeated differentiation stays small: each derivative is simplified as it is built, so the
 * fourth derivative of x^5 prints as 120*x, and that of sin(x)*x^2 as the formula by hand,
 * (x^2 - 12) sin x - 8x cos x, in eight ops.
 * (In PyTorch this takes four nested autograd.grad calls with create_graph=True, and the graph
 * it builds is never shown in simplified form.)
 */
public final class FourthDerivative {
    public static void main(String[] args) {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 2.0);
            Tensor p = x.pow(5);
            Tensor d4p = p.grad(x).grad(x).grad(x).grad(x);
            System.out.println("d4/dx4 x^5 at x = 2: " + g.compile().eval(d4p));
            System.out.println(g.print(d4p));

            Tensor f = x.sin().mul(x.pow(2));
            Tensor d = f;
            for (int order = 1; order <= 4; order++) {
                d = d.grad(x);
            }
            System.out.println("d4/dx4 sin(x)*x^2 at x = 2: " + g.compile().eval(d)
                    + "   (by hand: (x^2-12) sin x - 8x cos x = " + ((4 - 12) * Math.sin(2.0) - 16 * Math.cos(2.0)) + ")");
            System.out.println(g.print(d));
        }
    }
}

package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import java.util.List;

/**
 * Taylor mode: high derivatives without nesting grad. The 20th derivative of tanh comes from one
 * pass of truncated Taylor series through the graph, 164 operations (nested grad's graph has
 * 2,769 nodes at order 12 and roughly doubles with every order); and the derivatives of
 * sin(t)·t² of orders 0 to 6 come at once.
 */
public final class HighOrderDerivatives {
    public static void main(String[] args) {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 0.5);
            Tensor d20 = Nabla.derivative(x.tanh(), x, 20);
            System.out.println("d^20 tanh(x) at x = 0.5: " + g.compile().eval(d20));
            long operations = g.print(d20).lines().filter(line -> line.contains(" = ")).count();
            System.out.println("operations in its graph: " + operations);

            Tensor t = g.scalar("t", 2.0);
            List<Tensor> d = Nabla.derivatives(t.sin().mul(t.pow(2)), t, 6);
            var run = g.compile();
            for (int k = 0; k < d.size(); k++) {
                System.out.println("d^" + k + " sin(t)*t^2 at t = 2: " + run.eval(d.get(k)));
            }
        }
    }
}

package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import java.util.List;

/** z = x^2 y + 3 x y^5 + x^3 at x = y = 1: both partials from one reverse pass. */
public final class PartialDerivatives {
    public static void main(String[] args) {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 1.0f);
            Tensor y = g.scalar("y", 1.0f);
            Tensor z = x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
            List<Tensor> dz = z.grad(x, y);
            var values = g.compile().eval(dz.get(0), dz.get(1));
            System.out.println("dz/dx = " + values.get(0));
            System.out.println("dz/dy = " + values.get(1));
        }
    }
}

package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The seed tutorial's values, exactly as PyTorch prints them. */
class SeedExamplesTest {
    @Test
    void firstDerivativeOfSquareAtFive() {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 5.0f);
            Tensor dy = x.pow(2).grad(x);
            assertEquals("10.0", g.compile().eval(dy).toString());
        }
    }

    @Test
    void secondDerivativeOfSquareIsTwo() {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 5.0f);
            Tensor z = x.pow(2).grad(x);
            Tensor dz = z.grad(x);
            var run = g.compile();
            assertEquals("10.0", run.eval(z).toString());
            assertEquals("2.0", run.eval(dz).toString());
            assertEquals("graph() {\n  return 2.0\n}", g.print(dz));
        }
    }

    @Test
    void partialDerivativesAtOneOne() {
        try (var g = Graph.create()) {
            Tensor x = g.scalar("x", 1.0f);
            Tensor y = g.scalar("y", 1.0f);
            Tensor z = x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
            List<Tensor> dz = z.grad(x, y);
            var values = g.compile().eval(dz.get(0), dz.get(1));
            assertEquals("8.0", values.get(0).toString());
            assertEquals("16.0", values.get(1).toString());
        }
    }
}

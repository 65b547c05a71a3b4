package dev.nabla.examples;

import dev.nabla.CustomFunction;
import dev.nabla.GradCheck;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;

/**
 * Derivative rules of your own: log(1 + e^x) with a gradient that stays finite at x = 1000, the
 * root of x^3 + x = a with the implicit-function gradient, and GradCheck on the rules (a right
 * one passes, one off by 1% is caught).
 */
public final class CustomRules {
    public static void main(String[] args) {
        // The plain gradient e^x / (1 + e^x) is inf / inf at x = 1000; sigmoid(x) is the same
        // function without the overflow.
        CustomFunction log1pexp = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p())
                .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid())));
        try (var g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor plain = x.exp().log1p();
            Tensor custom = log1pexp.apply(x);
            var run = g.compile();
            for (double at : new double[] {1, 1000}) {
                var v = run.eval(Map.of(x, NDArray.scalar(at)), plain.grad(x), custom.grad(x));
                System.out.printf("x = %-6s  plain gradient %s, custom gradient %s%n", at, v.get(0), v.get(1));
            }
            System.out.println(g.print(custom, custom.grad(x)));
        }

        // The root of x^3 + x - a = 0 by Newton's method; its derivative by the implicit function
        // theorem, dx/da = 1 / (3x^2 + 1), instead of through the iterations.
        CustomFunction solve = CustomFunction.of("solveCubic", xs -> {
            Tensor a = xs.get(0);
            Tensor r = a;
            for (int k = 0; k < 8; k++) {
                r = r.sub(r.pow(3).add(r).sub(a).div(r.pow(2).mul(3).add(1)));
            }
            return r;
        }).withVjp((xs, root, g) -> List.of(g.div(root.pow(2).mul(3).add(1))));
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 2.0);
            Tensor root = solve.apply(a);
            Tensor slope = root.grad(a);
            var v = g.compile().eval(root, slope, slope.grad(a));
            System.out.println("x(2) = " + v.get(0) + ", dx/da = " + v.get(1) + ", d2x/da2 = " + v.get(2)
                    + "   (exact: 1, 1/4, -6/64 = " + (-6.0 / 64) + ")");
        }

        // GradCheck compares the rules with finite differences, here to the second order.
        System.out.println(GradCheck.of("log1pexp", xs -> log1pexp.apply(xs.get(0)))
                .input(GradCheck.uniform(-3, 3), 3).order(2).check());
        CustomFunction offByOnePercent = log1pexp.withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid()).mul(1.01)));
        System.out.print(GradCheck.of("log1pexp, vjp off by 1%", xs -> offByOnePercent.apply(xs.get(0)))
                .input(GradCheck.uniform(-3, 3), 2).run());
    }
}

package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.Scan;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;

/**
 * Loops and conditionals inside the graph: the seed's 20 SGD steps as one loop, differentiated
 * through; Newton's method as a while loop, differentiated in forward mode; a recurrent network
 * over 10,000 steps whose gradient graph is as small as over 10; and a conditional.
 */
public final class Loops {
    public static void main(String[] args) {
        sgdAsOneLoop();
        newtonWhileLoop();
        recurrentNetwork();
        conditional();
    }

    /** f(a) = 3a^2 + 6a - 9, 20 steps of SGD with learning rate 0.1, from a0 = 10. */
    private static void sgdAsOneLoop() {
        try (var g = Graph.create()) {
            Tensor a0 = g.input("a0", DType.F32);
            Tensor a = Nabla.fori(20, a0, x -> {
                Tensor f = x.pow(2).mul(3).add(x.mul(6)).sub(9);
                return x.sub(f.grad(x).mul(0.1f));
            });
            // Each step maps a to 0.4 a - 0.6, so d a20 / d a0 = 0.4^20.
            var v = g.compile().eval(Map.of(a0, NDArray.scalar(10f)), a, a.grad(a0));
            System.out.printf("SGD as one loop: a = %.8f, da/da0 = %.6e   (0.4^20 = %.6e)%n",
                    v.get(0).getFloat(0), v.get(1).getFloat(0), Math.pow(0.4, 20));
            System.out.println(g.print(a));
        }
    }

    /** sqrt(s) by Newton's method until |x^2 - s| < 1e-12, and its derivative through the loop. */
    private static void newtonWhileLoop() {
        try (var g = Graph.create()) {
            Tensor s = g.input("s", DType.F64);
            Tensor root = Nabla.whileLoop(g.constant(1.0), x -> x.mul(x).sub(s).abs().gt(1e-12),
                    x -> x.add(s.div(x)).mul(0.5));
            Tensor slope = Nabla.jvp(root, Map.of(s, g.constant(1.0)));
            var v = g.compile().eval(Map.of(s, NDArray.scalar(2.0)), root, slope);
            System.out.printf("Newton: sqrt(2) = %.15f, d sqrt(s)/ds = %.15f   (1/(2 sqrt 2) = %.15f)%n",
                    v.get(0).item(), v.get(1).item(), 1 / (2 * Math.sqrt(2)));
        }
    }

    /** h <- tanh(h W + x_t U) over T steps; the gradient of the final state's sum. */
    private static void recurrentNetwork() {
        for (int steps : new int[] {10, 10_000}) {
            try (var g = Graph.create()) {
                Tensor h0 = g.input("h0", DType.F64, 1, 8);
                Tensor xs = g.input("xs", DType.F64, steps, 1, 4);
                Tensor w = g.parameter("w", filled(8, 8, 0.05));
                Tensor u = g.parameter("u", filled(4, 8, 0.1));
                Scan.Result r = Nabla.scan(h0, xs, (h, x) -> {
                    Tensor next = h.matmul(w).add(x.matmul(u)).tanh();
                    return Scan.Step.of(next, next.sum());
                });
                Tensor loss = r.carry().sum();
                List<Tensor> grads = loss.grad(List.of(w, u));
                var run = g.compile();
                var v = run.eval(Map.of(h0, NDArray.of(new double[8], 1, 8), xs, inputs(steps)), grads.get(0));
                double norm = Math.sqrt(java.util.Arrays.stream(v.get(0).toDoubleArray()).map(d -> d * d).sum());
                long lines = g.print(grads.toArray(Tensor[]::new)).lines().count();
                System.out.printf("RNN over %,d steps: |dL/dW| = %.6f, the gradient prints in %d lines%n", steps,
                        norm, lines);
            }
        }
    }

    /** A piecewise function: only the branch that applies runs, and its derivative with it. */
    private static void conditional() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor y = Nabla.cond(x.gt(0.0), () -> x.mul(x).mul(x.sin()), () -> x.exp());
            Tensor dy = y.grad(x);
            var run = g.compile();
            for (double at : new double[] {-1.0, 2.0}) {
                var v = run.eval(Map.of(x, NDArray.scalar(at)), y, dy);
                System.out.printf("cond at x = %.1f: y = %.6f, dy/dx = %.6f%n", at, v.get(0).item(), v.get(1).item());
            }
        }
    }

    private static NDArray filled(int rows, int cols, double scale) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * Math.sin(i + 1);
        }
        return NDArray.of(v, rows, cols);
    }

    /** Inputs that change from step to step: x_t = sin(0.1 (4t + j)). */
    private static NDArray inputs(int steps) {
        double[] v = new double[steps * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sin(0.1 * i);
        }
        return NDArray.of(v, steps, 1, 4);
    }
}

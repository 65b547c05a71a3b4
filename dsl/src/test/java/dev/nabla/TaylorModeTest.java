package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.compiler.autodiff.GraphWalk;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Taylor mode ({@link Nabla#taylor}, {@link Nabla#derivative}, {@link Nabla#derivatives}): exact
 * derivatives from SymPy to order 30, agreement with nested grad and jvp, random graphs over
 * every op, both CPU backends, gradcheck of the coefficients, the size of the graphs, the
 * conventions at kinks, and bad input.
 */
class TaylorModeTest {
    private static final int GOLDEN_ORDER = 30;

    /** z = x²y + 3xy⁵ + x³, the tutorial's (seed's) polynomial. */
    private static Tensor seed(Tensor x, Tensor y) {
        return x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
    }

    /** The functions of goldens/taylor.txt, of the variable x and a second input h held at 1. */
    private static final Map<String, BiFunction<Tensor, Tensor, Tensor>> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put("tanh", (x, h) -> x.tanh());
        FUNCTIONS.put("sin*x^2", (x, h) -> x.sin().mul(x.pow(2)));
        FUNCTIONS.put("exp(sin)", (x, h) -> x.sin().exp());
        FUNCTIONS.put("x^5", (x, h) -> x.pow(5));
        FUNCTIONS.put("seed dx (y=1)", (x, h) -> seed(x, h));
        FUNCTIONS.put("seed dy (x=1)", (x, h) -> seed(h, x));
    }

    /** name -> point -> the derivatives of order 0..30 there, from SymPy (dsl/src/test/python/taylor_goldens.py). */
    private static Map<String, Map<Double, double[]>> goldens() throws IOException {
        Map<String, Map<Double, double[]>> goldens = new LinkedHashMap<>();
        try (var in = TaylorModeTest.class.getResourceAsStream("/goldens/taylor.txt");
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(";");
                goldens.computeIfAbsent(f[0], k -> new LinkedHashMap<>())
                        .computeIfAbsent(Double.parseDouble(f[1]), k -> new double[GOLDEN_ORDER + 1])
                        [Integer.parseInt(f[2])] = Double.parseDouble(f[3]);
            }
        }
        assertEquals(FUNCTIONS.keySet(), goldens.keySet(), "the Java and Python functions must agree");
        return goldens;
    }

    private static Map<Tensor, NDArray> at(Tensor x, Tensor h, double point) {
        return Map.of(x, NDArray.scalar(point), h, NDArray.scalar(1.0));
    }

    private static double[] values(List<NDArray> arrays) {
        return arrays.stream().mapToDouble(a -> a.getDouble(0)).toArray();
    }

    // ---- exact values ----

    /**
     * d^n f for n = 0..30 against SymPy, in f64. The tolerance is relative to the size derivatives
     * of that order have there: the larger of |d_n| and the geometric mean of its neighbours'
     * coefficients (|y_n| ~ sqrt(|y_{n-1} y_{n+1}|)), since a derivative that happens to pass
     * near zero is a sum of terms of the neighbours' size, whose rounding it keeps. Each order
     * adds one round of products of lower orders (O(n) roundings), so the error grows with n; at
     * order 30 it was at most 70 ulps of that size (tanh at 2, where 1 - tanh² = 0.07 is a
     * cancelling sum), and 1e-13 (about 450 ulps) leaves room for another platform's math
     * library, while a wrong rule is off by far more. Polynomials end exactly: their series stop
     * at their degree, so the higher derivatives must be exactly 0.
     */
    @Test
    void derivativesToOrderThirtyMatchSymPy() throws IOException {
        int compared = 0;
        for (var function : goldens().entrySet()) {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F64);
                Tensor h = g.input("h", DType.F64);
                List<Tensor> d = Nabla.derivatives(FUNCTIONS.get(function.getKey()).apply(x, h), x, GOLDEN_ORDER);
                assertEquals(GOLDEN_ORDER + 1, d.size());
                CompiledGraph run = g.compile();
                for (var point : function.getValue().entrySet()) {
                    double[] exact = point.getValue();
                    double[] got = values(run.eval(at(x, h, point.getKey()), d.toArray(Tensor[]::new)));
                    for (int n = 0; n <= GOLDEN_ORDER; n++) {
                        String what = "d^" + n + " " + function.getKey() + " at " + point.getKey();
                        if (exact[n] == 0) {
                            assertEquals(0.0, got[n], 0.0, what);
                            continue;
                        }
                        double size = Math.abs(exact[n]);
                        if (n > 0 && n < GOLDEN_ORDER) {
                            size = Math.max(size, Math.sqrt(Math.abs(exact[n - 1] * exact[n + 1]) * n / (n + 1.0)));
                        }
                        double error = Math.abs(got[n] - exact[n]);
                        assertTrue(error <= 1e-13 * size, what + ": got " + got[n] + ", exact " + exact[n]
                                + " (error " + error / size + " of its size)");
                        compared++;
                    }
                }
            }
        }
        assertTrue(compared > 300, "compared " + compared);
    }

    @Test
    void nestedGradAndJvpAgreeToOrderSix() throws IOException {
        for (var function : goldens().entrySet()) {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F64);
                Tensor h = g.input("h", DType.F64);
                Tensor y = FUNCTIONS.get(function.getKey()).apply(x, h);
                List<Tensor> taylor = Nabla.derivatives(y, x, 6);
                List<Tensor> outputs = new ArrayList<>(taylor);
                Tensor grad = y;
                Tensor jvp = y;
                for (int n = 1; n <= 6; n++) {
                    grad = grad.grad(x);
                    jvp = Nabla.jvp(jvp, Map.of(x, g.constant(1.0)));
                    outputs.add(grad);
                    outputs.add(jvp);
                }
                CompiledGraph run = g.compile();
                for (double point : function.getValue().keySet()) {
                    double[] v = values(run.eval(at(x, h, point), outputs.toArray(Tensor[]::new)));
                    for (int n = 1; n <= 6; n++) {
                        double t = v[n];
                        double tol = 1e-13 * Math.max(1, Math.abs(t));
                        String what = "d^" + n + " " + function.getKey() + " at " + point;
                        assertEquals(v[5 + 2 * n], t, tol, what + ", nested grad");
                        assertEquals(v[6 + 2 * n], t, tol, what + ", nested jvp");
                    }
                }
            }
        }
    }

    /** Taylor coefficients of a tensor function along a direction: k!·y_k is the k-th directional derivative. */
    @Test
    void coefficientsOfATensorFunctionAlongADirection() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor v = g.constant(NDArray.of(new double[] {1, -2, 0.5}, 3));
            // f(x) = [sin(x0 x1), exp(x2)], y(t) = f(x + tv) at x = (0.3, 0.2, -1).
            Tensor y = Nabla.stack(0, x.slice(0, 0, 1).mul(x.slice(0, 1, 2)).sin().sum(), x.slice(0, 2, 3).exp().sum());
            List<Tensor> c = Nabla.taylor(y, x, v, 4);
            List<NDArray> values = g.compile().eval(Map.of(x, NDArray.of(new double[] {0.3, 0.2, -1}, 3)),
                    c.toArray(Tensor[]::new));
            // x0 x1 along the path: (0.3 + t)(0.2 - 2t) = 0.06 - 0.4t - 2t²; exp(-1 + 0.5t).
            double[] p = {0.06, -0.4, -2};
            for (int k = 0; k <= 4; k++) {
                assertEquals(expSeries(Math.exp(-1), 0.5, k), values.get(k).getDouble(1), 1e-15, "exp, order " + k);
            }
            double[] sinSeries = sinOfPolynomial(p, 4);
            for (int k = 0; k <= 4; k++) {
                assertEquals(sinSeries[k], values.get(k).getDouble(0), 1e-14, "sin, order " + k);
            }
        }
    }

    /** Coefficient k of exp(a + b t) = e^a b^k / k!. */
    private static double expSeries(double ea, double b, int k) {
        double c = ea;
        for (int i = 1; i <= k; i++) {
            c *= b / i;
        }
        return c;
    }

    /** Coefficients of sin(p(t)) by summing the sine's own series of the polynomial p (by hand, to order n). */
    private static double[] sinOfPolynomial(double[] p, int n) {
        // sin(p0 + q) = sin p0 cos q + cos p0 sin q with q = p - p0, whose powers start at t^1.
        double[] q = new double[n + 1];
        for (int k = 1; k < p.length && k <= n; k++) {
            q[k] = p[k];
        }
        double[] cosQ = new double[n + 1];
        double[] sinQ = new double[n + 1];
        double[] power = new double[n + 1];
        power[0] = 1;
        double factorial = 1;
        for (int m = 0; m <= n; m++) {
            if (m > 0) {
                power = multiply(power, q, n);
                factorial *= m;
            }
            for (int k = 0; k <= n; k++) {
                double term = power[k] / factorial;
                switch (m % 4) {
                    case 0 -> cosQ[k] += term;
                    case 1 -> sinQ[k] += term;
                    case 2 -> cosQ[k] -= term;
                    default -> sinQ[k] -= term;
                }
            }
        }
        double[] out = new double[n + 1];
        for (int k = 0; k <= n; k++) {
            out[k] = Math.sin(p[0]) * cosQ[k] + Math.cos(p[0]) * sinQ[k];
        }
        return out;
    }

    private static double[] multiply(double[] a, double[] b, int n) {
        double[] out = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            for (int j = 0; i + j <= n; j++) {
                out[i + j] += a[i] * b[j];
            }
        }
        return out;
    }

    // ---- random graphs over every op ----

    /**
     * Random graphs of {@link RandomGraphGradTest} (every op, shapes broadcasting, values shared)
     * and the gradients of their sums (derivative graphs: pads, structural zeros): the
     * coefficients of order 1 to 3 along a random direction must equal forward mode nested
     * 1 to 3 times, k!·y_k = jvp^k. Both are exact transforms of the same graph, so they differ
     * only by rounding (1e-9 of the values' size; 1e-4 where a value passes through f32). The
     * graphs must together contain every op, every elementwise function and every reduction.
     */
    @Test
    void coefficientsEqualNestedJvpsOnRandomGraphsOfEveryOp() {
        Random random = new Random(2718);
        Set<String> seen = new TreeSet<>();
        int compared = 0;
        for (int trial = 0; trial < 160; trial++) {
            List<RandomGraphGradTest.Step> steps = new ArrayList<>();
            int length = 2 + random.nextInt(9);
            for (int i = 0; i < length; i++) {
                steps.add(new RandomGraphGradTest.Step(random.nextInt(RandomGraphGradTest.OPS.length),
                        random.nextInt(64), random.nextInt(64), random.nextInt(2)));
            }
            int inputs = 1 + random.nextInt(3);
            try (Graph g = Graph.create()) {
                Tensor[] x = new Tensor[inputs];
                Map<Tensor, NDArray> feeds = new HashMap<>();
                for (int i = 0; i < inputs; i++) {
                    int[] dims = RandomGraphGradTest.SHAPES[random.nextInt(RandomGraphGradTest.SHAPES.length)];
                    NDArray value = NDArray.of(uniform(random, size(dims), 1.5), dims);
                    // Every other graph differentiates with respect to a parameter.
                    if (i == 0 && trial % 2 == 1) {
                        x[i] = g.parameter("x0", value);
                    } else {
                        x[i] = g.input("x" + i, DType.F64, dims);
                        feeds.put(x[i], value);
                    }
                }
                RandomGraphGradTest.Extras extras = new RandomGraphGradTest.Extras();
                Tensor f = RandomGraphGradTest.build(steps, x, extras).t();
                Tensor w = g.constant(NDArray.of(uniform(random, f.shape().size(), 1), f.shape().dims()));
                Tensor gradient = f.mul(w).sum().grad(x[inputs - 1]);
                Tensor v = g.constant(NDArray.of(uniform(random, x[0].shape().size(), 1), x[0].shape().dims()));
                double rtol = extras.throughF32 ? 1e-4 : 1e-9;
                for (Tensor out : List.of(f, gradient)) {
                    record(seen, out);
                    List<Tensor> c = Nabla.taylor(out, x[0], v, 3);
                    List<Tensor> all = new ArrayList<>(c);
                    Tensor j = out;
                    for (int k = 1; k <= 3; k++) {
                        j = Nabla.jvp(j, Map.of(x[0], v));
                        all.add(j);
                    }
                    List<NDArray> values = g.compile().eval(feeds, all.toArray(Tensor[]::new));
                    double factorial = 1;
                    for (int k = 1; k <= 3; k++) {
                        factorial *= k;
                        double[] taylor = values.get(k).toDoubleArray();
                        double[] nested = values.get(3 + k).toDoubleArray();
                        double scale = 1;
                        for (double e : nested) {
                            scale = Math.max(scale, Math.abs(e));
                        }
                        for (int e = 0; e < nested.length; e++) {
                            double diff = Math.abs(factorial * taylor[e] - nested[e]);
                            int order = k;
                            int element = e;
                            assertTrue(diff <= rtol * scale, () -> "order " + order + ", element " + element + ": "
                                    + factorial(order) * taylor[element] + " by Taylor mode, " + nested[element]
                                    + " by nested jvp\n" + g.print(out));
                            compared++;
                        }
                    }
                }
            }
        }
        Set<String> every = new TreeSet<>();
        for (Class<?> op : Op.class.getPermittedSubclasses()) {
            every.add(op.getSimpleName());
        }
        Arrays.stream(UnaryFn.values()).forEach(fn -> every.add("Unary " + fn));
        Arrays.stream(BinaryFn.values()).forEach(fn -> every.add("Binary " + fn));
        Arrays.stream(ReduceFn.values()).forEach(fn -> every.add("Reduce " + fn));
        every.removeAll(seen);
        // The random graphs hold no loops or conditionals: LoopTest checks Taylor mode through them.
        every.remove("Loop");
        every.remove("Cond");
        assertEquals(Set.of(), every, "ops no random graph contained");
        assertTrue(compared > 1000, "compared " + compared);
    }

    private static double factorial(int k) {
        double f = 1;
        for (int i = 2; i <= k; i++) {
            f *= i;
        }
        return f;
    }

    private static void record(Set<String> seen, Tensor out) {
        for (Node n : GraphWalk.ancestors(List.of(out.node()))) {
            seen.add(n.op().getClass().getSimpleName());
            switch (n.op()) {
                case Op.Unary(var fn) -> seen.add("Unary " + fn);
                case Op.Binary(var fn) -> seen.add("Binary " + fn);
                case Op.Reduce r -> seen.add("Reduce " + r.fn());
                default -> { }
            }
        }
    }

    private static int size(int[] dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    private static double[] uniform(Random random, int n, double bound) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = bound * (2 * random.nextDouble() - 1);
        }
        return v;
    }

    // ---- backends ----

    /**
     * The coefficients are ordinary graphs: the JVM backend and the reference interpreter agree on
     * them (f64; they differ by the JVM's SIMD transcendental functions, about an ulp, and the
     * order of sums, carried through the recurrences).
     */
    @Test
    void everyBackendComputesTheSameCoefficients() {
        Device jvm = Device.of("jvm:cpu");
        Device reference = Device.of("reference:cpu");
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2, 3);
            Tensor s = g.input("s", DType.F64);
            Tensor m = g.constant(NDArray.of(new double[] {0.5, -1, 0.25, 2, 0.75, -0.5}, 3, 2));
            Tensor v = g.constant(NDArray.of(new double[] {1, 0.5, -0.25, 0.75, -1, 0.3}, 2, 3));
            List<Tensor> outputs = new ArrayList<>();
            outputs.addAll(Nabla.taylor(x.matmul(m).tanh().matmul(x).prod(1).add(x.softmax(0).max(1)), x, v, 8));
            outputs.addAll(Nabla.taylor(x.sigmoid().pow(x.cos()).sum(0).log1p().sqrt(), x, v, 8));
            outputs.addAll(Nabla.derivatives(s.sin().exp().mul(s.pow(3)).div(s.mul(s).add(1.0)), s, 12));
            Map<Tensor, NDArray> feeds = Map.of(x, NDArray.of(new double[] {0.3, -0.7, 1.1, 0.2, 0.9, -0.4}, 2, 3),
                    s, NDArray.scalar(0.8));
            Tensor[] all = outputs.toArray(Tensor[]::new);
            List<NDArray> a = g.compile(jvm).eval(feeds, all);
            List<NDArray> b = g.compile(reference).eval(feeds, all);
            for (int i = 0; i < all.length; i++) {
                double[] va = a.get(i).toDoubleArray();
                double[] vb = b.get(i).toDoubleArray();
                double scale = Arrays.stream(vb).map(Math::abs).max().orElse(0);
                for (int e = 0; e < va.length; e++) {
                    assertTrue(Double.isFinite(va[e]), "output " + i + " element " + e + " is " + va[e]);
                    assertEquals(vb[e], va[e], 1e-12 * Math.max(1, scale), "output " + i + " element " + e);
                }
            }
        }
    }

    // ---- custom functions and checkpoints ----

    /**
     * Through a custom function Taylor mode integrates y' = jvp(x, y; x') order by order: with only
     * a vjp rule (its jvp transposed), the derivatives of a custom log1pexp up to order 12 are
     * softplus's; a rule that reads its own output (the root of x^3 + x = a, slope 1/(3x^2+1))
     * gives the root's derivatives, equal to nested jvp through the rule; a checkpoint is
     * transparent.
     */
    @Test
    void customFunctionsAndCheckpointsCarryEveryOrder() {
        CustomFunction log1pexp = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p())
                .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid())));
        CustomFunction root = TestCustomFunctions.CUBIC_ROOT;
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor plain = Nabla.derivatives(x.softplus(), x, 12).get(12);
            Tensor custom = Nabla.derivatives(log1pexp.apply(x), x, 12).get(12);
            Tensor viaCheckpoint = Nabla.derivatives(Nabla.checkpoint(in -> in.get(0).softplus(), x), x, 12).get(12);
            for (double at : new double[] {-1.5, 0.3, 2.0}) {
                List<NDArray> v = g.compile().eval(Map.of(x, NDArray.scalar(at)), plain, custom, viaCheckpoint);
                double scale = Math.max(1, Math.abs(v.get(0).item()));
                assertEquals(v.get(0).item(), v.get(1).item(), 1e-9 * scale, "custom at " + at);
                assertEquals(v.get(0).item(), v.get(2).item(), 1e-9 * scale, "checkpoint at " + at);
            }
            Tensor rootDerivative = Nabla.derivative(root.apply(x), x, 4);
            Tensor nested = root.apply(x);
            for (int k = 0; k < 4; k++) {
                nested = Nabla.jvp(nested, Map.of(x, g.constant(1.0)));
            }
            List<NDArray> r = g.compile().eval(Map.of(x, NDArray.scalar(2.0)), rootDerivative, nested);
            assertEquals(r.get(1).item(), r.get(0).item(), 1e-12);
            assertTrue(Math.abs(r.get(0).item()) > 0.01, "the fourth derivative is not trivially zero");
        }
    }

    // ---- the coefficients are differentiable ----

    @Test
    void coefficientsPassGradcheckToSecondOrder() {
        Map<String, Function<Tensor[], Tensor>> functions = new LinkedHashMap<>();
        // x[0] is the variable, x[1] the direction: each coefficient is a function of both.
        functions.put("tanh(x)·x", x -> x[0].tanh().mul(x[0]));
        functions.put("prod", x -> x[0].prodKeepDims(0).mul(x[0]));
        functions.put("pow(softplus x + 0.5, sin x)", x -> x[0].softplus().add(0.5).pow(x[0].sin()));
        functions.put("log(1 + x²)/(2 + cos x)", x -> x[0].pow(2).log1p().div(x[0].cos().add(2.0)));
        functions.put("sqrt, rsqrt, sigmoid", x -> x[0].mul(x[0]).add(0.5).sqrt().mul(x[0].sigmoid())
                .add(x[0].mul(x[0]).add(1.0).rsqrt()));
        functions.put("outer matmul", x -> x[0].reshape(3, 1).matmul(x[0].sin().reshape(1, 3)).tan().sum(1));
        for (var f : functions.entrySet()) {
            for (int k = 1; k <= 3; k++) {
                int order = k;
                int comparisons = GradCheck.of("Taylor coefficient " + k + " of " + f.getKey(),
                                x -> Nabla.taylor(f.getValue().apply(x.toArray(Tensor[]::new)), x.get(0), x.get(1), order)
                                        .get(order))
                        .input(GradCheck.uniform(-0.9, 0.9), 3)
                        .input(GradCheck.uniform(-1, 1), 3)
                        .order(2)
                        .check()
                        .comparisons();
                assertTrue(comparisons > 0);
            }
        }
    }

    /** d/dx of the n-th derivative is the (n+1)-th, by grad and by Taylor mode alike. */
    @Test
    void theGradientOfADerivativeIsTheNextDerivative() {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 0.7);
            Tensor y = x.sin().exp();
            Tensor d5 = Nabla.derivative(y, x, 5);
            List<NDArray> v = g.compile().eval(d5.grad(x), Nabla.derivative(d5, x, 2), Nabla.derivative(y, x, 6),
                    Nabla.derivative(y, x, 7));
            assertEquals(v.get(2).getDouble(0), v.get(0).getDouble(0), 1e-12 * Math.abs(v.get(2).getDouble(0)));
            assertEquals(v.get(3).getDouble(0), v.get(1).getDouble(0), 1e-12 * Math.abs(v.get(3).getDouble(0)));
        }
    }

    // ---- cost ----

    /**
     * The graph of d^n tanh grows as n², where nested grad grows by about 2.1 times per order
     * (6136 nodes at n = 12). Printed for the record; asserted: nodes(n) <= n²/2 + 3n + 3.
     */
    @Test
    void theGraphOfTheNthDerivativeOfTanhGrowsQuadratically() {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 0.5);
            Tensor y = x.tanh();
            StringBuilder table = new StringBuilder("d^n tanh, nodes: n taylor (nested grad)\n");
            Tensor nested = y;
            int[] nodes = new int[31];
            for (int n = 1; n <= 30; n++) {
                Tensor d = Nabla.derivative(y, x, n);
                nodes[n] = g.program("nodes", d).nodes().size();
                table.append(n).append(' ').append(nodes[n]);
                if (n <= 10) {
                    nested = nested.grad(x);
                    table.append(" (").append(g.program("nodes", nested).nodes().size()).append(')');
                }
                table.append('\n');
                assertTrue(nodes[n] <= n * n / 2.0 + 3 * n + 3, "n = " + n + ": " + nodes[n] + " nodes");
            }
            System.out.print(table);
            // The value of d^20, from building to the value (timing is bench/TaylorBenchmark's).
            double exact = 25175008908022.45084384462;  // SymPy, goldens/taylor.txt
            assertEquals(exact, g.compile().eval(Nabla.derivative(y, x, 20)).getDouble(0), 1e-13 * exact);
        }
    }

    // ---- conventions at non-differentiable points, and special cases ----

    /** The coefficients along x + t·v at x (both given), to order n. */
    private static double[][] series(Function<Tensor, Tensor> f, double[] x, double[] v, int n) {
        try (Graph g = Graph.create()) {
            Tensor t = g.input("x", DType.F64, x.length);
            List<Tensor> c = Nabla.taylor(f.apply(t), t, g.constant(NDArray.of(v, v.length)), n);
            List<NDArray> values = g.compile().eval(Map.of(t, NDArray.of(x, x.length)), c.toArray(Tensor[]::new));
            return values.stream().map(NDArray::toDoubleArray).toArray(double[][]::new);
        }
    }

    private static void assertSeries(double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length, "orders");
        for (int k = 0; k < expected.length; k++) {
            for (int e = 0; e < expected[k].length; e++) {
                assertEquals(expected[k][e], actual[k][e], 1e-15, "order " + k + ", element " + e);
            }
        }
    }

    @Test
    void piecewiseOpsFollowTheFirstOrderConventionsAtEveryOrder() {
        double[] x = {0, 2, -2};
        double[] v = {3, 3, 3};
        // relu'(0) = 0, abs'(0) = sign(0) = 0, sign' = 0: every coefficient of order >= 1.
        assertSeries(new double[][] {{0, 2, 0}, {0, 3, 0}, {0, 0, 0}}, series(Tensor::relu, x, v, 2));
        assertSeries(new double[][] {{0, 2, 2}, {0, 3, -3}, {0, 0, 0}}, series(Tensor::abs, x, v, 2));
        assertSeries(new double[][] {{0, 1, -1}, {0, 0, 0}, {0, 0, 0}}, series(Tensor::sign, x, v, 2));
        // maximum(x, x²) ties at 0: half to each side, at every order (x² has 2x·3 = 0 and 9).
        assertSeries(new double[][] {{0, 4, 4}, {1.5, 12, -12}, {4.5, 9, 9}},
                series(t -> t.maximum(t.mul(t)), x, v, 2));
        assertSeries(new double[][] {{0, 2, -2}, {1.5, 3, 3}, {4.5, 0, 0}},
                series(t -> t.minimum(t.mul(t)), x, v, 2));
        // A max reduction over a tie shares evenly: max(x, x, x/2 + 5) is x/2 + 5 ... here all of x's copies tie.
        assertSeries(new double[][] {{2}, {3}, {0}},
                series(t -> Nabla.stack(0, t, t).max(0).slice(0, 1, 2), x, v, 2));
        // where selects every coefficient by the value's condition.
        assertSeries(new double[][] {{0, 4, -2}, {3, 12, 3}, {0, 9, 0}},
                series(t -> Nabla.where(t.gt(0.0), t.mul(t), t), x, v, 2));
        // stopGradient: the value, and no higher coefficients.
        assertSeries(new double[][] {{0, 2, -2}, {0, 0, 0}}, series(Tensor::stopGradient, x, v, 1));
    }

    @Test
    void prodIsExactWithAnyNumberOfZeros() {
        // prod(0, 1.5, 0, -2, 0) along (1, 0, 1, 0, 1): t·1.5·t·(-2)·t = -3t³. Nested jvp gives 0 at
        // third order here (the known limitation of prod's reverse-mode slope); Taylor mode's
        // pairwise products are exact.
        assertSeries(new double[][] {{0}, {0}, {0}, {-3}, {0}},
                series(t -> t.prod(), new double[] {0, 1.5, 0, -2, 0}, new double[] {1, 0, 1, 0, 1}, 4));
        // An odd count and a reduction over two axes: (1 + t)(2 + t)(3 - t) = 6 + 7t + 0t² - t³.
        assertSeries(new double[][] {{6}, {7}, {0}, {-1}},
                series(t -> t.reshape(1, 3).prod(0, 1).reshape(1), new double[] {1, 2, 3}, new double[] {1, 1, -1}, 3));
        // Seven distinct factors (rounds of 7, 4, 2 and 1), against the polynomial multiplied out.
        double[] x = {1, 2, 0.5, -1, 3, 0, 1.5};
        double[] v = {1, -1, 2, 1, 0, 1, 0.5};
        double[] expected = {1};
        for (int i = 0; i < x.length; i++) {
            expected = multiply(Arrays.copyOf(expected, 8), new double[] {x[i], v[i], 0, 0, 0, 0, 0, 0}, 7);
        }
        double[][] c = series(t -> t.prodKeepDims(0), x, v, 7);
        for (int k = 0; k <= 7; k++) {
            assertEquals(expected[k], c[k][0], 1e-14, "order " + k);
        }
        // A product over no elements is 1, and does not move.
        try (Graph g = Graph.create()) {
            Tensor e = g.input("e", DType.F64, 2, 0);
            List<Tensor> s = Nabla.taylor(e.prod(1), e, g.zeros(DType.F64, 2, 0), 2);
            List<NDArray> values = g.compile().eval(Map.of(e, NDArray.of(new double[0], 2, 0)), s.toArray(Tensor[]::new));
            assertArrayEquals(new double[] {1, 1}, values.get(0).toDoubleArray());
            assertArrayEquals(new double[] {0, 0}, values.get(2).toDoubleArray());
        }
    }

    /**
     * Each way a power is taken (a whole exponent by products, another fill by the power
     * recurrence, a constant tensor exponent with a 0 in it, an exponent that moves, a base
     * that does not) against nested jvp to order 4.
     */
    @Test
    void powersAgreeWithNestedJvp() {
        Map<String, Function<Tensor, Tensor>> powers = new LinkedHashMap<>();
        powers.put("x^7", x -> x.pow(7));
        powers.put("x^-1.5", x -> x.pow(-1.5));
        powers.put("x^0.5", x -> x.pow(0.5));
        powers.put("x^[2.5, 0, -1]", x -> x.pow(x.graph().constant(NDArray.of(new double[] {2.5, 0, -1}, 3))));
        powers.put("x^sin x", x -> x.pow(x.sin()));
        powers.put("[0.5, 2, 0]^x", x -> x.graph().constant(NDArray.of(new double[] {0.5, 2, 0}, 3)).pow(x));
        powers.put("rsqrt", Tensor::rsqrt);
        for (var p : powers.entrySet()) {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", DType.F64, 3);
                Tensor v = g.constant(NDArray.of(new double[] {1, -0.5, 2}, 3));
                Tensor y = p.getValue().apply(x);
                List<Tensor> outputs = new ArrayList<>(Nabla.taylor(y, x, v, 4));
                Tensor j = y;
                for (int k = 1; k <= 4; k++) {
                    j = Nabla.jvp(j, Map.of(x, v));
                    outputs.add(j);
                }
                List<NDArray> values = g.compile().eval(Map.of(x, NDArray.of(new double[] {0.7, 1.3, 2.1}, 3)),
                        outputs.toArray(Tensor[]::new));
                for (int k = 1; k <= 4; k++) {
                    double[] taylor = values.get(k).toDoubleArray();
                    double[] nested = values.get(4 + k).toDoubleArray();
                    for (int e = 0; e < 3; e++) {
                        assertEquals(nested[e], factorial(k) * taylor[e], 1e-12 * Math.max(1, Math.abs(nested[e])),
                                p.getKey() + ", order " + k + ", element " + e);
                    }
                }
            }
        }
    }

    @Test
    void powersAtABaseOfZero() {
        double[] zero = {0};
        double[] one = {1};
        // A whole exponent goes by repeated products: (0 + t)³ = t³, exactly.
        assertSeries(new double[][] {{0}, {0}, {0}, {1}, {0}}, series(t -> t.pow(3), zero, one, 4));
        assertSeries(new double[][] {{0}, {0}}, series(t -> t.pow(1024), zero, one, 1));
        // x^1.5 at 0 divides by the base: NaN, where nested grad gives 0 for the first order; so
        // does a whole exponent past 1024, which goes by the recurrence too.
        assertTrue(Double.isNaN(series(t -> t.pow(1.5), zero, one, 1)[1][0]));
        assertTrue(Double.isNaN(series(t -> t.pow(1025), zero, one, 1)[1][0]));
        // A constant tensor exponent: 0^0 does not move (the convention), 0^2 divides by the base.
        double[][] p = series(t -> t.pow(t.graph().constant(NDArray.of(new double[] {0, 2, 2}, 3))),
                new double[] {0, 0, 3}, new double[] {1, 1, 1}, 2);
        assertSeries(new double[][] {{1}, {0}, {0}}, new double[][] {{p[0][0]}, {p[1][0]}, {p[2][0]}});
        assertTrue(Double.isNaN(p[1][1]));
        assertSeries(new double[][] {{9}, {6}, {1}}, new double[][] {{p[0][2]}, {p[1][2]}, {p[2][2]}});
        // A base that does not move: d/db 0^b = 0 for b >= 0 (the derivative convention), at every order.
        try (Graph g = Graph.create()) {
            Tensor b = g.input("b", DType.F64);
            Tensor base = g.input("a", DType.F64);
            List<Tensor> c = Nabla.taylor(base.pow(b), b, g.constant(1.0), 3);
            List<NDArray> v = g.compile().eval(Map.of(b, NDArray.scalar(2.0), base, NDArray.scalar(0.0)),
                    c.toArray(Tensor[]::new));
            for (int k = 1; k <= 3; k++) {
                assertEquals(0.0, v.get(k).getDouble(0), "order " + k);
            }
        }
    }

    @Test
    void specialCases() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor z = g.input("z", DType.F64, 2, 3);
            // Order 0 is the output itself; 170 is the highest (170! is the largest factorial in f64).
            assertEquals(List.of(x.softplus()), Nabla.taylor(x.softplus(), x, g.constant(1.0), 0));
            Tensor d170 = Nabla.derivative(x.exp(), x, 170);
            // An output that does not depend on x: zeros of its shape and dtype.
            List<Tensor> unreached = Nabla.taylor(z.sin(), x, g.constant(1.0), 2);
            assertEquals(z.shape(), unreached.get(2).shape());
            // f32 through a cast: the coefficients take the output's dtype.
            Tensor y32 = x.cast(DType.F32).tanh();
            List<Tensor> d = Nabla.derivatives(y32, x, 10);
            assertEquals(DType.F32, d.get(10).dtype());
            List<NDArray> v = g.compile().eval(Map.of(x, NDArray.scalar(0.5), z, NDArray.of(new double[6], 2, 3)),
                    d.get(10), unreached.get(2), d170);
            assertEquals(7300.983297194884, v.get(0).getFloat(0), 7300 * 1e-5);
            assertEquals(0.0, Arrays.stream(v.get(1).toDoubleArray()).map(Math::abs).sum());
            assertEquals(Math.exp(0.5), v.get(2).getDouble(0), 1e-12);
        }
    }

    /**
     * In f32, k! passes the largest float at k = 35 (36! = 3.7e41): it is applied in factors that
     * fit, so d^36 e^(2x) = 2^36 e^(2x) comes out finite (its coefficient 2^36/36! = 1.9e-31 is
     * still a normal float).
     */
    @Test
    void highOrdersInF32ScaleByTheFactorialInFactors() {
        try (Graph g = Graph.create()) {
            Tensor x = g.scalar("x", 0f);
            NDArray d = g.compile().eval(Nabla.derivative(x.mul(2).exp(), x, 36));
            assertEquals(0x1p36, d.getFloat(0), 0x1p36 * 1e-5);
        }
    }

    // ---- bad input ----

    private static <T extends NablaException> void expect(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        assertEquals(type, e.getClass(), () -> "wrong exception kind: " + e);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "message lacks \"" + f + "\": " + e.getMessage());
        }
    }

    @Test
    void badInputIsRefusedWithTheCallNamed() {
        try (Graph g = Graph.create(); Graph other = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor v = g.input("v", DType.F64, 3);
            Tensor y = x.sin();
            Tensor one = g.constant(1.0);
            expect(GraphException.class, () -> Nabla.taylor(y, x.mul(2), one, 3),
                    "taylor:", "computed by mul", "input(...) or parameter(...)");
            expect(GraphException.class, () -> Nabla.derivative(y, x.exp(), 3), "derivative:", "computed by exp");
            expect(ShapeException.class, () -> Nabla.derivative(v.sin(), v, 3),
                    "derivative:", "x must be a scalar", "f64[3]", "taylor(y, x, direction, order)");
            expect(ShapeException.class, () -> Nabla.derivatives(v.sin(), v, 3), "derivatives:", "x must be a scalar");
            expect(ShapeException.class, () -> Nabla.taylor(v.sin(), v, one, 3),
                    "taylor:", "the direction", "must have the shape [3]");
            expect(DTypeException.class, () -> Nabla.taylor(y, x, g.constant(1.0f), 3),
                    "taylor:", "must have the dtype f64", "f32");
            expect(NablaException.class, () -> Nabla.taylor(y, x, one, -1), "taylor:", "between 0 and 170", "-1");
            expect(NablaException.class, () -> Nabla.derivative(y, x, 171), "derivative:", "between 0 and 170", "171");
            Tensor foreign = other.input("x", DType.F64);
            expect(GraphException.class, () -> Nabla.taylor(y, foreign, one, 2), "taylor:", "another graph");
            expect(GraphException.class, () -> Nabla.derivative(y, foreign, 2), "derivative:", "another graph");
            expect(GraphException.class, () -> Nabla.taylor(y, x, other.constant(1.0), 2), "taylor:", "another graph");
            Tensor mask = g.input("m", DType.BOOL);
            expect(DTypeException.class, () -> Nabla.derivative(y, mask, 2), "derivative:", "only f32 and f64");
            expect(DTypeException.class, () -> Nabla.derivative(x.gt(0.0), x, 2), "derivative:", "not floating");
        }
    }
}

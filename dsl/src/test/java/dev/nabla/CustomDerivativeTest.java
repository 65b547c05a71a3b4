package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.AnomalyException;
import dev.nabla.core.NablaException.RuleException;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Op;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Custom derivative rules ({@link CustomFunction}) on real functions: a stable log1pexp, a
 * straight-through estimator, an implicit function's gradient, gradient clipping; their values,
 * first and higher derivatives in both modes against exact values and finite differences, on every
 * backend, in training; and the errors a wrong rule gets.
 */
class CustomDerivativeTest {
    /** log(1 + e^x): its plain gradient e^x / (1 + e^x) is inf/inf = NaN for large x; sigmoid(x) is not. */
    static final CustomFunction LOG1PEXP = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p())
            .withJvp((xs, y, t) -> t.get(0).mul(xs.get(0).sigmoid()))
            .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid())));

    static final CustomFunction LOG1PEXP_VJP_ONLY = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p())
            .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid())));

    static final CustomFunction LOG1PEXP_JVP_ONLY = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p())
            .withJvp((xs, y, t) -> t.get(0).mul(xs.get(0).sigmoid()));

    /** sqrt(a^2 + b^2), whose rules divide by the output: higher orders go through the rules again. */
    static final CustomFunction HYPOT = CustomFunction.of("hypot",
                    xs -> xs.get(0).mul(xs.get(0)).add(xs.get(1).mul(xs.get(1))).sqrt())
            .withJvp((xs, y, t) -> t.get(0).mul(xs.get(0)).add(t.get(1).mul(xs.get(1))).div(y))
            .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0)).div(y), g.mul(xs.get(1)).div(y)));

    /** The root x of x^3 + x - a = 0 by eight Newton steps from x = a (converged for a in [0.3, 5]). */
    private static Tensor newtonRoot(Tensor a) {
        Tensor x = a;
        for (int k = 0; k < 8; k++) {
            x = x.sub(x.pow(3).add(x).sub(a).div(x.pow(2).mul(3).add(1)));
        }
        return x;
    }

    /** The implicit function theorem: F(x, a) = x^3 + x - a = 0 gives dx/da = -F_a / F_x = 1 / (3x^2 + 1). */
    static final CustomFunction CUBE_ROOT_SOLVE = CustomFunction.of("solveCubic", xs -> newtonRoot(xs.get(0)))
            .withVjp((xs, x, g) -> List.of(g.div(x.pow(2).mul(3).add(1))));

    /** The exact root, by Cardano's formula. */
    private static double exactRoot(double a) {
        double d = Math.sqrt(a * a / 4 + 1.0 / 27);
        return Math.cbrt(a / 2 + d) + Math.cbrt(a / 2 - d);
    }

    private static Tensor f64(Graph g, double... values) {
        return g.constant(NDArray.of(values, values.length));
    }

    private static NDArray array(double... values) {
        return NDArray.of(values, values.length);
    }

    // ---- log1pexp ----

    @ParameterizedTest
    @ValueSource(strings = {"f32", "f64"})
    void log1pexpHasGradientOneAtAThousandWhereThePlainOneHasNaN(String type) {
        DType dtype = type.equals("f32") ? DType.F32 : DType.F64;
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", dtype, 2);
            Tensor custom = LOG1PEXP.apply(x).sum();
            Tensor plain = x.exp().log1p().sum();
            Tensor t = g.ones(dtype, 2);
            var run = g.compile();
            var values = run.eval(Map.of(x, NDArray.full(dtype, x.shape(), 1000)), custom.grad(x), plain.grad(x),
                    Nabla.jvp(custom, Map.of(x, t)), Nabla.hessian(custom, x), Nabla.hvp(custom, x, t));
            assertArrayEquals(new double[] {1, 1}, values.get(0).toDoubleArray());
            assertTrue(Double.isNaN(values.get(1).getDouble(0)), "the plain gradient: inf / inf");
            assertEquals(2.0, values.get(2).item());
            assertArrayEquals(new double[] {0, 0, 0, 0}, values.get(3).toDoubleArray());
            assertArrayEquals(new double[] {0, 0}, values.get(4).toDoubleArray());
        }
    }

    /**
     * The simplifier may rewrite a primal to read an argument's inputs ((-x)·t is -(x·t)); the
     * primal is then built again over barriers, so the variable behind the argument still counts
     * as read through it and its derivative goes through the rule (found by the fuzzer).
     */
    @Test
    void aPrimalTheSimplifierRewritesStillReadsItsArguments() {
        CustomFunction aTanhB = CustomFunction.of("aTanhB", xs -> xs.get(0).mul(xs.get(1).tanh()))
                .withVjp((xs, y, g) -> List.of(g.mul(xs.get(1).tanh()),
                        g.mul(xs.get(0)).mul(xs.get(1).tanh().pow(2).rsub(1))));
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2);
            Tensor b = g.input("b", DType.F64, 2);
            Tensor y = aTanhB.apply(x.neg(), b).sum();
            List<Tensor> grads = y.grad(x, b);
            NDArray xv = NDArray.of(new double[] {0.5, -2}, 2);
            NDArray bv = NDArray.of(new double[] {1.5, 0.25}, 2);
            List<NDArray> v = g.compile().eval(Map.of(x, xv, b, bv), grads.get(0), grads.get(1));
            for (int i = 0; i < 2; i++) {
                double t = Math.tanh(bv.getDouble(i));
                assertEquals(-t, v.get(0).getDouble(i), 1e-15);
                assertEquals(-xv.getDouble(i) * (1 - t * t), v.get(1).getDouble(i), 1e-15);
            }
        }
    }

    @Test
    void log1pexpEqualsThePlainOneAtModerateX() {
        double[] at = {-3, -0.5, 0, 0.7, 4};
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 5);
            Tensor custom = LOG1PEXP.apply(x);
            Tensor plain = x.exp().log1p();
            Tensor v = f64(g, 1, -2, 0.5, 3, -1);
            var values = g.compile().eval(Map.of(x, array(at)), custom, plain, custom.sum().grad(x), plain.sum().grad(x),
                    Nabla.hessian(custom.sum(), x), Nabla.hessian(plain.sum(), x), Nabla.jvp(custom, Map.of(x, v)),
                    Nabla.jvp(plain, Map.of(x, v)));
            for (int k = 0; k < values.size(); k += 2) {
                assertArrayEquals(values.get(k + 1).toDoubleArray(), values.get(k).toDoubleArray(), 1e-15,
                        "output " + k);
            }
        }
    }

    static Stream<CustomFunction> log1pexpVariants() {
        return Stream.of(LOG1PEXP, LOG1PEXP_VJP_ONLY, LOG1PEXP_JVP_ONLY);
    }

    @ParameterizedTest
    @MethodSource("log1pexpVariants")
    void log1pexpDerivativesMatchFiniteDifferencesToOrderThree(CustomFunction f) {
        GradCheckReport report = GradCheck.of(f.toString(), x -> f.apply(x.get(0)).mul(x.get(1)))
                .input(uniform(-3, 3), 2, 3).input(uniform(-1, 1), 3).order(3).check();
        assertEquals(65, report.comparisons(), report::toString);
    }

    // ---- straight-through estimator ----

    static Stream<CustomFunction> straightThroughSigns() {
        CustomFunction primal = CustomFunction.of("steSign", xs -> xs.get(0).sign());
        return Stream.of(primal.withVjp((xs, y, g) -> List.of(g)), primal.withJvp((xs, y, t) -> t.get(0)));
    }

    @ParameterizedTest
    @MethodSource("straightThroughSigns")
    void aStraightThroughSignPassesTheGradientThroughUnchanged(CustomFunction steSign) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 4);
            Tensor w = g.constant(NDArray.of(new float[] {5, -0.25f, 2, 1}, 4));
            Tensor y = steSign.apply(x);
            Tensor loss = y.mul(w).sum();
            Tensor t = g.constant(NDArray.of(new float[] {1, 2, 3, 4}, 4));
            var values = g.compile().eval(Map.of(x, NDArray.of(new float[] {-2, 0.5f, 0, 3}, 4)), y, loss.grad(x),
                    x.sign().mul(w).sum().grad(x), Nabla.jvp(y, Map.of(x, t)));
            assertArrayEquals(new double[] {-1, 1, 0, 1}, values.get(0).toDoubleArray());
            assertArrayEquals(new double[] {5, -0.25, 2, 1}, values.get(1).toDoubleArray());
            assertArrayEquals(new double[] {0, 0, 0, 0}, values.get(2).toDoubleArray(), "sign's own gradient");
            assertArrayEquals(new double[] {1, 2, 3, 4}, values.get(3).toDoubleArray());
        }
    }

    // ---- an implicit function ----

    @Test
    void theImplicitFunctionGradientIsExact() {
        double[] a = {0.3, 1, 2, 3.5, 5};
        try (Graph g = Graph.create()) {
            Tensor in = g.input("a", DType.F64, 5);
            Tensor x = CUBE_ROOT_SOLVE.apply(in);
            Tensor dx = x.sum().grad(in);
            Tensor d2x = dx.sum().grad(in);
            Tensor forward = Nabla.jvp(x, Map.of(in, g.ones(DType.F64, 5)));
            Tensor hvp = Nabla.hvp(x.sum(), in, g.ones(DType.F64, 5));
            var values = g.compile().eval(Map.of(in, array(a)), x, dx, d2x, forward, Nabla.hessian(x.sum(), in), hvp);
            for (int i = 0; i < a.length; i++) {
                double root = exactRoot(a[i]);
                double slope = 1 / (3 * root * root + 1);
                // d/da of (3x^2 + 1)^-1 = -6x x' / (3x^2 + 1)^2 = -6x / (3x^2 + 1)^3.
                double curvature = -6 * root * slope * slope * slope;
                assertEquals(root, values.get(0).getDouble(i), 1e-15 * Math.max(1, root), "x*(" + a[i] + ")");
                assertEquals(slope, values.get(1).getDouble(i), 1e-15, "dx/da at a = " + a[i]);
                assertEquals(curvature, values.get(2).getDouble(i), 1e-14, "d2x/da2 at a = " + a[i]);
                assertEquals(slope, values.get(3).getDouble(i), 1e-15, "forward mode, by transposing the vjp");
                assertEquals(curvature, values.get(4).getDouble(i * 5 + i), 1e-14, "the Hessian's diagonal");
                assertEquals(curvature, values.get(5).getDouble(i), 1e-14, "hvp: forward over reverse");
            }
        }
    }

    @Test
    void theImplicitFunctionMatchesFiniteDifferencesToOrderTwo() {
        GradCheck.of("solveCubic", x -> CUBE_ROOT_SOLVE.apply(x.get(0)).mul(x.get(0).sin()))
                .input(uniform(0.5, 4), 3).order(2).check();
    }

    // ---- gradient clipping ----

    private static final CustomFunction CLIP_GRADIENT = CustomFunction.of("clipGradient", xs -> xs.get(0))
            .withVjp((xs, y, g) -> List.of(Nabla.where(g.gt(1.0), 1.0, Nabla.where(g.lt(-1.0), -1.0, g))));

    @Test
    void gradientClippingIsAnIdentityThatClipsOnTheWayBack() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor y = CLIP_GRADIENT.apply(x);
            Tensor loss = y.mul(f64(g, 5, 0.5, -3)).sum();
            var values = g.compile().eval(Map.of(x, array(1, 2, 3)), y, loss.grad(x));
            assertArrayEquals(new double[] {1, 2, 3}, values.get(0).toDoubleArray());
            assertArrayEquals(new double[] {1, 0.5, -1}, values.get(1).toDoubleArray());

            // Clipping is not linear in the cotangent, so no jvp can be derived from it.
            RuleException e = assertThrows(RuleException.class, () -> Nabla.jvp(y, Map.of(x, f64(g, 1, 1, 1))));
            assertThat(e.getMessage()).contains("custom function clipGradient").contains("forward mode needs a jvp")
                    .contains("a vjp linear in its cotangent, and this one is not").contains("withJvp");
            Tensor withJvp = CLIP_GRADIENT.withJvp((xs, out, t) -> t.get(0)).apply(x);
            assertArrayEquals(new double[] {1, 1, 1}, g.compile().eval(Map.of(x, array(1, 2, 3)),
                    Nabla.jvp(withJvp, Map.of(x, f64(g, 1, 1, 1)))).get(0).toDoubleArray());
        }
    }

    @Test
    void aJvpThatIsNotLinearCannotGiveAVjp() {
        CustomFunction squaredTangent = CustomFunction.of("square", xs -> xs.get(0).mul(xs.get(0)))
                .withJvp((xs, y, t) -> t.get(0).mul(t.get(0)));
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2);
            RuleException e = assertThrows(RuleException.class, () -> squaredTangent.apply(x).sum().grad(x));
            assertThat(e.getMessage()).contains("custom function square: reverse mode needs a vjp")
                    .contains("jvp linear in its tangents").contains("withVjp");
        }
    }

    // ---- several arguments, higher orders ----

    @Test
    void aTwoArgumentFunctionThatUsesItsOutputMatchesFiniteDifferencesToOrderThree() {
        GradCheck.of("hypot", x -> HYPOT.apply(x.get(0), x.get(1))).input(uniform(0.5, 2), 4)
                .input(GradCheck.awayFromZero(0.5, 2), 4).order(3).check();
        GradCheck.of("log1pexp(hypot) * hypot", x -> LOG1PEXP.apply(HYPOT.apply(x.get(0), x.get(1)))
                        .mul(HYPOT.apply(x.get(0), x.get(1))))
                .input(uniform(0.5, 2), 2, 2).input(uniform(-2, -0.5), 2, 2).order(2).check();
    }

    @Test
    void aCotangentOfTheBroadcastShapeIsSummedBackToTheArgument() {
        // x * s for a scalar s: the rule returns g * x, of x's shape, as the cotangent of s.
        CustomFunction scale = CustomFunction.of("scale", xs -> xs.get(0).mul(xs.get(1)))
                .withVjp((xs, y, g) -> List.of(g.mul(xs.get(1)), g.mul(xs.get(0))));
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2, 3);
            Tensor s = g.input("s", DType.F64);
            Tensor loss = scale.apply(x, s).sum();
            var values = g.compile().eval(Map.of(x, NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3),
                    s, NDArray.scalar(0.5)), loss.grad(s), loss.grad(x));
            assertEquals(21.0, values.get(0).item());
            assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, values.get(1).toDoubleArray());
        }
    }

    @Test
    void hessianAndHvpThroughACustomFunction() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor f = LOG1PEXP_VJP_ONLY.apply(x).sum();
            Tensor v = f64(g, 1, -2, 3);
            double[] at = {-1, 0.5, 2};
            var values = g.compile().eval(Map.of(x, array(at)), Nabla.hessian(f, x), Nabla.hvp(f, x, v));
            for (int i = 0; i < 3; i++) {
                double s = 1 / (1 + Math.exp(-at[i]));
                for (int j = 0; j < 3; j++) {
                    assertEquals(i == j ? s * (1 - s) : 0, values.get(0).getDouble(i * 3 + j), 1e-15);
                }
                assertEquals(s * (1 - s) * v.graph().compile().eval(v).getDouble(i), values.get(1).getDouble(i), 1e-15);
            }
        }
    }

    // ---- backends ----

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 5})
    void everyBackendGivesTheSameValues(int rank1Size) {
        // Size 0 means a scalar program: the JVM backend compiles those to straight-line bytecode.
        int[] dims = rank1Size == 0 ? new int[0] : new int[] {rank1Size};
        int n = Math.max(1, rank1Size);
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 0.4 + 0.7 * i;
            b[i] = -1.2 + 0.5 * i;
        }
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, dims);
            Tensor z = g.input("z", DType.F64, dims);
            Tensor root = CUBE_ROOT_SOLVE.apply(x);
            Tensor f = LOG1PEXP.apply(HYPOT.apply(root, z)).add(CLIP_GRADIENT.apply(z).mul(3)).sum();
            Tensor[] outputs = {f, root, f.grad(x), f.grad(z), f.grad(x).sum().grad(z),
                Nabla.jvp(f, Map.of(x, g.ones(DType.F64, dims)))};
            Map<Tensor, NDArray> feeds = Map.of(x, NDArray.of(a, dims), z, NDArray.of(b, dims));
            List<NDArray> jvm = g.compile(Device.of("jvm:cpu")).eval(feeds, outputs);
            List<NDArray> reference = g.compile(Device.of("reference:cpu")).eval(feeds, outputs);
            for (int k = 0; k < outputs.length; k++) {
                double[] expected = reference.get(k).toDoubleArray();
                double[] actual = jvm.get(k).toDoubleArray();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-14 * Math.max(1, Math.abs(expected[i])), "output " + k);
                }
            }
        }
    }

    @Test
    void aTrainerTrainsThroughACustomFunction() {
        // Fit w in log1pexp(w x) to data made with w = 2.
        double[] xs = {-2, -1, -0.5, 0.25, 0.5, 1, 1.5, 2};
        double[] ys = Arrays.stream(xs).map(v -> Math.log1p(Math.exp(2 * v))).toArray();
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, xs.length);
            Tensor target = g.input("y", DType.F64, xs.length);
            Tensor w = g.scalar("w", 0.5);
            Tensor loss = LOG1PEXP.apply(x.mul(w)).sub(target).pow(2).mean();
            try (Trainer trainer = Trainer.builder(loss).group(Optimizers.sgd(0.5), List.of(w)).build()) {
                Map<Tensor, NDArray> data = Map.of(x, array(xs), target, array(ys));
                double first = trainer.step(data).item();
                double last = first;
                for (int step = 0; step < 300; step++) {
                    last = trainer.step(data).item();
                }
                assertTrue(last < 1e-12 * first, "loss " + first + " -> " + last);
                assertEquals(2.0, trainer.parameter(w).item(), 1e-6);
            }
        }
    }

    // ---- arguments and graphs ----

    @Test
    void applyingOneFunctionTwiceGivesOneNodeAndDifferentFunctionsNever() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 3);
            assertSame(LOG1PEXP.apply(x).node(), LOG1PEXP.apply(x).node());
            assertTrue(LOG1PEXP.apply(x).node().op() instanceof Op.Custom);
            assertNotSame(LOG1PEXP.apply(x).node(), LOG1PEXP_VJP_ONLY.apply(x).node());
            CustomFunction.Vjp same = (xs, y, gr) -> List.of(gr);
            CustomFunction.Primal identity = xs -> xs.get(0);
            assertNotSame(CustomFunction.of("f", identity).withVjp(same).apply(x).node(),
                    CustomFunction.of("f", identity).withVjp(same).apply(x).node());
            // In another graph, the same function object is another node (with rules of that graph).
            try (Graph other = Graph.create()) {
                Tensor y = other.input("x", DType.F32, 3);
                assertEquals(3, other.compile().eval(Map.of(y, NDArray.of(new float[] {1, 1, 1}, 3)),
                        LOG1PEXP.apply(y).sum().grad(y)).get(0).size());
            }
        }
    }

    @Test
    void aFunctionOfConstantsIsItsValue() {
        try (Graph g = Graph.create()) {
            Tensor y = LOG1PEXP.apply(g.constant(2.0));
            assertTrue(!(y.node().op() instanceof Op.Custom), y.toString());
            assertEquals(Math.log1p(Math.exp(2.0)), g.compile().eval(y).item(), 0.0);
        }
    }

    @Test
    void aMaskArgumentNeedsNoCotangent() {
        CustomFunction doubleWhere = CustomFunction.of("doubleWhere",
                        xs -> Nabla.where(xs.get(1), xs.get(0).mul(2), xs.get(0)))
                .withVjp((xs, y, gr) -> Arrays.asList(Nabla.where(xs.get(1), gr.mul(2), gr), null));
        CustomFunction derived = CustomFunction.of("doubleWhere", xs -> Nabla.where(xs.get(1), xs.get(0).mul(2), xs.get(0)))
                .withJvp((xs, y, t) -> Nabla.where(xs.get(1), t.get(0).mul(2), t.get(0)));
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Tensor mask = x.gt(0);
            var values = g.compile().eval(Map.of(x, array(-1, 2, 3)), doubleWhere.apply(x, mask).sum().grad(x),
                    derived.apply(x, mask).sum().grad(x), Nabla.jvp(doubleWhere.apply(x, mask), Map.of(x, f64(g, 1, 1, 1))));
            assertArrayEquals(new double[] {1, 2, 2}, values.get(0).toDoubleArray());
            assertArrayEquals(new double[] {1, 2, 2}, values.get(1).toDoubleArray());
            assertArrayEquals(new double[] {1, 2, 2}, values.get(2).toDoubleArray());
        }
    }

    @Test
    void aVariableThePrimalReadsBesideItsArgumentsCannotBeDifferentiatedAgainst() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2);
            Tensor w = g.scalar("w", 3.0);
            CustomFunction scaled = CustomFunction.of("scaled", xs -> xs.get(0).mul(w))
                    .withVjp((xs, y, gr) -> List.of(gr.mul(w)));
            Tensor y = scaled.apply(x).sum();
            assertArrayEquals(new double[] {3, 3}, g.compile().eval(Map.of(x, array(1, 2)), y.grad(x)).get(0)
                    .toDoubleArray());
            for (Runnable derivative : List.<Runnable>of(() -> y.grad(w), () -> Nabla.jvp(y, Map.of(w, g.constant(1.0))))) {
                var e = assertThrows(dev.nabla.core.NablaException.GraphException.class, derivative::run);
                assertThat(e.getMessage()).contains("custom function scaled: its primal reads w:f64[]")
                        .contains("pass w:f64[] as an argument");
            }
            assertThat(g.print(y)).contains("custom[scaled](x, value=t3, reads=[w])");
        }
    }

    // ---- printing, anomalies ----

    @Test
    void printingShowsTheFunctionItsArgumentsAndItsValue() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 3);
            Tensor y = LOG1PEXP.apply(x);
            assertEquals("""
                    graph(x: f32[3]) {
                      t1: f32[3] = exp(x)
                      t2: f32[3] = log1p(t1)
                      t3: f32[3] = custom[log1pexp](x, value=t2)
                      return t3
                    }""", g.print(y));
            assertThat(g.toDot(y)).contains("label=\"custom log1pexp\\nf32[3]\"").contains("[label=\"value\"]");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jvm", "reference"})
    void anAnomalyInsideThePrimalNamesTheFunction(String backend) {
        try (Graph g = Graph.create(GraphOptions.defaults().withAnomalyDetection(true))) {
            Tensor x = g.input("x", DType.F32, 2);
            Tensor y = LOG1PEXP.apply(x);
            var run = g.compile(Device.host(backend));
            AnomalyException e = assertThrows(AnomalyException.class,
                    () -> run.eval(Map.of(x, NDArray.of(new float[] {0, 100}, 2)), y));
            assertThat(e.getMessage()).contains("first appears in exp(").contains("at flat index 1")
                    .contains("inside the primal of custom function log1pexp")
                    .contains("(applied at dev.nabla.CustomDerivativeTest.anAnomalyInsideThePrimalNamesTheFunction");
            assertThat(e.site()).contains("CustomDerivativeTest.lambda$");
        }
    }

    // ---- mistakes ----

    @Test
    void aFunctionWithoutRulesOrArgumentsIsRefused() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 3);
            CustomFunction bare = CustomFunction.of("bare", xs -> xs.get(0));
            assertThat(assertThrows(RuleException.class, () -> bare.apply(x)).getMessage())
                    .contains("custom function bare has no derivative rule").contains("withVjp").contains("withJvp");
            assertThat(assertThrows(dev.nabla.core.NablaException.class, LOG1PEXP::apply).getMessage())
                    .contains("custom function log1pexp: needs at least one tensor argument");
            assertThat(assertThrows(dev.nabla.core.NablaException.class, () -> LOG1PEXP.apply(x, null))
                    .getMessage()).contains("argument 1 is null");
            try (Graph other = Graph.create()) {
                Tensor y = other.input("y", DType.F32, 3);
                assertThat(assertThrows(dev.nabla.core.NablaException.GraphException.class,
                        () -> HYPOT.apply(x, y)).getMessage()).contains("custom function hypot")
                        .contains("belongs to another graph");
                CustomFunction foreign = CustomFunction.of("foreign", xs -> y).withVjp((xs, o, gr) -> List.of(gr));
                assertThat(assertThrows(dev.nabla.core.NablaException.GraphException.class,
                        () -> foreign.apply(x)).getMessage()).contains("the primal returned").contains("another graph");
            }
            CustomFunction nothing = CustomFunction.of("nothing", xs -> null).withVjp((xs, o, gr) -> List.of(gr));
            assertThat(assertThrows(dev.nabla.core.NablaException.class, () -> nothing.apply(x)).getMessage())
                    .contains("custom function nothing: the primal returned null");
            CustomFunction mask = CustomFunction.of("mask", xs -> xs.get(0).gt(0)).withVjp((xs, o, gr) -> List.of(gr));
            assertThat(assertThrows(dev.nabla.core.NablaException.DTypeException.class, () -> mask.apply(x))
                    .getMessage()).contains("custom function mask: the primal returned").contains("bool");
            assertThrows(dev.nabla.core.NablaException.class, () -> CustomFunction.of(" ", xs -> xs.get(0)));
            assertThrows(dev.nabla.core.NablaException.class, () -> CustomFunction.of("f", null));
            assertThrows(dev.nabla.core.NablaException.class, () -> bare.withVjp(null));
        }
    }

    /** A vjp rule for f(x) = x^2 that returns {@code wrong} instead of one cotangent [2x g]. */
    private static String vjpError(CustomFunction.Vjp wrong) {
        CustomFunction f = CustomFunction.of("square", xs -> xs.get(0).mul(xs.get(0))).withVjp(wrong);
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 2, 3);
            Tensor y = f.apply(x).sum();
            return assertThrows(RuleException.class, () -> y.grad(x)).getMessage();
        }
    }

    @Test
    void aVjpRuleThatReturnsWhatDoesNotFitIsNamed() {
        assertThat(vjpError((xs, y, g) -> null)).isEqualTo("custom function square: its vjp rule returned null;"
                + " return a list of one cotangent per argument (1)");
        assertThat(vjpError((xs, y, g) -> List.of(g, g))).startsWith("custom function square: its vjp rule returned"
                + " 2 cotangents for 1 arguments");
        assertThat(vjpError((xs, y, g) -> Arrays.asList((Tensor) null))).isEqualTo("custom function square: its vjp"
                + " rule returned null as the cotangent of argument 0 (x:f32[2,3]); return zeros of f32[2,3] where"
                + " there is none");
        assertThat(vjpError((xs, y, g) -> List.of(g.sum()))).isEqualTo("custom function square: its vjp rule"
                + " returned f32[] as the cotangent of argument 0 (x:f32[2,3]), which must be f32[2,3]");
        assertThat(vjpError((xs, y, g) -> List.of(g.cast(DType.F64)))).isEqualTo("custom function square: its vjp"
                + " rule returned f64[2,3] as the cotangent of argument 0 (x:f32[2,3]), which must be f32[2,3]");
        try (Graph other = Graph.create()) {
            Tensor stranger = other.input("stranger", DType.F32, 2, 3);
            assertThat(vjpError((xs, y, g) -> List.of(stranger))).isEqualTo("custom function square: its vjp rule"
                    + " returned stranger:f32[2,3] of another graph as the cotangent of argument 0 (x:f32[2,3]);"
                    + " build it from the rule's arguments");
        }
    }

    @Test
    void aJvpRuleThatReturnsWhatDoesNotFitIsNamed() {
        CustomFunction.Primal square = xs -> xs.get(0).mul(xs.get(0));
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            Map<Tensor, Tensor> tangent = Map.of(x, f64(g, 1, 1, 1));
            Tensor y = CustomFunction.of("square", square).withJvp((xs, out, t) -> null).apply(x);
            assertThat(assertThrows(RuleException.class, () -> Nabla.jvp(y, tangent)).getMessage())
                    .isEqualTo("custom function square: its jvp rule returned null as the tangent of the output"
                            + " (%" + y.node().id() + ":f64[3]); return zeros of f64[3] where there is none");
            Tensor z = CustomFunction.of("square", square).withJvp((xs, out, t) -> t.get(0).sum()).apply(x);
            assertThat(assertThrows(RuleException.class, () -> Nabla.jvp(z, tangent)).getMessage())
                    .contains("its jvp rule returned f64[] as the tangent of the output").endsWith("must be f64[3]");
            // Reverse mode transposes the jvp rule, and meets the same mistake.
            assertThat(assertThrows(RuleException.class, () -> z.sum().grad(x)).getMessage())
                    .contains("its jvp rule returned f64[] as the tangent of the output");
        }
    }
}

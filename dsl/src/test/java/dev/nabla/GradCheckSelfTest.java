package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.GradCheckReport.Kind;
import dev.nabla.GradCheckReport.Mismatch;
import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checker itself: it must catch a wrong derivative at exactly the order where it is wrong.
 * stopGradient makes such functions on purpose: its value is x, its derivative 0.
 */
class GradCheckSelfTest {

    @Test
    void countsEveryComparison() {
        // order 1 on [2,3]: 6 reverse-mode elements + 6 forward-mode output elements.
        assertEquals(12, GradCheck.of("sin", x -> x.get(0).sin()).input(uniform(-1, 1), 2, 3).check().comparisons());
        // order 2 adds the reverse chain's scalar F1 (6 + 1) and the forward chain's G1 (6 + 6).
        assertEquals(12 + 7 + 12,
                GradCheck.of("sin", x -> x.get(0).sin()).input(uniform(-1, 1), 2, 3).order(2).check().comparisons());
    }

    @Test
    void catchesAWrongFirstDerivative() {
        // x * stopGradient(x) = x^2 but its symbolic derivative is x, not 2x.
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.of("x*detach(x)", x -> x.get(0).mul(x.get(0).stopGradient())).input(uniform(0.5, 1), 3)
                        .check());
        String m = e.getMessage();
        assertTrue(m.contains("gradcheck 'x*detach(x)' failed"), m);
        assertTrue(m.contains("order 1 [f], reverse mode (vjp), input x0[3] element 0 [0]: analytic="), m);
        assertTrue(m.contains("order 1 [f], forward mode (jvp), output element 2 [2]"), m);
        assertTrue(m.contains("numeric="), m);
        assertTrue(m.contains("input x0[3] = ["), m);
    }

    @Test
    void catchesAWrongSecondDerivativeOnlyAtOrderTwo() {
        // (x - stopGradient(x))^2 is 0 everywhere and its symbolic first derivative 2(x - x) = 0
        // is right, but the symbolic second derivative is 2.
        GradCheck.Fn f = x -> x.get(0).sub(x.get(0).stopGradient()).pow(2);
        GradCheck.of("order 1 ok", f).input(uniform(-1, 1), 2, 2).check();
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.of("(x - detach x)^2", f).input(uniform(-1, 1), 2, 2).order(2).check().comparisons());
        String m = e.getMessage();
        assertFalse(m.contains("order 1 "), m);
        assertTrue(m.contains("order 2 [reverse chain F1 = sum_i sum(grad(F0, x_i) * v_i)], reverse mode (grad)"), m);
        assertTrue(m.contains("order 2 [forward chain G1 = jvp(G0, t)], forward mode (jvp)"), m);
    }

    @Test
    void catchesAWrongThirdDerivativeOnlyAtOrderThree() {
        GradCheck.Fn f = x -> x.get(0).sub(x.get(0).stopGradient()).pow(3);
        GradCheck.of("orders 1, 2 ok", f).input(uniform(-1, 1), 3).order(2).check();
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.of("(x - detach x)^3", f).input(uniform(-1, 1), 3).order(3).check());
        assertTrue(e.getMessage().contains("order 3 [reverse chain F2"), e.getMessage());
        assertTrue(e.getMessage().contains("order 3 [forward chain G2"), e.getMessage());
        assertFalse(e.getMessage().contains("order 2 "), e.getMessage());
    }

    @Test
    void sameNameSameData() {
        // The default seed is the name's hash: a failure reproduces exactly.
        AssertionError a = assertThrows(AssertionError.class,
                () -> GradCheck.of("repro", x -> x.get(0).mul(x.get(0).stopGradient())).input(uniform(0.5, 1), 3).check());
        AssertionError b = assertThrows(AssertionError.class,
                () -> GradCheck.of("repro", x -> x.get(0).mul(x.get(0).stopGradient())).input(uniform(0.5, 1), 3).check());
        assertEquals(a.getMessage(), b.getMessage());
    }

    /**
     * f = s sin(x) + d (x - stopGradient(x))^p: its value is s sin(x), but its symbolic p-th
     * derivative is off by p! d. With s = 1e-6 and d = 1e-7 s / p!, the error is 1e-7 of the
     * true derivative's size (s cos or s sin, x in [0.3, 0.6]): 1e-13, eight orders of magnitude
     * below the fixed atol = 1e-5 that PyTorch's gradcheck and this class used to allow.
     */
    private static GradCheck.Fn offBy(int p, double relative) {
        double s = 1e-6;
        double d = relative * s / (p == 1 ? 1 : p == 2 ? 2 : 6);
        return x -> x.get(0).sin().mul(s).add(x.get(0).sub(x.get(0).stopGradient()).pow(p).mul(d));
    }

    @Test
    void catchesAFirstDerivativeOffBy1e7OfASmallValue() {
        GradCheck.Fn right = x -> x.get(0).sin().mul(1e-6);
        GradCheck.of("1e-6 sin x", right).input(uniform(0.3, 0.6), 2, 3).order(3).check();
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.of("1e-6 sin x, slope off by 1e-13", offBy(1, 1e-7)).input(uniform(0.3, 0.6), 2, 3)
                        .check());
        assertTrue(e.getMessage().contains("order 1 [f], reverse mode (vjp)"), e.getMessage());
        assertTrue(e.getMessage().contains("order 1 [f], forward mode (jvp)"), e.getMessage());
        // The old bounds (atol 1e-5 on top of the estimate) let it through.
        GradCheck.of("1e-6 sin x, slope off by 1e-13", offBy(1, 1e-7)).input(uniform(0.3, 0.6), 2, 3)
                .tolerance(1e-5, 1e-4).check();
    }

    @Test
    void catchesSecondAndThirdDerivativesOffBy1e7OfASmallValue() {
        AssertionError second = assertThrows(AssertionError.class,
                () -> GradCheck.of("1e-6 sin x, second derivative off", offBy(2, 1e-7)).input(uniform(0.3, 0.6), 2, 3)
                        .order(2).check().comparisons());
        assertFalse(second.getMessage().contains("order 1 "), second.getMessage());
        assertTrue(second.getMessage().contains("order 2 [reverse chain F1"), second.getMessage());
        assertTrue(second.getMessage().contains("order 2 [forward chain G1"), second.getMessage());
        AssertionError third = assertThrows(AssertionError.class,
                () -> GradCheck.of("1e-6 sin x, third derivative off", offBy(3, 1e-7)).input(uniform(0.3, 0.6), 2, 3)
                        .order(3).check());
        assertFalse(third.getMessage().contains("order 2 "), third.getMessage());
        assertTrue(third.getMessage().contains("order 3 [reverse chain F2"), third.getMessage());
        assertTrue(third.getMessage().contains("order 3 [forward chain G2"), third.getMessage());
    }

    // ---- custom rules ----

    private static final CustomFunction.Primal LOG1PEXP = xs -> xs.get(0).exp().log1p();

    private static Tensor sigmoid(List<Tensor> xs) {
        return xs.get(0).sigmoid();
    }

    @Test
    void passesCorrectCustomRulesAndCatchesAVjpOffByOnePercent() {
        CustomFunction right = CustomFunction.of("log1pexp", LOG1PEXP)
                .withVjp((xs, y, g) -> List.of(g.mul(sigmoid(xs))));
        GradCheck.of("log1pexp", x -> right.apply(x.get(0))).input(uniform(-2, 2), 3).order(3).check();

        CustomFunction wrong = right.withVjp((xs, y, g) -> List.of(g.mul(sigmoid(xs)).mul(1.01)));
        GradCheckReport report = GradCheck.of("log1pexp, vjp * 1.01", x -> wrong.apply(x.get(0)))
                .input(uniform(-2, 2), 3).run();
        assertFalse(report.passed());
        // The vjp is off in every element; forward mode transposes the same rule, so it is off too.
        assertEquals(3, report.mismatches().stream().filter(m -> m.kind() == Kind.REVERSE).count(), report::toString);
        Mismatch first = report.mismatches().get(0);
        assertEquals(1, first.order());
        assertEquals("x0", first.input());
        assertEquals(List.of(0), first.index());
        assertEquals(1.01, first.analytic() / first.numeric(), 1e-9);
        assertTrue(Math.abs(first.analytic() - first.numeric()) > first.tolerance());
        GradCheckError e = assertThrows(GradCheckError.class, report::orThrow);
        assertEquals(report, e.report());
        assertTrue(e.getMessage().startsWith("gradcheck 'log1pexp, vjp * 1.01' failed"), e.getMessage());

        // With a right jvp beside it, the two modes disagree as well.
        GradCheckReport both = GradCheck.of("vjp * 1.01, right jvp",
                        x -> wrong.withJvp((xs, y, t) -> t.get(0).mul(sigmoid(xs))).apply(x.get(0)))
                .input(uniform(-2, 2), 3).run();
        assertTrue(both.mismatches().stream().anyMatch(m -> m.kind() == Kind.CONSISTENCY), both::toString);
        assertTrue(both.mismatches().stream().noneMatch(m -> m.kind() == Kind.FORWARD), both::toString);
    }

    @Test
    void catchesACustomRuleWhoseSecondDerivativeHasTheWrongSign() {
        // 2 stopGradient(s) - s has the value of s = sigmoid(x) but the derivative -s': the vjp is
        // right, the derivative of the vjp (the second derivative) has its sign flipped.
        CustomFunction flipped = CustomFunction.of("log1pexp", LOG1PEXP).withVjp((xs, y, g) -> {
            Tensor s = sigmoid(xs);
            return List.of(g.mul(s.stopGradient().mul(2).sub(s)));
        });
        GradCheck.of("second order flipped, first order", x -> flipped.apply(x.get(0))).input(uniform(-2, 2), 3)
                .check();
        GradCheckReport report = GradCheck.of("second order flipped", x -> flipped.apply(x.get(0)))
                .input(uniform(-2, 2), 3).order(2).run();
        assertFalse(report.passed());
        assertTrue(report.mismatches().stream().allMatch(m -> m.order() == 2), report::toString);
        Mismatch m = report.mismatches().stream().filter(x -> x.kind() == Kind.REVERSE).findFirst().orElseThrow();
        assertTrue(m.link().startsWith("reverse chain F1"), m.link());
        assertEquals(-1.0, m.analytic() / m.numeric(), 1e-9, m.message());
    }

    @Test
    void checksATensorOfAnExistingGraphAtGivenValues() {
        try (Graph g = Graph.create()) {
            Tensor a = g.input("a", DType.F64, 2);
            Tensor b = g.input("b", DType.F64);
            Tensor right = a.sin().mul(b).sum();
            Tensor wrong = a.mul(a.stopGradient()).mul(b).sum();
            Map<Tensor, NDArray> at = new LinkedHashMap<>();
            at.put(a, NDArray.of(new double[] {0.5, -1}, 2));
            at.put(b, NDArray.scalar(2.0));
            GradCheckReport ok = GradCheck.of("sin(a) b", right, at).order(2).check();
            assertEquals(List.of("a", "b"), List.copyOf(ok.inputs().keySet()));
            assertTrue(ok.toString().startsWith("gradcheck 'sin(a) b' passed ("), ok.toString());
            GradCheckReport bad = GradCheck.of("a detach(a) b", wrong, at).run();
            Mismatch m = bad.mismatches().get(0);
            assertEquals("a", m.input());
            assertTrue(bad.toString().contains("input a[2] = [0.5, -1.0]"), bad.toString());
            // Still open: the check compiled and closed a program of its own.
            assertEquals(4.0, g.compile().eval(Map.of(a, at.get(a), b, at.get(b)), b.mul(2)).get(0).item());
        }
    }

    @Test
    void refusesWhatItCannotCheck() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 2);
            Tensor p = g.scalar("p", 1.0);
            assertThrows(dev.nabla.core.NablaException.class,
                    () -> GradCheck.of("f32", x.sum(), Map.of(x, NDArray.of(new float[] {1, 2}, 2))));
            assertThrows(dev.nabla.core.NablaException.class,
                    () -> GradCheck.of("parameter", p.mul(2), Map.of(p, NDArray.scalar(1.0))));
        }
        assertThrows(dev.nabla.core.NablaException.class, () -> GradCheck.of("f", x -> x.get(0)).run());
        assertThrows(dev.nabla.core.NablaException.class, () -> GradCheck.of("f", x -> x.get(0)).order(0));
        assertThrows(dev.nabla.core.NablaException.class,
                () -> GradCheck.of("f32 out", x -> x.get(0).cast(DType.F32)).input(uniform(0, 1), 2).run());
    }
}

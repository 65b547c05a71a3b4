package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The checker itself: it must catch a wrong derivative at exactly the order where it is wrong.
 * stopGradient makes such functions on purpose: its value is x, its derivative 0.
 */
class GradCheckSelfTest {

    @Test
    void countsEveryComparison() {
        // order 1 on [2,3]: 6 reverse-mode elements + 6 forward-mode output elements.
        assertEquals(12, GradCheck.of("sin", x -> x[0].sin()).input(uniform(-1, 1), 2, 3).check());
        // order 2 adds the reverse chain's scalar F1 (6 + 1) and the forward chain's G1 (6 + 6).
        assertEquals(12 + 7 + 12, GradCheck.of("sin", x -> x[0].sin()).input(uniform(-1, 1), 2, 3).order(2).check());
    }

    @Test
    void catchesAWrongFirstDerivative() {
        // x * stopGradient(x) = x^2 but its symbolic derivative is x, not 2x.
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.of("x*detach(x)", x -> x[0].mul(x[0].stopGradient())).input(uniform(0.5, 1), 3)
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
        GradCheck.Fn f = x -> x[0].sub(x[0].stopGradient()).pow(2);
        GradCheck.of("order 1 ok", f).input(uniform(-1, 1), 2, 2).check();
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.of("(x - detach x)^2", f).input(uniform(-1, 1), 2, 2).order(2).check());
        String m = e.getMessage();
        assertFalse(m.contains("order 1 "), m);
        assertTrue(m.contains("order 2 [reverse chain F1 = sum_i sum(grad(F0, x_i) * v_i)], reverse mode (grad)"), m);
        assertTrue(m.contains("order 2 [forward chain G1 = jvp(G0, t)], forward mode (jvp)"), m);
    }

    @Test
    void catchesAWrongThirdDerivativeOnlyAtOrderThree() {
        GradCheck.Fn f = x -> x[0].sub(x[0].stopGradient()).pow(3);
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
                () -> GradCheck.of("repro", x -> x[0].mul(x[0].stopGradient())).input(uniform(0.5, 1), 3).check());
        AssertionError b = assertThrows(AssertionError.class,
                () -> GradCheck.of("repro", x -> x[0].mul(x[0].stopGradient())).input(uniform(0.5, 1), 3).check());
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
        return x -> x[0].sin().mul(s).add(x[0].sub(x[0].stopGradient()).pow(p).mul(d));
    }

    @Test
    void catchesAFirstDerivativeOffBy1e7OfASmallValue() {
        GradCheck.Fn right = x -> x[0].sin().mul(1e-6);
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
                        .order(2).check());
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
}

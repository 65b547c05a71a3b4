package dev.nabla;

import java.util.List;

/**
 * Custom functions the random-graph tests put among ordinary ops: values of familiar functions,
 * each with a different kind of rule (a vjp, a jvp alone that reverse mode transposes, a vjp that
 * reads its output and returns cotangents of the broadcast shape).
 */
final class TestCustomFunctions {
    private TestCustomFunctions() {}

    static final CustomFunction SOFTPLUS = CustomFunction.of("softplus", xs -> xs.get(0).softplus())
            .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid())));

    static final CustomFunction A_TANH_B = CustomFunction.of("aTanhB", xs -> xs.get(0).mul(xs.get(1).tanh()))
            .withJvp((xs, y, t) -> {
                Tensor th = xs.get(1).tanh();
                return t.get(0).mul(th).add(xs.get(0).mul(th.mul(th).rsub(1)).mul(t.get(1)));
            });

    static final CustomFunction A_OVER_1_PLUS_B2 = CustomFunction.of("aOver1PlusB2",
                    xs -> xs.get(0).div(xs.get(1).mul(xs.get(1)).add(1.0)))
            .withVjp((xs, y, g) -> {
                Tensor d = xs.get(1).mul(xs.get(1)).add(1.0);
                return List.of(g.div(d), g.mul(y).mul(xs.get(1)).mul(-2.0).div(d));
            });

    /**
     * The real root x of x^3 + x = a by 30 Newton steps, with the implicit-function jvp
     * dx/da = 1/(3x^2 + 1): a rule that reads the function's own output.
     */
    static final CustomFunction CUBIC_ROOT = CustomFunction.of("cubic root", xs -> {
        Tensor a = xs.get(0);
        Tensor r = a.mul(0).add(1);
        for (int i = 0; i < 30; i++) {
            r = r.sub(r.pow(3).add(r).sub(a).div(r.pow(2).mul(3).add(1)));
        }
        return r;
    }).withJvp((xs, y, t) -> t.get(0).div(y.pow(2).mul(3).add(1)));
}

package dev.nabla;

import static dev.nabla.GradCheck.awayFromZero;
import static dev.nabla.GradCheck.distinct;
import static dev.nabla.GradCheck.fixed;
import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op of the DSL against finite differences, in reverse and forward mode, to third order
 * (orders 1, 2 and 3, each along both chains of {@link GradCheck}). Inputs stay away from kinks
 * and domain edges.
 *
 * <p>Linear ops (shape ops, sums) are composed with a smooth nonlinearity so that their
 * higher-order checks go through the derivative rules of their own derivatives instead of
 * differentiating a constant.
 */
class GradCheckOpsTest {

    private static GradCheck unary(String name, GradCheck.Fn fn, GradCheck.Gen gen) {
        return GradCheck.of(name, fn).input(gen, 2, 3).order(3);
    }

    static Stream<GradCheck> unaryOps() {
        return Stream.of(
                unary("neg", x -> x.get(0).neg(), uniform(-2, 2)),
                unary("exp", x -> x.get(0).exp(), uniform(-2, 2)),
                unary("log", x -> x.get(0).log(), uniform(0.5, 2)),
                unary("log1p", x -> x.get(0).log1p(), uniform(-0.5, 2)),
                unary("expm1", x -> x.get(0).expm1(), uniform(-2, 2)),
                unary("sqrt", x -> x.get(0).sqrt(), uniform(0.5, 2)),
                unary("rsqrt", x -> x.get(0).rsqrt(), uniform(0.5, 2)),
                unary("abs", x -> x.get(0).abs(), awayFromZero(0.2, 2)),
                unary("sign", x -> x.get(0).sign(), awayFromZero(0.2, 2)),
                // sign's zero derivative inside a product: d/dx sign(x) x^3 = 3 sign(x) x^2.
                unary("sign * x^3", x -> x.get(0).sign().mul(x.get(0).pow(3)), awayFromZero(0.2, 2)),
                unary("sin", x -> x.get(0).sin(), uniform(-3, 3)),
                unary("cos", x -> x.get(0).cos(), uniform(-3, 3)),
                unary("tan", x -> x.get(0).tan(), uniform(-1.2, 1.2)),
                unary("tanh", x -> x.get(0).tanh(), uniform(-3, 3)),
                unary("sigmoid", x -> x.get(0).sigmoid(), uniform(-3, 3)),
                unary("relu", x -> x.get(0).relu(), awayFromZero(0.2, 2)),
                unary("relu * x^2", x -> x.get(0).relu().mul(x.get(0).mul(x.get(0))), awayFromZero(0.2, 2)),
                unary("softplus", x -> x.get(0).softplus(), uniform(-3, 3)),
                // pow with a number exponent, integer exponents also on negative bases.
                unary("pow x^2", x -> x.get(0).pow(2), uniform(-2, 2)),
                unary("pow x^3", x -> x.get(0).pow(3), uniform(-2, 2)),
                unary("pow x^-2", x -> x.get(0).pow(-2), awayFromZero(0.5, 2)),
                unary("pow x^0.5", x -> x.get(0).pow(0.5), uniform(0.5, 2)),
                unary("pow x^-1.5", x -> x.get(0).pow(-1.5), uniform(0.5, 2)),
                unary("pow x^2.7", x -> x.get(0).pow(2.7), uniform(0.5, 2)),
                // pow with a tensor exponent: both partial derivatives, mixed ones at orders 2 and 3.
                GradCheck.of("pow tensor^tensor", x -> x.get(0).pow(x.get(1)))
                        .input(uniform(0.5, 2), 2, 3).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("pow 2^x (constant base)", x -> x.get(0).graph().constant(2.0).pow(x.get(0)))
                        .input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("pow broadcast [3,1]^[4]", x -> x.get(0).pow(x.get(1)))
                        .input(uniform(0.5, 2), 3, 1).input(uniform(-2, 2), 4).order(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void unaryOpsToThirdOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    private static GradCheck binary(String name, GradCheck.Fn fn, GradCheck.Gen a, int[] sa, GradCheck.Gen b,
                                    int[] sb) {
        return GradCheck.of(name, fn).input(a, sa).input(b, sb).order(3);
    }

    private static final int[] M23 = {2, 3};
    private static final int[] C31 = {3, 1};
    private static final int[] V4 = {4};
    private static final int[] S = {};

    static Stream<GradCheck> binaryOps() {
        return Stream.of(
                binary("add", x -> x.get(0).add(x.get(1)), uniform(-2, 2), M23, uniform(-2, 2), M23),
                binary("sub", x -> x.get(0).sub(x.get(1)), uniform(-2, 2), M23, uniform(-2, 2), M23),
                binary("mul", x -> x.get(0).mul(x.get(1)), uniform(-2, 2), M23, uniform(-2, 2), M23),
                binary("div", x -> x.get(0).div(x.get(1)), uniform(-2, 2), M23, awayFromZero(0.5, 2), M23),
                GradCheck.of("fma", x -> x.get(0).fma(x.get(1), x.get(2)).sin()).input(uniform(-2, 2), 2, 3)
                        .input(uniform(-2, 2), 2, 3).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("fma broadcast [3,1],[4],[]", x -> x.get(0).fma(x.get(1), x.get(2)).sin()).input(uniform(-2, 2), 3, 1)
                        .input(uniform(-2, 2), 4).input(uniform(-2, 2)).order(3),
                // One variable among constants: forward mode meets absent tangents in the other places.
                GradCheck.of("fma(x, 2.5, -1)", x -> x.get(0).fma(x.get(0).graph().constant(2.5), x.get(0).graph().constant(-1.0))
                        .sin()).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("fma(2.5, x, -1)", x -> x.get(0).graph().constant(2.5).fma(x.get(0), x.get(0).graph().constant(-1.0))
                        .sin()).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("fma(2.5, -1, x)", x -> x.get(0).graph().constant(2.5).fma(x.get(0).graph().constant(-1.0), x.get(0))
                        .sin()).input(uniform(-2, 2), 2, 3).order(3),
                binary("mul self (x*x shares a node)", x -> x.get(0).mul(x.get(0)).add(x.get(1)), uniform(-2, 2), M23,
                        uniform(-2, 2), M23),
                GradCheck.of("minimum", x -> x.get(0).minimum(x.get(1))).input(2, 3).input(2, 3)
                        .jointly(distinct(-2, 2)).order(3),
                GradCheck.of("maximum", x -> x.get(0).maximum(x.get(1))).input(2, 3).input(2, 3)
                        .jointly(distinct(-2, 2)).order(3),
                GradCheck.of("maximum * minimum", x -> x.get(0).maximum(x.get(1)).mul(x.get(0).minimum(x.get(1))))
                        .input(2, 3).input(2, 3).jointly(distinct(-2, 2)).order(3),
                // Broadcasting: [3,1] with [4] gives [3,4]; the adjoint sums back.
                binary("add [3,1]+[4]", x -> x.get(0).add(x.get(1)), uniform(-2, 2), C31, uniform(-2, 2), V4),
                binary("sub [3,1]-[4]", x -> x.get(0).sub(x.get(1)), uniform(-2, 2), C31, uniform(-2, 2), V4),
                binary("mul [3,1]*[4]", x -> x.get(0).mul(x.get(1)), uniform(-2, 2), C31, uniform(-2, 2), V4),
                binary("div [3,1]/[4]", x -> x.get(0).div(x.get(1)), uniform(-2, 2), C31, awayFromZero(0.5, 2), V4),
                binary("div [] / [2,3]", x -> x.get(0).div(x.get(1)), uniform(-2, 2), S, awayFromZero(0.5, 2), M23),
                binary("mul [2,3]*[]", x -> x.get(0).mul(x.get(1)).sin(), uniform(-2, 2), M23, uniform(-2, 2), S),
                GradCheck.of("maximum [3,1],[4]", x -> x.get(0).maximum(x.get(1))).input(3, 1).input(4)
                        .jointly(distinct(-2, 2)).order(3),
                GradCheck.of("minimum [3,1],[4]", x -> x.get(0).minimum(x.get(1))).input(3, 1).input(4)
                        .jointly(distinct(-2, 2)).order(3),
                // Java numbers mixed in.
                GradCheck.of("add number", x -> x.get(0).add(1.5).mul(x.get(0))).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("sub number", x -> x.get(0).sub(0.7).mul(x.get(0))).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("rsub number", x -> x.get(0).rsub(2.0).mul(x.get(0))).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("mul number", x -> x.get(0).mul(-1.3).mul(x.get(0))).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("div number", x -> x.get(0).div(2.5).mul(x.get(0))).input(uniform(-2, 2), 2, 3).order(3),
                GradCheck.of("rdiv number", x -> x.get(0).rdiv(1.5)).input(awayFromZero(0.5, 2), 2, 3).order(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    void binaryOpsToThirdOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    static Stream<GradCheck> whereAndComparisons() {
        return Stream.of(
                GradCheck.of("where lt", x -> Nabla.where(x.get(0).lt(x.get(1)), x.get(0).mul(x.get(1)), x.get(0).sub(x.get(1)).exp()))
                        .input(2, 3).input(2, 3).jointly(distinct(-2, 2)).order(3),
                GradCheck.of("where le", x -> Nabla.where(x.get(0).le(x.get(1)), x.get(0).mul(x.get(1)), x.get(0).sub(x.get(1)).exp()))
                        .input(2, 3).input(2, 3).jointly(distinct(-2, 2)).order(3),
                GradCheck.of("where gt", x -> Nabla.where(x.get(0).gt(x.get(1)), x.get(0).sin(), x.get(1).pow(3)))
                        .input(2, 3).input(2, 3).jointly(distinct(-2, 2)).order(3),
                GradCheck.of("where ge", x -> Nabla.where(x.get(0).ge(x.get(1)), x.get(0).sin(), x.get(1).pow(3)))
                        .input(2, 3).input(2, 3).jointly(distinct(-2, 2)).order(3),
                // eq on piecewise-constant values (signs), so that finite differences never flip it.
                GradCheck.of("where eq", x -> Nabla.where(x.get(0).sign().eq(x.get(1).sign()), x.get(0).mul(x.get(1)),
                                x.get(0).sub(x.get(1)).tanh()))
                        .input(awayFromZero(0.2, 2), 2, 3).input(awayFromZero(0.2, 2), 2, 3).order(3),
                GradCheck.of("where gt number", x -> Nabla.where(x.get(0).gt(0.0), x.get(0).sin(), x.get(0).mul(x.get(0))))
                        .input(awayFromZero(0.2, 2), 2, 3).order(3),
                GradCheck.of("where lt number, eq number", x -> Nabla.where(x.get(0).lt(0.0), x.get(0).exp(),
                                Nabla.where(x.get(0).sign().eq(1.0), x.get(0).cos(), x.get(0))))
                        .input(awayFromZero(0.2, 2), 2, 3).order(3),
                // cond [3,1] broadcast against a [4] and a number.
                GradCheck.of("where broadcast cond[3,1], a[4], number", x -> Nabla.where(x.get(0).gt(0.0),
                                x.get(1).mul(x.get(0)), 2.0))
                        .input(awayFromZero(0.2, 2), 3, 1).input(uniform(-2, 2), 4).order(3),
                GradCheck.of("where broadcast number, b[4]", x -> Nabla.where(x.get(0).le(0.0), 0.5,
                                x.get(1).mul(x.get(1)).mul(x.get(0))))
                        .input(awayFromZero(0.2, 2), 3, 1).input(uniform(-2, 2), 4).order(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("whereAndComparisons")
    void whereWithComparisonsToThirdOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    private static GradCheck reduction(String name, GradCheck.Fn fn, GradCheck.Gen gen) {
        return GradCheck.of(name, fn).input(gen, 2, 3, 2).order(3);
    }

    static Stream<GradCheck> reductions() {
        GradCheck.Gen u = uniform(-2, 2);
        GradCheck.Gen d = distinct(-2, 2);
        GradCheck.Gen p = awayFromZero(0.5, 1.5);
        return Stream.of(
                // sum and mean are linear: squared afterwards so that higher orders are not trivial.
                reduction("sum all", x -> x.get(0).sum().pow(2), u),
                reduction("sum axis 1", x -> x.get(0).sum(1).pow(2), u),
                reduction("sum axes 0,2", x -> x.get(0).sum(0, 2).pow(2), u),
                reduction("sum axis -1", x -> x.get(0).sum(-1).sin(), u),
                reduction("sum keepDims axis 1", x -> x.get(0).sumKeepDims(1).mul(x.get(0)), u),
                reduction("sum keepDims all", x -> x.get(0).sumKeepDims().mul(x.get(0)), u),
                reduction("mean all", x -> x.get(0).mean().pow(2), u),
                reduction("mean axis 0", x -> x.get(0).mean(0).pow(2), u),
                reduction("mean axes 1,2", x -> x.get(0).mean(1, 2).sin(), u),
                reduction("mean keepDims axis 2", x -> x.get(0).meanKeepDims(2).mul(x.get(0)), u),
                reduction("mean keepDims all", x -> x.get(0).meanKeepDims().mul(x.get(0)), u),
                reduction("max all", x -> x.get(0).max().pow(2), d),
                reduction("max axis 1", x -> x.get(0).max(1).pow(2), d),
                reduction("max axes 0,2", x -> x.get(0).max(0, 2).pow(3), d),
                reduction("max keepDims axis 1", x -> x.get(0).maxKeepDims(1).mul(x.get(0)), d),
                reduction("max keepDims all", x -> x.get(0).maxKeepDims().mul(x.get(0)), d),
                reduction("min all", x -> x.get(0).min().pow(2), d),
                reduction("min axis 2", x -> x.get(0).min(2).pow(2), d),
                reduction("min axes 0,1", x -> x.get(0).min(0, 1).pow(3), d),
                reduction("min keepDims axis 0", x -> x.get(0).minKeepDims(0).mul(x.get(0)), d),
                reduction("min keepDims all", x -> x.get(0).minKeepDims().mul(x.get(0)), d),
                reduction("prod all", x -> x.get(0).prod(), p),
                reduction("prod axis 1", x -> x.get(0).prod(1), p),
                reduction("prod axes 0,2", x -> x.get(0).prod(0, 2), p),
                reduction("prod keepDims axis 2", x -> x.get(0).prodKeepDims(2).mul(x.get(0)), p),
                reduction("prod keepDims all", x -> x.get(0).prodKeepDims(), p),
                GradCheck.of("prod of [4]", x -> x.get(0).prod()).input(awayFromZero(0.5, 1.5), 4)
                        .order(3),
                // prod is a polynomial, smooth at zeros too: rows with one, two and no zeros. A
                // difference step turns a zero into +-h, where the slope is prod/x and its own
                // derivative (prod/x)/x - prod/x^2, two terms of size ~1/h that cancel: the
                // function values round with errors ~1e-16/h, not ~1e-16 of their size, so the
                // default step (1e-2) is needed; at 1e-4 third-order values were off by ~1e-7.
                // The chain functions are polynomials of degree <= 6 along any line, which the
                // extrapolated difference takes exactly.
                GradCheck.of("prod axis 1 with one and two zeros,", x -> x.get(0).prod(1))
                        .input(fixed(2, 0, 3, -1.5, 0, -0.5, 0, 1.25, 0.5, 1.5, -2, 0.75), 3, 4).order(3),
                // Second order only: see prodDerivativesThroughAllOfThreeZerosAreZeroToday below.
                GradCheck.of("prod all with three zeros, to second order", x -> x.get(0).prod())
                        .input(fixed(0, 1.5, 0, -2, 0), 5).order(2),
                reduction("logSumExp all", x -> x.get(0).logSumExp(), u),
                reduction("logSumExp axis 1", x -> x.get(0).logSumExp(1), u),
                reduction("logSumExp axes 0,2", x -> x.get(0).logSumExp(0, 2), u),
                reduction("logSumExp keepDims axis 2", x -> x.get(0).logSumExpKeepDims(2).mul(x.get(0)), u),
                reduction("softmax axis 0", x -> x.get(0).softmax(0), u),
                reduction("softmax axis 1", x -> x.get(0).softmax(1), u),
                reduction("softmax axis -1", x -> x.get(0).softmax(-1), u),
                reduction("logSoftmax axis 1", x -> x.get(0).logSoftmax(1), u),
                reduction("logSoftmax axis -1", x -> x.get(0).logSoftmax(-1), u),
                // softmax and logSumExp of a vector too.
                GradCheck.of("softmax [5]", x -> x.get(0).softmax(0)).input(uniform(-2, 2), 5).order(3),
                GradCheck.of("logSumExp [5]", x -> x.get(0).logSumExp()).input(uniform(-2, 2), 5)
                        .order(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reductions")
    void reductionsToThirdOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    /**
     * The known limitation of prod's derivative (docs/ARCHITECTURE.md, conventions), as it is
     * today: the slope at a zero of a slice with three or more zeros is held at the constant 0
     * (see LocalDerivatives.prodSlope), so a derivative that has to differentiate all of a
     * slice's m >= 3 zeros comes out 0. For prod(0, 1.5, 0, -2, 0) the third derivative with
     * respect to the three zeros is 1.5 * -2 = -3 and Nabla gives 0; every other third-derivative
     * entry (0, the true value, as a zero stays undifferentiated) is right, and so are the value and
     * the first two orders (checked above, "prod all with three zeros, to second order"). If this
     * test fails because the wrong entries became -3, the limitation is gone: make this a
     * GradCheck to third order and drop the convention's caveat.
     */
    @Test
    void prodDerivativesThroughAllOfThreeZerosAreZeroToday() {
        double[] v = {0, 1.5, 0, -2, 0};
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 5);
            Tensor p = x.prod();
            Tensor third = Nabla.jacobian(Nabla.hessian(p, x), x);
            Tensor ones = g.constant(dev.nabla.core.NDArray.of(new double[] {1, 1, 1, 1, 1}, 5));
            Tensor d1 = Nabla.jvp(p, java.util.Map.of(x, ones));
            Tensor d3 = Nabla.jvp(Nabla.jvp(d1, java.util.Map.of(x, ones)), java.util.Map.of(x, ones));
            // d/dx4 of d3/dx1 dx0 dx2: one entry of the fourth derivative.
            Tensor fourth = third.slice(0, 1, 2).slice(1, 0, 1).slice(2, 2, 3).sum().grad(x);
            var values = g.compile().eval(java.util.Map.of(x, dev.nabla.core.NDArray.of(v, 5)), third, d3, fourth);
            double[] t = values.get(0).toDoubleArray();
            int wrong = 0;
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 5; j++) {
                    for (int k = 0; k < 5; k++) {
                        // True: the product of the other two elements for distinct i, j, k; else 0.
                        double truth = 0;
                        if (i != j && j != k && i != k) {
                            truth = 1;
                            for (int m = 0; m < 5; m++) {
                                truth *= m == i || m == j || m == k ? 1 : v[m];
                            }
                        }
                        boolean allZeros = truth != 0;
                        double today = allZeros ? 0 : truth;
                        wrong += allZeros ? 1 : 0;
                        org.junit.jupiter.api.Assertions.assertEquals(today, t[(i * 5 + j) * 5 + k], 1e-12,
                                "d3 prod / dx" + i + " dx" + j + " dx" + k + " (true value " + truth + ")");
                    }
                }
            }
            org.junit.jupiter.api.Assertions.assertEquals(6, wrong, "the permutations of (0, 2, 4)");
            // Forward mode goes through the same slopes: the third derivative along (1,1,1,1,1) is
            // 3! * (-3) = -18, and Nabla gives 0.
            org.junit.jupiter.api.Assertions.assertEquals(0.0, values.get(1).item(), 1e-12);
            // Fourth order: d4 / dx1 dx0 dx2 dx4 is -2 (the remaining element), 0 today.
            org.junit.jupiter.api.Assertions.assertEquals(0.0, values.get(2).getDouble(4), 1e-12);
        }
    }

    static Stream<GradCheck> shapeOps() {
        GradCheck.Gen u = uniform(-2, 2);
        return Stream.of(
                GradCheck.of("reshape [2,3,2]->[3,4]", x -> x.get(0).reshape(3, 4).sin().mul(x.get(0).reshape(3, 4)))
                        .input(u, 2, 3, 2).order(3),
                GradCheck.of("reshape -1", x -> x.get(0).reshape(-1).pow(3)).input(u, 2, 3).order(3),
                GradCheck.of("permute (2,0,1)", x -> x.get(0).permute(2, 0, 1).mul(x.get(1)))
                        .input(u, 2, 3, 2).input(u, 2, 2, 3).order(3),
                GradCheck.of("transpose(0,2)", x -> x.get(0).transpose(0, 2).sin().mul(x.get(0).transpose(0, 2)))
                        .input(u, 2, 3, 2).order(3),
                GradCheck.of("transpose() matrix", x -> x.get(0).transpose().mul(x.get(1)).sin())
                        .input(u, 2, 3).input(u, 3, 2).order(3),
                GradCheck.of("broadcastTo [3,1]->[2,3,2]", x -> x.get(0).broadcastTo(2, 3, 2).mul(x.get(1)).sin())
                        .input(u, 3, 1).input(u, 2, 3, 2).order(3),
                GradCheck.of("broadcastTo [3]->[2,3]", x -> x.get(0).broadcastTo(2, 3).pow(2).mul(x.get(1)))
                        .input(u, 3).input(u, 2, 3).order(3),
                GradCheck.of("broadcastTo [] -> [2,2]", x -> x.get(0).broadcastTo(2, 2).mul(x.get(1)).sin())
                        .input(u).input(u, 2, 2).order(3),
                GradCheck.of("squeeze axis 1", x -> x.get(0).squeeze(1).pow(3)).input(u, 2, 1, 3).order(3),
                GradCheck.of("squeeze all", x -> x.get(0).squeeze().sin().mul(x.get(1)))
                        .input(u, 1, 3, 1).input(u, 3).order(3),
                GradCheck.of("unsqueeze 0", x -> x.get(0).unsqueeze(0).mul(x.get(1)).sin())
                        .input(u, 3).input(u, 2, 3).order(3),
                GradCheck.of("unsqueeze -1", x -> x.get(0).unsqueeze(-1).mul(x.get(1)).sin())
                        .input(u, 3).input(u, 3, 2).order(3),
                GradCheck.of("slice axis 1 [1,4)", x -> x.get(0).slice(1, 1, 4).pow(3)).input(u, 2, 5).order(3),
                GradCheck.of("slice step 2", x -> x.get(0).slice(1, 0, 5, 2).sin().mul(x.get(0).slice(1, 1, 4, 2).sum()))
                        .input(u, 2, 5).order(3),
                GradCheck.of("slice negative start, step 3", x -> x.get(0).slice(0, -5, 6, 3).pow(2))
                        .input(u, 6, 2).order(3),
                GradCheck.of("slice of slice", x -> x.get(0).slice(1, 1, 5).slice(0, 1, 3).slice(1, 0, 4, 2).exp())
                        .input(u, 3, 6).order(3),
                GradCheck.of("concat axis 1 (3 parts)", x -> Nabla.concat(1, x.get(0), x.get(1).sin(), x.get(0)).pow(2))
                        .input(u, 2, 3).input(u, 2, 1).order(3),
                GradCheck.of("concat axis 0", x -> Nabla.concat(0, x.get(0), x.get(1)).sin().mul(Nabla.concat(0, x.get(1), x.get(0))))
                        .input(u, 2, 3).input(u, 2, 3).order(3),
                GradCheck.of("stack axis 0", x -> Nabla.stack(0, x.get(0), x.get(1)).pow(3))
                        .input(u, 2, 3).input(u, 2, 3).order(3),
                GradCheck.of("stack axis -1", x -> Nabla.stack(-1, x.get(0), x.get(1), x.get(0).mul(x.get(1))).sin())
                        .input(u, 3).input(u, 3).order(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeOps")
    void shapeOpsToThirdOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    static Stream<GradCheck> matmulOps() {
        GradCheck.Gen u = uniform(-1.5, 1.5);
        return Stream.of(
                GradCheck.of("matmul [2,3]x[3,4]", x -> x.get(0).matmul(x.get(1))).input(u, 2, 3).input(u, 3, 4).order(3),
                GradCheck.of("matmul batched [2,2,3]x[2,3,2]", x -> x.get(0).matmul(x.get(1)))
                        .input(u, 2, 2, 3).input(u, 2, 3, 2).order(3),
                GradCheck.of("matmul batch-broadcast [2,2,3]x[3,2]", x -> x.get(0).matmul(x.get(1)))
                        .input(u, 2, 2, 3).input(u, 3, 2).order(3),
                GradCheck.of("matmul batch-broadcast both [2,1,2,2]x[3,2,2]", x -> Nabla.matmul(x.get(0), x.get(1)))
                        .input(u, 2, 1, 2, 2).input(u, 3, 2, 2).order(3),
                GradCheck.of("matmul vector x matrix [3]x[3,4]", x -> x.get(0).matmul(x.get(1)))
                        .input(u, 3).input(u, 3, 4).order(3),
                GradCheck.of("matmul matrix x vector [2,3]x.get(3)", x -> x.get(0).matmul(x.get(1)))
                        .input(u, 2, 3).input(u, 3).order(3),
                GradCheck.of("matmul vector x vector [3]x.get(3)", x -> x.get(0).matmul(x.get(1)))
                        .input(u, 3).input(u, 3).order(3),
                GradCheck.of("matmul vector x batch [3]x[2,3,2]", x -> x.get(0).matmul(x.get(1)))
                        .input(u, 3).input(u, 2, 3, 2).order(3),
                GradCheck.of("matmul x^T x (shared operand)", x -> x.get(0).transpose().matmul(x.get(0)))
                        .input(u, 3, 2).order(3),
                GradCheck.of("tanh(matmul)", x -> x.get(0).matmul(x.get(1)).tanh())
                        .input(u, 2, 3).input(u, 3, 2).order(3),
                GradCheck.of("dot", x -> x.get(0).dot(x.get(1))).input(u, 4).input(u, 4).order(3),
                GradCheck.of("dot self, sin", x -> x.get(0).dot(x.get(0)).sin()).input(u, 4).order(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("matmulOps")
    void matmulAndDotToThirdOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    static Stream<GradCheck> castOps() {
        return Stream.of(
                // f64 -> f64 is the identity op; checked at full precision.
                GradCheck.of("cast f64->f64", x -> x.get(0).cast(DType.F64).sin()).input(uniform(-2, 2), 2, 3).order(3),
                // Through f32 the function is a staircase with steps of ~6e-8 of its values: its
                // values carry a few f32 roundoffs (noise 2^-22, against 64 f64 roundoffs), which
                // the extrapolated difference magnifies by 6.6 / h: ~2e-4 of their size at the
                // default step. Tangents and cotangents are rounded to f32 on their way through
                // the casts (relative error ~6e-8 each), so reverse and forward mode agree to
                // ~1e-7, not 1e-9.
                GradCheck.of("cast f64->f32->f64", x -> x.get(0).cast(DType.F32).cast(DType.F64).sin())
                        .input(uniform(-1, 1), 2, 3).order(3).noise(0x1p-22).consistency(1e-6),
                GradCheck.of("cast f64->f32, exp in f32, ->f64", x -> x.get(0).cast(DType.F32).exp().cast(DType.F64))
                        .input(uniform(-1, 1), 2, 3).order(3).noise(0x1p-22).consistency(1e-6),
                GradCheck.of("cast f32 product back to f64", x -> x.get(0).cast(DType.F32).mul(x.get(1).cast(DType.F32))
                                .cast(DType.F64).mul(x.get(0)))
                        .input(uniform(-1, 1), 3).input(uniform(-1, 1), 3).order(3).noise(0x1p-22).consistency(1e-6));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("castOps")
    void castToThirdOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    static Stream<GradCheck> stopGradientOps() {
        return Stream.of(
                // stopGradient where the function does not depend on the detached value: a
                // softmax and a logSumExp written by hand with a detached shift m. The true
                // function is the same for every m, so the derivative holding m fixed is exact.
                GradCheck.of("softmax by hand, stopGradient(max) shift", x -> {
                    Tensor e = x.get(0).sub(x.get(0).maxKeepDims(1).stopGradient()).exp();
                    return e.div(e.sumKeepDims(1));
                }).input(distinct(-2, 2), 2, 3).order(3),
                GradCheck.of("logSumExp by hand, stopGradient(mean) shift", x -> {
                    Tensor m = x.get(0).mean().stopGradient();
                    return x.get(0).sub(m).exp().sum().log().add(m);
                }).input(uniform(-2, 2), 2, 3).order(3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stopGradientOps")
    void stopGradientWhereItChangesNothing(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }
}

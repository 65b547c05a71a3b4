package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.UnaryFn;
import java.util.List;

/**
 * Taylor series of the ops whose series is not a coefficient-wise map of their operands': the
 * elementary functions, each through the first-order ODE it satisfies (exp' = exp·x', tanh' =
 * (1 - tanh²)·x', ...), powers, and the product reduction. Every rule costs O(n²) nodes for n
 * orders. At non-differentiable points they follow {@link LocalDerivatives}' conventions.
 */
final class SeriesFunctions {
    /** Integer exponents up to this are taken by repeated products, which are exact at a base of 0. */
    private static final int MAX_PRODUCT_EXPONENT = 1024;

    private SeriesFunctions() {}

    /** The series of y = fn(x). */
    static Series unary(UnaryFn fn, Node y, Series x) {
        Node x0 = x.primal();
        return switch (fn) {
            // Piecewise linear: every coefficient takes the slope of x_0's piece (0 at a kink).
            case NEG, ABS, SIGN, RELU -> x.map(y, g -> LocalDerivatives.unaryChain(fn, x0, y, g));
            case EXP, EXPM1 -> Series.integrate(x, y, (m, s) -> m == 0 ? LocalDerivatives.unary(fn, x0, y) : s.at(m));
            case TAN -> Series.integrate(x, y,
                    (m, s) -> m == 0 ? LocalDerivatives.unary(fn, x0, y) : Series.squareCoefficient(s, m, 0));
            case TANH -> Series.integrate(x, y, (m, s) -> m == 0 ? LocalDerivatives.unary(fn, x0, y)
                    : Series.minus(null, Series.squareCoefficient(s, m, 0)));
            case SIGMOID -> sigmoidSeries(x, y);
            case SOFTPLUS -> {
                Series slope = sigmoidSeries(x.truncated(x.order() - 1), sigmoid(x0));
                yield Series.integrate(x, y, (m, s) -> slope.at(m));
            }
            case LOG -> logarithm(y, x);
            case LOG1P -> logarithm(y, x.withPrimal(add(x0, 1.0)));
            case SQRT -> sqrt(y, x);
            case RSQRT -> power(y, x, scalarLike(x0, -0.5));
            case SIN -> Series.sinCos(x, y, cos(x0))[0];
            case COS -> Series.sinCos(x, sin(x0), y)[1];
        };
    }

    /** sigmoid' = (s - s²)·x'. */
    private static Series sigmoidSeries(Series x, Node y) {
        Node x0 = x.primal();
        return Series.integrate(x, y, (m, s) -> m == 0 ? LocalDerivatives.unary(UnaryFn.SIGMOID, x0, y)
                : Series.minus(s.at(m), Series.squareCoefficient(s, m, 0)));
    }

    /** log of the series d: y' = d'/d, so k y_k is coefficient k of (t d')/d. */
    private static Series logarithm(Node y, Series d) {
        return Series.fromIndexWeighted(y, Series.quotient(d.indexWeighted(), d, null));
    }

    /** From y² = x: y_k = (x_k - Σ_{j=1..k-1} y_j y_{k-j}) / (2 y_0). */
    private static Series sqrt(Node y, Series x) {
        Node twice = mul(2.0, y);
        return Series.recurrence(y, x.order(), (k, s) -> {
            Node rest = Series.minus(x.at(k), Series.squareCoefficient(s, k, 1));
            return rest == null ? null : div(rest, twice);
        });
    }

    /**
     * y = a^p for an exponent p that does not move (a node, possibly a fill), from
     * a·y' = p·y·a': k a_0 y_k = (p + 1) Σ_{j=1..k} j a_j y_{k-j} - k Σ_{j=1..k} a_j y_{k-j}. It
     * divides by a_0, so at a base of 0 it gives NaN or infinity.
     */
    private static Series power(Node y, Series a, Node p) {
        Node a0 = a.primal();
        Node pPlusOne = add(p, 1.0);
        Series weighted = a.indexWeighted();
        return Series.recurrence(y, a.order(), (k, s) -> {
            Node withIndex = Series.convolve(weighted, s, k, 1, k, null);
            Node plain = Series.convolve(a, s, k, 1, k, null);
            Node sum = Series.minus(withIndex == null ? null : mul(pPlusOne, withIndex), Series.scale(k, plain));
            return sum == null ? null : div(sum, mul((double) k, a0));
        });
    }

    /** The series of y = a^b (elementwise, operands of one shape). */
    static Series pow(Node y, Series a, Series b) {
        Node a0 = a.primal();
        Node b0 = b.primal();
        if (b.isConstant()) {
            Double fill = b0.fillValue();
            if (fill != null && fill >= 0 && fill <= MAX_PRODUCT_EXPONENT && fill == Math.rint(fill)) {
                return integerPower(y, a, fill.intValue());
            }
            Series s = power(y, a, b0);
            // LocalDerivatives' convention: a^0 has a zero slope, also at a = 0 (where the recurrence gives 0/0).
            return fill != null ? s : s.map(y, c -> where(compare(CompareFn.EQ, b0, 0.0), structuralZerosLike(c), c));
        }
        // y = exp(b log a): k y_k is coefficient k of t(b log a)'·y. Coefficient 0 of b log a is never read.
        Series log = a.isConstant() ? Series.constant(log(a0), a.order()) : logarithm(log(a0), a);
        Series z = Series.product(b, log, null);
        Series y1 = Series.integrate(z, y, (m, s) -> s.at(m));
        if (!a.isConstant()) {
            return y1;
        }
        // A base that does not move: d/db a^b is 0 where a = 0 and b >= 0 (LocalDerivatives' convention).
        Node zeroBase = compare(CompareFn.EQ, a0, 0.0);
        Node nonNegative = compare(CompareFn.GE, b0, 0.0);
        return y1.map(y, c -> where(zeroBase, where(nonNegative, structuralZerosLike(c), c), c));
    }

    /** a^p for a whole p >= 0 by repeated squaring of the series: exact at a base of 0 too. */
    private static Series integerPower(Node y, Series a, int p) {
        Series result = null;
        Series base = a;
        for (int e = p; e > 0; e >>= 1) {
            if ((e & 1) != 0) {
                result = result == null ? base : Series.product(result, base, mul(result.primal(), base.primal()));
            }
            if (e > 1) {
                base = Series.square(base, mul(base.primal(), base.primal()));
            }
        }
        return result == null ? Series.constant(y, a.order()) : result.withPrimal(y);
    }

    /**
     * The product over the reduced axes, exact with any number of zeros: the reduced axes are
     * flattened into a last axis of length M, then neighbours are multiplied pairwise (Cauchy
     * products of strided slices), halving M each round: O(n² log M) nodes.
     */
    static Series prod(Node y, Op.Reduce r, Series x) {
        Node x0 = x.primal();
        int rank = x0.rank();
        int[] perm = new int[rank];
        int kept = 0;
        int length = 1;
        for (int a = 0; a < rank; a++) {
            if (!r.axes().contains(a)) {
                perm[kept++] = a;
            }
        }
        int[] flat = new int[kept + 1];
        for (int i = 0; i < kept; i++) {
            flat[i] = x0.shape().dim(perm[i]);
        }
        int next = kept;
        for (int a : r.axes()) {
            perm[next++] = a;
            length *= x0.shape().dim(a);
        }
        if (length == 0) {
            return Series.constant(y, x.order());
        }
        flat[kept] = length;
        int last = kept;
        Series s = x.map(c -> reshape(permute(c, perm), flat));
        for (int m = length; m > 1; m = m / 2 + m % 2) {
            int pairs = m / 2;
            Series even = s.map(c -> slice(c, last, 0, 2 * pairs, 2));
            Series odd = s.map(c -> slice(c, last, 1, 2 * pairs, 2));
            Series product = Series.product(even, odd, mul(even.primal(), odd.primal()));
            if (m % 2 == 1) {
                // An odd element out waits for the next round.
                int end = m;
                Series rest = s.map(c -> slice(c, last, end - 1, end, 1));
                product = Series.combine(List.of(product, rest), concat(last, List.of(product.primal(), rest.primal())),
                        parts -> concat(last, parts));
            }
            s = product;
        }
        return s.map(y, c -> reshape(c, y.shape()));
    }
}

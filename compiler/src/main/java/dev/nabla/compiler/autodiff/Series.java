package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A truncated Taylor series y_0 + y_1 t + ... + y_n t^n of one tensor along a path x + t v, as
 * nodes of the tensor's shape and dtype. y_0 is the value itself; a null coefficient is zero, so
 * terms that cannot contribute cost no nodes. Besides the representation it holds the series
 * arithmetic Taylor mode composes: Cauchy products, the quotient recurrence and the first-order
 * ODE recurrence from which the elementary functions follow (see {@link SeriesFunctions}).
 *
 * <p>All sums of products are chains of fused multiply-adds: one node per term.
 */
final class Series {
    /**
     * Coefficient k, or null for zero. Above order 0 never a structural zero (those are turned
     * into null); y_0 is the value, which may be one (a derivative graph's zero).
     */
    private final Node[] c;

    private Series(Node[] c) {
        this.c = c;
        for (int k = 1; k < c.length; k++) {
            if (c[k] != null && c[k].isSymbolicZero()) {
                c[k] = null;
            }
        }
    }

    /** y_0 = value, every other coefficient zero: something that does not move along the path. */
    static Series constant(Node value, int order) {
        Node[] c = new Node[order + 1];
        c[0] = value;
        return new Series(c);
    }

    /** The series with these coefficients (null: zero), y_0 first. */
    static Series of(List<Node> coefficients) {
        return new Series(coefficients.toArray(Node[]::new));
    }

    /** x + t v: the path itself (order >= 1). */
    static Series line(Node x, Node v, int order) {
        Node[] c = new Node[order + 1];
        c[0] = x;
        c[1] = v;
        return new Series(c);
    }

    int order() {
        return c.length - 1;
    }

    /** Coefficient k; null when it is zero. */
    Node at(int k) {
        return c[k];
    }

    Node primal() {
        return c[0];
    }

    /** Whether every coefficient of order 1 and up is zero. */
    boolean isConstant() {
        for (int k = 1; k < c.length; k++) {
            if (c[k] != null) {
                return false;
            }
        }
        return true;
    }

    /** The same series with y_0 replaced by {@code primal} (the node whose series this is). */
    Series withPrimal(Node primal) {
        Node[] out = c.clone();
        out[0] = primal;
        return new Series(out);
    }

    /** f applied to every non-zero coefficient, y_0 included: the series of a linear op of this. */
    Series map(UnaryOperator<Node> f) {
        Node[] out = new Node[c.length];
        for (int k = 0; k < c.length; k++) {
            out[k] = c[k] == null ? null : f.apply(c[k]);
        }
        return new Series(out);
    }

    /** f applied to every non-zero coefficient of order 1 and up, with {@code primal} as y_0. */
    Series map(Node primal, UnaryOperator<Node> f) {
        Node[] out = new Node[c.length];
        out[0] = primal;
        for (int k = 1; k < c.length; k++) {
            out[k] = c[k] == null ? null : f.apply(c[k]);
        }
        return new Series(out);
    }

    /**
     * The series of dy/dt, one order shorter (coefficient j is (j+1)·y_{j+1}), with {@code primal}
     * standing for its value y_1: a placeholder that the caller replaces afterwards.
     */
    Series derivative(Node primal) {
        Node[] out = new Node[c.length - 1];
        out[0] = primal;
        for (int j = 1; j < out.length; j++) {
            out[j] = c[j + 1] == null ? null : mul((double) (j + 1), c[j + 1]);
        }
        return new Series(out);
    }

    /** k·y_k: the coefficients of t·dy/dt, the form in which the recurrences below take a path. */
    Series indexWeighted() {
        Node[] out = new Node[c.length];
        for (int k = 1; k < c.length; k++) {
            out[k] = c[k] == null ? null : mul((double) k, c[k]);
        }
        return new Series(out);
    }

    // ---- coefficient arithmetic, null meaning zero ----

    static Node plus(Node a, Node b) {
        return a == null ? b : b == null ? a : add(a, b);
    }

    static Node minus(Node a, Node b) {
        return b == null ? a : a == null ? neg(b) : sub(a, b);
    }

    static Node scale(double s, Node a) {
        return a == null ? null : mul(s, a);
    }

    /** a·b + acc, one rounding; null when both the product and acc are zero. */
    static Node multiplyAdd(Node a, Node b, Node acc) {
        if (a == null || b == null) {
            return acc;
        }
        return acc == null ? mul(a, b) : fma(a, b, acc);
    }

    /** acc + Σ_{j=lo..hi} a_j·b_{k-j}: part of coefficient k of the Cauchy product a·b. */
    static Node convolve(Series a, Series b, int k, int lo, int hi, Node acc) {
        Node s = acc;
        for (int j = lo; j <= hi; j++) {
            s = multiplyAdd(a.c[j], b.c[k - j], s);
        }
        return s;
    }

    /**
     * Σ_{j=lo..k-lo} a_j·a_{k-j}, coefficient k of a² without its lo outer terms on each side:
     * each cross term once, doubled, so a square costs half a product.
     */
    static Node squareCoefficient(Series a, int k, int lo) {
        Node cross = null;
        for (int j = lo; 2 * j < k; j++) {
            cross = multiplyAdd(a.c[j], a.c[k - j], cross);
        }
        Node middle = k % 2 == 0 ? a.c[k / 2] : null;
        if (cross == null) {
            return middle == null ? null : mul(middle, middle);
        }
        return middle == null ? mul(2.0, cross) : fma(scalarLike(cross, 2.0), cross, mul(middle, middle));
    }

    // ---- series arithmetic ----

    /** What coefficient k of a series built order by order is; it may read the coefficients below k. */
    interface Step {
        Node at(int k, Series below);
    }

    /** The series with y_0 = {@code y0} and y_k = step(k, y) for k = 1..order, in that order. */
    static Series recurrence(Node y0, int order, Step step) {
        Node[] y = new Node[order + 1];
        y[0] = y0;
        // The series under construction: the step reads only the coefficients already set.
        Series partial = new Series(y);
        for (int k = 1; k <= order; k++) {
            y[k] = normalized(step.at(k, partial));
        }
        return partial;
    }

    /** The first {@code order} + 1 coefficients (a companion series is needed to one order less). */
    Series truncated(int order) {
        return new Series(Arrays.copyOf(c, order + 1));
    }

    /** The Cauchy product a·b plus {@code addend} (null: none), with y_0 = {@code primal}. */
    static Series product(Series a, Series b, Node primal, Series addend) {
        if (a == b && addend == null) {
            return square(a, primal);
        }
        return recurrence(primal, a.order(), (k, y) -> convolve(a, b, k, 0, k, addend == null ? null : addend.at(k)));
    }

    static Series product(Series a, Series b, Node primal) {
        return product(a, b, primal, null);
    }

    /** a², with y_0 = {@code primal}. */
    static Series square(Series a, Node primal) {
        return recurrence(primal, a.order(), (k, y) -> squareCoefficient(a, k, 0));
    }

    /** Σ_j times(a_j, b_{k-j}) for a bilinear op other than the elementwise product (matmul). */
    static Series bilinear(Series a, Series b, Node primal, BinaryOperator<Node> times) {
        return recurrence(primal, a.order(), (k, y) -> {
            Node sum = null;
            for (int j = 0; j <= k; j++) {
                if (a.c[j] != null && b.c[k - j] != null) {
                    sum = plus(sum, times.apply(a.c[j], b.c[k - j]));
                }
            }
            return sum;
        });
    }

    /**
     * Coefficient-wise f of several series, for ops linear in each (concat, where, a selection):
     * wherever any part has a non-zero coefficient, f gets every part's, the zero ones as
     * structural zeros of that part's shape (which the simplifier drops again where it can).
     */
    static Series combine(List<Series> parts, Node primal, Function<List<Node>, Node> f) {
        return recurrence(primal, parts.get(0).order(), (k, y) -> {
            if (parts.stream().allMatch(p -> p.c[k] == null)) {
                return null;
            }
            List<Node> coefficients = new ArrayList<>(parts.size());
            for (Series p : parts) {
                coefficients.add(p.c[k] != null ? p.c[k] : structuralZerosLike(p.c[0]));
            }
            return f.apply(coefficients);
        });
    }

    /**
     * q = u / d, from q·d = u: q_k = (u_k - Σ_{j=1..k} d_j q_{k-j}) / d_0, with q_0 given (null:
     * zero).
     */
    static Series quotient(Series u, Series d, Node q0) {
        return recurrence(q0, u.order(), (k, q) -> {
            Node rest = minus(u.c[k], convolve(d, q, k, 1, k, null));
            return rest == null ? null : div(rest, d.c[0]);
        });
    }

    /** What w_m is for {@link #integrate}: it may read y_0..y_m of the series being built. */
    interface Slope {
        Node at(int m, Series y);
    }

    /**
     * The y with y_0 = {@code y0} and dy/dt = w·dx/dt, for w given coefficient by coefficient: in
     * t-derivative form k y_k = Σ_{j=1..k} (j x_j)·w_{k-j}. exp (w = y), tanh (w = 1 - y²) and
     * the like are all this recurrence with their own w; each order costs one pass over the
     * lower ones, so n orders cost O(n²) nodes.
     */
    static Series integrate(Series x, Node y0, Slope w) {
        Series path = x.indexWeighted();
        Node[] slope = new Node[x.order()];
        return recurrence(y0, x.order(), (k, y) -> {
            slope[k - 1] = normalized(w.at(k - 1, y));
            Node sum = null;
            for (int j = 1; j <= k; j++) {
                sum = multiplyAdd(path.c[j], slope[k - j], sum);
            }
            return scale(1.0 / k, sum);
        });
    }

    /**
     * Sine and cosine of x together, since each one's slope is the other:
     * k s_k = Σ_{j=1..k} (j x_j) c_{k-j} and k c_k = -Σ_{j=1..k} (j x_j) s_{k-j}.
     */
    static Series[] sinCos(Series x, Node s0, Node c0) {
        int n = x.order();
        Series path = x.indexWeighted();
        Node[] s = new Node[n + 1];
        Node[] c = new Node[n + 1];
        s[0] = s0;
        c[0] = c0;
        for (int k = 1; k <= n; k++) {
            Node sinSum = null;
            Node cosSum = null;
            for (int j = 1; j <= k; j++) {
                sinSum = multiplyAdd(path.c[j], c[k - j], sinSum);
                cosSum = multiplyAdd(path.c[j], s[k - j], cosSum);
            }
            s[k] = normalized(scale(1.0 / k, sinSum));
            c[k] = normalized(scale(-1.0 / k, cosSum));
        }
        return new Series[] {new Series(s), new Series(c)};
    }

    /** y_k = q_k / k: the series whose t-derivative form is q (q_0 must be zero). */
    static Series fromIndexWeighted(Node y0, Series q) {
        return recurrence(y0, q.order(), (k, y) -> scale(1.0 / k, q.c[k]));
    }

    private static Node normalized(Node x) {
        return x == null || x.isSymbolicZero() ? null : x;
    }
}

package dev.nabla.compiler.passes;

import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.UnaryFn;

/**
 * Collects like terms of a sum where the simplifier may reassociate (inside a derivative, or
 * with FAST arithmetic): {@code 2x + 3x = 5x}, {@code (p - s) - 2s = p - 3s},
 * {@code (x - 2) + 5 = x + 3}, {@code 8(1 - t) - 4t = 8 - 12t}, {@code a*u + b*u = (a + b)*u}.
 *
 * <p>Each operand of {@code a ± b} is read as one or two terms, each a node times a constant
 * coefficient: a sum or difference, or a constant multiple or negation of one, gives its two
 * operands; anything else is one term (constant factors and negations fold into the
 * coefficient). A term of {@code a} is merged with a term of {@code b} when both are the same
 * node, both constants, or products with a common factor; the sum is then rebuilt from the terms
 * left. Looking one level deep keeps the work per node constant; since rebuilt sums are collected
 * as they are built, a chain of sums stays collected as it grows. Terms of one operand are never
 * merged with each other: that operand was collected (or written by the user) already and may be
 * used elsewhere, so rewriting it would add nodes.
 */
final class LikeTerms {
    /**
     * Merges made for one node a caller builds: rebuilt sums are collected in turn, and this
     * bounds the work of such a cascade (measured: 4 already finds nearly all of them).
     */
    private static final int BUDGET = 24;
    /** Collections nested at most (each rebuilt sum may collect again): bounds the stack. */
    private static final int MAX_NESTING = 8;

    /** Per thread: {collections in progress, merges made since the outermost began}. */
    private static final ThreadLocal<int[]> STATE = ThreadLocal.withInitial(() -> new int[2]);

    private LikeTerms() {}

    /** {@code coefficient * node}; node null for a constant term. */
    private record Term(Node node, double coefficient) {}

    /** {@code a + b} or {@code a - b} with like terms collected, or null when none meet. */
    static Node sum(Node a, Node b, boolean subtract) {
        int[] state = STATE.get();
        if (state[0] == 0) {
            state[1] = 0;
        }
        if (state[0] >= MAX_NESTING || state[1] >= BUDGET) {
            return null;
        }
        state[0]++;
        try {
            return collect(a, b, subtract);
        } finally {
            state[0]--;
        }
    }

    private static Node collect(Node a, Node b, boolean subtract) {
        Term[] terms = new Term[4];
        int left = split(a, 1, terms, 0);
        int count = split(b, subtract ? -1 : 1, terms, left);
        for (int i = 0; i < left; i++) {
            for (int j = left; j < count; j++) {
                Term merged = merge(terms[i], terms[j], a);
                if (merged != null) {
                    STATE.get()[1]++;
                    terms[i] = merged.node() == null && merged.coefficient() == 0 ? null : merged;
                    terms[j] = null;
                    return rebuild(a, terms, count);
                }
            }
        }
        return null;
    }

    /** Puts k*x as one or two terms at {@code at}; returns the next free index. */
    private static int split(Node x, double k, Term[] terms, int at) {
        Term t = term(x, k);
        Node n = t.node();
        if (n != null && n.op() instanceof Op.Binary(BinaryFn f) && (f == BinaryFn.ADD || f == BinaryFn.SUB)) {
            double c = t.coefficient();
            terms[at] = term(n.input(0), c);
            terms[at + 1] = term(n.input(1), f == BinaryFn.ADD ? c : -c);
            return at + 2;
        }
        terms[at] = t;
        return at + 1;
    }

    /**
     * k*x as a term: negations and constant factors fold into the coefficient while the product
     * of the constants is a normal number (see {@link Simplifier#combinable}).
     */
    private static Term term(Node x, double k) {
        Node n = x;
        double c = k;
        // A few steps: a user's chain of constant factors may be long, and is left as it is.
        for (int step = 0; step < 4; step++) {
            Double v = n.fillValue();
            if (v != null) {
                double product = n.dtype().round(c * v);
                return product == 0 || Simplifier.combinable(n, product) ? new Term(null, product) : new Term(n, c);
            }
            if (n.op() instanceof Op.Unary(UnaryFn f) && f == UnaryFn.NEG) {
                n = n.input(0);
                c = -c;
            } else if (isMul(n) && n.input(0).fillValue() != null
                    && Simplifier.combinable(n, n.dtype().round(c * n.input(0).fillValue()))) {
                c = n.dtype().round(c * n.input(0).fillValue());
                n = n.input(1);
            } else {
                return new Term(n, c);
            }
        }
        return new Term(n, c);
    }

    /** The sum of the terms left, in their order; zeros when none is. */
    private static Node rebuild(Node like, Term[] terms, int count) {
        Node sum = null;
        for (int k = 0; k < count; k++) {
            Term t = terms[k];
            if (t == null) {
                continue;
            }
            if (sum == null) {
                sum = scaled(like, t.node(), t.coefficient());
            } else if (t.coefficient() < 0) {
                sum = Ops.sub(sum, scaled(like, t.node(), -t.coefficient()));
            } else {
                sum = Ops.add(sum, scaled(like, t.node(), t.coefficient()));
            }
        }
        return sum != null ? sum : Ops.zerosLike(like);
    }

    /** c*x, x null meaning 1. */
    private static Node scaled(Node like, Node x, double c) {
        Node constant = Ops.fill(like.table(), c, like.shape(), like.dtype());
        return x == null ? constant : Ops.mul(constant, x);
    }

    /** p + q as one term, or null when they do not merge; a zero constant term when they cancel. */
    private static Term merge(Term p, Term q, Node like) {
        if (p.node() == q.node()) {
            double c = like.dtype().round(p.coefficient() + q.coefficient());
            if (p.node() == null) {
                // Constants: a zero sum drops out ((x - 2) + 2 = x, also for inf).
                return c == 0 || Simplifier.combinable(like, c) ? new Term(null, c) : null;
            }
            if (c != 0) {
                return Simplifier.combinable(like, c) ? new Term(p.node(), c) : null;
            }
            // x - x is 0 only for finite x, so only FAST drops it.
            return fast(like) ? new Term(null, 0) : null;
        }
        if (p.node() == null || q.node() == null) {
            return null;
        }
        // p = a*f*r, q = b*f*s (a term that is no product is 1*itself): p + q = f*(a*r + b*s).
        // A scaled product (a != ±1) is kept whole: taking it apart measured worse, as it
        // splits products that the derivative of the graph shares.
        boolean pWhole = Math.abs(p.coefficient()) != 1;
        boolean qWhole = Math.abs(q.coefficient()) != 1;
        for (int k = 0; k < 2; k++) {
            Node f = factor(p.node(), k, pWhole);
            if (f == null) {
                continue;
            }
            for (int l = 0; l < 2; l++) {
                if (factor(q.node(), l, qWhole) == f) {
                    Node r = factor(p.node(), 1 - k, pWhole);
                    Node s = factor(q.node(), 1 - l, qWhole);
                    if (r != null && r.op() instanceof Op.Constant || s != null && s.op() instanceof Op.Constant) {
                        // A constant factor that did not fold into the coefficient (it would
                        // leave the normal numbers): not combined here either.
                        return null;
                    }
                    Term[] rest = {new Term(r, p.coefficient()), new Term(s, q.coefficient())};
                    return new Term(Ops.mul(f, rebuild(like, rest, 2)), 1);
                }
            }
        }
        return null;
    }

    private static boolean isMul(Node x) {
        return x.op() instanceof Op.Binary(BinaryFn f) && f == BinaryFn.MUL;
    }

    /** Factor k (0 or 1) of x as a product: a product's operands, or 1 (null) and x itself. */
    private static Node factor(Node x, int k, boolean whole) {
        if (isMul(x) && !whole) {
            return x.input(k);
        }
        return k == 0 ? null : x;
    }

    private static boolean fast(Node x) {
        return x.table().arithmetic() == Arithmetic.FAST;
    }
}

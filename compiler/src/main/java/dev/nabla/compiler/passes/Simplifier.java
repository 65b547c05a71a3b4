package dev.nabla.compiler.passes;

import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.UnaryFn;
import java.util.Arrays;
import java.util.List;

/**
 * Constant folding and algebraic simplification, applied by the op constructors as each node
 * is built (a peephole rewrite), so every graph, gradients included, is simplified as it grows.
 * Each method returns the simplified node, or null when no rule applies.
 *
 * <p>Three kinds of rewrite (see {@link Arithmetic}): exact ones, made always, which give the same
 * bits as the graph as written for every input, NaN, infinities and signed zeros included;
 * inside a derivative ({@link DerivativeScope}), algebraically equal ones that change only
 * rounding (constants combined when the result is a normal number, constants moved out of
 * products, powers of one base multiplied, operands of + and * in a fixed order, like terms
 * collected by {@link LikeTerms}), and a derivative's structural zero ({@link Literal.Zero})
 * dropped from sums and products; and with {@link Arithmetic#FAST} those everywhere and the
 * rewrites that assume finite values.
 */
public final class Simplifier {
    /** Dense constants up to this many elements are folded; larger ones are left to a backend. */
    private static final int MAX_FOLDED_ELEMENTS = 1 << 16;

    private Simplifier() {}

    private static boolean fast(Node x) {
        return x.table().arithmetic() == Arithmetic.FAST;
    }

    /** Whether algebraically equal rewrites may be made: inside a derivative, or with FAST arithmetic. */
    private static boolean reassociable(Node x) {
        return fast(x) || DerivativeScope.active();
    }

    public static Node unary(UnaryFn fn, Node x) {
        if (fn == UnaryFn.NEG && x.isSymbolicZero()) {
            return x;
        }
        if (isFoldable(x)) {
            return foldElementwise(x, x.dtype(), List.of(x), v -> fn.apply(v[0]));
        }
        Op inner = x.op();
        return switch (fn) {
            case NEG -> {
                if (inner instanceof Op.Unary(UnaryFn f) && f == UnaryFn.NEG) yield x.input(0);
                // -(c*x) = (-c)*x exactly: rounding is symmetric in sign.
                if (isBinaryWithConstant(x, BinaryFn.MUL)) yield Ops.mul(Ops.neg(x.input(0)), x.input(1));
                // -(a - b) is -0 where b - a is +0.
                if (reassociable(x) && inner instanceof Op.Binary(BinaryFn f) && f == BinaryFn.SUB) {
                    yield Ops.sub(x.input(1), x.input(0));
                }
                yield null;
            }
            // exp overflows where x > 709 (f64) or 88 (f32): then log(exp(x)) is inf, not x.
            case LOG -> fast(x) && inner instanceof Op.Unary(UnaryFn f) && f == UnaryFn.EXP ? x.input(0) : null;
            case ABS, RELU -> inner instanceof Op.Unary(UnaryFn f) && f == fn ? x : null;
            default -> null;
        };
    }

    /**
     * A custom function of constants has no derivative to give, so it is its primal (unless the
     * primal reads variables of its own, whose derivatives must stay refused).
     */
    public static Node custom(Node primal, List<Node> args, List<Node> captured) {
        boolean constantArgs = args.stream().allMatch(a -> a.op() instanceof Op.Constant);
        return constantArgs && captured.isEmpty() ? primal : null;
    }

    public static Node binary(BinaryFn fn, Node a, Node b) {
        Node absent = withStructuralZero(fn, a, b);
        if (absent != null) {
            return absent;
        }
        if (isFoldable(a) && isFoldable(b)) {
            return foldElementwise(a, a.dtype(), List.of(a, b), v -> fn.apply(v[0], v[1]));
        }
        if (fn.isCommutative() && b.fillValue() != null && a.fillValue() == null) {
            // Canonical order: the constant first, so "3*x" and "x*3" are one node.
            return Ops.binary(fn, b, a);
        }
        if ((fn == BinaryFn.ADD || fn == BinaryFn.MUL) && a.fillValue() == null && b.fillValue() == null
                && precedes(b, a) && reassociable(a)) {
            // In derivatives, operands in a fixed order, so that a*b and b*a are one node.
            return Ops.binary(fn, b, a);
        }
        Double ca = a.fillValue();
        boolean fast = fast(a);
        return switch (fn) {
            case ADD -> {
                // -0 + x is x for every x; +0 + -0 is +0, so +0 + x is x only for finite-minded code.
                if (a.isFillBits(-0.0) || fast && a.isFill(0)) yield b;
                if (isNeg(b)) yield Ops.sub(a, b.input(0));
                if (isNeg(a)) yield Ops.sub(b, a.input(0));
                // One level at a time, as products (see isScaled).
                if (ca != null && isBinaryWithConstant(b, BinaryFn.ADD) && !isBinaryWithConstant(b.input(1), BinaryFn.ADD)
                        && combinable(a, a.dtype().round(ca + b.input(0).fillValue()))) {
                    yield Ops.add(Ops.add(a, b.input(0)), b.input(1));
                }
                // x + x = 2x for every x: doubling is exact, and overflows where the sum does.
                if (a == b) yield Ops.mul(Ops.fill(a.table(), 2, a.shape(), a.dtype()), a);
                yield reassociable(a) ? LikeTerms.sum(a, b, false) : null;
            }
            case SUB -> {
                if (b.isFillBits(0.0) || fast && b.isFill(0)) yield a;
                if (a.isFillBits(-0.0) || fast && a.isFill(0)) yield Ops.neg(b);
                if (fast && a == b) yield Ops.zerosLike(a);
                if (isNeg(b)) yield Ops.add(a, b.input(0));
                yield reassociable(a) ? LikeTerms.sum(a, b, true) : null;
            }
            case MUL -> {
                if (a.isFill(1)) yield b;
                if (a.isFill(-1)) yield Ops.neg(b);
                if (fast && a.isFill(0)) yield a;
                if (ca != null && isNeg(b)) yield Ops.mul(Ops.neg(a), b.input(0));
                if (ca != null && isScaled(b) && combinable(a, a.dtype().round(ca * b.input(0).fillValue()))) {
                    yield Ops.mul(Ops.mul(a, b.input(0)), b.input(1));
                }
                if (isNeg(a) && isNeg(b)) yield Ops.mul(a.input(0), b.input(0));
                if (ca != null) yield null;
                // (-a)*b = -(a*b) exactly; the negation then meets sums and constants.
                if (isNeg(a)) yield Ops.neg(Ops.mul(a.input(0), b));
                if (isNeg(b)) yield Ops.neg(Ops.mul(a, b.input(0)));
                if (!reassociable(a)) yield null;
                // Constants move out of products (never back in, so this ends), where they meet
                // other constants and like terms: (2a)(3b) = 6(ab), 2(ab) + 3(ab) = 5(ab).
                if (isScaled(a)) yield Ops.mul(a.input(0), Ops.mul(a.input(1), b));
                if (isScaled(b)) yield Ops.mul(b.input(0), Ops.mul(a, b.input(1)));
                // x*x = x^2, x^2*x^3 = x^5: derivatives of powers then meet the powers they already hold.
                Node base = powerBase(a);
                yield base == powerBase(b) ? Ops.pow(base, powerExponent(a) + powerExponent(b)) : null;
            }
            case DIV -> {
                if (b.isFill(1)) yield a;
                if (b.isFill(-1)) yield Ops.neg(a);
                if (fast && a.isFill(0)) yield a;
                yield null;
            }
            case POW -> {
                if (b.isFill(1)) yield a;
                if (b.isFill(0)) yield Ops.onesLike(a);
                // Math.pow(1, NaN) is NaN.
                if (fast && a.isFill(1)) yield Ops.onesLike(a);
                yield null;
            }
            case MINIMUM, MAXIMUM -> a == b ? a : null;
        };
    }

    /**
     * A derivative's structural zero is an absent term: dropped from sums, absorbing in products
     * (even of NaN). Null when neither operand is one, or the op has no such rule.
     */
    private static Node withStructuralZero(BinaryFn fn, Node a, Node b) {
        boolean za = a.isSymbolicZero();
        boolean zb = b.isSymbolicZero();
        if (!za && !zb) {
            return null;
        }
        return switch (fn) {
            case ADD -> za ? b : a;
            case SUB -> zb ? a : Ops.neg(b);
            case MUL -> za ? a : b;
            case DIV -> za ? a : null;
            case POW, MINIMUM, MAXIMUM -> null;
        };
    }

    /**
     * Whether c1 op (c2 op x) may become (c1 op c2) op x, {@code combined} being c1 op c2: with
     * FAST arithmetic always; in a derivative when the combined constant is a normal number, so
     * that no overflow or underflow is introduced or removed by the constant alone.
     */
    static boolean combinable(Node like, double combined) {
        if (fast(like)) {
            return true;
        }
        double smallest = like.dtype() == DType.F32 ? Float.MIN_NORMAL : Double.MIN_NORMAL;
        return DerivativeScope.active() && Double.isFinite(combined) && Math.abs(combined) >= smallest;
    }

    public static Node fma(Node a, Node b, Node c) {
        if (a.isSymbolicZero() || b.isSymbolicZero()) {
            return c;
        }
        if (c.isSymbolicZero()) {
            return Ops.mul(a, b);
        }
        if (isFoldable(a) && isFoldable(b) && isFoldable(c)) {
            return foldElementwise(a, a.dtype(), List.of(a, b, c), v -> Math.fma(v[0], v[1], v[2]));
        }
        // Exact: a product with a zero or a one needs no rounding, so one rounding of the sum remains.
        if (a.isFill(0) || b.isFill(0)) {
            return Ops.add(Ops.mul(a, b), c);
        }
        if (a.isFill(1)) {
            return Ops.add(b, c);
        }
        if (b.isFill(1)) {
            return Ops.add(a, c);
        }
        // a*b + (-0) is a*b for every product; a*b + (+0) turns a -0 product into +0.
        if (c.isFillBits(-0.0) || fast(c) && c.isFill(0)) {
            return Ops.mul(a, b);
        }
        return null;
    }

    public static Node compare(CompareFn fn, Node a, Node b) {
        if (isFoldable(a) && isFoldable(b)) {
            return foldElementwise(a, DType.BOOL, List.of(a, b), v -> fn.test(v[0], v[1]) ? 1 : 0);
        }
        return null;
    }

    public static Node where(Node cond, Node a, Node b) {
        Double c = cond.fillValue();
        if (c != null) {
            return c != 0 ? a : b;
        }
        return a == b ? a : null;
    }

    public static Node reduce(ReduceFn fn, Node x, int[] axes, boolean keepDims, Shape shape) {
        if (axes.length == 0) {
            return x;
        }
        int count = 1;
        for (int axis : axes) {
            count *= x.shape().dim(axis);
        }
        Double fill = x.fillValue();
        if (fill != null) {
            if (count == 0) {
                return Ops.fill(x.table(), fn.identity(), shape, x.dtype());
            }
            double v = switch (fn) {
                // The sum starts from +0, as every backend's does: a sum of -0s is +0.
                case SUM -> fill * count + 0.0;
                case PROD -> Math.pow(fill, count);
                case MAX, MIN -> fill;
            };
            return Ops.fillLike(x, v, shape, x.dtype());
        }
        // One element per result moves no data; a sum of one is 0 + x, which differs for x = -0.
        if (count == 1 && x.shape().size() > 0 && (fn != ReduceFn.SUM || fast(x) || DerivativeScope.active())) {
            return Ops.reshape(x, shape);
        }
        return null;
    }

    public static Node reshape(Node x, Shape shape) {
        if (x.op() instanceof Op.Reshape) {
            return Ops.reshape(x.input(0), shape);
        }
        if (x.fillValue() != null) {
            return Ops.fillLike(x, x.fillValue(), shape, x.dtype());
        }
        if (x.op() instanceof Op.Constant(Literal.Identity(int m))) {
            return Ops.identity(x.table(), m, shape, x.dtype());
        }
        if (x.op() instanceof Op.Constant(Literal value)) {
            return Ops.constant(x.table(), denseValues(value, x.shape().size()), shape, x.dtype());
        }
        return null;
    }

    /** Whether a permutation swaps the last two axes and keeps the others. */
    private static boolean swapsLastTwo(int[] perm) {
        int r = perm.length;
        if (r < 2 || perm[r - 2] != r - 1 || perm[r - 1] != r - 2) {
            return false;
        }
        for (int i = 0; i < r - 2; i++) {
            if (perm[i] != i) {
                return false;
            }
        }
        return true;
    }

    public static Node permute(Node x, int[] perm) {
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) {
            identity &= perm[i] == i;
        }
        if (identity) {
            return x;
        }
        if (DerivativeScope.active() && x.op() instanceof Op.MatMul && swapsLastTwo(perm)) {
            // (A.B)^T = B^T.A^T, the same products summed over k in the same order. A weight used
            // transposed (x.W^T, as a linear layer's) gets its gradient as (x^T.g)^T: this makes
            // it in the weight's own layout, so the optimizer's update reads it contiguously.
            return Ops.matmul(Ops.permute(x.input(1), perm), Ops.permute(x.input(0), perm));
        }
        if (x.op() instanceof Op.Permute(List<Integer> inner)) {
            int[] composed = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                composed[i] = inner.get(perm[i]);
            }
            return Ops.permute(x.input(0), composed);
        }
        if (x.fillValue() != null) {
            int[] dims = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                dims[i] = x.shape().dim(perm[i]);
            }
            return Ops.fillLike(x, x.fillValue(), new Shape(dims), x.dtype());
        }
        if (x.op() instanceof Op.Constant(Literal.Identity(int m)) && isSquareUpToOnes(x.shape(), m)) {
            // The axes of size m keep or swap their order: the identity is its own transpose.
            int[] dims = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                dims[i] = x.shape().dim(perm[i]);
            }
            return Ops.identity(x.table(), m, new Shape(dims), x.dtype());
        }
        return null;
    }

    /**
     * A product with a structural zero is one; with a user's zero matrix only under FAST (0*inf is NaN).
     * A product with the identity that seeds a Jacobian is the other factor (its zeros are
     * structural too). An outer product is an elementwise product (see below).
     */
    public static Node matmul(Node a, Node b) {
        Node zero = a.isSymbolicZero() ? a : b.isSymbolicZero() ? b : fast(a) && a.isFill(0) ? a
                : fast(a) && b.isFill(0) ? b : null;
        if (b.op() instanceof Op.Constant(Literal.Identity(int m)) && b.shape().equals(Shape.of(m, m))) {
            return a;
        }
        if (a.op() instanceof Op.Constant(Literal.Identity(int m)) && a.shape().equals(Shape.of(m, m))) {
            return b;
        }
        if (zero == null) {
            // An outer product (inner dimension 1) is a broadcast product: an elementwise kernel
            // instead of a GEMM of depth one. Not in a user's IEEE graph: the GEMM adds the one
            // product to +0, which turns a -0 product into +0, as the sum of one element does.
            boolean outer = a.shape().dim(a.rank() - 1) == 1;
            return outer && (fast(a) || DerivativeScope.active()) ? Ops.mul(a, b) : null;
        }
        int[] dims = a.shape().dims();
        dims[dims.length - 1] = b.shape().dim(b.rank() - 1);
        return Ops.fillLike(zero, 0, new Shape(dims), a.dtype());
    }

    /** Whether the axes of shape other than size-1 ones are exactly [m, m]. */
    private static boolean isSquareUpToOnes(Shape shape, int m) {
        int axes = 0;
        for (int d : shape.dims()) {
            if (d != 1) {
                if (d != m) {
                    return false;
                }
                axes++;
            }
        }
        return axes == 2 || m == 1;
    }

    /**
     * The base of x^k for a power with a positive integer exponent k, x itself being x^1. Only
     * those: x^a * x^b = x^(a+b) fails for negative x and fractional a, b (NaN against a
     * number), or for x = 0 and a negative exponent (inf * 0 against 1).
     */
    private static Node powerBase(Node x) {
        return powerExponent(x) > 1 ? x.input(0) : x;
    }

    private static double powerExponent(Node x) {
        if (x.op() instanceof Op.Binary(BinaryFn f) && f == BinaryFn.POW) {
            Double k = x.input(1).fillValue();
            if (k != null && k >= 1 && k == Math.rint(k) && k < 1 << 20) {
                return k;
            }
        }
        return 1;
    }

    private static boolean isNeg(Node x) {
        return x.op() instanceof Op.Unary(UnaryFn f) && f == UnaryFn.NEG;
    }

    /**
     * The operand order of + and * in derivatives: the lower node first (so x * cos(x), not
     * cos(x) * x), then by structural hash. Not by id: ids depend on which nodes were built, and
     * dropped and built again, before; this order is the same in every graph and run.
     */
    private static boolean precedes(Node p, Node q) {
        return p.height() < q.height() || p.height() == q.height() && p.structuralHash() < q.structuralHash();
    }

    /**
     * c*x for a constant c and an x that is no such product itself. Constants meet one level at a
     * time: a user's chain c*(c*(c*...)), which IEEE arithmetic keeps as written, is not walked
     * (a 100,000-link chain would overflow the stack).
     */
    private static boolean isScaled(Node x) {
        return isBinaryWithConstant(x, BinaryFn.MUL) && !isBinaryWithConstant(x.input(1), BinaryFn.MUL);
    }

    private static boolean isBinaryWithConstant(Node x, BinaryFn fn) {
        return x.op() instanceof Op.Binary(BinaryFn f) && f == fn && x.input(0).fillValue() != null;
    }

    /**
     * Dense constants fold up to {@link #MAX_FOLDED_ELEMENTS}; fills of any shape, since folding
     * them costs one evaluation. (Leaving large fills unfolded let the canonical-order rule and
     * c*(-x) = (-c)*x rewrite 2*(-3) into 3*(-2) and back forever: a StackOverflowError while
     * building any graph with such a product of fills of more than 64K elements.)
     */
    private static boolean isFoldable(Node x) {
        return x.op() instanceof Op.Constant && (x.fillValue() != null || x.shape().size() <= MAX_FOLDED_ELEMENTS);
    }

    private interface Elementwise {
        double apply(double[] operands);
    }

    private static Node foldElementwise(Node like, DType dtype, List<Node> operands, Elementwise f) {
        int n = like.shape().size();
        boolean allFill = operands.stream().allMatch(o -> o.fillValue() != null);
        double[] args = new double[operands.size()];
        if (allFill) {
            for (int j = 0; j < args.length; j++) {
                args[j] = operands.get(j).fillValue();
            }
            return Ops.fill(like.table(), f.apply(args), like.shape(), dtype);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < args.length; j++) {
                args[j] = ((Op.Constant) operands.get(j).op()).value().at(i);
            }
            out[i] = f.apply(args);
        }
        return Ops.constant(like.table(), out, like.shape(), dtype);
    }

    private static double[] denseValues(Literal value, int n) {
        double[] out = new double[n];
        Arrays.setAll(out, value::at);
        return out;
    }
}

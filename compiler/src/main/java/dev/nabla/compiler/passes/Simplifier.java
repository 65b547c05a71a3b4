package dev.nabla.compiler.passes;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.compiler.ir.UnaryFn;
import java.util.Arrays;
import java.util.List;

/**
 * Constant folding and algebraic simplification, applied by the op constructors as each node
 * is built (a peephole rewrite), so every graph, gradients included, is simplified as it grows.
 * Each method returns the simplified node, or null when no rule applies.
 *
 * <p>Identities that hold only for finite values (documented in docs/ARCHITECTURE.md):
 * {@code x*0 = 0}, {@code x-x = 0}, {@code 0/x = 0}, {@code log(exp x) = x}. All others are exact
 * in IEEE arithmetic.
 */
public final class Simplifier {
    /** Dense constants up to this many elements are folded; larger ones are left to a backend. */
    private static final int MAX_FOLDED_ELEMENTS = 1 << 16;

    private Simplifier() {}

    public static Node unary(UnaryFn fn, Node x) {
        if (isFoldable(x)) {
            return foldElementwise(x, x.dtype(), List.of(x), v -> fn.apply(v[0]));
        }
        Op inner = x.op();
        return switch (fn) {
            case NEG -> inner instanceof Op.Unary(UnaryFn f) && f == UnaryFn.NEG ? x.input(0) : null;
            case LOG -> inner instanceof Op.Unary(UnaryFn f) && f == UnaryFn.EXP ? x.input(0) : null;
            case ABS, RELU -> inner instanceof Op.Unary(UnaryFn f) && f == fn ? x : null;
            default -> null;
        };
    }

    public static Node binary(BinaryFn fn, Node a, Node b) {
        if (isFoldable(a) && isFoldable(b)) {
            return foldElementwise(a, a.dtype(), List.of(a, b), v -> fn.apply(v[0], v[1]));
        }
        if (fn.isCommutative() && b.fillValue() != null && a.fillValue() == null) {
            // Canonical order: the constant first, so "3*x" and "x*3" are one node.
            return Ops.binary(fn, b, a);
        }
        Double ca = a.fillValue();
        Double cb = b.fillValue();
        return switch (fn) {
            case ADD -> {
                if (a.isFill(0)) yield b;
                if (isNeg(b)) yield Ops.sub(a, b.input(0));
                if (isNeg(a)) yield Ops.sub(b, a.input(0));
                if (ca != null && isBinaryWithConstant(b, BinaryFn.ADD)) {
                    yield Ops.add(Ops.add(a, b.input(0)), b.input(1));
                }
                yield null;
            }
            case SUB -> {
                if (b.isFill(0)) yield a;
                if (a.isFill(0)) yield Ops.neg(b);
                if (a == b) yield Ops.zerosLike(a);
                if (isNeg(b)) yield Ops.add(a, b.input(0));
                yield null;
            }
            case MUL -> {
                if (a.isFill(1)) yield b;
                if (a.isFill(0)) yield a;
                if (a.isFill(-1)) yield Ops.neg(b);
                if (ca != null && isNeg(b)) yield Ops.mul(Ops.neg(a), b.input(0));
                if (ca != null && isBinaryWithConstant(b, BinaryFn.MUL)) {
                    yield Ops.mul(Ops.mul(a, b.input(0)), b.input(1));
                }
                if (isNeg(a) && isNeg(b)) yield Ops.mul(a.input(0), b.input(0));
                yield null;
            }
            case DIV -> {
                if (b.isFill(1)) yield a;
                if (a.isFill(0)) yield a;
                if (b.isFill(-1)) yield Ops.neg(a);
                yield null;
            }
            case POW -> {
                if (b.isFill(1)) yield a;
                if (b.isFill(0) || a.isFill(1)) yield Ops.onesLike(a);
                yield null;
            }
            case MINIMUM, MAXIMUM -> a == b ? a : null;
        };
    }

    public static Node fma(Node a, Node b, Node c) {
        if (isFoldable(a) && isFoldable(b) && isFoldable(c)) {
            return foldElementwise(a, a.dtype(), List.of(a, b, c), v -> Math.fma(v[0], v[1], v[2]));
        }
        if (a.isFill(0) || b.isFill(0)) {
            return Ops.add(Ops.mul(a, b), c);
        }
        if (a.isFill(1)) {
            return Ops.add(b, c);
        }
        if (b.isFill(1)) {
            return Ops.add(a, c);
        }
        if (c.isFill(0)) {
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
            double v = switch (fn) {
                case SUM -> fill * count;
                case PROD -> Math.pow(fill, count);
                case MAX, MIN -> count == 0 ? fn.identity() : fill;
            };
            return Ops.fill(x.table(), v, shape, x.dtype());
        }
        if (count == 1 && x.shape().size() > 0) {
            // Reducing only size-1 axes moves no data.
            return Ops.reshape(x, shape);
        }
        return null;
    }

    public static Node reshape(Node x, Shape shape) {
        if (x.op() instanceof Op.Reshape) {
            return Ops.reshape(x.input(0), shape);
        }
        Op op = x.op();
        if (op instanceof Op.Constant(Literal value)) {
            return Ops.constant(x.table(), denseValues(value, x.shape().size()), shape, x.dtype());
        }
        return null;
    }

    public static Node permute(Node x, int[] perm) {
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) {
            identity &= perm[i] == i;
        }
        if (identity) {
            return x;
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
            return Ops.fill(x.table(), x.fillValue(), new Shape(dims), x.dtype());
        }
        return null;
    }

    public static Node matmul(Node a, Node b) {
        if (a.isFill(0) || b.isFill(0)) {
            int[] dims = a.shape().dims();
            dims[dims.length - 1] = b.shape().dim(b.rank() - 1);
            return Ops.fill(a.table(), 0, new Shape(dims), a.dtype());
        }
        return null;
    }

    private static boolean isNeg(Node x) {
        return x.op() instanceof Op.Unary(UnaryFn f) && f == UnaryFn.NEG;
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

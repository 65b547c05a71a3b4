package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.Statistics;
import dev.nabla.compiler.ir.Ties;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.UnaryFn;
import java.util.Arrays;
import java.util.List;

/**
 * Local partial derivatives of elementwise ops and reductions, as graphs built from the public
 * ops. Reverse mode multiplies a cotangent by them, forward mode a tangent; because they are
 * ordinary graphs they can be differentiated again.
 *
 * <p>Non-differentiable points follow PyTorch: relu'(0) = 0, abs'(0) = sign(0) = 0, sign' = 0;
 * a tie in minimum/maximum gives half the gradient to each side; a tie in a max/min reduction
 * shares the gradient evenly among the tied elements (as torch.amax/amin do) or gives it all to
 * the first of them, as the reduction's {@link Ties} says (max pooling's, as PyTorch's).
 */
final class LocalDerivatives {
    private LocalDerivatives() {}

    /**
     * g * dy/dx for y = fn(x), g a cotangent or tangent. Where the slope is zero by convention the
     * result is a structural zero, whatever g holds (PyTorch's sign and relu give 0 for a NaN
     * gradient there too).
     */
    static Node unaryChain(UnaryFn fn, Node x, Node y, Node g) {
        return switch (fn) {
            case SIGN -> structuralZerosLike(x);
            case RELU -> where(compare(CompareFn.GT, x, 0.0), g, structuralZerosLike(g));
            default -> mul(g, unary(fn, x, y));
        };
    }

    /** dy/dx for y = fn(x), elementwise; {@code y} is the node itself, reused where it helps. */
    static Node unary(UnaryFn fn, Node x, Node y) {
        return switch (fn) {
            case NEG -> fill(x.table(), -1, x.shape(), x.dtype());
            case EXP -> y;
            case LOG -> div(1.0, x);
            case LOG1P -> div(1.0, add(x, 1.0));
            case EXPM1 -> add(y, 1.0);
            case SQRT -> div(0.5, y);
            case RSQRT -> mul(-0.5, pow(y, 3.0));
            case ABS -> sign(x);
            case SIGN -> structuralZerosLike(x);
            case SIN -> cos(x);
            case COS -> neg(sin(x));
            case TAN -> add(1.0, pow(y, 2.0));
            case TANH -> sub(1.0, pow(y, 2.0));
            case SIGMOID -> mul(y, sub(1.0, y));
            case RELU -> where(compare(CompareFn.GT, x, 0.0), onesLike(x), structuralZerosLike(x));
            case SOFTPLUS -> sigmoid(x);
        };
    }

    /** {d y / d a, d y / d b} for y = fn(a, b), elementwise (a and b of one shape). */
    static List<Node> binary(BinaryFn fn, Node a, Node b, Node y) {
        return switch (fn) {
            case ADD -> List.of(onesLike(a), onesLike(b));
            case SUB -> List.of(onesLike(a), fill(b.table(), -1, b.shape(), b.dtype()));
            case MUL -> List.of(b, a);
            case DIV -> List.of(div(1.0, b), neg(div(a, pow(b, 2.0))));
            case POW -> List.of(powBase(a, b), powExponent(a, b, y));
            case MINIMUM -> tieSplit(a, b, CompareFn.LT);
            case MAXIMUM -> tieSplit(a, b, CompareFn.GT);
        };
    }

    /** b * a^(b-1), and 0 where b == 0 (so that 0^0 has a zero slope, as in PyTorch). */
    private static Node powBase(Node a, Node b) {
        Node slope = mul(b, pow(a, sub(b, 1.0)));
        return b.fillValue() != null ? slope : where(compare(CompareFn.EQ, b, 0.0), structuralZerosLike(a), slope);
    }

    /** a^b * log(a), and 0 where a == 0 and b >= 0 (PyTorch's convention). */
    private static Node powExponent(Node a, Node b, Node y) {
        Node slope = mul(y, log(a));
        Node zeroBase = compare(CompareFn.EQ, a, 0.0);
        return where(zeroBase, where(compare(CompareFn.GE, b, 0.0), structuralZerosLike(a), slope), slope);
    }

    /** Slopes for minimum/maximum: 1 to the winner, 1/2 each on a tie. */
    private static List<Node> tieSplit(Node a, Node b, CompareFn wins) {
        Node tie = compare(CompareFn.EQ, a, b);
        Node half = fill(a.table(), 0.5, a.shape(), a.dtype());
        Node da = where(tie, half, where(compare(wins, a, b), onesLike(a), structuralZerosLike(a)));
        Node db = where(tie, half, where(compare(wins, b, a), onesLike(b), structuralZerosLike(b)));
        return List.of(da, db);
    }

    /**
     * d y / d x for a reduction y = fn(x over axes), as a tensor of x's shape: the cotangent of x
     * is broadcast(g) times this.
     */
    static Node reduce(Op.Reduce op, Node x, Node y) {
        int[] axes = op.axes().stream().mapToInt(Integer::intValue).toArray();
        Node yb = broadcastTo(keepDims(y, op, x), x.shape());
        return switch (op.fn()) {
            case SUM -> onesLike(x);
            case MAX, MIN -> op.ties() == Ties.FIRST ? cast(firstExtreme(op, x, yb), x.dtype())
                    : sharedExtreme(x, stopGradient(yb), axes);
            case PROD -> prodSlope(x, axes);
        };
    }

    /** 1/m at each of a slice's m elements equal to its extreme, 0 elsewhere. */
    private static Node sharedExtreme(Node x, Node extreme, int[] axes) {
        Node mask = cast(compare(CompareFn.EQ, x, extreme), x.dtype());
        return div(mask, broadcastTo(sum(mask, axes, true), x.shape()));
    }

    /**
     * Whether each element is the first of its slice (row-major over the reduced axes) to equal
     * the slice's extreme {@code yb} (broadcast to x's shape): a reduction with {@link Ties#FIRST}
     * sends its derivative there. A slice holding NaN, whose extreme is NaN, sends it to its first
     * element (no element there is below a NaN extreme). The mask depends on x only through
     * comparisons, so its own derivatives are zero.
     */
    static Node firstExtreme(Op.Reduce op, Node x, Node yb) {
        int[] dims = new int[x.rank()];
        Arrays.fill(dims, 1);
        int count = 1;
        for (int a : op.axes()) {
            dims[a] = x.shape().dim(a);
            count *= dims[a];
        }
        // Positions are exact in the index dtype: f32 holds integers up to 2^24.
        DType indexType = count < 1 << 24 ? x.dtype() : DType.F64;
        Node positions = broadcastTo(Statistics.positions(x.table(), new Shape(dims), indexType), x.shape());
        // One comparison: an element is a candidate unless the extreme beats it.
        CompareFn beats = op.fn() == ReduceFn.MAX ? CompareFn.LT : CompareFn.GT;
        Node first;
        if (count <= UNROLLED_POSITIONS) {
            first = firstUnbeaten(x, stopGradient(yb), beats, op.axes(), dims, count, indexType);
        } else {
            Node beaten = compare(beats, x, stopGradient(yb));
            Node candidate = where(beaten, fillLike(positions, count, x.shape(), indexType), positions);
            first = min(stopGradient(candidate), ReverseMode.ints(op.axes()), true);
        }
        return compare(CompareFn.EQ, positions, broadcastTo(first, x.shape()));
    }

    /**
     * Slices of at most this many positions (pooling's 2x2 and 3x3 windows) find their first
     * candidate by a chain of selections over the positions rather than a min reduction: one
     * elementwise pass that reads each position's slice, where the reduction ran a generic
     * evaluator over windows a few elements long (LeNet-5's two pools: 105-190 us each per step).
     */
    private static final int UNROLLED_POSITIONS = 9;

    /**
     * The first position (row-major over the reduced {@code axes}, whose sizes {@code dims} holds)
     * where x is not beaten by the extreme {@code yb}, {@code count} where there is none; as a min
     * over positions would give, the reduced axes kept as size 1. Each position compares its own
     * slice, so the chain is one elementwise pass over x with nothing stored between.
     */
    private static Node firstUnbeaten(Node x, Node yb, CompareFn beats, List<Integer> reduced, int[] dims, int count,
            DType indexType) {
        List<Integer> axes = reduced.stream().sorted().toList();
        int[] kept = x.shape().dims();
        for (int a : axes) {
            kept[a] = 1;
        }
        Shape slice = new Shape(kept);
        Node first = fill(x.table(), count, slice, indexType);
        int[] steps = new int[kept.length];
        Arrays.fill(steps, 1);
        // From the last position back, so that the earliest unbeaten one is chosen last.
        for (int q = count - 1; q >= 0; q--) {
            int[] starts = new int[kept.length];
            int rest = q;
            for (int i = axes.size() - 1; i >= 0; i--) {
                int a = axes.get(i);
                starts[a] = rest % dims[a];
                rest /= dims[a];
            }
            Node beaten = compare(beats, sliceNode(x, starts, steps, slice), sliceNode(yb, starts, steps, slice));
            first = where(beaten, first, fill(x.table(), q, slice, indexType));
        }
        return first;
    }

    /**
     * The product of the other elements of each slice, also where x has zeros, written so that
     * its own derivatives are right too (it is differentiated again for higher orders).
     *
     * <p>With Z the zero elements of a slice and R the product of its non-zero elements, the
     * slope at j is R * E_j / x_j off Z and R * E_j on Z, where E_j is the product of the zero
     * elements other than j. Its value is 1 or 0, but it must stay a function of those
     * elements: d2(abc)/da db = c also where a = b = 0. Off Z, E_j = prod(x where zero, else 1);
     * on Z it is 1 when j is the only zero and the other zero when there are two. With three or
     * more zeros it is held at 0, which keeps the value and the first two derivatives of the
     * product exact (derivatives of order k >= 3 stay wrong where a slice has k or more zeros).
     */
    private static Node prodSlope(Node x, int[] axes) {
        Node isZero = compare(CompareFn.EQ, x, 0.0);
        Node safeX = where(isZero, onesLike(x), x);
        Node zeros = broadcastTo(sum(cast(isZero, x.dtype()), axes, true), x.shape());
        Node nonZeroProduct = broadcastTo(prod(safeX, axes, true), x.shape());
        Node zeroProduct = broadcastTo(prod(where(isZero, x, onesLike(x)), axes, true), x.shape());
        Node zeroSum = broadcastTo(sum(where(isZero, x, zerosLike(x)), axes, true), x.shape());
        Node otherZeros = where(compare(CompareFn.EQ, zeros, 1.0), onesLike(x),
                where(compare(CompareFn.EQ, zeros, 2.0), sub(zeroSum, x), zerosLike(x)));
        Node others = where(isZero, otherZeros, zeroProduct);
        return div(mul(nonZeroProduct, others), safeX);
    }

    /** A reduction's result with its reduced axes restored as size 1. */
    static Node keepDims(Node reduced, Op.Reduce op, Node x) {
        if (op.keepDims()) {
            return reduced;
        }
        int[] dims = x.shape().dims();
        for (int a : op.axes()) {
            dims[a] = 1;
        }
        return reshape(reduced, dims);
    }
}

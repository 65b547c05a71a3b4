package dev.nabla.compiler.ir;

import dev.nabla.core.Shape;

import dev.nabla.core.NablaException.AxisException;
import dev.nabla.core.NablaException.ShapeException;
import java.util.Arrays;
import java.util.TreeSet;

/** Shape inference helpers shared by the op constructors: broadcasting and axis checks. */
public final class ShapeRules {
    private ShapeRules() {}

    /** NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1. */
    public static Shape broadcast(String op, Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = dimFromEnd(a, rank - 1 - i);
            int db = dimFromEnd(b, rank - 1 - i);
            if (da != db && da != 1 && db != 1) {
                throw new ShapeException(op + ": shapes " + a + " and " + b + " cannot be broadcast together"
                        + " (dimension " + da + " vs " + db + " at axis " + (i - rank) + "; NumPy rule: trailing"
                        + " dimensions must be equal or one of them 1)");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    private static int dimFromEnd(Shape s, int fromEnd) {
        int idx = s.rank() - 1 - fromEnd;
        return idx >= 0 ? s.dim(idx) : 1;
    }

    /** Whether {@code from} broadcasts to exactly {@code to}. */
    public static boolean broadcastsTo(Shape from, Shape to) {
        if (from.rank() > to.rank()) {
            return false;
        }
        int offset = to.rank() - from.rank();
        for (int i = 0; i < from.rank(); i++) {
            if (from.dim(i) != 1 && from.dim(i) != to.dim(i + offset)) {
                return false;
            }
        }
        return true;
    }

    /** Resolves a possibly negative axis against a rank, or throws naming the op. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new AxisException(op + ": axis " + axis + " is out of range for a tensor of rank " + rank
                    + (rank == 0 ? " (a scalar has no axes)" : " (valid: " + (-rank) + ".." + (rank - 1) + ")"));
        }
        return a;
    }

    /**
     * Resolves the position of a new axis inserted into a tensor of {@code rank} (unsqueeze, stack):
     * one more position than the tensor has axes.
     */
    public static int newAxis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank + 1 : axis;
        if (a < 0 || a > rank) {
            throw new AxisException(op + ": axis " + axis + " is out of range for a new axis of a tensor of rank "
                    + rank + " (valid: " + (-rank - 1) + ".." + rank + ")");
        }
        return a;
    }

    /** Resolved, sorted, distinct axes; no axes given means all of them. */
    public static int[] axes(String op, int[] axes, int rank) {
        if (axes.length == 0) {
            int[] all = new int[rank];
            Arrays.setAll(all, i -> i);
            return all;
        }
        TreeSet<Integer> set = new TreeSet<>();
        for (int a : axes) {
            if (!set.add(axis(op, a, rank))) {
                throw new AxisException(op + ": axis " + a + " is given twice in " + Arrays.toString(axes));
            }
        }
        return set.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The shape after reducing {@code axes}. */
    public static Shape reduced(Shape s, int[] axes, boolean keepDims) {
        boolean[] reduce = new boolean[s.rank()];
        for (int a : axes) {
            reduce[a] = true;
        }
        int[] out = new int[keepDims ? s.rank() : s.rank() - axes.length];
        int j = 0;
        for (int i = 0; i < s.rank(); i++) {
            if (keepDims) {
                out[j++] = reduce[i] ? 1 : s.dim(i);
            } else if (!reduce[i]) {
                out[j++] = s.dim(i);
            }
        }
        return new Shape(out);
    }

    /** Product of the reduced dimensions. */
    public static int reducedCount(Shape s, int[] axes) {
        int n = 1;
        for (int a : axes) {
            n *= s.dim(a);
        }
        return n;
    }

    /** Resolves one -1 in a reshape target and checks the element count. */
    public static Shape reshapeTarget(Shape from, int[] dims) {
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1) {
                if (unknown >= 0) {
                    throw new ShapeException("reshape: at most one dimension may be -1, got " + Arrays.toString(dims));
                }
                unknown = i;
            } else if (dims[i] < 0) {
                throw new ShapeException("reshape: negative dimension " + dims[i] + " in " + Arrays.toString(dims));
            } else {
                known *= dims[i];
            }
        }
        int[] out = dims.clone();
        if (unknown >= 0) {
            if (known == 0 || from.size() % known != 0) {
                throw new ShapeException("reshape: cannot infer -1 in " + Arrays.toString(dims) + " for "
                        + from.size() + " elements of shape " + from);
            }
            out[unknown] = (int) (from.size() / known);
        } else if (known != from.size()) {
            throw new ShapeException("reshape: cannot reshape " + from + " (" + from.size() + " elements) to "
                    + Arrays.toString(dims) + " (" + known + " elements); the element count must stay the same");
        }
        return new Shape(out);
    }
}

package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.StructuralKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A loop's body as a closed function of its parameters: the iteration index (an i32 scalar: the
 * position in the stacked inputs, counting down when the loop runs in reverse), the carries, one
 * slice of each stacked input, and the outer values it reads ({@link #captured}, which are their
 * own parameters: a body never reaches past them). It returns the new carries and the per-step
 * outputs, which the loop stacks. A while loop also has a {@link #condition} over the carries,
 * checked before each step, and no stacked inputs or outputs.
 *
 * <p>Identity is equality: two loop nodes are one only when they share the body object.
 * Backends key compiled code by {@link #structure()} instead, which does not hold the nodes.
 */
public final class LoopBody {
    private final Node index;
    private final List<Node> carries;
    private final List<Node> xs;
    private final List<Node> captured;
    private final List<Node> newCarries;
    private final List<Node> ys;
    private final Node condition;
    private final int length;
    private final boolean reverse;
    /** The body this one extends with the carries each step started from (see {@link #history}). */
    private final LoopBody base;
    private LoopBody history;
    private Program program;
    private Program conditionProgram;
    private Object structure;

    /**
     * @param length    iterations; for a while loop the most it may run, or -1 for no bound
     * @param condition a bool scalar of the carries and captured values for a while loop, else null
     */
    public LoopBody(Node index, List<Node> carries, List<Node> xs, List<Node> captured, List<Node> newCarries,
                    List<Node> ys, Node condition, int length, boolean reverse) {
        this(index, carries, xs, captured, newCarries, ys, condition, length, reverse, null);
    }

    private LoopBody(Node index, List<Node> carries, List<Node> xs, List<Node> captured, List<Node> newCarries,
                     List<Node> ys, Node condition, int length, boolean reverse, LoopBody base) {
        this.index = index;
        this.carries = List.copyOf(carries);
        this.xs = List.copyOf(xs);
        this.captured = List.copyOf(captured);
        this.newCarries = List.copyOf(newCarries);
        this.ys = List.copyOf(ys);
        this.condition = condition;
        this.length = length;
        this.reverse = reverse;
        this.base = base;
        check();
    }

    private void check() {
        if (index.dtype() != DType.I32 || index.shape().size() != 1 || index.rank() != 0) {
            throw new IllegalArgumentException("loop: the index must be an i32 scalar, got " + index.describe());
        }
        if (carries.size() != newCarries.size()) {
            throw new GraphException("loop: the body returned " + newCarries.size() + " carries for "
                    + carries.size());
        }
        for (int i = 0; i < carries.size(); i++) {
            Node c = carries.get(i);
            Node n = newCarries.get(i);
            if (!c.shape().equals(n.shape()) || c.dtype() != n.dtype()) {
                throw new ShapeException("loop: carry " + i + " enters the body as " + c.dtype() + c.shape()
                        + " but the body returns " + n.describe() + "; a carry keeps its shape and dtype");
            }
        }
        if (condition != null) {
            if (condition.dtype() != DType.BOOL || condition.shape().size() != 1) {
                throw new ShapeException("whileLoop: the condition must be a bool scalar, got " + condition.describe());
            }
            if (!xs.isEmpty() || !ys.isEmpty()) {
                throw new GraphException("whileLoop: a while loop has no stacked inputs or outputs");
            }
        } else if (length < 0) {
            throw new ShapeException("loop: the length must be at least 0, got " + length);
        }
        Set<Node> seen = new HashSet<>();
        for (Node p : params()) {
            if (!seen.add(p)) {
                throw new IllegalArgumentException("loop: parameter " + p.describe() + " is listed twice");
            }
        }
        // Closed: everything the results read is a parameter, a constant, or computed from them.
        for (Node n : program().nodes()) {
            if (n.isVariable() && !seen.contains(n)) {
                throw new GraphException("loop: the body reads " + n.describe() + " without capturing it");
            }
        }
    }

    public Node index() {
        return index;
    }

    public List<Node> carries() {
        return carries;
    }

    public List<Node> xs() {
        return xs;
    }

    public List<Node> captured() {
        return captured;
    }

    public List<Node> newCarries() {
        return newCarries;
    }

    public List<Node> ys() {
        return ys;
    }

    /** The while loop's condition, or null for a loop of fixed length. */
    public Node condition() {
        return condition;
    }

    public boolean isWhile() {
        return condition != null;
    }

    /** Iterations of a fixed loop; a while loop's bound, or -1 for none. */
    public int length() {
        return length;
    }

    public boolean reverse() {
        return reverse;
    }

    /** The parameters in the order a loop node's inputs bind them: index, carries, xs, captured. */
    public List<Node> params() {
        List<Node> p = new ArrayList<>(1 + carries.size() + xs.size() + captured.size());
        p.add(index);
        p.addAll(carries);
        p.addAll(xs);
        p.addAll(captured);
        return p;
    }

    /** What a step returns: the new carries, then the per-step outputs. */
    public List<Node> results() {
        List<Node> r = new ArrayList<>(newCarries);
        r.addAll(ys);
        return r;
    }

    /** Final carries, then one stacked output per per-step output. */
    public int outputCount() {
        return carries.size() + ys.size();
    }

    public Shape outputShape(int output) {
        if (output < carries.size()) {
            return carries.get(output).shape();
        }
        return ys.get(output - carries.size()).shape().prepend(length);
    }

    public DType outputDType(int output) {
        return output < carries.size() ? carries.get(output).dtype() : ys.get(output - carries.size()).dtype();
    }

    /**
     * The same loop that also stacks, after its own outputs, the carries each step started from
     * and the given {@code residuals} (values of the body that reverse mode reads instead of
     * computing them again): what reverse mode needs. One object per body, made by the first
     * call (later ones get it whatever they pass), so that a backend that meets both runs only it.
     */
    public synchronized LoopBody history(List<Node> residuals) {
        if (isWhile()) {
            throw new IllegalStateException("a while loop has no fixed length to stack its carries over");
        }
        if (history == null) {
            List<Node> stacked = new ArrayList<>(ys);
            stacked.addAll(carries);
            stacked.addAll(residuals);
            history = new LoopBody(index, carries, xs, captured, newCarries, stacked, null, length, reverse, this);
        }
        return history;
    }

    /** The history made so far (or one with no residuals). */
    public LoopBody history() {
        return history(List.of());
    }

    /** The body this one is the {@link #history} of, or null. */
    public LoopBody base() {
        return base;
    }

    /** One step as a program: inputs are {@link #params()}, results are {@link #results()}. */
    public synchronized Program program() {
        if (program == null) {
            program = closedProgram(results());
        }
        return program;
    }

    /** The while condition as a program over {@link #params()}, or null. */
    public synchronized Program conditionProgram() {
        if (condition != null && conditionProgram == null) {
            conditionProgram = closedProgram(List.of(condition));
        }
        return conditionProgram;
    }

    private Program closedProgram(List<Node> results) {
        return Program.over(params(), results);
    }

    /**
     * What the loop computes, without its nodes: equal for loops that compute the same function
     * of their inputs, so that compiled code can be shared and kept without keeping graphs alive.
     */
    public synchronized Object structure() {
        if (structure == null) {
            Program cond = conditionProgram();
            structure = List.of(StructuralKey.of(program()), cond == null ? "" : StructuralKey.of(cond), length,
                    reverse, carries.size(), xs.size(), captured.size());
        }
        return structure;
    }

    @Override
    public String toString() {
        return (isWhile() ? "while" : reverse ? "scan reverse" : "scan") + "[" + length + "]";
    }
}

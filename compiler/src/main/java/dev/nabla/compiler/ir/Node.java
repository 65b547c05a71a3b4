package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import java.util.List;

/**
 * One immutable vertex of a tensor graph. Nodes are hash-consed by their {@link NodeTable}:
 * two structurally equal nodes are the same object, so identity is equality and a node's id
 * orders it after all of its inputs.
 */
public final class Node {
    private final NodeTable table;
    private final int id;
    private final Op op;
    private final List<Node> inputs;
    private final Shape shape;
    private final DType dtype;
    private final String origin;
    private final long structuralHash;
    private final int height;

    Node(NodeTable table, int id, Op op, List<Node> inputs, Shape shape, DType dtype, String origin) {
        this.table = table;
        this.id = id;
        this.op = op;
        this.inputs = inputs;
        this.shape = shape;
        this.dtype = dtype;
        this.origin = origin;
        this.structuralHash = structuralHash(op, inputs, shape, dtype);
        int h = 0;
        for (Node in : inputs) {
            h = Math.max(h, in.height + 1);
        }
        this.height = h;
    }

    /** The longest path from a leaf (an input, parameter or constant, of height 0) to this node. */
    public int height() {
        return height;
    }

    /**
     * A hash of what this node computes (its op, its operands' hashes, shape and dtype), the same
     * in every graph and every run: unlike the id, it does not depend on which nodes were built
     * before, or were dropped and built again. The simplifier orders operands of + and * in
     * derivatives by height and then by it, so that a*b and b*a are one node however they were
     * built.
     */
    public long structuralHash() {
        return structuralHash;
    }

    private static long structuralHash(Op op, List<Node> inputs, Shape shape, DType dtype) {
        // Enums hash by identity, which differs between runs: their ordinals do not.
        long h;
        if (op instanceof Op.Binary b) {
            h = 2L << 32 | b.fn().ordinal();
        } else if (op instanceof Op.Unary u) {
            h = 1L << 32 | u.fn().ordinal();
        } else if (op instanceof Op.Compare c) {
            h = 3L << 32 | c.fn().ordinal();
        } else if (op instanceof Op.Reduce r) {
            h = ((4L << 32 | r.fn().ordinal()) * 31 + r.axes().hashCode()) * 2 + (r.keepDims() ? 1 : 0);
            if (r.ties() != Ties.SHARED) {
                h = mix(h, r.ties().ordinal());
            }
        } else if (op instanceof Op.Random r) {
            h = 5L << 32 | r.dist().code();
        } else {
            h = op.getClass().getName().hashCode() * 31L + op.hashCode();
        }
        for (Node in : inputs) {
            h = mix(h, in.structuralHash);
        }
        return mix(mix(h, shape.hashCode()), dtype.ordinal());
    }

    private static long mix(long h, long v) {
        long x = (h ^ v) * 0x9E3779B97F4A7C15L;
        return x ^ (x >>> 29);
    }

    /** Where the user built this node (a stack frame), when its graph records origins; else null. */
    public String origin() {
        return origin;
    }

    public NodeTable table() {
        return table;
    }

    /** Creation order within the table; inputs always have smaller ids. */
    public int id() {
        return id;
    }

    public Op op() {
        return op;
    }

    public List<Node> inputs() {
        return inputs;
    }

    public Node input(int i) {
        return inputs.get(i);
    }

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return dtype;
    }

    public int rank() {
        return shape.rank();
    }

    /** True for inputs and parameters: the nodes a derivative can be taken with respect to. */
    public boolean isVariable() {
        return op instanceof Op.Input || op instanceof Op.Parameter;
    }

    /** The number this constant holds everywhere, or null when it is not a uniform constant. */
    public Double fillValue() {
        return switch (op) {
            case Op.Constant(Literal.Fill(double v)) -> v;
            case Op.Constant(Literal.Zero z) -> 0.0;
            default -> null;
        };
    }

    /** Whether this is a derivative's structural zero ({@link Literal.Zero}). */
    public boolean isSymbolicZero() {
        return op instanceof Op.Constant(Literal.Zero z);
    }

    /** Whether this constant holds {@code value} everywhere (0 matches both zeros). */
    public boolean isFill(double value) {
        Double v = fillValue();
        return v != null && v == value;
    }

    /** Whether this constant holds exactly these bits everywhere (so -0.0 and 0.0 differ). */
    public boolean isFillBits(double value) {
        Double v = fillValue();
        return v != null && Double.doubleToRawLongBits(v) == Double.doubleToRawLongBits(value);
    }

    /** The name of an input or parameter, else null. */
    public String variableName() {
        return switch (op) {
            case Op.Input in -> in.name();
            case Op.Parameter p -> p.name();
            default -> null;
        };
    }

    /** The op's name as the DSL spells it: "mul", "sum", "reshape", "input", ... */
    public String opName() {
        return switch (op) {
            case Op.Unary(UnaryFn fn) -> fn.opName();
            case Op.Binary(BinaryFn fn) -> fn.opName();
            case Op.Compare(CompareFn fn) -> fn.opName();
            case Op.Reduce r -> r.fn().opName();
            case Op.Constant c -> "constant";
            case Op.BroadcastTo b -> "broadcastTo";
            case Op.StopGradient s -> "stopGradient";
            case Op.MatMul m -> "matmul";
            case Op.Random r -> "random " + r.dist().name();
            case Op.Custom c -> c.rule().name();
            default -> op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A short description for error messages: "x:f32[2,3]" or "%7:f32[2,3]". */
    public String describe() {
        String name = variableName();
        return (name != null ? name : "%" + id) + ":" + dtype + shape;
    }

    @Override
    public String toString() {
        return describe();
    }
}

package dev.nabla.compiler.io;

import dev.nabla.core.NablaException.GraphFileException;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.RandomOps;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.Ties;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.compiler.ir.WindowShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the entries of a saved graph's "nodes" list, in order, through the same public builders
 * the graph was made with ({@link Ops}, {@link RandomOps}; bodies and branches by
 * {@link BodyEntries}), so that every check an op makes runs again; then checks that the node
 * has the dtype and shape the entry says. What the builders cannot check (a slice's or pad's placement, a window's
 * geometry, references, sizes) is checked here first. Errors name the entry and the field.
 */
final class NodeEntries {
    private static final int MAX = Integer.MAX_VALUE;

    private final NodeTable table;
    private final ReadLimits limits;
    /** Entry id to what it built: a Node, a LoopBody or a CondBranches. */
    private final List<Object> built = new ArrayList<>();
    private final Map<String, Node> inputs = new LinkedHashMap<>();
    private final Map<String, Node> parameters = new LinkedHashMap<>();
    private long constantElements;
    private final BodyEntries bodies;

    NodeEntries(NodeTable table, ReadLimits limits) {
        this.table = table;
        this.limits = limits;
        this.bodies = new BodyEntries(this, limits);
    }

    int size() {
        return built.size();
    }

    NodeTable table() {
        return table;
    }

    Map<String, Node> inputs() {
        return inputs;
    }

    Map<String, Node> parameters() {
        return parameters;
    }

    /** Bytes a dense constant's data may still take. */
    long constantBytesLeft() {
        return Math.min(Long.MAX_VALUE / 8, limits.maxConstantElements() - constantElements) * 8;
    }

    /** The node with entry id {@code id}; {@code field} names the reference in errors. */
    Node node(Entry e, String field, int id) {
        return ref(e, field, id, Node.class, "a node");
    }

    /** Builds the next entry. */
    void add(Entry e) {
        int id = e.integer("id", 0, MAX);
        if (id != built.size()) {
            throw e.fail("id", "is " + id + " but this is entry " + built.size() + "; ids count 0, 1, 2, ... in file"
                    + " order");
        }
        String op = e.string("op");
        Object result;
        try {
            result = switch (op) {
                case "loopBody" -> bodies.loopBody(e);
                case "loopHistory" -> bodies.loopHistory(e);
                case "condBranches" -> bodies.condBranches(e);
                default -> node(e, op);
            };
        } catch (GraphFileException x) {
            throw x;
        } catch (IllegalArgumentException x) {
            // The builders' own refusals (NablaExceptions): the op's message, placed in the file.
            throw new GraphFileException("graph file, " + e.where() + ": " + x.getMessage(), x);
        }
        e.requireAllRead("a '" + op + "' entry");
        built.add(result);
    }

    private Node node(Entry e, String op) {
        DType dtype = dtype(e);
        Shape shape = shape(e, "shape", e.ints("shape", 0, MAX));
        List<Node> in = e.has("in") ? nodes(e, "in") : List.of();
        Node n = switch (op) {
            case "input" -> declared(inputs, Ops.input(table, name(e, in), shape, dtype));
            case "parameter" -> declared(parameters, Ops.parameter(table, name(e, in), shape, dtype));
            case "placeholder" -> {
                arity(e, in, 0);
                yield Ops.placeholder(table, e.string("role", "placeholder"), shape, dtype);
            }
            case "constant" -> constant(e, in, shape, dtype);
            case "unary" -> Ops.unary(fn(e, UnaryFn.class), arity(e, in, 1).get(0));
            case "binary" -> Ops.binary(fn(e, BinaryFn.class), arity(e, in, 2).get(0), in.get(1));
            case "compare" -> Ops.compare(fn(e, CompareFn.class), arity(e, in, 2).get(0), in.get(1));
            case "fma" -> Ops.fma(arity(e, in, 3).get(0), in.get(1), in.get(2));
            case "where" -> Ops.where(arity(e, in, 3).get(0), in.get(1), in.get(2));
            case "reduce" -> reduce(e, arity(e, in, 1).get(0));
            case "reshape" -> Ops.reshape(arity(e, in, 1).get(0), shape);
            case "permute" -> Ops.permute(arity(e, in, 1).get(0), e.ints("perm", -limits.maxRank(), limits.maxRank()));
            case "broadcastTo" -> Ops.broadcastTo(arity(e, in, 1).get(0), shape);
            case "slice" -> {
                Node x = arity(e, in, 1).get(0);
                int[][] at = placement(e, shape, x.shape());
                yield Ops.sliceNode(x, at[0], at[1], shape);
            }
            case "pad" -> {
                Node x = arity(e, in, 1).get(0);
                int[][] at = placement(e, x.shape(), shape);
                yield Ops.pad(x, at[0], at[1], shape);
            }
            case "windows" -> {
                Node x = arity(e, in, 1).get(0);
                yield Ops.windows(x, window(e, x.rank()));
            }
            case "windowsSum" -> Ops.windowsSum(arity(e, in, 1).get(0), window(e, shape.rank()), shape);
            case "concat" -> {
                if (in.isEmpty()) {
                    throw e.fail("in", "must list at least one part to concatenate");
                }
                yield Ops.concat(e.integer("axis", -limits.maxRank() - 1, limits.maxRank()), in);
            }
            case "gather" -> Ops.takeAlongAxis(arity(e, in, 2).get(0), in.get(1), axis(e));
            case "scatterAdd" -> Ops.scatterAddNode(arity(e, in, 2).get(0), in.get(1), axis(e), shape);
            case "matmul" -> Ops.matmul(arity(e, in, 2).get(0), in.get(1));
            case "cast" -> Ops.cast(arity(e, in, 1).get(0), dtype);
            case "stopGradient" -> Ops.stopGradient(arity(e, in, 1).get(0));
            case "random" -> random(e, arity(e, in, 1).get(0), shape, dtype);
            case "loop" -> Ops.loopOutput(ref(e, "body", e.integer("body", 0, MAX), LoopBody.class, "a loop body"),
                    e.integer("output", 0, MAX), in);
            case "cond" -> Ops.condOutput(ref(e, "branches", e.integer("branches", 0, MAX), CondBranches.class,
                    "a conditional's branches"), e.integer("output", 0, MAX), in);
            default -> throw e.fail("op", "is '" + op + "', which this reader does not know; see docs/graph-format.md"
                    + " for the ops of version " + GraphFormat.VERSION);
        };
        if (n.dtype() != dtype || !n.shape().equals(shape)) {
            throw e.fail("the op gives " + n.dtype() + n.shape() + " but the entry says " + dtype + shape);
        }
        return n;
    }

    private String name(Entry e, List<Node> in) {
        arity(e, in, 0);
        return e.string("name");
    }

    private static Node declared(Map<String, Node> byName, Node n) {
        byName.put(n.variableName(), n);
        return n;
    }

    private Node constant(Entry e, List<Node> in, Shape shape, DType dtype) {
        arity(e, in, 0);
        String literal = e.string("literal");
        return switch (literal) {
            case "fill" -> Ops.fill(table, e.number("value"), shape, dtype);
            case "zero" -> Ops.structuralZeros(table, shape, dtype);
            case "identity" -> Ops.identity(table, e.integer("size", 0, 46_340), shape, dtype);
            case "dense" -> {
                int count = shape.size();
                if (constantElements + count > limits.maxConstantElements()) {
                    throw e.fail("shape", "gives " + count + " constant elements, past the reader's limit of "
                            + limits.maxConstantElements() + " for all constants together");
                }
                constantElements += count;
                e.expectData();
                yield Ops.constant(table, DataCodec.literal(dtype, e.data(), count, e), shape, dtype);
            }
            default -> throw e.fail("literal", "is '" + literal + "'; a literal is fill, zero, identity or dense");
        };
    }

    private Node random(Entry e, Node key, Shape shape, DType dtype) {
        String name = e.string("dist");
        Distribution dist = GraphFormat.distribution(name, name.equals("foldIn") ? e.integer("fold", Integer.MIN_VALUE,
                MAX) : 0);
        if (dist == null) {
            throw e.fail("dist", "is '" + name + "'; a distribution is bits, uniform, normal, permutation, split, next"
                    + " or foldIn");
        }
        if (!RandomOps.isKey(key)) {
            throw e.fail("in", "the key must be i32 [..., 2], got " + key.describe());
        }
        int batch = key.rank() - 1;
        int[] dims = shape.dims();
        if (dims.length < batch || !Arrays.equals(Arrays.copyOf(dims, batch), Arrays.copyOf(key.shape().dims(), batch))) {
            throw e.fail("shape", shape + " must begin with the key's batch axes, those of " + key.describe());
        }
        return RandomOps.draw(dist, key, new Shape(Arrays.copyOfRange(dims, batch, dims.length)), dtype);
    }

    /**
     * The starts and steps of a slice or pad of {@code small} within {@code big}: one per axis, steps
     * of at least 1, and every element inside {@code big} (lowering turns them into strided views).
     */
    private static int[][] placement(Entry e, Shape small, Shape big) {
        int[] starts = e.ints("starts", 0, MAX);
        int[] steps = e.ints("steps", 1, MAX);
        if (starts.length != big.rank() || steps.length != big.rank() || small.rank() != big.rank()) {
            throw e.fail("starts", "and steps need one value per axis of " + big + " and " + small);
        }
        for (int a = 0; a < starts.length; a++) {
            long last = small.dim(a) == 0 ? starts[a] - 1L : starts[a] + (long) (small.dim(a) - 1) * steps[a];
            if (last >= big.dim(a)) {
                throw e.fail("starts", "place " + small + " at " + Arrays.toString(starts) + " with steps "
                        + Arrays.toString(steps) + ", outside " + big + " along axis " + a);
            }
        }
        return new int[][] {starts, steps};
    }

    private WindowShape window(Entry e, int rank) {
        int[] kernel = e.ints("kernel", 1, MAX);
        int[] stride = e.ints("stride", 1, MAX);
        int[] dilation = e.ints("dilation", 1, MAX);
        if (stride.length != kernel.length || dilation.length != kernel.length || kernel.length > rank) {
            throw e.fail("kernel", "stride and dilation need one value per spatial axis, at most " + rank + " here");
        }
        long size = 1;
        for (int d = 0; d < kernel.length; d++) {
            size *= kernel[d];
            if ((long) dilation[d] * (kernel[d] - 1) + 1 > MAX || size > MAX) {
                throw e.fail("kernel", "is a window of more than 2^31 - 1 positions or extent");
            }
        }
        return WindowShape.of(kernel, stride, dilation);
    }

    private int axis(Entry e) {
        return e.integer("axis", -limits.maxRank(), limits.maxRank());
    }

    private Node reduce(Entry e, Node x) {
        ReduceFn fn = fn(e, ReduceFn.class);
        int[] axes = e.ints("axes", -limits.maxRank(), limits.maxRank());
        String tieName = e.string("ties", Ties.SHARED.name());
        Ties ties = GraphFormat.constant(Ties.class, tieName);
        if (ties == null || !ties.appliesTo(fn)) {
            throw e.fail("ties", "is '" + tieName + "', not one of " + Arrays.toString(Ties.values())
                    + " (FIRST on a max or min only)");
        }
        return Ops.reduce(fn, x, axes, e.bool("keepDims"), ties);
    }

    private static <E extends Enum<E>> E fn(Entry e, Class<E> type) {
        String name = e.string("fn");
        E fn = GraphFormat.constant(type, name);
        if (fn == null) {
            throw e.fail("fn", "is '" + name + "', not one of " + Arrays.toString(type.getEnumConstants()));
        }
        return fn;
    }

    private static List<Node> arity(Entry e, List<Node> in, int count) {
        if (in.size() != count) {
            throw e.fail("in", "lists " + in.size() + " inputs; this op takes " + count);
        }
        return in;
    }

    private static DType dtype(Entry e) {
        String name = e.string("dtype");
        DType d = GraphFormat.dtype(name);
        if (d == null) {
            throw e.fail("dtype", "is '" + name + "'; a dtype is f32, f64, i32 or bool");
        }
        return d;
    }

    /** A declared shape: dimensions of 0 or more whose product (zeros aside) is within the limits. */
    Shape shape(Entry e, String field, int[] dims) {
        if (dims.length > limits.maxRank()) {
            throw e.fail(field, "has " + dims.length + " axes, more than the reader's limit of " + limits.maxRank());
        }
        long size = 1;
        for (int d : dims) {
            size *= Math.max(d, 1);
            if (size > limits.maxElements()) {
                throw e.fail(field, Arrays.toString(dims) + " has more than " + limits.maxElements() + " elements");
            }
        }
        return new Shape(dims);
    }

    // ---- references ----

    List<Node> nodes(Entry e, String field) {
        int[] ids = e.ints(field, 0, MAX);
        List<Node> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(node(e, field, id));
        }
        return out;
    }

    <T> T ref(Entry e, String field, int id, Class<T> type, String what) {
        if (id >= built.size()) {
            throw e.fail(field, "refers to " + id + ", which is not an earlier entry; entries refer only to earlier"
                    + " ones");
        }
        Object o = built.get(id);
        if (!type.isInstance(o)) {
            throw e.fail(field, "refers to entry " + id + ", which is not " + what);
        }
        return type.cast(o);
    }
}

package dev.nabla.compiler.lower;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Lowers a program to kernels. Fusion: an elementwise node whose only consumer is an
 * elementwise node or a reduction of the same working type is inlined into that consumer's
 * kernel, so chains of elementwise ops and the reduction that ends them become one kernel and
 * no intermediate buffer is written. Reshape, permute, broadcast and slice become views and move
 * no data. Everything else (matmul, pad, concat, windows, gather, scatter-add, casts, random
 * draws, program results) gets a buffer.
 *
 * <p>A fused body holds at most {@link #MAX_FUSED_OPS} operations: a longer chain is cut into
 * kernels of that size, its largest inlined operands stored first. So every pass and code
 * generator that walks a body (memory plan, chunk kernels, generated SIMD and TornadoVM code)
 * recurses to a bounded depth and emits bounded code, however deep the graph.
 */
public final class Lowering {
    /** The most operations one fused body holds; a cut every this many costs one store and load. */
    public static final int MAX_FUSED_OPS = 128;

    /** A node's value during lowering: an expression still to be inlined, or a view of a buffer. */
    private sealed interface Value {}

    /** An expression and its number of operations and leaves. */
    private record Inline(Expr expr, int size) implements Value {}

    private record Stored(View view) implements Value {}

    private final Program program;
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final Map<Node, Value> values = new HashMap<>();
    private final Set<Node> fused = new LinkedHashSet<>();
    /** Each loop's (or conditional's) outputs, by its plain body (or branches) and inputs. */
    private final Map<Object, List<View>> families = new HashMap<>();
    /** The outputs of each loop (plain body and inputs) that some node reads. */
    private final Map<List<Object>, Set<Integer>> loopOutputsWanted = new HashMap<>();

    private Lowering(Program program) {
        this.program = program;
    }

    public static LoweredProgram lower(Program program) {
        return new Lowering(program).run(p -> Set.of());
    }

    /**
     * Lowers as {@link #lower(Program)}, leaving unstored the outputs that {@code unstored} picks
     * from the steps before their memory plan (buffer ids of one-output steps, none a result):
     * the backend computes those values where they are read, so the plan gives them no storage
     * and keeps what their steps read live as long as they are read. The JVM backend leaves
     * a convolution's windows (and the pad before them) unstored and packs its matrix products'
     * panels straight from the input.
     */
    public static LoweredProgram lower(Program program,
                                       Function<LoweredProgram, Set<Integer>> unstored) {
        return new Lowering(program).run(unstored);
    }

    private LoweredProgram run(Function<LoweredProgram, Set<Integer>> pickUnstored) {
        chooseFusedNodes();
        for (Node n : program.nodes()) {
            if (n.op() instanceof Op.Loop(var body, int output)) {
                LoopBody plain = body.base() != null ? body.base() : body;
                loopOutputsWanted.computeIfAbsent(List.of(plain, n.inputs()), k -> new java.util.HashSet<>()).add(output);
            }
        }
        List<Integer> inputs = new ArrayList<>();
        List<Integer> parameters = new ArrayList<>();
        for (Node n : program.inputs()) {
            inputs.add(bind(n, Buffer.Kind.INPUT));
        }
        for (Node n : program.parameters()) {
            parameters.add(bind(n, Buffer.Kind.PARAMETER));
        }
        for (Node n : program.nodes()) {
            if (!values.containsKey(n)) {
                values.put(n, lowerNode(n));
            }
        }
        List<View> results = new ArrayList<>();
        for (Node r : program.results()) {
            results.add(stored(r));
        }
        LoweredProgram unplanned = new LoweredProgram(program, buffers, steps, results, inputs, parameters, List.of());
        Set<Integer> unstored = pickUnstored.apply(unplanned);
        checkUnstored(unplanned, unstored);
        return MemoryPlan.assign(unplanned, unstored);
    }

    /** Unstored outputs must be temporaries of one-output steps that no result is. */
    private static void checkUnstored(LoweredProgram p, Set<Integer> unstored) {
        Set<Integer> oneOutput = new java.util.HashSet<>();
        for (Step s : p.steps()) {
            if (s.outputs().size() == 1) {
                oneOutput.add(s.output());
            }
        }
        for (int id : unstored) {
            if (!oneOutput.contains(id) || p.results().stream().anyMatch(r -> r.buffer() == id)) {
                throw new IllegalArgumentException("buffer " + id + " cannot be left unstored: only the one output of"
                        + " a step, never a result");
            }
        }
    }

    /** Marks the elementwise nodes that are inlined into their single consumer. */
    private void chooseFusedNodes() {
        Map<Node, Set<Node>> consumers = new HashMap<>();
        for (Node n : program.nodes()) {
            for (Node in : valueInputs(n)) {
                consumers.computeIfAbsent(in, k -> new LinkedHashSet<>()).add(n);
            }
        }
        Set<Node> results = new java.util.HashSet<>(program.results());
        for (Node n : program.nodes()) {
            Set<Node> users = consumers.getOrDefault(n, Set.of());
            if (!isElementwise(n) || results.contains(n)) {
                continue;
            }
            if (users.isEmpty()) {
                // Read by no value (an argument only a custom node's rules use): left inline, never computed.
                fused.add(n);
                continue;
            }
            boolean allFuse = users.stream().allMatch(
                    u -> (isElementwise(u) || u.op() instanceof Op.Reduce) && workingType(u) == workingType(n));
            // One consumer: inline. Several: inline only if recomputing it in each is cheaper than
            // a round trip through memory (one cheap op over loads, like the x*x of x*x*3 + sin(x*x)).
            if (allFuse && (users.size() == 1 || isCheapLeafOp(n))) {
                fused.add(n);
            }
        }
    }

    /** The inputs n's value is computed from: a custom node's is its primal's alone. */
    private static List<Node> valueInputs(Node n) {
        return n.op() instanceof Op.Custom ? List.of(n.input(0)) : n.inputs();
    }

    private static boolean isCheapLeafOp(Node n) {
        boolean cheap = switch (n.op()) {
            case Op.Binary(var fn) -> fn != dev.nabla.compiler.ir.BinaryFn.POW;
            case Op.Unary(var fn) -> fn == dev.nabla.compiler.ir.UnaryFn.NEG || fn == dev.nabla.compiler.ir.UnaryFn.ABS;
            case Op.Compare c -> true;
            default -> false;
        };
        return cheap && n.inputs().stream().noneMatch(Lowering::isElementwise);
    }

    private static boolean isElementwise(Node n) {
        return switch (n.op()) {
            case Op.Unary u -> true;
            case Op.Binary b -> true;
            case Op.Fma f -> true;
            case Op.Compare c -> true;
            case Op.Where w -> true;
            case Op.StopGradient s -> true;
            case Op.Custom c -> true;
            default -> false;
        };
    }

    /** The type a kernel computes in: a comparison computes in its operands' type. */
    private static DType workingType(Node n) {
        return switch (n.op()) {
            case Op.Compare c -> n.input(0).dtype();
            case Op.Where w -> n.input(1).dtype();
            case Op.Reduce r -> n.input(0).dtype();
            default -> n.dtype();
        };
    }

    private int bind(Node n, Buffer.Kind kind) {
        int id = newBuffer(kind, n.dtype(), n.shape().size(), n);
        values.put(n, new Stored(View.contiguous(id, n.shape())));
        return id;
    }

    private int newBuffer(Buffer.Kind kind, DType dtype, int size, Node origin) {
        int id = buffers.size();
        buffers.add(new Buffer(id, kind, dtype, size, origin, -1));
        return id;
    }

    private Value lowerNode(Node n) {
        Value v = switch (n.op()) {
            case Op.Input i -> throw new IllegalStateException("inputs are bound first");
            case Op.Parameter p -> throw new IllegalStateException("parameters are bound first");
            case Op.Constant(var literal) -> n.fillValue() != null ? new Inline(new Expr.Const(n.fillValue()), 1)
                    : new Stored(View.contiguous(newBuffer(Buffer.Kind.CONSTANT, n.dtype(), n.shape().size(), n),
                    n.shape()));
            case Op.Unary(var fn) -> inline(n, () -> new Expr.Unary(fn, expr(n.input(0))));
            case Op.Binary(var fn) -> inline(n, () -> binary(fn, expr(n.input(0)), expr(n.input(1))));
            case Op.Fma f -> inline(n, () -> new Expr.Fma(expr(n.input(0)), expr(n.input(1)), expr(n.input(2))));
            case Op.Compare(var fn) -> inline(n, () -> new Expr.Compare(fn, expr(n.input(0)), expr(n.input(1))));
            case Op.Where w -> inline(n, () -> new Expr.Where(expr(n.input(0)), expr(n.input(1)), expr(n.input(2))));
            // Values only: a stop-gradient or custom node is the value it wraps (a view stays a view, no copy).
            case Op.StopGradient s -> values.get(n.input(0));
            case Op.Custom c -> values.get(n.input(0));
            case Op.Reduce r -> reduce(n, r);
            case Op.Reshape r -> {
                View source = stored(n.input(0));
                View reshaped = source.reshape(n.shape());
                yield new Stored(reshaped != null ? reshaped : copy(source, n.input(0)).reshape(n.shape()));
            }
            case Op.Permute(var perm) -> new Stored(stored(n.input(0)).permute(ints(perm)));
            case Op.BroadcastTo b -> new Stored(stored(n.input(0)).broadcast(n.shape()));
            case Op.Slice(var starts, var stepsPerAxis) ->
                    new Stored(stored(n.input(0)).slice(ints(starts), ints(stepsPerAxis), n.shape()));
            case Op.Pad(var starts, var stepsPerAxis) -> emit(n, out -> new Step.Pad(out, stored(n.input(0)),
                    ints(starts), ints(stepsPerAxis), n.shape(), n.dtype()));
            case Op.Windows(var w) -> emit(n, out -> new Step.Windows(out, stored(n.input(0)), w, n.shape(), n.dtype()));
            case Op.WindowsSum(var w) -> emit(n, out -> new Step.WindowsSum(out, stored(n.input(0)), w, n.shape(),
                    n.dtype()));
            case Op.Concat(int axis) -> emit(n, out -> new Step.Concat(out,
                    n.inputs().stream().map(this::stored).toList(), axis, n.shape(), n.dtype()));
            case Op.Gather(int axis) -> emit(n, out -> new Step.Gather(out, stored(n.input(0)), stored(n.input(1)),
                    axis, n.dtype()));
            case Op.ScatterAdd(int axis) -> emit(n, out -> new Step.ScatterAdd(out, stored(n.input(0)),
                    stored(n.input(1)), axis, n.shape(), n.dtype()));
            case Op.MatMul m -> emit(n, out -> new Step.MatMul(out, stored(n.input(0)), stored(n.input(1)), n.dtype()));
            case Op.Random(var dist) -> emit(n, out -> new Step.Random(out, stored(n.input(0)), dist, n.shape(), n.dtype()));
            case Op.Cast c -> emit(n, out -> new Step.Copy(out, stored(n.input(0)), n.input(0).dtype(), n.dtype()));
            case Op.Loop(var body, int output) -> new Stored(loop(n, body).get(output));
            case Op.Cond(var branches, int output) -> new Stored(cond(n, branches).get(output));
        };
        if (v instanceof Inline inline && isElementwise(n) && !fused.contains(n)) {
            return new Stored(elementwise(n, inline.expr()));
        }
        return v;
    }

    /**
     * The outputs of n's loop, lowered once for all of them. Where reverse mode reads outputs of
     * the loop's {@link LoopBody#history} past the plain loop's, only the history runs: its
     * outputs begin with the plain loop's.
     */
    private List<View> loop(Node n, LoopBody body) {
        LoopBody plain = body.base() != null ? body.base() : body;
        List<Object> key = List.of(plain, n.inputs());
        Set<Integer> wanted = loopOutputsWanted.get(key);
        LoopBody run = wanted.stream().anyMatch(i -> i >= plain.outputCount()) ? plain.history() : plain;
        return family(key, n, run.outputCount(), run::outputShape, run::outputDType, wanted::contains,
                (buffers, inputs) -> new Step.Loop(buffers, inputs, run));
    }

    /** The outputs of n's conditional, lowered once for all of them. */
    private List<View> cond(Node n, dev.nabla.compiler.ir.CondBranches branches) {
        return family(List.of(branches, n.inputs()), n, branches.outputCount(), branches::outputShape,
                branches::outputDType, i -> true, (buffers, inputs) -> new Step.Cond(buffers, inputs, branches));
    }

    /**
     * The step of a loop or conditional, made at the first of its outputs lowered: a buffer for
     * each output some node reads (-1 for the others, which the step does not keep).
     */
    private List<View> family(Object key, Node n, int count, java.util.function.IntFunction<Shape> shape,
                              java.util.function.IntFunction<DType> dtype, java.util.function.IntPredicate wanted,
                              java.util.function.BiFunction<List<Integer>, List<View>, Step> step) {
        List<View> views = families.get(key);
        if (views == null) {
            List<View> inputs = n.inputs().stream().map(this::stored).toList();
            List<Integer> buffers = new ArrayList<>();
            views = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int out = wanted.test(i) ? newBuffer(Buffer.Kind.TEMP, dtype.apply(i), shape.apply(i).size(), n) : -1;
                buffers.add(out);
                views.add(out < 0 ? null : View.contiguous(out, shape.apply(i)));
            }
            steps.add(step.apply(buffers, inputs));
            families.put(key, views);
        }
        return views;
    }

    /**
     * n's operation over its operands' expressions, holding at most {@link #MAX_FUSED_OPS}
     * operations: while it would hold more, its largest inlined operand is stored instead.
     */
    private Inline inline(Node n, Supplier<Expr> build) {
        while (true) {
            Expr e = build.get();
            int size = 1;
            for (Expr operand : e.operands()) {
                size += sizeOf(operand, n);
            }
            if (size <= MAX_FUSED_OPS) {
                return new Inline(e, size);
            }
            Node largest = null;
            for (Node in : n.inputs()) {
                if (values.get(in) instanceof Inline i && (largest == null || i.size() > sizeOf(largest))) {
                    largest = in;
                }
            }
            stored(largest);
        }
    }

    /** The size of an operand expression: the inlined input it came from, else a leaf. */
    private int sizeOf(Expr operand, Node n) {
        for (Node in : n.inputs()) {
            if (values.get(in) instanceof Inline i && i.expr() == operand) {
                return i.size();
            }
        }
        return 1;
    }

    private int sizeOf(Node n) {
        return values.get(n) instanceof Inline i ? i.size() : 1;
    }

    /** x^2 is x*x: the same correctly rounded result as pow, for the price of one multiply. */
    private static Expr binary(dev.nabla.compiler.ir.BinaryFn fn, Expr a, Expr b) {
        if (fn == dev.nabla.compiler.ir.BinaryFn.POW && b instanceof Expr.Const(double e) && e == 2.0) {
            return new Expr.Binary(dev.nabla.compiler.ir.BinaryFn.MUL, a, a);
        }
        return new Expr.Binary(fn, a, b);
    }

    private Value reduce(Node n, Op.Reduce r) {
        Node x = n.input(0);
        int[] axes = ints(r.axes());
        Shape kept = dev.nabla.compiler.ir.ShapeRules.reduced(x.shape(), axes, true);
        int out = newBuffer(Buffer.Kind.TEMP, n.dtype(), kept.size(), n);
        steps.add(new Step.Reduce(out, r.fn(), x.shape(), axes, workingType(n), expr(x)));
        View view = View.contiguous(out, kept);
        return new Stored(r.keepDims() ? view : view.reshape(n.shape()));
    }

    private interface StepFactory {
        Step make(int output);
    }

    private Value emit(Node n, StepFactory factory) {
        int out = newBuffer(Buffer.Kind.TEMP, n.dtype(), n.shape().size(), n);
        steps.add(factory.make(out));
        return new Stored(View.contiguous(out, n.shape()));
    }

    private View elementwise(Node n, Expr body) {
        int out = newBuffer(Buffer.Kind.TEMP, n.dtype(), n.shape().size(), n);
        steps.add(new Step.Elementwise(out, n.shape(), workingType(n), body));
        return View.contiguous(out, n.shape());
    }

    private View copy(View source, Node of) {
        int out = newBuffer(Buffer.Kind.TEMP, of.dtype(), of.shape().size(), of);
        steps.add(new Step.Copy(out, source, of.dtype(), of.dtype()));
        return View.contiguous(out, of.shape());
    }

    /** The node as an expression: inlined, or a load of its buffer. */
    private Expr expr(Node n) {
        return switch (values.get(n)) {
            case Inline i -> i.expr();
            case Stored s -> new Expr.Load(s.view());
        };
    }

    /** The node as a view of a buffer, computing an inline value into one first. */
    private View stored(Node n) {
        return switch (values.get(n)) {
            case Stored s -> s.view();
            case Inline i -> {
                View view = elementwise(n, i.expr());
                values.put(n, new Stored(view));
                yield view;
            }
        };
    }

    private static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}

package dev.nabla;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.compiler.ir.CustomRule;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.compiler.text.DotExporter;
import dev.nabla.compiler.text.GraphPrinter;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * A static computation graph under construction: declare inputs, parameters and constants, build
 * tensors from them with {@link Tensor}'s methods, then {@link #compile()} and run.
 *
 * <pre>{@code
 * try (var g = Graph.create()) {
 *     Tensor x = g.scalar("x", 5.0f);
 *     Tensor y = x.pow(2);
 *     System.out.println(g.compile().eval(y.grad(x)));   // 10.0
 * }
 * }</pre>
 *
 * <p>Lifetimes: a compiled graph holds its parameters' values until it is closed, and closing the
 * graph closes every compiled graph still open; after that, building, compiling and running are
 * errors. The graph keeps nothing of what is no longer reachable: nodes, and the initial values
 * of parameters nobody can name any more (an optimizer's state once its trainer is gone), are
 * collected with the last reference to them.
 */
public final class Graph implements AutoCloseable {
    private final GraphOptions options;
    private final NodeTable table;
    /** Each parameter's current value (weak keys: it goes with the last reference to its node). */
    private final ParameterValues values = new ParameterValues();
    private final Set<CompiledGraph> open = new LinkedHashSet<>();
    private final Set<Node> keyStates = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    /** Weak keys: a custom function's rule object goes with the last reference to the function. */
    private final Map<CustomFunction, CustomRule> customRules = new WeakHashMap<>();
    /** State that every training step assigns besides the optimizers' updates (running statistics). */
    private final List<StepAssignment> stepAssignments = new ArrayList<>();

    private Graph(GraphOptions options) {
        this.options = options;
        this.table = new NodeTable(options.fastMath() ? Arithmetic.FAST : Arithmetic.IEEE,
                options.detectAnomalies() ? UserFrames::firstOutsideNabla : null);
    }

    /** {@return a new graph with IEEE-faithful arithmetic and no anomaly detection} */
    public static Graph create() {
        return create(GraphOptions.defaults());
    }

    /**
     * {@return a new graph that builds and runs as {@code options} say}
     *
     * @param options the arithmetic and whether to detect anomalies
     */
    public static Graph create(GraphOptions options) {
        return new Graph(options);
    }

    /** {@return the options this graph was created with} */
    public GraphOptions options() {
        return options;
    }

    // ---- leaves ----

    /**
     * {@return an f32 input, fed at every run}
     *
     * @param name its name, unique among the graph's inputs and parameters
     * @param dims its shape
     */
    public Tensor input(String name, int... dims) {
        return input(name, DType.F32, dims);
    }

    /**
     * {@return an input of any dtype, fed at every run}
     *
     * @param name  its name, unique among the graph's inputs and parameters
     * @param dtype its element type
     * @param dims  its shape
     */
    public Tensor input(String name, DType dtype, int... dims) {
        return wrap(Ops.input(table, name, new Shape(dims), dtype));
    }

    /**
     * {@return a parameter: state with an initial value that persists across runs and can be updated}
     *
     * @param name    its name, unique among the graph's inputs and parameters
     * @param initial its initial value, which also gives its dtype and shape
     * @throws dev.nabla.core.NablaException.GraphException if {@code initial} is null or the name is taken
     */
    public Tensor parameter(String name, NDArray initial) {
        if (initial == null) {
            throw new GraphException("parameter: '" + name + "' needs an initial value, got null");
        }
        Node p = Ops.parameter(table, name, initial.shape(), initial.dtype());
        values.initial(p, initial);
        return wrap(p);
    }

    /**
     * {@return an f32 scalar parameter, like {@code torch.tensor(5.0, requires_grad=True)}}
     *
     * @param name  its name
     * @param value its initial value
     */
    public Tensor scalar(String name, float value) {
        return parameter(name, NDArray.scalar(value));
    }

    /**
     * {@return an f64 scalar parameter}
     *
     * @param name  its name
     * @param value its initial value
     */
    public Tensor scalar(String name, double value) {
        return parameter(name, NDArray.scalar(value));
    }

    /**
     * {@return a key kept as state (an i32 [2] parameter, initially {@link Nabla#key}'s value for the
     * seed)} Draws from it differ at every step of a {@link dev.nabla.optim.Trainer}, which
     * replaces it with a new key derived from it after each step, inside the compiled step.
     *
     * @param name the parameter's name
     * @param seed the seed of its first value
     */
    public Tensor keyState(String name, long seed) {
        Tensor key = parameter(name, RandomDraws.keyValue(seed));
        keyStates.add(key.node());
        return key;
    }

    /**
     * {@return whether t was made by {@link #keyState}}
     *
     * @param t a tensor of this graph
     */
    public boolean isKeyState(Tensor t) {
        return keyStates.contains(t.node());
    }

    /**
     * {@return an f32 scalar constant}
     *
     * @param value its value
     */
    public Tensor constant(float value) {
        return wrap(Ops.fill(table, value, Shape.SCALAR, DType.F32));
    }

    /**
     * {@return an f64 scalar constant}
     *
     * @param value its value
     */
    public Tensor constant(double value) {
        return wrap(Ops.fill(table, value, Shape.SCALAR, DType.F64));
    }

    /**
     * {@return a constant of the array's dtype, shape and values}
     *
     * @param value the values, copied into the graph
     */
    public Tensor constant(NDArray value) {
        return wrap(Ops.constant(table, value.toDoubleArray(), value.shape(), value.dtype()));
    }

    /**
     * {@return a constant of zeros}
     *
     * @param dtype its element type
     * @param dims  its shape
     */
    public Tensor zeros(DType dtype, int... dims) {
        return wrap(Ops.fill(table, 0, new Shape(dims), dtype));
    }

    /**
     * {@return a constant of ones}
     *
     * @param dtype its element type
     * @param dims  its shape
     */
    public Tensor ones(DType dtype, int... dims) {
        return wrap(Ops.fill(table, 1, new Shape(dims), dtype));
    }

    /**
     * Makes every {@link dev.nabla.optim.Trainer} step of this graph whose loss needs every input
     * {@code next} needs also set {@code state} (a parameter that is not trained, such as batch
     * norm's running mean) to {@code next}, computed from the values before the step, as PyTorch
     * updates its buffers in a forward pass.
     *
     * @param state a parameter of this graph
     * @param next  its value after each step, of its shape and dtype
     * @throws dev.nabla.core.NablaException.GraphException if {@code state} is not a parameter or
     *         {@code next} does not fit it
     */
    public void assignOnStep(Tensor state, Tensor next) {
        assignOnStep(state, next, null);
    }

    /**
     * Makes every training step whose loss depends on {@code whenUsed} (the output of the forward
     * pass that computed {@code next}, say) also set {@code state} to {@code next}. A loss that
     * uses two forward passes assigning the same state is refused when its trainer is built.
     *
     * @param state    a parameter of this graph
     * @param next     its value after each step, of its shape and dtype
     * @param whenUsed the tensor a loss must depend on for its steps to assign; null for the rule of
     *                 {@link #assignOnStep(Tensor, Tensor)}
     * @throws dev.nabla.core.NablaException.GraphException if {@code state} is not a parameter or
     *         {@code next} does not fit it
     */
    public synchronized void assignOnStep(Tensor state, Tensor next, Tensor whenUsed) {
        Node s = unwrap("assignOnStep", state);
        Node n = unwrap("assignOnStep", next);
        if (whenUsed != null) {
            unwrap("assignOnStep", whenUsed);
        }
        if (!(s.op() instanceof dev.nabla.compiler.ir.Op.Parameter)) {
            throw new GraphException("assignOnStep: " + s.describe() + " is not a parameter; only state made with"
                    + " Graph.parameter can be assigned");
        }
        if (!s.shape().equals(n.shape()) || s.dtype() != n.dtype()) {
            throw new GraphException("assignOnStep: the new value " + n.describe() + " must have the shape and dtype of "
                    + s.describe());
        }
        stepAssignments.add(new StepAssignment(state, next, whenUsed));
    }

    /**
     * State a training step sets besides the optimizers' updates: {@code state} becomes {@code next}
     * in steps whose loss uses {@code whenUsed} (or, where that is null, needs every input
     * {@code next} needs).
     *
     * @param state    the parameter assigned
     * @param next     its value after each step
     * @param whenUsed the tensor a loss must depend on, or null
     */
    public record StepAssignment(Tensor state, Tensor next, Tensor whenUsed) {}

    /** {@return what {@link #assignOnStep} registered, in registration order} */
    public synchronized List<StepAssignment> stepAssignments() {
        return List.copyOf(stepAssignments);
    }

    // ---- parameter values ----

    /**
     * A parameter's current value (a host copy): its initial value until a training step or a
     * {@code setParameter} on a compiled graph changes it, then the latest value, read from the
     * compiled graph (a {@link dev.nabla.optim.Trainer}'s, say) that holds it; after that compiled
     * graph closes, the value it left. A new {@link #compile()} starts from these values.
     *
     * @param parameter a parameter of this graph
     * @return its current value
     * @throws dev.nabla.core.NablaException.GraphException if it is not a parameter
     */
    public NDArray value(Tensor parameter) {
        Node p = requireParameter("value", parameter);
        return values.current(p);
    }

    /**
     * Sets a parameter's value here and in every open compiled graph of this graph (as loading a
     * PyTorch state dict changes the model in place; an optimizer's moments stay as they are).
     *
     * @param parameter a parameter of this graph
     * @param value     its new value, of its dtype and shape
     * @throws dev.nabla.core.NablaException.FeedException if the value does not fit
     * @throws dev.nabla.core.NablaException.GraphException if it is not a parameter
     */
    public void setValue(Tensor parameter, NDArray value) {
        Node p = requireParameter("setValue", parameter);
        if (value == null || value.dtype() != p.dtype() || !value.shape().equals(p.shape())) {
            throw new dev.nabla.core.NablaException.FeedException("setValue: " + p.describe() + " expects "
                    + p.dtype() + p.shape() + ", got " + (value == null ? "null" : value.dtype() + "" + value.shape()));
        }
        List<CompiledGraph> targets;
        synchronized (this) {
            targets = List.copyOf(open);
        }
        values.set(p, value, targets);
    }

    private Node requireParameter(String op, Tensor t) {
        requireOpen(op);
        Node p = unwrap(op, t);
        if (!(p.op() instanceof dev.nabla.compiler.ir.Op.Parameter) || !values.has(p)) {
            throw new GraphException(op + ": " + p.describe() + " is not a parameter; only parameters (Graph.parameter)"
                    + " hold values between runs");
        }
        return p;
    }

    /** Called by a compiled graph whose runs (or setParameter) changed {@code params}. */
    void updatedBy(CompiledGraph c, List<Node> params) {
        values.updatedBy(c, params);
    }

    /** Called by a compiled graph as it closes: the values it trained stay the current ones. */
    void takeBack(CompiledGraph c) {
        if (!table.isClosed()) {
            values.takeBack(c);
        }
    }

    // ---- looking at the graph ----

    /**
     * {@return the text form of the program that computes {@code outputs}, one line per node}
     *
     * @param outputs tensors of this graph
     */
    public String print(Tensor... outputs) {
        return GraphPrinter.print(program("print", outputs));
    }

    /**
     * {@return Graphviz DOT for the program that computes {@code outputs}}
     *
     * @param outputs tensors of this graph
     */
    public String toDot(Tensor... outputs) {
        return DotExporter.export(program("toDot", outputs));
    }

    // ---- saving ----

    /**
     * Writes the program that computes {@code outputs}, with every parameter's current value
     * ({@link #value}: the trained one once a trainer has stepped), to {@code file}
     * (docs/graph-format.md); {@link SavedGraph#load} reads it back. {@link CompiledGraph#save}
     * writes the values one compiled graph holds.
     *
     * @param file    the file to write, replaced whole
     * @param outputs at least one tensor of this graph
     * @throws IOException if the file cannot be written
     * @throws dev.nabla.core.NablaException.GraphException if there is no output, or one uses a
     *         custom function (see {@link SavedGraph.Options})
     */
    public void save(Path file, Tensor... outputs) throws IOException {
        save(file, SavedGraph.Options.defaults(), outputs);
    }

    /**
     * Writes the program that computes {@code outputs}, as {@link #save(Path, Tensor...)}, with
     * {@code options}.
     *
     * @param file    the file to write, replaced whole
     * @param options how to save custom functions
     * @param outputs at least one tensor of this graph
     * @throws IOException if the file cannot be written
     */
    public void save(Path file, SavedGraph.Options options, Tensor... outputs) throws IOException {
        requireOpen("save");
        SavedGraph.save(file, this, "save", SavedGraph.outputs(outputs), values::current, options);
    }

    /**
     * As {@link #save(Path, Tensor...)}, to a stream (left open): to ship a graph without a file.
     *
     * @param out     the stream to write to
     * @param options how to save custom functions
     * @param outputs at least one tensor of this graph
     * @throws IOException if the stream fails
     */
    public void save(OutputStream out, SavedGraph.Options options, Tensor... outputs) throws IOException {
        requireOpen("save");
        SavedGraph.save(out, this, "save", SavedGraph.outputs(outputs), values::current, options);
    }

    /** A loaded parameter's value (see {@link SavedGraph}). */
    void initialValue(Node parameter, NDArray value) {
        values.initial(parameter, value);
    }

    Program program(String op, Tensor... outputs) {
        requireOpen(op);
        return Program.of(unwrapAll(op, Arrays.asList(outputs)));
    }

    // ---- running ----

    /** {@return this graph compiled for the best device present (an accelerator if any, else the CPU)} */
    public CompiledGraph compile() {
        return compile(Device.best());
    }

    /**
     * {@return this graph compiled for {@code device}}
     *
     * @param device where to run and keep the parameters
     */
    public CompiledGraph compile(Device device) {
        return compile(device, false);
    }

    /**
     * {@return this graph compiled for {@code device}, checking values if asked}
     *
     * @param device      where to run and keep the parameters
     * @param checkFinite when true, every fed value and parameter is checked for NaN and infinity
     * @throws dev.nabla.core.NablaException.FeedException with {@code checkFinite}, if a parameter
     *         is not finite
     */
    public synchronized CompiledGraph compile(Device device, boolean checkFinite) {
        requireOpen("compile");
        var starting = values.startingValues();
        CompiledGraph c = new CompiledGraph(this, device, starting, checkFinite, options.detectAnomalies());
        if (checkFinite) {
            values.allStored().keySet().forEach(p -> c.checkParameter("compile", p, starting.apply(p)));
        }
        open.add(c);
        return c;
    }

    /** Called by a compiled graph that closes: the graph no longer holds it. */
    synchronized void forget(CompiledGraph c) {
        open.remove(c);
    }

    /** Closes every compiled graph still open; later use of this graph is an error. */
    @Override
    public void close() {
        List<CompiledGraph> toClose;
        synchronized (this) {
            table.close();
            toClose = new ArrayList<>(open);
            open.clear();
            values.clear();
            customRules.clear();
        }
        toClose.forEach(CompiledGraph::close);
    }

    private void requireOpen(String op) {
        if (table.isClosed()) {
            throw new GraphException(op + ": this graph is closed; build and run on a new Graph");
        }
    }

    // ---- plumbing between Tensor and Node ----

    /** f's rules in this graph: one object per function, so that applying f twice gives one node. */
    synchronized CustomRule customRule(CustomFunction f) {
        return customRules.computeIfAbsent(f, k -> k.ruleFor(this));
    }

    NodeTable table() {
        return table;
    }

    Tensor wrap(Node n) {
        return new Tensor(this, n);
    }

    /** t's node, after checking that t belongs to this graph; {@code op} names the call in the error. */
    Node unwrap(String op, Tensor t) {
        if (t == null) {
            throw new GraphException(op + ": an operand is null; pass a tensor of this graph");
        }
        if (t.graph() != this) {
            throw new GraphException(op + ": operand " + t.node().describe() + " belongs to another graph;"
                    + " build all tensors of one computation in the same Graph");
        }
        return t.node();
    }

    List<Tensor> wrapAll(List<Node> nodes) {
        return nodes.stream().map(this::wrap).toList();
    }

    List<Node> unwrapAll(String op, List<Tensor> tensors) {
        if (tensors == null) {
            throw new GraphException(op + ": the list of tensors is null");
        }
        List<Node> nodes = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            nodes.add(unwrap(op, t));
        }
        return nodes;
    }
}

package dev.nabla;

import dev.nabla.core.NablaException.FeedException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A graph compiled for one device. It evaluates any of the graph's tensors (each distinct set of
 * outputs is compiled once and cached) and holds the parameters' values between runs.
 *
 * <p>Threads: evaluations may run at once from any number of threads; a run with parameter
 * updates (a training step) runs alone, between them. Close it to free the parameters' values
 * and compiled code; a closed compiled graph refuses every call.
 */
public final class CompiledGraph implements AutoCloseable {
    private final Graph graph;
    private final Session session;
    private final boolean checkFinite;

    CompiledGraph(Graph graph, Device device, Function<Node, NDArray> initialValues, boolean checkFinite,
                  boolean detectAnomalies) {
        this.graph = graph;
        this.session = new Session(device, initialValues, checkFinite, detectAnomalies);
        this.checkFinite = checkFinite;
    }

    /** {@return where the programs run and the parameters live; fed values must live there too} */
    public Device device() {
        return session.device();
    }

    /**
     * {@return the same graph compiled for {@code device}, with the parameters' current values copied
     * there; this one stays as it is}
     *
     * @param device where the new one runs
     */
    public CompiledGraph to(Device device) {
        session.ensureOpen("to");
        CompiledGraph moved = graph.compile(device, checkFinite);
        session.parameters().forEach(moved.session::setParameter);
        return moved;
    }

    /**
     * {@return the value of one tensor of a graph that needs no fed inputs}
     *
     * @param output a tensor of the graph
     */
    public NDArray eval(Tensor output) {
        return eval(Map.of(), output).get(0);
    }

    /**
     * {@return the values of several tensors, computed in one run}
     *
     * @param outputs tensors of the graph that need no fed inputs
     */
    public List<NDArray> eval(Tensor... outputs) {
        return eval(Map.of(), outputs);
    }

    /**
     * {@return the values of tensors, computed with a value for each input they need}
     *
     * @param feeds   a value for each input the outputs need, on this graph's device
     * @param outputs tensors of the graph
     * @throws dev.nabla.core.NablaException.FeedException if a feed is missing or does not fit
     */
    public List<NDArray> eval(Map<Tensor, NDArray> feeds, Tensor... outputs) {
        session.ensureOpen("eval");
        EvalPlan plan = planFor(outputs);
        if (plan != null) {
            NDArray[] values = inputValues(plan, feeds);
            if (values != null) {
                return plan.evaluation().run(values);
            }
        }
        // A first evaluation of these outputs, or feeds that need a closer look: this path checks
        // everything and names what is wrong.
        List<Node> nodes = graph.unwrapAll("eval", Arrays.asList(outputs));
        List<NDArray> results = session.run(nodes, byNode("eval", feeds));
        if (plan == null) {
            remember(outputs, nodes);
        }
        return results;
    }

    /**
     * Outputs evaluated before, resolved to their compiled program, with the program's inputs as
     * the feeds' keys. A plan never goes stale: a compiled graph compiles each set of outputs once
     * and keeps it until closed, and a plan reads the parameters' current values at each run.
     */
    private record EvalPlan(Tensor[] outputs, Tensor[] inputs, Session.Evaluation evaluation) {
        boolean matches(Tensor[] requested) {
            if (requested.length != outputs.length) {
                return false;
            }
            for (int i = 0; i < requested.length; i++) {
                if (requested[i] != outputs[i] && !outputs[i].equals(requested[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The program's input values from {@code feeds}, in its order, when every feed passes the
     * checks a run makes; else null, and the caller takes the path that names the problem.
     */
    private NDArray[] inputValues(EvalPlan plan, Map<Tensor, NDArray> feeds) {
        Tensor[] inputs = plan.inputs();
        if (feeds == null) {
            return null;
        }
        NDArray[] values = inputs.length == 0 ? NO_VALUES : new NDArray[inputs.length];
        boolean exactly = feeds.size() == inputs.length;
        if (!exactly) {
            // Feeds the program does not read are checked all the same, as a run checks them.
            for (Map.Entry<Tensor, NDArray> e : feeds.entrySet()) {
                Tensor t = e.getKey();
                if (t == null || t.graph() != graph || !session.accepts(t.node(), e.getValue())) {
                    return null;
                }
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            NDArray v = feeds.get(inputs[i]);
            // With as many feeds as inputs, finding every input means that the feeds are
            // exactly the inputs: then these are all the checks there are to make.
            if (v == null || exactly && !session.accepts(inputs[i].node(), v)) {
                return null;
            }
            values[i] = v;
        }
        return values;
    }

    private static final NDArray[] NO_VALUES = {};

    /** The most plans {@link #plans} keeps, the latest first; a longer cycle of outputs finds the rest in {@link #allPlans}. */
    private static final int RECENT_PLANS = 8;

    /** Plans for the latest sets of outputs evaluated, the latest first; replaced whole, never changed. */
    private volatile EvalPlan[] plans = new EvalPlan[0];

    /** A plan for every set of outputs evaluated, as the session keeps a program for each. */
    private final Map<List<Tensor>, EvalPlan> allPlans = new ConcurrentHashMap<>();

    /** The plan for these outputs, or null if they were never evaluated (or are not all tensors). */
    private EvalPlan planFor(Tensor[] outputs) {
        if (outputs == null) {
            return null;
        }
        EvalPlan[] recent = plans;
        for (EvalPlan p : recent) {
            if (p.matches(outputs)) {
                return p;
            }
        }
        if (allPlans.isEmpty()) {
            return null;
        }
        for (Tensor t : outputs) {
            if (t == null) {
                return null;
            }
        }
        EvalPlan p = allPlans.get(List.of(outputs));
        if (p != null) {
            remember(p);
        }
        return p;
    }

    /** Keeps a plan for outputs just evaluated (their nodes {@code nodes}). */
    private void remember(Tensor[] outputs, List<Node> nodes) {
        Session.Evaluation evaluation = session.evaluation(nodes);
        Tensor[] inputs = evaluation.inputs().stream().map(graph::wrap).toArray(Tensor[]::new);
        EvalPlan p = new EvalPlan(outputs.clone(), inputs, evaluation);
        allPlans.putIfAbsent(List.of(p.outputs()), p);
        remember(p);
    }

    private void remember(EvalPlan p) {
        EvalPlan[] recent = plans;
        EvalPlan[] next = new EvalPlan[Math.min(recent.length + 1, RECENT_PLANS)];
        next[0] = p;
        System.arraycopy(recent, 0, next, 1, next.length - 1);
        plans = next;
    }

    /**
     * Evaluates {@code outputs}, then sets each parameter of {@code assignments} to the value its
     * tensor had in this run; all assignments see the parameters as they were before the run. A
     * training step is one such run: new weights and optimizer state never leave the backend.
     *
     * @param feeds       a value for each input the outputs and assignments need
     * @param outputs     the tensors to evaluate
     * @param assignments each parameter to update, with the tensor of its new value
     * @return the outputs' values
     */
    public List<NDArray> run(Map<Tensor, NDArray> feeds, List<Tensor> outputs, Map<Tensor, Tensor> assignments) {
        return prepare(outputs, assignments).run(feeds);
    }

    /**
     * Evaluates a traced computation for {@code values} (in its specs' order), tracing it for their
     * shapes if they are new; each combination of shapes is compiled once.
     *
     * @param traced a computation over inputs whose shapes vary, of this graph
     * @param values one value per input spec, in order
     * @return the computation's value
     */
    public NDArray eval(Traced<Tensor> traced, NDArray... values) {
        Traced.Variant<Tensor> v = traced.variant(values);
        return eval(v.feeds(values), v.result()).get(0);
    }

    /**
     * {@link #run} with its outputs and assignments fixed once, for a loop that runs them again
     * and again (a training step): each run then only checks and binds its feeds.
     *
     * @param outputs     the tensors to evaluate
     * @param assignments each parameter to update, with the tensor of its new value
     * @return the prepared run
     */
    public PreparedRun prepare(List<Tensor> outputs, Map<Tensor, Tensor> assignments) {
        session.ensureOpen("run");
        List<Program.Update> updates = new ArrayList<>();
        assignments.forEach((p, v) -> updates.add(new Program.Update(graph.unwrap("run", p), graph.unwrap("run", v))));
        return new PreparedRun(graph.unwrapAll("run", outputs), List.copyOf(updates));
    }

    /** Outputs and parameter updates fixed by {@link #prepare}; run it with each step's feeds. */
    public final class PreparedRun {
        private final List<Node> outputs;
        private final List<Program.Update> updates;
        /** Whether the graph knows that this run's updates make the latest parameter values. */
        private volatile boolean announced;

        private PreparedRun(List<Node> outputs, List<Program.Update> updates) {
            this.outputs = outputs;
            this.updates = updates;
        }

        /**
         * Runs once: evaluates the outputs, then applies the updates.
         *
         * @param feeds a value for each input the outputs and updates need
         * @return the outputs' values
         */
        public List<NDArray> run(Map<Tensor, NDArray> feeds) {
            if (!announced && !updates.isEmpty()) {
                graph.updatedBy(CompiledGraph.this, updates.stream().map(Program.Update::parameter).toList());
                announced = true;
            }
            return session.run(outputs, updates, byNode("run", feeds));
        }
    }

    /**
     * Evaluates one f32 output into {@code destination} (of the output's size) instead of a new
     * array: for large results computed again and again, like PyTorch's {@code out=}.
     *
     * @param feeds       a value for each input the output needs
     * @param output      an f32 tensor of the graph
     * @param destination receives the values, row-major
     */
    public void evalInto(Map<Tensor, NDArray> feeds, Tensor output, float[] destination) {
        into(feeds, output, destination);
    }

    /**
     * Evaluates one f64 output into {@code destination}.
     *
     * @param feeds       a value for each input the output needs
     * @param output      an f64 tensor of the graph
     * @param destination receives the values, row-major, of the output's size
     */
    public void evalInto(Map<Tensor, NDArray> feeds, Tensor output, double[] destination) {
        into(feeds, output, destination);
    }

    private void into(Map<Tensor, NDArray> feeds, Tensor output, Object destination) {
        session.runInto(graph.unwrap("evalInto", output), destination, byNode("evalInto", feeds));
    }

    /** The feeds keyed by node; {@code op} names the user's call if a tensor is foreign. */
    private Map<Node, NDArray> byNode(String op, Map<Tensor, NDArray> feeds) {
        if (feeds == null) {
            throw new FeedException(op + ": the feeds are null; pass Map.of() when the outputs need no inputs");
        }
        if (feeds.isEmpty()) {
            return Map.of();
        }
        Map<Node, NDArray> byNode = new HashMap<>(feeds.size() * 2);
        feeds.forEach((t, v) -> byNode.put(graph.unwrap(op, t), v));
        return byNode;
    }

    /**
     * {@code output} as a compiled function of the scalar {@code arguments}, called with doubles:
     * {@code run.function(dy, x).apply(5.0)}. Each argument is an input or a parameter; a
     * parameter named as an argument takes the argument's value for the call (its stored value
     * does not change), and the parameters not named take their current values at each call.
     *
     * @param output    a scalar tensor of the graph
     * @param arguments scalar inputs or parameters, in the order the function takes them
     * @return the function
     */
    public ScalarFunction function(Tensor output, Tensor... arguments) {
        return new ScalarFunction(session.scalarFunction(graph.unwrap("function", output),
                graph.unwrapAll("function", Arrays.asList(arguments))));
    }

    /**
     * {@return how many programs this compiled graph has compiled so far: one per distinct set of outputs
     * (and updates) run, each compiled at its first run}
     */
    public int compiledPrograms() {
        return session.compiledPrograms();
    }

    /**
     * {@return the current value of a parameter, copied to the host}
     *
     * @param p a parameter of the graph
     */
    public NDArray parameter(Tensor p) {
        return session.parameter(graph.unwrap("parameter", p));
    }

    /**
     * Writes the program that computes {@code outputs}, with every parameter's current value (a
     * trained model's weights), to {@code file}; {@link SavedGraph#load} reads it back.
     *
     * @param file    the file to write, replaced whole
     * @param outputs at least one tensor of the graph
     * @throws IOException if the file cannot be written
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
     * @param outputs at least one tensor of the graph
     * @throws IOException if the file cannot be written
     */
    public void save(Path file, SavedGraph.Options options, Tensor... outputs) throws IOException {
        session.ensureOpen("save");
        SavedGraph.save(file, graph, "save", SavedGraph.outputs(outputs), session::parameter, options);
    }

    /**
     * As {@link #save(Path, Tensor...)}, to a stream (left open).
     *
     * @param out     the stream to write to
     * @param options how to save custom functions
     * @param outputs at least one tensor of the graph
     * @throws IOException if the stream fails
     */
    public void save(OutputStream out, SavedGraph.Options options, Tensor... outputs) throws IOException {
        session.ensureOpen("save");
        SavedGraph.save(out, graph, "save", SavedGraph.outputs(outputs), session::parameter, options);
    }

    /**
     * Sets a parameter's value for this compiled graph's runs; it becomes the graph's current value.
     *
     * @param p     a parameter of the graph
     * @param value its new value, of its dtype and shape (copied)
     * @throws dev.nabla.core.NablaException.FeedException if the value does not fit
     */
    public void setParameter(Tensor p, NDArray value) {
        Node n = graph.unwrap("setParameter", p);
        session.setParameter(n, value);
        graph.updatedBy(this, List.of(n));
    }

    /** A host copy of a parameter's value here (for the graph's bookkeeping of current values). */
    NDArray valueOf(Node p) {
        return session.parameter(p);
    }

    void setValueOf(Node p, NDArray value) {
        if (!session.isClosed()) {
            session.setParameter(p, value);
        }
    }

    void checkParameter(String op, Node p, NDArray value) {
        session.checkParameter(op, p, value);
    }

    /** Frees the parameters' values and the compiled programs; later calls are errors. */
    @Override
    public void close() {
        plans = new EvalPlan[0];
        allPlans.clear();
        if (!session.isClosed()) {
            graph.takeBack(this);
        }
        session.close();
        graph.forget(this);
    }
}

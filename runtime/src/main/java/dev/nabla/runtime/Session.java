package dev.nabla.runtime;

import dev.nabla.core.NDArray;
import dev.nabla.core.Device;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Function;

/**
 * Runs programs of one graph on one device: checks what is fed, holds the parameters' current
 * values between runs, and compiles each distinct set of outputs once.
 *
 * <p>Threads: runs that only evaluate may overlap; a run that updates parameters (a training
 * step) runs alone, after the runs before it and before the runs after it, so every run sees
 * the parameters of one step. A parameter's value is copied in from the graph's initial value on
 * its first use, so compiling copies nothing. After {@link #close()} every call is an error.
 */
public final class Session implements AutoCloseable {
    private final Device device;
    /** {@code device.hostMemory()}, read once: feeds are checked against it on every run. */
    private final boolean hostMemory;
    private final Backend backend;
    private final boolean checkFinite;
    private final boolean detectAnomalies;
    /** A parameter's initial value, or null when the node is no parameter of this graph. */
    private final Function<Node, NDArray> initialValues;
    private final Map<Node, NDArray> parameters = new ConcurrentHashMap<>();
    /** For each updated parameter, its value from before the last update, whose array is free for the next. */
    private final Map<Node, NDArray> spares = new ConcurrentHashMap<>();
    /** Evaluations share it; updates, which write into the spares, hold it alone. */
    private final StampedLock lock = new StampedLock();
    private volatile boolean closed;

    private record ProgramKey(List<Node> outputs, List<Program.Update> updates) {}

    private final Map<ProgramKey, Executable> compiled = new ConcurrentHashMap<>();

    /**
     * @param checkFinite     refuse fed values and parameters that hold NaN or infinity
     * @param detectAnomalies refuse results that hold NaN or infinity, naming the node where the
     *                        value first appears ({@link Anomalies}); an update's new values are then
     *                        not committed
     */
    public Session(Device device, Function<Node, NDArray> initialValues, boolean checkFinite,
                   boolean detectAnomalies) {
        this.device = device;
        this.hostMemory = device.hostMemory();
        this.backend = Backends.forDevice(device);
        this.checkFinite = checkFinite;
        this.detectAnomalies = detectAnomalies;
        this.initialValues = initialValues;
    }

    public Device device() {
        return device;
    }

    /** Evaluates {@code outputs} with the given input values. */
    public List<NDArray> run(List<Node> outputs, Map<Node, NDArray> feeds) {
        return run(outputs, List.of(), feeds);
    }

    /**
     * Evaluates {@code outputs}, then gives each updated parameter the value its update had in
     * this run (all updates see the parameters as they were before the run).
     */
    public List<NDArray> run(List<Node> outputs, List<Program.Update> updates, Map<Node, NDArray> feeds) {
        ensureOpen("run");
        Executable exe = executable("run", outputs, updates);
        if (updates.isEmpty()) {
            return evaluate(exe, exe.program().parameters(), inputs(exe, feeds));
        }
        long stamp = lock.writeLock();
        try {
            return update(exe, outputs, updates, feeds);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    private List<NDArray> update(Executable exe, List<Node> outputs, List<Program.Update> updates,
                                 Map<Node, NDArray> feeds) {
        if (!device.hostMemory()) {
            // The backend made the new values in its own memory: they become the parameters.
            List<NDArray> results = execute(exe, feeds);
            for (int i = 0; i < updates.size(); i++) {
                parameters.put(updates.get(i).parameter(), results.get(outputs.size() + i));
            }
            return results.subList(0, outputs.size());
        }
        // New parameter values go into the arrays their values had two runs ago (the session's own
        // NDArrays, never handed out, so rewriting them is safe): a training loop then allocates
        // no parameter-sized memory per step.
        List<List<NDArray>> args = arguments(exe, feeds);
        Object[] destinations = new Object[outputs.size() + updates.size()];
        NDArray[] next = new NDArray[updates.size()];
        for (int i = 0; i < updates.size(); i++) {
            Node p = updates.get(i).parameter();
            NDArray spare = spares.get(p);
            next[i] = spare != null ? spare : NDArray.full(p.dtype(), p.shape(), 0);
            destinations[outputs.size() + i] = next[i].storage();
        }
        List<NDArray> results = exe.runInto(args.get(0), args.get(1), destinations);
        if (detectAnomalies) {
            // Checked before the new values are committed: a step that made NaN changes nothing.
            List<NDArray> all = new ArrayList<>(results.subList(0, outputs.size()));
            all.addAll(List.of(next));
            checkAnomalies("run", exe, all, args);
        }
        // The value and its array trade places with the spare: nothing parameter-sized is allocated.
        for (int i = 0; i < updates.size(); i++) {
            Node p = updates.get(i).parameter();
            spares.put(p, parameters.put(p, next[i]));
        }
        return results.subList(0, outputs.size());
    }
    /** The last program run, checked first: loops evaluate the same outputs again and again. */
    private record Recent(List<Node> outputs, List<Program.Update> updates, Executable executable) {}

    private volatile Recent recent;

    private Executable executable(String op, List<Node> outputs, List<Program.Update> updates) {
        Recent last = recent;
        if (last != null && last.outputs().equals(outputs) && last.updates().equals(updates)) {
            return last.executable();
        }
        ProgramKey key = new ProgramKey(List.copyOf(outputs), List.copyOf(updates));
        Executable exe = compiled.computeIfAbsent(key, k -> compile(op, Program.of(k.outputs(), k.updates())));
        recent = new Recent(key.outputs(), key.updates(), exe);
        return exe;
    }

    /**
     * The evaluation of {@code outputs} (no updates) resolved to its compiled program once, for a
     * caller that evaluates the same outputs again and again: each {@link Evaluation#run} then
     * skips the program lookup and takes its fed values already checked ({@link #accepts}).
     */
    public Evaluation evaluation(List<Node> outputs) {
        ensureOpen("run");
        return new Evaluation(executable("run", outputs, List.of()));
    }

    /**
     * Whether a run takes {@code value} fed to {@code node} as it is: the node is an input, and the
     * value is not null, of the node's dtype and shape, finite when this session checks that, and
     * readable on this session's device. Never throws: where this is false, a run given the same
     * feeds refuses them and says why.
     */
    public boolean accepts(Node node, NDArray value) {
        if (value == null || !(node.op() instanceof Op.Input) || value.dtype() != node.dtype()
                || value.shape() != node.shape() && !value.shape().equals(node.shape())) {
            return false;
        }
        if (value.deviceArray() == null ? !hostMemory : !Placement.readable(value.device(), device)) {
            return false;
        }
        if (checkFinite) {
            for (int i = 0; i < value.size(); i++) {
                if (!Double.isFinite(value.getDouble(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Outputs resolved to their compiled program by {@link #evaluation}. Runs as {@link #run} does
     * (optimistically, else under the read lock), from any number of threads.
     */
    public final class Evaluation {
        private final Executable exe;
        private final List<Node> parameterNodes;

        private Evaluation(Executable exe) {
            this.exe = exe;
            this.parameterNodes = exe.program().parameters();
        }

        /** {@return the inputs the program reads, in the order {@link #run} takes their values} */
        public List<Node> inputs() {
            return exe.program().inputs();
        }

        /**
         * Evaluates the outputs.
         *
         * @param inputs a value for each of {@link #inputs()}, in that order, each {@linkplain
         *               #accepts accepted}; not kept
         * @return the outputs' values
         */
        public List<NDArray> run(NDArray[] inputs) {
            ensureOpen("run");
            return evaluate(exe, parameterNodes, inputs);
        }
    }

    /**
     * Compiles a program for this session's device. A tensor of more than 2^31-1 elements fits in
     * no Java array and on no backend, even one that a view makes without storing it (an empty
     * slice of a huge broadcast): such a program is refused here, the same on every backend,
     * before anything runs.
     */
    private Executable compile(String op, Program program) {
        for (Node n : program.nodes()) {
            long size = 1;
            for (int d : n.shape().dims()) {
                size *= d;
                if (size > Integer.MAX_VALUE) {
                    throw new NablaException.ShapeException(op + ": " + n.describe() + ", computed by " + n.opName()
                            + ", has more than 2^31-1 elements; no backend can hold a tensor that large");
                }
            }
        }
        return backend.compile(program, device);
    }

    /**
     * Evaluates one output into a caller's array (float[] for f32, else double[]) instead of a
     * new one: for large outputs computed again and again.
     */
    public void runInto(Node output, Object destination, Map<Node, NDArray> feeds) {
        ensureOpen("evalInto");
        Executable exe = executable("evalInto", List.of(output), List.of());
        Object expected = output.dtype() == dev.nabla.core.DType.F32 ? float[].class : double[].class;
        int length = destination instanceof float[] f ? f.length : destination instanceof double[] d ? d.length : -1;
        if (destination == null || destination.getClass() != expected || length != output.shape().size()) {
            throw new FeedException("evalInto: " + output.describe() + " needs a " + ((Class<?>) expected).getSimpleName()
                    + " of length " + output.shape().size() + ", got "
                    + (destination == null ? "null" : destination.getClass().getSimpleName() + " of length " + length));
        }
        long stamp = lock.readLock();
        try {
            List<List<NDArray>> args = arguments(exe, feeds);
            exe.runInto(args.get(0), args.get(1), new Object[] {destination});
            if (detectAnomalies) {
                checkAnomalies("evalInto", exe, List.of(NDArray.wrap(output.dtype(), output.shape(), destination)), args);
            }
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * A compiled function of scalars: {@code output} as a function of {@code arguments} (in that
     * order), each an input or a parameter holding a single number. A parameter named as an
     * argument takes the argument's value for the call; the others take their current values.
     */
    public ScalarCall scalarFunction(Node output, List<Node> arguments) {
        ensureOpen("function");
        Set<Node> seen = new HashSet<>();
        for (int i = 0; i < arguments.size(); i++) {
            Node a = arguments.get(i);
            if (!a.isVariable()) {
                throw new FeedException("function: argument " + i + ", " + a.describe() + ", is computed by "
                        + a.opName() + "; arguments must be inputs or parameters of the graph");
            }
            if (a.shape().size() != 1) {
                throw new FeedException("function: argument '" + a.variableName() + "' is " + a.dtype() + a.shape()
                        + ", not a single number; functions of scalars only (use eval for tensors)");
            }
            if (!seen.add(a)) {
                throw new FeedException("function: '" + a.variableName() + "' is named twice among the arguments");
            }
        }
        Executable exe = executable("function", List.of(output), List.of());
        Program program = exe.program();
        for (Node n : program.nodes()) {
            if (n.shape().size() != 1) {
                throw new NablaException("function: " + output.describe() + " depends on " + n.describe()
                        + ", which is not a single number; functions of scalars only (use eval for tensors)");
            }
        }
        for (Node in : program.inputs()) {
            if (!seen.contains(in)) {
                throw new FeedException("function: " + output.describe() + " needs input '" + in.variableName()
                        + "'; list it among the function's arguments");
            }
        }
        for (Node p : program.parameters()) {
            if (!seen.contains(p)) {
                // A parameter of another session's making fails here, not at the first call.
                current("function", p);
            }
        }
        return new ScalarCall(this, exe, arguments);
    }

    /**
     * Evaluates a program without updates: first without taking the lock, kept if no step ran
     * meanwhile (the lock's stamp is still valid), else again under the read lock. A step that did
     * run may have rewritten arrays the first try read; its results are then thrown away unlooked at.
     *
     * @param inputs the program's input values, in its order, already checked
     */
    private List<NDArray> evaluate(Executable exe, List<Node> parameterNodes, NDArray[] inputs) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            NDArray[] params = null;
            List<NDArray> results = null;
            try {
                params = parameterValues(parameterNodes);
                results = exe.run(inputs, params);
            } catch (RuntimeException e) {
                if (lock.validate(stamp)) {
                    throw e;
                }
            }
            if (results != null && lock.validate(stamp)) {
                checkAnomalies("eval", exe, results, Arrays.asList(inputs), Arrays.asList(params));
                return results;
            }
        }
        stamp = lock.readLock();
        try {
            NDArray[] params = parameterValues(parameterNodes);
            List<NDArray> results = exe.run(inputs, params);
            checkAnomalies("eval", exe, results, Arrays.asList(inputs), Arrays.asList(params));
            return results;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    private static final NDArray[] NO_VALUES = {};

    /** The parameters' current values; under the lock or within an optimistic read. */
    private NDArray[] parameterValues(List<Node> parameterNodes) {
        if (parameterNodes.isEmpty()) {
            return NO_VALUES;
        }
        NDArray[] values = new NDArray[parameterNodes.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = current("run", parameterNodes.get(i));
        }
        return values;
    }

    /** Runs under the lock the caller holds. */
    private List<NDArray> execute(Executable exe, Map<Node, NDArray> feeds) {
        List<List<NDArray>> args = arguments(exe, feeds);
        List<NDArray> results = exe.run(args.get(0), args.get(1));
        checkAnomalies(exe.program().updates().isEmpty() ? "eval" : "run", exe, results, args);
        return results;
    }

    private void checkAnomalies(String op, Executable exe, List<NDArray> results, List<List<NDArray>> args) {
        checkAnomalies(op, exe, results, args.get(0), args.get(1));
    }

    private void checkAnomalies(String op, Executable exe, List<NDArray> results, List<NDArray> inputs,
                                List<NDArray> parameters) {
        if (detectAnomalies) {
            Anomalies.check(op, device, exe.program(), results, inputs, parameters);
        }
    }

    /** The checked inputs and current parameters for a run: {inputs, parameters}. */
    private List<List<NDArray>> arguments(Executable exe, Map<Node, NDArray> feeds) {
        List<NDArray> inputs = Arrays.asList(inputs(exe, feeds));
        return List.of(inputs, Arrays.asList(parameterValues(exe.program().parameters())));
    }

    /** The program's input values from {@code feeds}, in its order, once every feed is checked. */
    private NDArray[] inputs(Executable exe, Map<Node, NDArray> feeds) {
        Program program = exe.program();
        for (Node fed : feeds.keySet()) {
            if (!(fed.op() instanceof Op.Input)) {
                throw new FeedException("run: only inputs can be fed, but " + fed.describe() + " is "
                        + (fed.op() instanceof Op.Parameter ? "a parameter (set it with setParameter)" : "computed"));
            }
            // Checked even when this program does not read it: a wrong feed is a bug either way.
            checked("run", "input", fed, feeds.get(fed));
        }
        Placement.check(device, feeds);
        NDArray[] inputs = new NDArray[program.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            Node in = program.inputs().get(i);
            NDArray v = feeds.get(in);
            if (v == null) {
                throw new FeedException("run: input '" + in.variableName() + "' (" + in.dtype() + in.shape()
                        + ") needs a value for this run; pass one in the feeds");
            }
            inputs[i] = v;
        }
        return inputs;
    }

    /** The current value of a parameter, on the host (a copy: the session reuses its own arrays). */
    public NDArray parameter(Node p) {
        ensureOpen("parameter");
        requireParameter("parameter", p);
        long stamp = lock.readLock();
        try {
            return current("parameter", p).copy();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * The value a run reads: set, updated, or on first use a private copy of the initial value
     * (checked then, so errors name {@code op}, the user's call).
     */
    NDArray current(String op, Node p) {
        NDArray v = parameters.get(p);
        return v != null ? v : parameters.computeIfAbsent(p, n -> initialValue(op, n));
    }

    private NDArray initialValue(String op, Node p) {
        NDArray initial = initialValues.apply(p);
        if (initial == null) {
            throw new NablaException(op + ": " + p.describe() + " is not a parameter of this session's graph");
        }
        return own(op, p, initial);
    }

    /** Replaces a parameter's value; the shape and dtype must stay the same. */
    public void setParameter(Node p, NDArray value) {
        ensureOpen("setParameter");
        requireParameter("setParameter", p);
        NDArray own = own("setParameter", p, value);
        long stamp = lock.writeLock();
        try {
            parameters.put(p, own);
            spares.remove(p);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Checks a parameter's value as a run would (dtype, shape, and finiteness when checking is
     * on), without taking it: so that compiling with checks on refuses bad initial values at once.
     */
    public void checkParameter(String op, Node p, NDArray value) {
        checked(op, "parameter", p, value);
    }

    private static void requireParameter(String op, Node p) {
        if (!(p.op() instanceof Op.Parameter)) {
            throw new NablaException(op + ": " + p.describe() + " is " + (p.op() instanceof Op.Input
                    ? "an input, not a parameter; inputs get their values from each run's feeds"
                    : "computed by " + p.opName() + ", not a parameter"));
        }
    }

    /** A checked private copy on this session's device: the session writes into its own arrays only. */
    private NDArray own(String op, Node p, NDArray value) {
        NDArray own = checked(op, "parameter", p, value).copy();
        return device.hostMemory() ? own : own.to(device);
    }

    private NDArray checked(String op, String kind, Node node, NDArray v) {
        if (v == null) {
            throw new FeedException(op + ": " + kind + " '" + node.variableName() + "' is given null; pass an NDArray of "
                    + node.dtype() + node.shape());
        }
        if (v.dtype() != node.dtype() || !v.shape().equals(node.shape())) {
            throw new FeedException(op + ": " + kind + " '" + node.variableName() + "' expects " + node.dtype()
                    + node.shape() + ", got " + v.dtype() + v.shape());
        }
        if (checkFinite) {
            for (int i = 0; i < v.size(); i++) {
                if (!Double.isFinite(v.getDouble(i))) {
                    throw new FeedException(op + ": " + kind + " '" + node.variableName() + "' holds "
                            + v.getDouble(i) + " at flat index " + i + "; with finite-value checking on, every"
                            + " value must be finite (no NaN or infinity)");
                }
            }
        }
        return v;
    }

    /** The parameters that have a value here yet (set, updated or read), as held: do not hand out. */
    public Map<Node, NDArray> parameters() {
        return Map.copyOf(parameters);
    }

    /** Whether fed values and parameters are checked for NaN and infinity. */
    boolean checksFinite() {
        return checkFinite;
    }

    /** Whether results are checked for NaN and infinity (see {@link Anomalies}). */
    boolean detectsAnomalies() {
        return detectAnomalies;
    }

    /** Names the node where a scalar function's non-finite result first appears. */
    void checkScalarResult(Executable exe, double result, List<NDArray> inputs, List<NDArray> parameters) {
        Node output = exe.program().outputs().get(0);
        Anomalies.check("function", device, exe.program(),
                List.of(NDArray.fromDoubles(output.dtype(), output.shape(), new double[] {result})), inputs, parameters);
    }

    /** How many programs this session has compiled (one per distinct set of outputs and updates). */
    public int compiledPrograms() {
        return compiled.size();
    }

    /** Throws if closed; {@code op} names the user's call. */
    public void ensureOpen(String op) {
        if (closed) {
            throw new NablaException(op + ": this compiled graph is closed; compile the graph again");
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Frees the compiled programs and the parameters' values; later calls are errors. */
    @Override
    public void close() {
        closed = true;
        long stamp = lock.writeLock();
        try {
            recent = null;
            compiled.values().forEach(Executable::close);
            compiled.clear();
            parameters.clear();
            spares.clear();
        } finally {
            lock.unlockWrite(stamp);
        }
    }
}

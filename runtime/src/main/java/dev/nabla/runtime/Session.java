package dev.nabla.runtime;

import dev.nabla.compiler.NablaException;
import dev.nabla.compiler.NablaException.FeedException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs programs of one graph on one device: checks what is fed, holds the parameters' current
 * values between runs, and compiles each distinct set of outputs once.
 */
public final class Session implements AutoCloseable {
    private final Device device;
    private final Backend backend;
    private final boolean checkFinite;
    private final Map<Node, NDArray> parameters = new ConcurrentHashMap<>();
    /** For each updated parameter, its array from before the last update, free for the next. */
    private final Map<Node, Object> spares = new ConcurrentHashMap<>();
    private record ProgramKey(List<Node> outputs, List<Program.Update> updates) {}

    private final Map<ProgramKey, Executable> compiled = new ConcurrentHashMap<>();

    public Session(Device device, Map<Node, NDArray> initialParameters, boolean checkFinite) {
        this.device = device;
        this.backend = Backends.forDevice(device);
        this.checkFinite = checkFinite;
        initialParameters.forEach((p, v) -> setParameter("compile", p, v));
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
        Executable exe = executable(outputs, updates);
        if (updates.isEmpty()) {
            return execute(exe, feeds);
        }
        if (!device.hostMemory()) {
            synchronized (this) {
                // The backend made the new values in its own memory: they become the parameters.
                List<NDArray> results = execute(exe, feeds);
                for (int i = 0; i < updates.size(); i++) {
                    parameters.put(updates.get(i).parameter(), results.get(outputs.size() + i));
                }
                return results.subList(0, outputs.size());
            }
        }
        synchronized (this) {
            // New parameter values go into the arrays their values had two runs ago: a training
            // loop then allocates no parameter-sized memory per step.
            Object[] destinations = new Object[outputs.size() + updates.size()];
            for (int i = 0; i < updates.size(); i++) {
                destinations[outputs.size() + i] = spares.remove(updates.get(i).parameter());
            }
            for (int i = 0; i < updates.size(); i++) {
                Node p = updates.get(i).parameter();
                if (destinations[outputs.size() + i] == null) {
                    destinations[outputs.size() + i] = NDArray.full(p.dtype(), p.shape(), 0).storage();
                }
            }
            List<List<NDArray>> args = arguments(exe, feeds);
            List<NDArray> results = exe.runInto(args.get(0), args.get(1), destinations);
            for (int i = 0; i < updates.size(); i++) {
                Node p = updates.get(i).parameter();
                NDArray previous = parameters.put(p, NDArray.wrap(p.dtype(), p.shape(), destinations[outputs.size() + i]));
                spares.put(p, previous.storage());
            }
            return results.subList(0, outputs.size());
        }
    }

    /** The last program run, checked first: loops evaluate the same outputs again and again. */
    private record Recent(List<Node> outputs, List<Program.Update> updates, Executable executable) {}

    private volatile Recent recent;

    private Executable executable(List<Node> outputs, List<Program.Update> updates) {
        Recent last = recent;
        if (last != null && last.outputs().equals(outputs) && last.updates().equals(updates)) {
            return last.executable();
        }
        ProgramKey key = new ProgramKey(List.copyOf(outputs), List.copyOf(updates));
        Executable exe = compiled.computeIfAbsent(key, k -> backend.compile(Program.of(k.outputs(), k.updates()), device));
        recent = new Recent(key.outputs(), key.updates(), exe);
        return exe;
    }

    /**
     * Evaluates one output into a caller's array (float[] for f32, else double[]) instead of a
     * new one: for large outputs computed again and again.
     */
    public void runInto(Node output, Object destination, Map<Node, NDArray> feeds) {
        Executable exe = executable(List.of(output), List.of());
        Object expected = output.dtype() == dev.nabla.compiler.ir.DType.F32 ? float[].class : double[].class;
        int length = destination instanceof float[] f ? f.length : destination instanceof double[] d ? d.length : -1;
        if (destination == null || destination.getClass() != expected || length != output.shape().size()) {
            throw new FeedException("evalInto: " + output.describe() + " needs a " + ((Class<?>) expected).getSimpleName()
                    + " of length " + output.shape().size() + ", got "
                    + (destination == null ? "null" : destination.getClass().getSimpleName() + " of length " + length));
        }
        List<List<NDArray>> args = arguments(exe, feeds);
        exe.runInto(args.get(0), args.get(1), new Object[] {destination});
    }

    /**
     * A compiled function of scalars: {@code output} as a function of {@code inputs} (in that
     * order), all of them single numbers; parameters take their current values at each call.
     * Calls allocate nothing when the backend compiled the program to code. An instance keeps
     * its own argument arrays: use one per thread.
     */
    public java.util.function.ToDoubleFunction<double[]> scalarFunction(Node output, List<Node> inputs) {
        Executable exe = executable(List.of(output), List.of());
        Program program = exe.program();
        for (Node n : program.nodes()) {
            if (n.shape().size() != 1) {
                throw new NablaException("function: " + output.describe() + " depends on " + n.describe()
                        + ", which is not a single number; functions of scalars only (use eval for tensors)");
            }
        }
        int[] slotOfArgument = new int[inputs.size()];
        java.util.Arrays.fill(slotOfArgument, -1);
        for (Node in : program.inputs()) {
            int at = inputs.indexOf(in);
            if (at < 0) {
                throw new FeedException("function: " + output.describe() + " needs input '" + in.variableName()
                        + "'; list it among the function's arguments");
            }
            slotOfArgument[at] = program.inputs().indexOf(in);
        }
        List<Node> params = program.parameters();
        int inCount = program.inputs().size();
        double[] in = new double[inCount + params.size()];
        double[] out = new double[1];
        ScalarEntryPoint code = exe.scalarEntryPoint();
        return args -> {
            if (args.length != inputs.size()) {
                throw new FeedException("function: expects " + inputs.size() + " arguments, got " + args.length);
            }
            for (int i = 0; i < args.length; i++) {
                if (slotOfArgument[i] >= 0) {
                    in[slotOfArgument[i]] = args[i];
                }
            }
            for (int i = 0; i < params.size(); i++) {
                in[inCount + i] = current(params.get(i)).getDouble(0);
            }
            if (code != null) {
                code.run(in, out);
                return out[0];
            }
            List<NDArray> fed = new ArrayList<>();
            for (int i = 0; i < inCount; i++) {
                Node n = program.inputs().get(i);
                fed.add(NDArray.fromDoubles(n.dtype(), n.shape(), new double[] {in[i]}));
            }
            List<NDArray> p = new ArrayList<>();
            params.forEach(n -> p.add(current(n)));
            return exe.run(fed, p).get(0).getDouble(0);
        };
    }

    private List<NDArray> execute(Executable exe, Map<Node, NDArray> feeds) {
        List<List<NDArray>> args = arguments(exe, feeds);
        return exe.run(args.get(0), args.get(1));
    }

    /** The checked inputs and current parameters for a run: {inputs, parameters}. */
    private List<List<NDArray>> arguments(Executable exe, Map<Node, NDArray> feeds) {
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
        List<NDArray> inputs = new ArrayList<>(program.inputs().size());
        for (Node in : program.inputs()) {
            NDArray v = feeds.get(in);
            if (v == null) {
                throw new FeedException("run: input '" + in.variableName() + "' (" + in.dtype() + in.shape()
                        + ") needs a value for this run; pass one in the feeds");
            }
            inputs.add(v);
        }
        List<NDArray> params = new ArrayList<>(program.parameters().size());
        for (Node p : program.parameters()) {
            params.add(current(p));
        }
        return List.of(inputs, params);
    }

    /** The current value of a parameter, on the host (a copy: the session reuses its own arrays). */
    public NDArray parameter(Node p) {
        return current(p).copy();
    }

    private NDArray current(Node p) {
        NDArray v = parameters.get(p);
        if (v == null) {
            throw new NablaException("parameter: " + p.describe() + " is not a parameter of this session's graph");
        }
        return v;
    }

    /** Replaces a parameter's value; the shape and dtype must stay the same. */
    public void setParameter(Node p, NDArray value) {
        setParameter("setParameter", p, value);
    }

    /** {@code op} names the user's call in errors: compile for initial values, else setParameter. */
    private void setParameter(String op, Node p, NDArray value) {
        if (!(p.op() instanceof Op.Parameter)) {
            throw new NablaException(op + ": " + p.describe() + " is not a parameter");
        }
        // A private copy: the session writes into its parameters' arrays, never into the caller's.
        NDArray own = checked(op, "parameter", p, value).copy();
        if (!device.hostMemory()) {
            own = own.to(device);
        }
        parameters.put(p, own);
        spares.remove(p);
    }

    private NDArray checked(String op, String kind, Node node, NDArray v) {
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

    /** Every parameter's current value, as the session holds them (not copies: do not hand out). */
    public Map<Node, NDArray> parameters() {
        return Map.copyOf(parameters);
    }

    @Override
    public void close() {
        recent = null;
        compiled.values().forEach(Executable::close);
        compiled.clear();
    }
}

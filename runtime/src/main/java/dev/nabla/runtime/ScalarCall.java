package dev.nabla.runtime;

import dev.nabla.core.NDArray;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A program of scalars called with plain doubles (see {@link Session#scalarFunction}). Each
 * argument is rounded to its variable's dtype, as a fed value would be; a parameter named as an
 * argument takes the argument's value for the call, the others their current value.
 *
 * <p>Safe to call from any number of threads. A call borrows the one argument frame this object
 * keeps, so a single thread allocates nothing; a call that finds the frame borrowed by another
 * thread makes a frame of its own.
 */
public final class ScalarCall {
    private final Session session;
    private final Executable executable;
    /** Generated code, or null when the backend runs the program as arrays. */
    private final ScalarEntryPoint code;
    private final int arity;
    /** Where argument i goes in the program's frame (inputs, then parameters), or -1 if unread. */
    private final int[] slotOfArgument;
    private final DType[] typeOfArgument;
    private final String[] nameOfArgument;
    /** Whether arguments must be finite, as fed values are when the session checks them. */
    private final boolean checkFinite;
    /** The parameters the program reads that no argument binds, and their frame slots. */
    private final Node[] unboundParameters;
    private final int[] unboundSlots;
    private final int frameSize;
    private final AtomicReference<Frame> idle = new AtomicReference<>();

    private record Frame(double[] in, double[] out) {}

    ScalarCall(Session session, Executable executable, List<Node> arguments) {
        this.session = session;
        this.executable = executable;
        this.code = executable.scalarEntryPoint();
        Program program = executable.program();
        List<Node> frame = new ArrayList<>(program.inputs());
        frame.addAll(program.parameters());
        this.frameSize = code != null ? code.frameSize() : frame.size();
        this.arity = arguments.size();
        this.slotOfArgument = new int[arity];
        this.typeOfArgument = new DType[arity];
        this.nameOfArgument = new String[arity];
        this.checkFinite = session.checksFinite();
        for (int i = 0; i < arity; i++) {
            slotOfArgument[i] = frame.indexOf(arguments.get(i));
            typeOfArgument[i] = arguments.get(i).dtype();
            nameOfArgument[i] = arguments.get(i).variableName();
        }
        List<Node> unbound = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        for (Node p : program.parameters()) {
            if (!arguments.contains(p)) {
                unbound.add(p);
                slots.add(frame.indexOf(p));
            }
        }
        this.unboundParameters = unbound.toArray(new Node[0]);
        this.unboundSlots = slots.stream().mapToInt(Integer::intValue).toArray();
        idle.set(newFrame());
    }

    private Frame newFrame() {
        return new Frame(new double[frameSize], new double[1]);
    }

    public double call(double x) {
        requireArity(1);
        Frame f = borrow();
        try {
            put(f, 0, x);
            return run(f);
        } finally {
            idle.setRelease(f);
        }
    }

    public double call(double x, double y) {
        requireArity(2);
        Frame f = borrow();
        try {
            put(f, 0, x);
            put(f, 1, y);
            return run(f);
        } finally {
            idle.setRelease(f);
        }
    }

    public double call(double... args) {
        requireArity(args.length);
        Frame f = borrow();
        try {
            for (int i = 0; i < args.length; i++) {
                put(f, i, args[i]);
            }
            return run(f);
        } finally {
            idle.setRelease(f);
        }
    }

    private void requireArity(int given) {
        if (given != arity) {
            throw new dev.nabla.core.NablaException.FeedException(
                    "function: expects " + arity + " arguments, got " + given);
        }
    }

    private Frame borrow() {
        session.ensureOpen("function");
        Frame f = idle.getAndSet(null);
        return f != null ? f : newFrame();
    }

    private void put(Frame f, int argument, double value) {
        if (checkFinite && !Double.isFinite(value)) {
            throw new dev.nabla.core.NablaException.FeedException("function: argument '"
                    + nameOfArgument[argument] + "' is given " + value + "; with finite-value checking on, every"
                    + " value must be finite (no NaN or infinity)");
        }
        int slot = slotOfArgument[argument];
        if (slot >= 0) {
            f.in()[slot] = typeOfArgument[argument].round(value);
        }
    }

    private double run(Frame f) {
        double[] in = f.in();
        for (int i = 0; i < unboundParameters.length; i++) {
            in[unboundSlots[i]] = session.current("function", unboundParameters[i]).getDouble(0);
        }
        double result;
        if (code != null) {
            code.run(in, f.out());
            result = f.out()[0];
        } else {
            result = runAsArrays(in);
        }
        if (!Double.isFinite(result) && session.detectsAnomalies()) {
            session.checkScalarResult(executable, result, inputsOf(in), parametersOf(in));
        }
        return result;
    }

    /** Runs the program through the backend's array interface, with the frame's values. */
    private double runAsArrays(double[] in) {
        return executable.run(inputsOf(in), parametersOf(in)).get(0).getDouble(0);
    }

    private List<NDArray> inputsOf(double[] in) {
        Program program = executable.program();
        List<NDArray> inputs = new ArrayList<>(program.inputs().size());
        for (int i = 0; i < program.inputs().size(); i++) {
            inputs.add(scalar(program.inputs().get(i), in[i]));
        }
        return inputs;
    }

    /** Bound parameters from the frame; the others as held (on a device they stay there). */
    private List<NDArray> parametersOf(double[] in) {
        Program program = executable.program();
        int inputCount = program.inputs().size();
        List<NDArray> parameters = new ArrayList<>(program.parameters().size());
        for (int i = 0; i < program.parameters().size(); i++) {
            Node p = program.parameters().get(i);
            parameters.add(isBound(inputCount + i) ? scalar(p, in[inputCount + i]) : session.current("function", p));
        }
        return parameters;
    }

    private boolean isBound(int slot) {
        for (int s : slotOfArgument) {
            if (s == slot) {
                return true;
            }
        }
        return false;
    }

    private static NDArray scalar(Node n, double value) {
        return NDArray.fromDoubles(n.dtype(), n.shape(), new double[] {value});
    }
}

package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Lowering;
import dev.nabla.compiler.lower.View;
import dev.nabla.core.Device;
import dev.nabla.core.spi.DeviceArray;
import dev.nabla.runtime.Executable;
import dev.nabla.core.NDArray;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * A program compiled for one TornadoVM device: one generated kernel class, its task graphs and
 * one execution plan, whose arrays stay allocated from run to run. The first run JIT-compiles
 * the kernels. Constants and temporaries stay on the device; so do parameters: they cross the
 * bus only when their value comes from the host (the first run, {@code setParameter}, a value
 * another program computed) or when read. Inputs stay too: an input crosses when it is fed a
 * different array than the last run's (arrays are immutable, so the same array needs no copy).
 * A training step then moves only its batch in and its outputs out, and a batch fed again
 * (an evaluation set, a benchmark's operands) not even that.
 */
final class TornadoExecutable implements Executable {
    private static final AtomicLong PROGRAMS = new AtomicLong();
    /**
     * TornadoVM's task methods take at most 20 arguments: the upload task takes every resident
     * parameter, the feed task every resident input.
     */
    private static final int MAX_RESIDENT = 20;

    private final LoweredProgram lowered;
    private final Device device;
    private final String className;
    private final TornadoNativeArray[] arrays;
    /** For each buffer, the index of its array. */
    private final int[] arrayOf;
    private final TornadoExecutionPlan plan;
    /** The parameters (by position in the program) that live on the device between runs. */
    private final boolean[] resident;
    /** Whether any does: then the plan's graph {@link #UPLOAD_GRAPH} copies them in. */
    private final boolean parametersOnDevice;
    /** The inputs (by position) that stay on the device from run to run until fed another array. */
    private final boolean[] residentInput;
    /** Whether any does: then the plan's graph {@link #feedGraph} copies them in. */
    private final boolean inputsOnDevice;
    /** Per input: the array last copied in. */
    private final NDArray[] boundInput;
    /** The plan's graphs: the parameters' upload (if any), the inputs' (if any), the program. */
    private static final int UPLOAD_GRAPH = 0;
    private final int feedGraph;
    private final int programGraph;
    /** For each update, the position of its parameter among the program's parameters. */
    private final int[] updatedParameter;
    /** Per parameter: the value last bound, to skip uploading it again. */
    private final NDArray[] bound;
    /** Per resident parameter: whether the host copy of its array is as new as the device's. */
    private final boolean[] hostCurrent;
    private TornadoExecutionResult last;
    /** Whether runs are profiled and their transfers recorded in {@link Transfers}. */
    private final boolean profiled = Transfers.profiling();
    /** The generated kernels, kept to explain a failure to compile them. */
    private final String source;
    private boolean compiled;

    /** @param residentInputs whether inputs may stay on the device between runs (see the class comment) */
    TornadoExecutable(Program program, Device device, TornadoDevice tornadoDevice, boolean residentInputs) {
        this.lowered = Lowering.lower(program);
        this.device = device;
        this.className = "Program" + PROGRAMS.incrementAndGet();
        KernelSource kernels = new KernelSource(lowered, className, CuBlasGemm.usedOn(tornadoDevice));
        List<Integer> params = lowered.parameterBuffers();
        this.resident = new boolean[params.size()];
        this.bound = new NDArray[params.size()];
        this.hostCurrent = new boolean[params.size()];
        this.updatedParameter = program.updates().stream()
                .mapToInt(u -> program.parameters().indexOf(u.parameter())).toArray();
        // Too many parameters for one upload task: they all cross at every run instead.
        boolean commit = params.size() <= MAX_RESIDENT && committable(program);
        if (commit) {
            for (int u = 0; u < updatedParameter.length; u++) {
                kernels.commit(params.get(updatedParameter[u]), lowered.results().get(program.outputs().size() + u));
            }
        }
        List<String> residentNames = staying(kernels, params, commit, resident, List.of());
        this.parametersOnDevice = !residentNames.isEmpty();
        List<Integer> inputs = lowered.inputBuffers();
        this.residentInput = new boolean[inputs.size()];
        this.boundInput = new NDArray[inputs.size()];
        List<String> fedNames = staying(kernels, inputs, residentInputs, residentInput, residentNames);
        if (fedNames.size() > MAX_RESIDENT) {
            // Too many inputs for one feed task: they cross at every run instead.
            fedNames.clear();
            Arrays.fill(residentInput, false);
        }
        this.inputsOnDevice = !fedNames.isEmpty();
        this.feedGraph = parametersOnDevice ? 1 : 0;
        this.programGraph = feedGraph + (inputsOnDevice ? 1 : 0);

        List<KernelSource.Array> specs = kernels.arrays();
        this.arrays = new TornadoNativeArray[specs.size()];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = OffHeap.allocate(specs.get(i).storage(), specs.get(i).size());
        }
        this.arrayOf = new int[lowered.buffers().size()];
        List<String> names = specs.stream().map(KernelSource.Array::name).toList();
        for (Buffer b : lowered.buffers()) {
            arrayOf[b.id()] = names.indexOf(kernels.arrayName(b.id()));
            if (b.kind() == Buffer.Kind.CONSTANT && b.origin().op() instanceof Op.Constant(Literal value)) {
                double[] values = new double[b.size()];
                Arrays.setAll(values, value::at);
                OffHeap.fromHost(NDArray.fromDoubles(b.dtype(), b.origin().shape(), values).storage(), arrays[arrayOf[b.id()]]);
            }
        }
        OffHeap.fromHost(new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN},
                arrays[names.indexOf(KernelSource.SPECIALS)]);

        // Results read back after each run: outputs always, updates only when not committed on the device.
        int readBack = residentNames.isEmpty() ? lowered.results().size() : program.outputs().size();
        List<String> hostResults = lowered.results().subList(0, readBack).stream()
                .map(v -> kernels.arrayName(v.buffer())).distinct().toList();
        this.source = kernels.source(hostResults, residentNames, fedNames);
        if (!kernels.hasTasks()) {
            this.plan = null;
            return;
        }
        Class<?> generated = KernelCompiler.load(className, source);
        try {
            Method graphs = generated.getMethod("graphs", String.class, Object[].class);
            TaskGraph[] g = (TaskGraph[]) graphs.invoke(null, className.toLowerCase(java.util.Locale.ROOT), (Object) arrays);
            ImmutableTaskGraph[] snapshots = Arrays.stream(g).map(TaskGraph::snapshot).toArray(ImmutableTaskGraph[]::new);
            GridScheduler grid = (GridScheduler) generated.getMethod("grid", String.class)
                    .invoke(null, className.toLowerCase(java.util.Locale.ROOT));
            TornadoExecutionPlan p = new TornadoExecutionPlan(snapshots).withDevice(tornadoDevice);
            if (profiled) {
                p = p.withProfiler(ProfilerMode.SILENT);
            }
            this.plan = kernels.hasContextKernels() ? p.withGridScheduler(grid) : p;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("tornadovm: cannot build the task graphs of " + className, e);
        }
    }

    /**
     * Marks in {@code marks} which of {@code buffers} stay on the device (none unless
     * {@code allowed}): those whose array a kernel uses, each array once and none of
     * {@code taken}; {@return those arrays' names}.
     */
    private static List<String> staying(KernelSource kernels, List<Integer> buffers, boolean allowed, boolean[] marks,
            List<String> taken) {
        List<String> names = new ArrayList<>();
        for (int i = 0; allowed && i < buffers.size(); i++) {
            String name = kernels.arrayName(buffers.get(i));
            if (kernels.usedByKernels(name) && !names.contains(name) && !taken.contains(name)) {
                names.add(name);
                marks[i] = true;
            }
        }
        return names;
    }

    /**
     * Whether updates can be committed on the device: not when a new value is itself a
     * parameter's view, which another commit could overwrite first.
     */
    private boolean committable(Program program) {
        for (int u = 0; u < updatedParameter.length; u++) {
            View value = lowered.results().get(program.outputs().size() + u);
            if (updatedParameter[u] < 0 || lowered.buffer(value.buffer()).kind() == Buffer.Kind.PARAMETER) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Program program() {
        return lowered.program();
    }

    @Override
    public synchronized List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
        boolean feed = bindInputs(inputs);
        boolean upload = bindParameters(parameters);
        if (plan != null) {
            try {
                Transfers.Run moved = new Transfers.Run(0, 0);
                if (upload) {
                    moved = moved.plus(execute(UPLOAD_GRAPH));
                }
                // The inputs' graph passes the parameters on, so it runs after every upload.
                if (feed || (upload && inputsOnDevice)) {
                    moved = moved.plus(execute(feedGraph));
                }
                moved = moved.plus(execute(programGraph));
                if (profiled) {
                    Transfers.record(moved);
                }
            } catch (RuntimeException | Error e) {
                // Nothing bound in this run is known to have reached the device.
                Arrays.fill(boundInput, null);
                Arrays.fill(bound, null);
                if (compiled) {
                    throw e;
                }
                throw new IllegalStateException("tornadovm: TornadoVM could not compile or run " + className
                        + " on " + device + ". Its kernels:\n" + source, e);
            }
            compiled = true;
        }
        Program program = lowered.program();
        List<Node> nodes = program.results();
        List<NDArray> results = new ArrayList<>(nodes.size());
        for (int i = 0; i < program.outputs().size(); i++) {
            results.add(read(lowered.results().get(i), nodes.get(i).dtype()));
        }
        for (int u = 0; u < program.updates().size(); u++) {
            int r = program.outputs().size() + u;
            int p = updatedParameter[u];
            if (parametersOnDevice) {
                // The new value is on the device; it is read only if someone asks.
                hostCurrent[p] = false;
                NDArray value = NDArray.onDevice(nodes.get(r).dtype(), nodes.get(r).shape(), new Resident(p));
                bound[p] = value;
                results.add(value);
            } else {
                results.add(read(lowered.results().get(r), nodes.get(r).dtype()));
            }
        }
        return results;
    }

    /**
     * Runs one of the plan's graphs; when profiling, {@return what it moved} (read at once: a
     * result's profile follows the plan's selected graph, so it is gone once another runs).
     */
    private Transfers.Run execute(int graph) {
        last = plan.withGraph(graph).execute();
        return profiled ? new Transfers.Run(last.getProfilerResult().getTotalBytesCopyIn(),
                last.getProfilerResult().getTotalBytesCopyOut()) : null;
    }

    /** Copies in each input not already where the program reads it; true if a resident one changed. */
    private boolean bindInputs(List<NDArray> values) {
        boolean feed = false;
        List<Integer> buffers = lowered.inputBuffers();
        for (int i = 0; i < buffers.size(); i++) {
            NDArray v = values.get(i);
            if (residentInput[i] && v == boundInput[i]) {
                continue;
            }
            copyIn(v, arrays[arrayOf[buffers.get(i)]]);
            if (residentInput[i]) {
                boundInput[i] = v;
                feed = true;
            }
        }
        return feed;
    }

    /** Copies in each parameter whose value is not already where the program reads it; true if a resident one changed. */
    private boolean bindParameters(List<NDArray> values) {
        boolean upload = false;
        List<Integer> buffers = lowered.parameterBuffers();
        for (int i = 0; i < buffers.size(); i++) {
            NDArray v = values.get(i);
            if (resident[i] && v == bound[i]) {
                continue;
            }
            copyIn(v, arrays[arrayOf[buffers.get(i)]]);
            bound[i] = v;
            if (resident[i]) {
                hostCurrent[i] = true;
                upload = true;
            }
        }
        return upload;
    }

    private static void copyIn(NDArray v, TornadoNativeArray to) {
        if (v.deviceArray() instanceof TornadoArray staged) {
            OffHeap.copy(staged.values(), to, v.size());
        } else {
            OffHeap.fromHost(v.storage(), to);
        }
    }

    /** A result as a new host array, gathered from the array of its buffer (already on the host). */
    private NDArray read(View view, DType dtype) {
        int p = lowered.parameterBuffers().indexOf(view.buffer());
        if (p >= 0) {
            refresh(p);
        }
        TornadoNativeArray from = arrays[arrayOf[view.buffer()]];
        int size = view.shape().size();
        Object storage = dtype.storage() == DType.F32 ? new float[size] : new double[size];
        if (view.isContiguous()) {
            OffHeap.toHost(from, view.offset(), storage, size);
        } else {
            int[] dims = view.shape().dims();
            int[] index = new int[dims.length];
            for (int i = 0; i < size; i++) {
                int at = view.offset();
                for (int d = 0; d < dims.length; d++) {
                    at += index[d] * view.stride(d);
                }
                double value = OffHeap.get(from, at);
                if (storage instanceof float[] f) {
                    f[i] = (float) value;
                } else {
                    ((double[]) storage)[i] = value;
                }
                for (int d = dims.length - 1; d >= 0 && ++index[d] == dims[d]; d--) {
                    index[d] = 0;
                }
            }
        }
        return NDArray.wrap(dtype, view.shape(), storage);
    }

    /** Brings a resident parameter's host copy up to date with the device. */
    private void refresh(int parameter) {
        if (resident[parameter] && !hostCurrent[parameter] && last != null) {
            last.transferToHost(arrays[arrayOf[lowered.parameterBuffers().get(parameter)]]);
            hostCurrent[parameter] = true;
        }
    }

    /** A parameter's value as one run left it on the device; readable until a later run replaces it. */
    private final class Resident implements DeviceArray {
        private final int parameter;

        Resident(int parameter) {
            this.parameter = parameter;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public void copyTo(Object storage) {
            synchronized (TornadoExecutable.this) {
                if (bound[parameter] == null || bound[parameter].deviceArray() != this) {
                    throw new IllegalStateException("tornadovm: this parameter value was replaced on " + device
                            + " by a later run before it was read; read parameters through the session");
                }
                refresh(parameter);
                OffHeap.toHost(arrays[arrayOf[lowered.parameterBuffers().get(parameter)]], 0, storage,
                        lowered.buffer(lowered.parameterBuffers().get(parameter)).size());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (plan != null) {
            try {
                plan.freeDeviceMemory();
                plan.close();
            } catch (Exception e) {
                // Freeing is best effort: the device memory goes with the process anyway.
            }
        }
        KernelCompiler.unload(className);
    }
}

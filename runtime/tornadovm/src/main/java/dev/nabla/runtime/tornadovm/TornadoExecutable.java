package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Lowering;
import dev.nabla.compiler.lower.View;
import dev.nabla.runtime.Device;
import dev.nabla.runtime.Executable;
import dev.nabla.runtime.NDArray;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * A program compiled for one TornadoVM device: one generated kernel class, one TaskGraph and
 * one execution plan, whose arrays stay allocated (and, for constants and temporaries, on the
 * device) from run to run. The first run JIT-compiles the kernels; later runs only move the
 * inputs and parameters in and the results out.
 */
final class TornadoExecutable implements Executable {
    private static final AtomicLong PROGRAMS = new AtomicLong();

    private final LoweredProgram lowered;
    private final Device device;
    private final String className;
    private final List<KernelSource.Array> specs;
    private final TornadoNativeArray[] arrays;
    /** For each buffer, the index of its array. */
    private final int[] arrayOf;
    private final TornadoExecutionPlan plan;
    /** The generated kernels, kept to explain a failure to compile them. */
    private String source;
    private boolean compiled;

    TornadoExecutable(Program program, Device device, TornadoDevice tornadoDevice) {
        this.lowered = Lowering.lower(program);
        this.device = device;
        this.className = "Program" + PROGRAMS.incrementAndGet();
        KernelSource source = new KernelSource(lowered, className);
        this.specs = source.arrays();
        this.arrays = new TornadoNativeArray[specs.size()];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = OffHeap.allocate(specs.get(i).storage(), specs.get(i).size());
        }
        this.arrayOf = new int[lowered.buffers().size()];
        List<String> names = specs.stream().map(KernelSource.Array::name).toList();
        for (Buffer b : lowered.buffers()) {
            arrayOf[b.id()] = names.indexOf(source.arrayName(b.id()));
            if (b.kind() == Buffer.Kind.CONSTANT && b.origin().op() instanceof Op.Constant(Literal value)) {
                double[] values = new double[b.size()];
                java.util.Arrays.setAll(values, value::at);
                OffHeap.fromHost(NDArray.fromDoubles(b.dtype(), b.origin().shape(), values).storage(), arrays[arrayOf[b.id()]]);
            }
        }
        int specials = names.indexOf(KernelSource.SPECIALS);
        OffHeap.fromHost(new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}, arrays[specials]);
        if (lowered.steps().isEmpty()) {
            this.plan = null;
            return;
        }
        List<String> resultArrays = lowered.results().stream().map(v -> source.arrayName(v.buffer())).distinct().toList();
        this.source = source.source(resultArrays);
        Class<?> kernels = KernelCompiler.load(className, this.source);
        try {
            Method graph = kernels.getMethod("graph", String.class, Object[].class);
            TaskGraph g = (TaskGraph) graph.invoke(null, className.toLowerCase(java.util.Locale.ROOT), (Object) arrays);
            ImmutableTaskGraph snapshot = g.snapshot();
            this.plan = new TornadoExecutionPlan(snapshot).withDevice(tornadoDevice);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("tornadovm: cannot build the task graph of " + className, e);
        }
    }

    @Override
    public Program program() {
        return lowered.program();
    }

    @Override
    public synchronized List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters) {
        bind(lowered.inputBuffers(), inputs);
        bind(lowered.parameterBuffers(), parameters);
        if (plan != null) {
            try {
                plan.execute();
            } catch (RuntimeException | Error e) {
                if (compiled) {
                    throw e;
                }
                throw new IllegalStateException("tornadovm: TornadoVM could not compile or run " + className
                        + " on " + device + ". Its kernels:\n" + source, e);
            }
            compiled = true;
        }
        List<NDArray> results = new ArrayList<>(lowered.results().size());
        List<Node> nodes = lowered.program().results();
        for (int i = 0; i < lowered.results().size(); i++) {
            results.add(read(lowered.results().get(i), nodes.get(i).dtype()));
        }
        return results;
    }

    /** Copies each value into the array its buffer is bound to, from the host or from staged memory. */
    private void bind(List<Integer> buffers, List<NDArray> values) {
        for (int i = 0; i < buffers.size(); i++) {
            NDArray v = values.get(i);
            TornadoNativeArray to = arrays[arrayOf[buffers.get(i)]];
            if (v.deviceArray() instanceof TornadoArray staged) {
                OffHeap.copy(staged.values(), to, v.size());
            } else {
                OffHeap.fromHost(v.storage(), to);
            }
        }
    }

    /** A result as a new host array, gathered from the (already transferred) array of its buffer. */
    private NDArray read(View view, DType dtype) {
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

    Device device() {
        return device;
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

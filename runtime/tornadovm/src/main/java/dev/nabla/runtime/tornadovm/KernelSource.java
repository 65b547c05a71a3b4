package dev.nabla.runtime.tornadovm;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NablaException;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a lowered program as the Java source of one class for TornadoVM: a static kernel method
 * per step ({@code @Parallel} loops that TornadoVM JIT-compiles to OpenCL C or PTX) and a method
 * that builds the program's {@code TaskGraph}. Each buffer becomes a TornadoVM array: inputs,
 * parameters and constants one each, temporaries one per memory-plan slot.
 */
final class KernelSource {
    static final String PACKAGE = "dev.nabla.runtime.tornadovm.kernels";
    /** The array holding {+inf, -inf, NaN} for kernels (see {@link ExprCode#literal}). */
    static final String SPECIALS = "nablaSpecial";

    /** A TornadoVM array the program uses: a FloatArray for f32 storage, else a DoubleArray. */
    record Array(String name, DType storage, int size, Buffer.Kind kind) {
        String type() {
            return storage == DType.F32 ? "FloatArray" : "DoubleArray";
        }
    }

    // Local names in kernels (i, o, r, j, row, batch, ao, bo, acc, c0.., k0.., g0.., u0.., q0.., p0..,
    // t0..) never clash with array names (a0.., s0..).
    private final LoweredProgram program;
    private final String className;
    final Map<String, Array> arrays = new LinkedHashMap<>();
    private final List<String> usedByKernels = new ArrayList<>();
    final StringBuilder kernels = new StringBuilder();
    private final StringBuilder tasks = new StringBuilder();
    /** The grid of each KernelContext task: its global work size and local work-group. */
    private final StringBuilder grids = new StringBuilder();
    /** For the kernel being written: its global work size if it takes a KernelContext, else null. */
    private int[] contextKernel;
    private final ReductionKernels reductions = new ReductionKernels(this);
    private final LayoutKernels layouts = new LayoutKernels(this);
    private final boolean cublas;

    /**
     * @param cublas whether matrix products go to cuBLAS where it can compute them (TornadoVM's
     *               CUDA backend with its cuBLAS module), not to the tiled kernel
     */
    KernelSource(LoweredProgram program, String className, boolean cublas) {
        this.program = program;
        this.className = className;
        this.cublas = cublas;
        for (Buffer b : program.buffers()) {
            String name = arrayName(b.id());
            if (!arrays.containsKey(name)) {
                int size = b.kind() == Buffer.Kind.TEMP ? program.slots().get(b.slot()).size() : b.size();
                arrays.put(name, new Array(name, b.dtype().storage(), Math.max(1, size), b.kind()));
            }
        }
        arrays.put(SPECIALS, new Array(SPECIALS, DType.F64, 3, Buffer.Kind.CONSTANT));
        for (int i = 0; i < program.steps().size(); i++) {
            // Nothing to compute for an empty result; TornadoVM rejects loops it can prove empty.
            if (program.buffer(program.steps().get(i).output()).size() > 0) {
                kernel("k" + i, narrowed("k" + i, program.steps().get(i)));
            }
        }
    }

    /** The arrays in the order {@code graph(name, arrays)} takes them. */
    List<Array> arrays() {
        return List.copyOf(arrays.values());
    }

    /** The array that holds a buffer: its own, its memory-plan slot's, or a split-off part's (negative ids). */
    String arrayName(int buffer) {
        if (buffer < 0) {
            return "w" + -buffer;
        }
        Buffer b = program.buffer(buffer);
        return b.kind() == Buffer.Kind.TEMP ? "s" + b.slot() : "a" + b.id();
    }

    /**
     * Adds a kernel, run after every step, that copies an update's new value into its
     * parameter's array: the parameter then stays on the device from run to run.
     */
    void commit(int parameterBuffer, View value) {
        Shape shape = value.shape();
        String param = arrayName(parameterBuffer);
        String method = "commit" + parameterBuffer;
        int header = kernels.length();
        kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        coordinates(shape, "i", "c", "            ");
        String cast = arrays.get(param).storage() == DType.F32 ? "(float) " : "(double) ";
        kernels.append("            ").append(param).append(".set(i, ").append(cast)
                .append(load(value, "i", "c", shape)).append(");\n        }\n    }\n\n");
        List<String> params = new ArrayList<>(List.of(param));
        if (!params.contains(arrayName(value.buffer()))) {
            params.add(arrayName(value.buffer()));
        }
        finish(method, header, params);
    }

    /**
     * The class's source: the program's task graph, and before it up to two graphs that copy
     * values to the device and leave them there for the program to read, each run only when one
     * of its values changed: {@code residentParameters} (whose updates the program commits on
     * the device) and {@code residentInputs} (a batch fed again is not copied again). A graph
     * takes over device buffers only from the graph run just before it, so with both, the
     * inputs' graph also passes the parameters on: it runs after the parameters' graph, and the
     * program reads everything from it.
     *
     * @param hostResults the arrays read back after every run
     */
    String source(List<String> hostResults, List<String> residentParameters, List<String> residentInputs) {
        StringBuilder s = new StringBuilder();
        s.append("package ").append(PACKAGE).append(";\n\n")
                .append("import uk.ac.manchester.tornado.api.GridScheduler;\n")
                .append("import uk.ac.manchester.tornado.api.KernelContext;\n")
                .append("import uk.ac.manchester.tornado.api.TaskGraph;\n")
                .append("import uk.ac.manchester.tornado.api.WorkerGrid3D;\n")
                .append("import uk.ac.manchester.tornado.api.annotations.Parallel;\n")
                .append("import uk.ac.manchester.tornado.api.enums.DataTransferMode;\n")
                .append("import uk.ac.manchester.tornado.api.math.TornadoMath;\n")
                .append("import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;\n")
                .append("import uk.ac.manchester.tornado.api.types.arrays.FloatArray;\n\n")
                .append("/** Generated by Nabla's TornadoVM backend. */\n")
                .append("public final class ").append(className).append(" {\n")
                .append(kernels)
                .append(Helpers.SOURCE);
        List<Array> all = arrays();
        List<Array> resident = all.stream().filter(a -> residentParameters.contains(a.name())).toList();
        List<Array> fed = all.stream().filter(a -> residentInputs.contains(a.name())).toList();
        List<Array> staged = new ArrayList<>(resident);
        staged.addAll(fed);
        emptyTask(s, "upload", resident);
        emptyTask(s, "feed", fed);
        s.append("    public static GridScheduler grid(String name) {\n")
                .append("        GridScheduler grid = new GridScheduler();\n")
                .append(grids)
                .append("        return grid;\n    }\n\n");
        s.append("    public static TaskGraph[] graphs(String name, Object[] arrays) {\n")
                .append("        java.util.List<TaskGraph> graphs = new java.util.ArrayList<>();\n")
                .append("        TaskGraph g = new TaskGraph(name);\n");
        // With inputs staged too, the inputs' graph takes the parameters over (see above).
        staging(s, "up", "upload", resident, List.of(), fed.isEmpty() ? "g" : null);
        staging(s, "in", "feed", fed, resident, "g");
        transfer(s, "g", "transferToDevice", "EVERY_EXECUTION", all.stream()
                .filter(a -> a.kind() == Buffer.Kind.INPUT || a.kind() == Buffer.Kind.PARAMETER)
                .filter(a -> !staged.contains(a)).toList());
        transfer(s, "g", "transferToDevice", "FIRST_EXECUTION", all.stream()
                .filter(a -> a.kind() == Buffer.Kind.CONSTANT || a.kind() == Buffer.Kind.TEMP).toList());
        s.append(tasks);
        transfer(s, "g", "transferToHost", "EVERY_EXECUTION", all.stream().filter(a -> hostResults.contains(a.name())).toList());
        if (!staged.isEmpty()) {
            s.append("        g.persistOnDevice(").append(references(staged)).append(");\n");
        }
        s.append("        graphs.add(g);\n        return graphs.toArray(new TaskGraph[0]);\n    }\n}\n");
        return s.toString();
    }

    /** A task that does nothing: what a graph that only moves its arguments to the device runs. */
    private void emptyTask(StringBuilder s, String method, List<Array> arguments) {
        if (!arguments.isEmpty()) {
            s.append("    public static void ").append(method).append('(')
                    .append(String.join(", ", arguments.stream().map(a -> a.type() + " " + a.name()).toList()))
                    .append(") {\n    }\n\n");
        }
    }

    /**
     * A graph that copies {@code arrays} to the device and leaves them there, for graph
     * {@code next} (null: the next graph says what it takes itself), with the {@code passed}
     * arrays it takes over from the graph run before it (the parameters' graph after an upload,
     * else the program's last run). Its task takes only {@code arrays}: TornadoVM's 20-argument
     * limit then counts the inputs alone.
     */
    private void staging(StringBuilder s, String suffix, String method, List<Array> arrays, List<Array> passed,
            String next) {
        if (arrays.isEmpty()) {
            return;
        }
        List<Array> all = new ArrayList<>(passed);
        all.addAll(arrays);
        s.append("        TaskGraph ").append(suffix).append(" = new TaskGraph(name + \"").append(suffix).append("\");\n");
        if (!passed.isEmpty()) {
            s.append("        ").append(suffix).append(".consumeFromDevice(name + \"up\", ").append(references(passed))
                    .append(");\n");
        }
        transfer(s, suffix, "transferToDevice", "EVERY_EXECUTION", arrays);
        s.append("        ").append(suffix).append(".task(\"").append(method).append("\", ").append(className)
                .append("::").append(method)
                .append(String.join("", arrays.stream().map(a -> ", " + argument(a)).toList())).append(");\n");
        s.append("        ").append(suffix).append(".persistOnDevice(").append(references(all)).append(");\n");
        if (next != null) {
            s.append("        ").append(next).append(".consumeFromDevice(name + \"").append(suffix).append("\", ")
                    .append(references(all)).append(");\n");
        }
        s.append("        graphs.add(").append(suffix).append(");\n");
    }

    boolean hasContextKernels() {
        return !grids.isEmpty();
    }

    boolean hasTasks() {
        return !tasks.isEmpty();
    }

    /** Whether a kernel reads or writes the array. */
    boolean usedByKernels(String array) {
        return usedByKernels.contains(array);
    }

    private String argument(Array a) {
        return "(" + a.type() + ") arrays[" + arrays().indexOf(a) + "]";
    }

    private String references(List<Array> which) {
        return String.join(", ", which.stream().map(a -> "arrays[" + arrays().indexOf(a) + "]").toList());
    }

    private void transfer(StringBuilder s, String graph, String method, String mode, List<Array> which) {
        List<String> refs = which.stream().filter(a -> usedByKernels.contains(a.name()))
                .map(a -> "arrays[" + arrays().indexOf(a) + "]").toList();
        if (!refs.isEmpty()) {
            s.append("        ").append(graph).append('.').append(method).append("(DataTransferMode.").append(mode).append(", ")
                    .append(String.join(", ", refs)).append(");\n");
        }
    }

    // ---- kernels ----

    /**
     * The step with a fused body narrow enough for one task: a TornadoVM task takes at most 20
     * arguments, so parts of a body that reads more arrays than that are computed first, each by
     * a kernel of its own into an array of its own, and read back from there.
     */
    private Step narrowed(String method, Step step) {
        Expr body;
        Shape shape;
        DType dtype;
        switch (step) {
            case Step.Elementwise e -> {
                body = e.body();
                shape = e.shape();
                dtype = e.dtype();
            }
            case Step.Reduce r -> {
                body = r.body();
                shape = r.inShape();
                dtype = r.dtype();
            }
            default -> {
                return step;
            }
        }
        // The part keeps the body's working type: float for f32, double otherwise (unrounded).
        DType partType = dtype == DType.F32 ? DType.F32 : DType.F64;
        for (int part = 0; NarrowBodies.arrays(body, this::arrayName).size() > MAX_READS; part++) {
            Expr sub = NarrowBodies.widestPart(body, MAX_READS, this::arrayName);
            int id = -(++splitParts);
            arrays.put(arrayName(id), new Array(arrayName(id), partType, Math.max(1, shape.size()), Buffer.Kind.TEMP));
            kernel(method + "w" + part, new Step.Elementwise(id, shape, partType, sub));
            body = NarrowBodies.replace(body, sub, new Expr.Load(View.contiguous(id, shape)));
        }
        return switch (step) {
            case Step.Elementwise e -> new Step.Elementwise(e.output(), e.shape(), e.dtype(), body);
            case Step.Reduce r -> new Step.Reduce(r.output(), r.fn(), r.inShape(), r.axes(), r.dtype(), body);
            default -> step;
        };
    }

    /** Arrays a fused body may read: 20 task arguments less the output and the constants array. */
    private static final int MAX_READS = 18;
    private int splitParts;

    private void kernel(String method, Step step) {
        List<String> params = new ArrayList<>();
        params.add(arrayName(step.output()));
        reads(step).forEach(b -> {
            String name = arrayName(b);
            if (!params.contains(name)) {
                params.add(name);
            }
        });
        if (params.size() > MAX_READS + 1) {
            throw new NablaException("tornadovm: " + step.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
                    + " reads " + (params.size() - 1) + " arrays, more than a TornadoVM task takes (" + MAX_READS
                    + "); concatenate fewer tensors at a time, or use the jvm backend");
        }
        if (step instanceof Step.MatMul m && cublasTask(method, m) instanceof String task) {
            markUsed(params);
            tasks.append(task);
            return;
        }
        if (step instanceof Step.Reduce r && ReductionKernels.parts(r) > 1) {
            reductions.split(method, r, params, ReductionKernels.parts(r));
            return;
        }
        int header = kernels.length();
        switch (step) {
            case Step.Elementwise e -> elementwise(e);
            case Step.Reduce r -> reductions.reduce(r);
            case Step.MatMul m -> matmul(m);
            case Step.Copy c -> layouts.copy(c);
            case Step.Pad p -> layouts.pad(p);
            case Step.Concat c -> layouts.concat(c);
            case Step.Windows w -> layouts.windows(w);
            case Step.WindowsSum w -> layouts.windowsSum(w);
            case Step.Gather g -> layouts.gather(g);
            case Step.ScatterAdd s -> layouts.scatterAdd(s);
            case Step.Loop l -> throw hostStep(l);
            case Step.Cond c -> throw hostStep(c);
            case Step.Random r -> throw hostStep(r);
        }
        kernels.append("    }\n\n");
        finish(method, header, params);
    }

    /** Puts the signature before the body written from {@code header} on, and adds the task. */
    void finish(String method, int header, List<String> params) {
        if (kernels.indexOf(SPECIALS, header) >= 0) {
            params.add(SPECIALS);
        }
        List<String> declared = new ArrayList<>(params.stream().map(p -> arrays.get(p).type() + " " + p).toList());
        if (contextKernel != null) {
            declared.addFirst("KernelContext kc");
        }
        kernels.insert(header, "    public static void " + method + "(" + String.join(", ", declared) + ") {\n");
        markUsed(params);
        tasks.append("        g.task(\"").append(method).append("\", ").append(className).append("::").append(method);
        if (contextKernel != null) {
            tasks.append(", new KernelContext()");
            grids.append("        WorkerGrid3D ").append(method).append(" = new WorkerGrid3D(").append(contextKernel[0])
                    .append(", ").append(contextKernel[1]).append(", ").append(contextKernel[2]).append(");\n")
                    .append("        ").append(method).append(".setLocalWork(").append(TiledMatMul.TILE).append(", ")
                    .append(TiledMatMul.TILE).append(", 1);\n")
                    .append("        grid.addWorkerGrid(name + \".").append(method).append("\", ").append(method).append(");\n");
            contextKernel = null;
        }
        for (String p : params) {
            tasks.append(", (").append(arrays.get(p).type()).append(") arrays[").append(arrays().indexOf(arrays.get(p)))
                    .append(']');
        }
        tasks.append(");\n");
    }

    private static List<Integer> reads(Step step) {
        List<Integer> views = new ArrayList<>();
        switch (step) {
            case Step.Elementwise e -> views.addAll(NarrowBodies.buffers(e.body()));
            case Step.Reduce r -> views.addAll(NarrowBodies.buffers(r.body()));
            case Step.MatMul m -> views.addAll(List.of(m.a().buffer(), m.b().buffer()));
            case Step.Copy c -> views.add(c.source().buffer());
            case Step.Pad p -> views.add(p.source().buffer());
            case Step.Concat c -> c.parts().forEach(v -> views.add(v.buffer()));
            case Step.Windows w -> views.add(w.source().buffer());
            case Step.WindowsSum w -> views.add(w.source().buffer());
            case Step.Gather g -> views.addAll(List.of(g.x().buffer(), g.indices().buffer()));
            case Step.ScatterAdd s -> views.addAll(List.of(s.indices().buffer(), s.updates().buffer()));
            case Step.Loop l -> throw hostStep(l);
            case Step.Cond c -> throw hostStep(c);
            case Step.Random r -> throw hostStep(r);
        }
        return views;
    }

    /** Loops, conditionals and random draws run on the host, between kernels (see {@link StagedExecutable}): never a kernel. */
    private static IllegalStateException hostStep(Step step) {
        return new IllegalStateException("tornadovm: a " + step.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
                + " step reached kernel generation; programs with loops, conditionals or random draws run as stages");
    }

    static String working(DType dtype) {
        return dtype == DType.F32 ? "float" : "double";
    }

    /** Declares c0..c(r-1), the coordinates of flat index {@code flat} in {@code shape}. */
    void coordinates(Shape shape, String flat, String prefix, String indent) {
        int[] strides = shape.strides();
        for (int d = 0; d < shape.rank(); d++) {
            String c = d == 0 ? flat + " / " + strides[0] : "(" + flat + " / " + strides[d] + ") % " + shape.dim(d);
            kernels.append(indent).append("int ").append(prefix).append(d).append(" = ").append(c).append(";\n");
        }
    }

    /** The buffer element of a view at the coordinates named prefix0.., or at flat index when row-major. */
    private static String index(View v, String flat, String prefix, Shape loop) {
        if (v.isContiguous() && v.shape().equals(loop)) {
            return v.offset() == 0 ? flat : "(" + flat + " + " + v.offset() + ")";
        }
        StringBuilder s = new StringBuilder().append(v.offset());
        for (int d = 0; d < v.shape().rank(); d++) {
            if (v.stride(d) != 0 && v.shape().dim(d) != 1) {
                s.append(" + ").append(prefix).append(d).append(" * ").append(v.stride(d));
            }
        }
        return "(" + s + ")";
    }

    String load(View v, String flat, String prefix, Shape loop) {
        return arrayName(v.buffer()) + ".get(" + index(v, flat, prefix, loop) + ")";
    }

    String store(Step step, String flat, String value) {
        String out = arrayName(step.output());
        String cast = arrays.get(out).storage() == DType.F32 ? "(float) " : "(double) ";
        return out + ".set(" + flat + ", " + cast + "(" + value + "));\n";
    }

    private void elementwise(Step.Elementwise e) {
        String in = "            ";
        kernels.append("        for (@Parallel int i = 0; i < ").append(e.shape().size()).append("; i++) {\n");
        coordinates(e.shape(), "i", "c", in);
        ExprCode code = new ExprCode(kernels, working(e.dtype()), v -> load(v, "i", "c", e.shape()));
        String value = code.emit(e.body(), in);
        kernels.append(in).append(store(e, "i", rounded(value, e.dtype())));
        kernels.append("        }\n");
    }

    /** A value computed in double stored as an integer or mask type keeps that type's values. */
    static String rounded(String value, DType dtype) {
        return switch (dtype) {
            case I32 -> "(double) (int) " + value;
            case BOOL -> value + " != 0 ? 1.0 : 0.0";
            default -> value;
        };
    }

    /** The task line calling cuBLAS for a product, where products go to cuBLAS and it can compute this one; else null. */
    private String cublasTask(String method, Step.MatMul m) {
        Array a = arrays.get(arrayName(m.a().buffer()));
        Array b = arrays.get(arrayName(m.b().buffer()));
        Array out = arrays.get(arrayName(m.output()));
        if (!cublas || a.storage() != DType.F32 || b.storage() != DType.F32 || out.storage() != DType.F32) {
            return null;
        }
        return CuBlasGemm.of(m).map(call -> call.task(method, argument(a), argument(b), argument(out))).orElse(null);
    }

    /** Records that a task reads or writes these arrays (so the task graph moves them). */
    private void markUsed(List<String> names) {
        usedByKernels.addAll(names.stream().filter(p -> !usedByKernels.contains(p)).toList());
    }

    private void matmul(Step.MatMul m) {
        String out = arrayName(m.output());
        String cast = arrays.get(out).storage() == DType.F32 ? "(float) " : "(double) ";
        kernels.append(TiledMatMul.body(m, arrayName(m.a().buffer()), arrayName(m.b().buffer()), out, cast));
        contextKernel = TiledMatMul.Dims.of(m).global();
    }

}

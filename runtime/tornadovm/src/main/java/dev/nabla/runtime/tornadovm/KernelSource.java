package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.compiler.lower.Buffer;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import java.util.ArrayList;
import java.util.Arrays;
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
    record Array(String name, DType storage, int size, Buffer.Kind kind, int firstBuffer) {
        String type() {
            return storage == DType.F32 ? "FloatArray" : "DoubleArray";
        }
    }

    // Local names in kernels (i, o, r, j, row, batch, ao, bo, acc, c0.., k0.., g0.., u0.., q0.., p0..,
    // t0..) never clash with array names (a0.., s0..).
    private final LoweredProgram program;
    private final String className;
    private final Map<String, Array> arrays = new LinkedHashMap<>();
    private final List<String> usedByKernels = new ArrayList<>();
    private final StringBuilder kernels = new StringBuilder();
    private final StringBuilder tasks = new StringBuilder();
    /** The grid of each KernelContext task: its global work size and local work-group. */
    private final StringBuilder grids = new StringBuilder();
    /** For the kernel being written: its global work size if it takes a KernelContext, else null. */
    private int[] contextKernel;

    KernelSource(LoweredProgram program, String className) {
        this.program = program;
        this.className = className;
        for (Buffer b : program.buffers()) {
            String name = arrayName(b.id());
            if (!arrays.containsKey(name)) {
                int size = b.kind() == Buffer.Kind.TEMP ? program.slots().get(b.slot()).size() : b.size();
                arrays.put(name, new Array(name, b.dtype().storage(), Math.max(1, size), b.kind(), b.id()));
            }
        }
        arrays.put(SPECIALS, new Array(SPECIALS, DType.F64, 3, Buffer.Kind.CONSTANT, -1));
        for (int i = 0; i < program.steps().size(); i++) {
            // Nothing to compute for an empty result; TornadoVM rejects loops it can prove empty.
            if (program.buffer(program.steps().get(i).output()).size() > 0) {
                kernel(i, program.steps().get(i));
            }
        }
    }

    /** The arrays in the order {@code graph(name, arrays)} takes them. */
    List<Array> arrays() {
        return List.copyOf(arrays.values());
    }

    /** The array that holds a buffer: its own, or its memory-plan slot's. */
    String arrayName(int buffer) {
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
     * The class's source. With {@code residentParameters} it builds two task graphs: one that
     * copies the parameters to the device, run only when their values come from the host, and
     * the program, which reads them there (and commits updates there).
     *
     * @param hostResults the arrays read back after every run
     */
    String source(List<String> hostResults, List<String> residentParameters) {
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
        if (!resident.isEmpty()) {
            s.append("    public static void upload(")
                    .append(String.join(", ", resident.stream().map(a -> a.type() + " " + a.name()).toList()))
                    .append(") {\n    }\n\n");
        }
        s.append("    public static GridScheduler grid(String name) {\n")
                .append("        GridScheduler grid = new GridScheduler();\n")
                .append(grids)
                .append("        return grid;\n    }\n\n");
        s.append("    public static TaskGraph[] graphs(String name, Object[] arrays) {\n")
                .append("        TaskGraph up = new TaskGraph(name + \"up\");\n")
                .append("        TaskGraph g = new TaskGraph(name);\n");
        if (!resident.isEmpty()) {
            transfer(s, "up", "transferToDevice", "EVERY_EXECUTION", resident);
            s.append("        up.task(\"upload\", ").append(className).append("::upload")
                    .append(String.join("", resident.stream().map(a -> ", " + argument(a)).toList())).append(");\n");
            s.append("        up.persistOnDevice(").append(references(resident)).append(");\n");
            s.append("        g.consumeFromDevice(name + \"up\", ").append(references(resident)).append(");\n");
        }
        transfer(s, "g", "transferToDevice", "EVERY_EXECUTION", all.stream()
                .filter(a -> a.kind() == Buffer.Kind.INPUT || a.kind() == Buffer.Kind.PARAMETER)
                .filter(a -> !resident.contains(a)).toList());
        transfer(s, "g", "transferToDevice", "FIRST_EXECUTION", all.stream()
                .filter(a -> a.kind() == Buffer.Kind.CONSTANT || a.kind() == Buffer.Kind.TEMP).toList());
        s.append(tasks);
        transfer(s, "g", "transferToHost", "EVERY_EXECUTION", all.stream().filter(a -> hostResults.contains(a.name())).toList());
        if (!resident.isEmpty()) {
            s.append("        g.persistOnDevice(").append(references(resident)).append(");\n");
            s.append("        return new TaskGraph[] {up, g};\n    }\n}\n");
        } else {
            s.append("        return new TaskGraph[] {g};\n    }\n}\n");
        }
        return s.toString();
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

    private void kernel(int index, Step step) {
        List<String> params = new ArrayList<>();
        params.add(arrayName(step.output()));
        reads(step).forEach(b -> {
            String name = arrayName(b);
            if (!params.contains(name)) {
                params.add(name);
            }
        });
        if (step instanceof Step.Reduce r && parts(r) > 1) {
            splitReduce(index, r, params, parts(r));
            return;
        }
        String method = "k" + index;
        int header = kernels.length();
        switch (step) {
            case Step.Elementwise e -> elementwise(e);
            case Step.Reduce r -> reduce(r);
            case Step.MatMul m -> matmul(m);
            case Step.Copy c -> copy(c);
            case Step.Pad p -> pad(p);
            case Step.Concat c -> concat(c);
        }
        kernels.append("    }\n\n");
        finish(method, header, params);
    }

    /** Puts the signature before the body written from {@code header} on, and adds the task. */
    private void finish(String method, int header, List<String> params) {
        if (kernels.indexOf(SPECIALS, header) >= 0) {
            params.add(SPECIALS);
        }
        List<String> declared = new ArrayList<>(params.stream().map(p -> arrays.get(p).type() + " " + p).toList());
        if (contextKernel != null) {
            declared.addFirst("KernelContext kc");
        }
        kernels.insert(header, "    public static void " + method + "(" + String.join(", ", declared) + ") {\n");
        usedByKernels.addAll(params.stream().filter(p -> !usedByKernels.contains(p)).toList());
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
            case Step.Elementwise e -> collect(e.body(), views);
            case Step.Reduce r -> collect(r.body(), views);
            case Step.MatMul m -> views.addAll(List.of(m.a().buffer(), m.b().buffer()));
            case Step.Copy c -> views.add(c.source().buffer());
            case Step.Pad p -> views.add(p.source().buffer());
            case Step.Concat c -> c.parts().forEach(v -> views.add(v.buffer()));
        }
        return views;
    }

    private static void collect(dev.nabla.compiler.lower.Expr e, List<Integer> into) {
        switch (e) {
            case dev.nabla.compiler.lower.Expr.Load l -> into.add(l.view().buffer());
            case dev.nabla.compiler.lower.Expr.Const c -> { }
            case dev.nabla.compiler.lower.Expr.Unary u -> collect(u.x(), into);
            case dev.nabla.compiler.lower.Expr.Binary b -> {
                collect(b.a(), into);
                collect(b.b(), into);
            }
            case dev.nabla.compiler.lower.Expr.Fma f -> {
                collect(f.a(), into);
                collect(f.b(), into);
                collect(f.c(), into);
            }
            case dev.nabla.compiler.lower.Expr.Compare c -> {
                collect(c.a(), into);
                collect(c.b(), into);
            }
            case dev.nabla.compiler.lower.Expr.Where w -> {
                collect(w.cond(), into);
                collect(w.a(), into);
                collect(w.b(), into);
            }
        }
    }

    private static String working(DType dtype) {
        return dtype == DType.F32 ? "float" : "double";
    }

    /** Declares c0..c(r-1), the coordinates of flat index {@code flat} in {@code shape}. */
    private void coordinates(Shape shape, String flat, String prefix, String indent) {
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

    private String load(View v, String flat, String prefix, Shape loop) {
        return arrayName(v.buffer()) + ".get(" + index(v, flat, prefix, loop) + ")";
    }

    private String store(Step step, String flat, String value) {
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
    private static String rounded(String value, DType dtype) {
        return switch (dtype) {
            case I32 -> "(double) (int) " + value;
            case BOOL -> value + " != 0 ? 1.0 : 0.0";
            default -> value;
        };
    }

    /** A reduction's index spaces: the kept axes (one result each) and the reduced ones. */
    private record Axes(int[] kept, int[] gone, Shape keptShape, Shape goneShape) {
        static Axes of(Step.Reduce r) {
            Shape in = r.inShape();
            boolean[] reduced = new boolean[in.rank()];
            for (int a : r.axes()) {
                reduced[a] = true;
            }
            int[] kept = range(in.rank(), d -> !reduced[d]);
            int[] gone = range(in.rank(), d -> reduced[d]);
            return new Axes(kept, gone, new Shape(Arrays.stream(kept).map(in::dim).toArray()),
                    new Shape(Arrays.stream(gone).map(in::dim).toArray()));
        }
    }

    /**
     * Into how many parts each result's reduction splits: one work-item per result leaves a GPU
     * idle when there are few results over many elements (a loss, a norm), so then each result
     * is reduced in parts of about CHUNK elements by separate work-items, and a second kernel
     * combines the parts.
     */
    static int parts(Step.Reduce r) {
        Axes axes = Axes.of(r);
        int results = axes.keptShape().size();
        int each = axes.goneShape().size();
        if (each < 2 * CHUNK || results >= 4096) {
            return 1;
        }
        return Math.min((each + CHUNK - 1) / CHUNK, Math.max(1, 65536 / results));
    }

    private static final int CHUNK = 1024;

    private void reduce(Step.Reduce r) {
        Axes axes = Axes.of(r);
        String i1 = "            ";
        kernels.append("        for (@Parallel int o = 0; o < ").append(axes.keptShape().size()).append("; o++) {\n");
        coordinates(axes.keptShape(), "o", "k", i1);
        accumulate(r, axes, "0", String.valueOf(axes.goneShape().size()));
        kernels.append(i1).append(store(r, "o", "acc"));
        kernels.append("        }\n");
    }

    /** Two kernels: partial results of {@code parts} slices of each reduction, then their combination. */
    private void splitReduce(int index, Step.Reduce r, List<String> params, int parts) {
        Axes axes = Axes.of(r);
        int each = axes.goneShape().size();
        int chunk = (each + parts - 1) / parts;
        String partial = "p" + index;
        DType storage = r.dtype().storage();
        arrays.put(partial, new Array(partial, storage, axes.keptShape().size() * parts, Buffer.Kind.TEMP, -1));
        String i1 = "            ";
        String cast = storage == DType.F32 ? "(float) " : "(double) ";

        int header = kernels.length();
        kernels.append("        for (@Parallel int w = 0; w < ").append(axes.keptShape().size() * parts).append("; w++) {\n");
        kernels.append(i1).append("int o = w / ").append(parts).append(";\n");
        kernels.append(i1).append("int from = (w % ").append(parts).append(") * ").append(chunk).append(";\n");
        kernels.append(i1).append("int to = from + ").append(chunk).append(";\n");
        kernels.append(i1).append("if (to > ").append(each).append(") {\n").append(i1).append("    to = ").append(each)
                .append(";\n").append(i1).append("}\n");
        coordinates(axes.keptShape(), "o", "k", i1);
        accumulate(r, axes, "from", "to");
        kernels.append(i1).append(partial).append(".set(w, ").append(cast).append("(acc));\n");
        kernels.append("        }\n    }\n\n");
        List<String> first = new ArrayList<>(params);
        first.set(0, partial);
        finish("k" + index + "a", header, first);

        header = kernels.length();
        String type = working(r.dtype());
        String x = "(" + type + ") " + partial + ".get(o * " + parts + " + q)";
        kernels.append("        for (@Parallel int o = 0; o < ").append(axes.keptShape().size()).append("; o++) {\n");
        kernels.append(i1).append(type).append(" acc = (").append(type).append(") ").append(partial).append(".get(o * ")
                .append(parts).append(");\n");
        kernels.append(i1).append("for (int q = 1; q < ").append(parts).append("; q++) {\n");
        kernels.append(i1).append("    ").append(type).append(" x = ").append(x).append(";\n");
        kernels.append(i1).append("    ").append(combine(r, "x", "")).append('\n');
        kernels.append(i1).append("}\n");
        kernels.append(i1).append(store(r, "o", "acc"));
        kernels.append("        }\n    }\n\n");
        finish("k" + index + "b", header, new ArrayList<>(List.of(arrayName(r.output()), partial)));
    }

    /** Declares acc and folds the body over reduced indices [from, to) into it, in the loop over o. */
    private void accumulate(Step.Reduce r, Axes axes, String from, String to) {
        String type = working(r.dtype());
        ExprCode code = new ExprCode(kernels, type, v -> load(v, "-1", "c", null));
        String i1 = "            ";
        String i2 = "                ";
        kernels.append(i1).append(type).append(" acc = ").append(code.literal(r.fn().identity())).append(";\n");
        // Max and min start from the first element, not from the identity: TornadoVM prints a
        // double infinity as a float constant, which OpenCL's isless(float, double) rejects.
        kernels.append(i1).append("int seen = 0;\n");
        kernels.append(i1).append("for (int r = ").append(from).append("; r < ").append(to).append("; r++) {\n");
        coordinates(axes.goneShape(), "r", "g", i2);
        for (int k = 0; k < axes.kept().length; k++) {
            kernels.append(i2).append("int c").append(axes.kept()[k]).append(" = k").append(k).append(";\n");
        }
        for (int g = 0; g < axes.gone().length; g++) {
            kernels.append(i2).append("int c").append(axes.gone()[g]).append(" = g").append(g).append(";\n");
        }
        String x = code.emit(r.body(), i2);
        kernels.append(i2).append(combine(r, x, "seen == 0 ? " + x + " : ")).append('\n');
        if (r.fn() == dev.nabla.compiler.ir.ReduceFn.MAX || r.fn() == dev.nabla.compiler.ir.ReduceFn.MIN) {
            kernels.append(i2).append("seen = 1;\n");
        }
        kernels.append(i1).append("}\n");
    }

    /** acc = acc (op) x; for max and min NaN wins, as in torch.amax/amin and the reference. */
    private static String combine(Step.Reduce r, String x, String firstElement) {
        return switch (r.fn()) {
            case SUM -> "acc = acc + " + x + ";";
            case PROD -> "acc = acc * " + x + ";";
            case MAX -> "acc = " + firstElement + "(acc != acc ? acc : (" + x + " > acc || " + x + " != " + x + " ? "
                    + x + " : acc));";
            case MIN -> "acc = " + firstElement + "(acc != acc ? acc : (" + x + " < acc || " + x + " != " + x + " ? "
                    + x + " : acc));";
        };
    }

    private static int[] range(int n, java.util.function.IntPredicate keep) {
        return java.util.stream.IntStream.range(0, n).filter(keep).toArray();
    }

    private void matmul(Step.MatMul m) {
        String out = arrayName(m.output());
        String cast = arrays.get(out).storage() == DType.F32 ? "(float) " : "(double) ";
        kernels.append(TiledMatMul.body(m, arrayName(m.a().buffer()), arrayName(m.b().buffer()), out, cast));
        contextKernel = TiledMatMul.Dims.of(m).global();
    }

    private void copy(Step.Copy c) {
        String in = "            ";
        Shape shape = c.source().shape();
        kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        coordinates(shape, "i", "c", in);
        String value = "(double) " + load(c.source(), "i", "c", shape);
        kernels.append(in).append(store(c, "i", rounded(value, c.to())));
        kernels.append("        }\n");
    }

    private void pad(Step.Pad p) {
        String in = "            ";
        Shape shape = p.shape();
        View src = p.source();
        kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        coordinates(shape, "i", "c", in);
        if (src.shape().size() == 0) {
            kernels.append(in).append(store(p, "i", "0")).append("        }\n");
            return;
        }
        // Only the tests that can fail: TornadoVM rejects conditions its compiler folds to a constant.
        List<String> inside = new ArrayList<>();
        for (int d = 0; d < shape.rank(); d++) {
            int start = p.starts()[d];
            int step = p.steps()[d];
            kernels.append(in).append("int u").append(d).append(" = c").append(d).append(" - ").append(start).append(";\n");
            if (start > 0) {
                inside.add("u" + d + " >= 0");
            }
            if (step != 1) {
                inside.add("u" + d + " % " + step + " == 0");
            }
            if (shape.dim(d) - 1 - start >= src.shape().dim(d) * step) {
                inside.add("u" + d + " < " + src.shape().dim(d) * step);
            }
            kernels.append(in).append("int q").append(d).append(" = u").append(d).append(" / ").append(step).append(";\n");
        }
        if (inside.isEmpty()) {
            kernels.append(in).append(store(p, "i", load(src, "-1", "q", null))).append("        }\n");
            return;
        }
        kernels.append(in).append("if (").append(String.join(" && ", inside)).append(") {\n");
        kernels.append(in).append("    ").append(store(p, "i", load(src, "-1", "q", null)));
        kernels.append(in).append("} else {\n");
        kernels.append(in).append("    ").append(store(p, "i", "0"));
        kernels.append(in).append("}\n        }\n");
    }

    private void concat(Step.Concat c) {
        String in = "            ";
        Shape shape = c.shape();
        int axis = c.axis();
        kernels.append("        for (@Parallel int i = 0; i < ").append(shape.size()).append("; i++) {\n");
        coordinates(shape, "i", "c", in);
        int start = 0;
        List<View> parts = c.parts().stream().filter(v -> v.shape().dim(axis) > 0).toList();
        for (int k = 0; k < parts.size(); k++) {
            View part = parts.get(k);
            int end = start + part.shape().dim(axis);
            kernels.append(in).append(k == 0 ? "" : "} else ").append(k == parts.size() - 1 ? "{\n" : "if (c" + axis + " < " + end + ") {\n");
            // The part's coordinates: the same, but shifted along the axis.
            for (int d = 0; d < shape.rank(); d++) {
                kernels.append(in).append("    int p").append(d).append(" = c").append(d)
                        .append(d == axis ? " - " + start : "").append(";\n");
            }
            kernels.append(in).append("    ").append(store(c, "i", load(part, "-1", "p", null)));
            start = end;
        }
        kernels.append(in).append("}\n        }\n");
    }
}

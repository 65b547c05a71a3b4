package dev.nabla.compiler.io;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ties;
import dev.nabla.compiler.ir.WindowShape;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.exc.JacksonIOException;

/**
 * Writes the program that computes some outputs as a saved graph (docs/graph-format.md): every
 * node the outputs need, loop bodies and conditional branches included, in the order the graph
 * built them, one per line, each referring to its inputs by earlier ids; and, when asked, the
 * parameters' values. Building the nodes again in that order through the same op builders gives
 * an equal program ({@link dev.nabla.compiler.StructuralKey}), which is what {@link GraphReader}
 * does.
 */
public final class GraphWriter {
    /**
     * @param customAsPrimal false (the default): a custom function (its derivative rules are Java
     *                       code) cannot be written, and trying names it. True: each is written as
     *                       its primal value, its name listed in the file's "customPrimals"; the
     *                       loaded graph computes the same values, but its derivatives are those of
     *                       the primal, not the function's rules
     */
    public record Options(boolean customAsPrimal) {
        public static Options defaults() {
            return new Options(false);
        }

        public Options withCustomAsPrimal(boolean on) {
            return new Options(on);
        }
    }

    private final Options options;
    /** The table's declared inputs and parameters: an input not among them is a placeholder. */
    private Map<String, Node> declared;
    private final Set<String> primals = new LinkedHashSet<>();
    private final Map<Object, Integer> ids = new IdentityHashMap<>();
    private final Set<Object> bodies = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private JsonGenerator gen;

    private GraphWriter(Options options) {
        this.options = options;
    }

    /**
     * Writes the program of {@code outputs} to {@code out} (left open), with each parameter's value
     * that {@code values} gives (null for none; {@code values} itself may be null).
     */
    public static void write(OutputStream out, List<Node> outputs, Function<Node, TensorData> values, Options options)
            throws IOException {
        if (outputs == null || outputs.isEmpty() || outputs.stream().anyMatch(java.util.Objects::isNull)) {
            throw new GraphException("save: name at least one output, and no null");
        }
        if (out == null || options == null) {
            throw new GraphException("save: the stream and the options must not be null");
        }
        for (Node o : outputs) {
            if (o.table() != outputs.get(0).table()) {
                throw new GraphException("save: " + outputs.get(0).describe() + " and " + o.describe()
                        + " belong to different graphs");
            }
        }
        GraphWriter w = new GraphWriter(options);
        w.declared = outputs.get(0).table().variables();
        List<Node> resolved = outputs.stream().map(w::resolve).toList();
        List<Node> nodes = w.collect(resolved);
        try (JsonGenerator g = JsonLines.generator(out)) {
            w.gen = g;
            w.write(outputs.get(0), nodes, resolved, values);
        } catch (JacksonIOException e) {
            throw e.getCause();
        }
    }

    /** A custom node's primal, when allowed (a custom node is its primal's value at run time). */
    private Node resolve(Node n) {
        while (n.op() instanceof Op.Custom(var rule, int arity)) {
            if (!options.customAsPrimal()) {
                throw new GraphException("save: " + n.describe() + " is the custom function '" + rule.name()
                        + "', whose derivative rules are Java code and cannot be saved; save with customAsPrimal to"
                        + " write its primal value instead (the loaded graph then differentiates the primal)");
            }
            primals.add(rule.name());
            n = n.input(0);
        }
        return n;
    }

    /** Every node the outputs need, bodies' and branches' included, in id (building) order. */
    private List<Node> collect(List<Node> outputs) {
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> todo = new ArrayDeque<>(outputs);
        List<Node> order = new ArrayList<>();
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) {
                continue;
            }
            order.add(n);
            n.inputs().forEach(in -> todo.push(resolve(in)));
            switch (n.op()) {
                case Op.Loop(var body, int output) -> collect(body, todo);
                case Op.Cond(var branches, int output) -> {
                    if (bodies.add(branches)) {
                        todo.addAll(branches.captured());
                        for (int b = 0; b < branches.branchCount(); b++) {
                            branches.results(b).forEach(r -> todo.push(resolve(r)));
                        }
                    }
                }
                default -> { }
            }
        }
        // A body's nodes are older than the loops over it, so this order also defines bodies first.
        order.sort(Comparator.comparingInt(Node::id));
        return order;
    }

    private void collect(LoopBody body, ArrayDeque<Node> todo) {
        if (!bodies.add(body)) {
            return;
        }
        if (body.base() != null) {
            collect(body.base(), todo);
        }
        todo.addAll(body.params());
        body.results().forEach(r -> todo.push(resolve(r)));
        if (body.condition() != null) {
            todo.push(resolve(body.condition()));
        }
    }

    private void write(Node any, List<Node> nodes, List<Node> outputs, Function<Node, TensorData> values) {
        gen.writeStartObject();
        gen.writeStringProperty("format", GraphFormat.FORMAT);
        gen.writeNumberProperty("version", GraphFormat.VERSION);
        gen.writeStringProperty("arithmetic", GraphFormat.name(any.table().arithmetic()));
        if (!primals.isEmpty()) {
            gen.writeName("customPrimals");
            gen.writeArray(primals.toArray(String[]::new), 0, primals.size());
        }
        gen.writeName("nodes");
        gen.writeStartArray();
        for (Node n : nodes) {
            switch (n.op()) {
                case Op.Loop(var body, int output) -> body(body);
                case Op.Cond(var branches, int output) -> branches(branches);
                default -> { }
            }
            node(n);
        }
        gen.writeEndArray();
        gen.writeName("outputs");
        ints(outputs);
        if (values != null) {
            gen.writeName("values");
            gen.writeStartArray();
            for (Node n : nodes) {
                TensorData v = n.op() instanceof Op.Parameter ? values.apply(n) : null;
                if (v != null) {
                    value(n, v);
                }
            }
            gen.writeEndArray();
        }
        gen.writeEndObject();
    }

    private int newId(Object o) {
        int id = ids.size();
        ids.put(o, id);
        gen.writeStartObject();
        gen.writeNumberProperty("id", id);
        return id;
    }

    private void body(LoopBody body) {
        if (ids.containsKey(body)) {
            return;
        }
        LoopBody base = body.base();
        if (base != null) {
            body(base);
            newId(body);
            gen.writeStringProperty("op", "loopHistory");
            gen.writeNumberProperty("of", ids.get(base));
            int kept = base.ys().size() + base.carries().size();
            ints("residuals", body.ys().subList(kept, body.ys().size()));
            gen.writeEndObject();
            return;
        }
        newId(body);
        gen.writeStringProperty("op", "loopBody");
        gen.writeNumberProperty("length", body.length());
        gen.writeBooleanProperty("reverse", body.reverse());
        gen.writeNumberProperty("index", ids.get(body.index()));
        ints("carries", body.carries());
        ints("xs", body.xs());
        ints("captured", body.captured());
        ints("newCarries", body.newCarries());
        ints("ys", body.ys());
        if (body.condition() != null) {
            gen.writeNumberProperty("condition", ids.get(resolve(body.condition())));
        }
        gen.writeEndObject();
    }

    private void branches(CondBranches branches) {
        if (ids.containsKey(branches)) {
            return;
        }
        newId(branches);
        gen.writeStringProperty("op", "condBranches");
        ints("captured", branches.captured());
        gen.writeName("branches");
        gen.writeStartArray();
        for (int b = 0; b < branches.branchCount(); b++) {
            ints(branches.results(b));
        }
        gen.writeEndArray();
        gen.writeEndObject();
    }

    private void node(Node n) {
        newId(n);
        byte[] data = null;
        switch (n.op()) {
            case Op.Input in -> {
                boolean isDeclared = declared.get(in.name()) == n;
                gen.writeStringProperty("op", isDeclared ? "input" : "placeholder");
                gen.writeStringProperty(isDeclared ? "name" : "role", isDeclared ? in.name() : role(in.name()));
            }
            case Op.Parameter p -> {
                gen.writeStringProperty("op", "parameter");
                gen.writeStringProperty("name", p.name());
            }
            case Op.Constant(var literal) -> {
                gen.writeStringProperty("op", "constant");
                switch (literal) {
                    case Literal.Fill(double v) -> {
                        gen.writeStringProperty("literal", "fill");
                        if (Double.isFinite(v)) {
                            gen.writeNumberProperty("value", v);
                        } else {
                            gen.writeStringProperty("value", Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
                        }
                    }
                    case Literal.Zero z -> gen.writeStringProperty("literal", "zero");
                    case Literal.Identity(int size) -> {
                        gen.writeStringProperty("literal", "identity");
                        gen.writeNumberProperty("size", size);
                    }
                    case Literal.Dense d -> {
                        gen.writeStringProperty("literal", "dense");
                        data = DataCodec.encodeLiteral(n.dtype(), d.values());
                    }
                }
            }
            case Op.Unary(var fn) -> fn("unary", fn.name());
            case Op.Binary(var fn) -> fn("binary", fn.name());
            case Op.Compare(var fn) -> fn("compare", fn.name());
            case Op.Fma f -> gen.writeStringProperty("op", "fma");
            case Op.Where w -> gen.writeStringProperty("op", "where");
            case Op.Reduce(var fn, var axes, boolean keepDims, var ties) -> {
                fn("reduce", fn.name());
                ints("axes", axes);
                gen.writeBooleanProperty("keepDims", keepDims);
                if (ties != Ties.SHARED) {
                    gen.writeStringProperty("ties", ties.name());
                }
            }
            case Op.Reshape r -> gen.writeStringProperty("op", "reshape");
            case Op.Permute(var perm) -> {
                gen.writeStringProperty("op", "permute");
                ints("perm", perm);
            }
            case Op.BroadcastTo b -> gen.writeStringProperty("op", "broadcastTo");
            case Op.Slice(var starts, var steps) -> placement("slice", starts, steps);
            case Op.Pad(var starts, var steps) -> placement("pad", starts, steps);
            case Op.Windows(var window) -> window("windows", window);
            case Op.WindowsSum(var window) -> window("windowsSum", window);
            case Op.Concat(int axis) -> axis("concat", axis);
            case Op.Gather(int axis) -> axis("gather", axis);
            case Op.ScatterAdd(int axis) -> axis("scatterAdd", axis);
            case Op.MatMul m -> gen.writeStringProperty("op", "matmul");
            case Op.Cast c -> gen.writeStringProperty("op", "cast");
            case Op.StopGradient s -> gen.writeStringProperty("op", "stopGradient");
            case Op.Random(var dist) -> {
                gen.writeStringProperty("op", "random");
                gen.writeStringProperty("dist", GraphFormat.name(dist));
                if (dist instanceof dev.nabla.compiler.ir.Distribution.FoldIn(int fold)) {
                    gen.writeNumberProperty("fold", fold);
                }
            }
            case Op.Loop(var body, int output) -> {
                gen.writeStringProperty("op", "loop");
                gen.writeNumberProperty("body", ids.get(body));
                gen.writeNumberProperty("output", output);
            }
            case Op.Cond(var branches, int output) -> {
                gen.writeStringProperty("op", "cond");
                gen.writeNumberProperty("branches", ids.get(branches));
                gen.writeNumberProperty("output", output);
            }
            case Op.Custom c -> throw new IllegalStateException("custom nodes are resolved to their primal: " + n);
        }
        gen.writeStringProperty("dtype", GraphFormat.name(n.dtype()));
        gen.writeName("shape");
        int[] dims = n.shape().dims();
        gen.writeArray(dims, 0, dims.length);
        if (!n.inputs().isEmpty()) {
            ints("in", n.inputs().stream().map(this::resolve).toList());
        }
        if (data != null) {
            gen.writeBinaryProperty("data", data);
        }
        gen.writeEndObject();
    }

    private void value(Node parameter, TensorData v) {
        if (v.dtype() != parameter.dtype() || !v.shape().equals(parameter.shape())) {
            throw new NablaException("save: the value of parameter " + parameter.describe() + " is " + v.dtype()
                    + v.shape() + "; it must have the parameter's shape and dtype");
        }
        gen.writeStartObject();
        gen.writeStringProperty("name", parameter.variableName());
        gen.writeStringProperty("dtype", GraphFormat.name(v.dtype()));
        gen.writeName("shape");
        int[] dims = v.shape().dims();
        gen.writeArray(dims, 0, dims.length);
        gen.writeBinaryProperty("data", DataCodec.encode(v.dtype(), v.storage()));
        gen.writeEndObject();
    }

    /** "scan carry 0" from a placeholder's name "&lt;scan carry 0 #17&gt;": what it stands for. */
    private static String role(String name) {
        String r = name.startsWith("<") && name.endsWith(">") ? name.substring(1, name.length() - 1) : name;
        int hash = r.lastIndexOf(" #");
        return hash >= 0 ? r.substring(0, hash) : r;
    }

    private void fn(String op, String fn) {
        gen.writeStringProperty("op", op);
        gen.writeStringProperty("fn", fn);
    }

    private void axis(String op, int axis) {
        gen.writeStringProperty("op", op);
        gen.writeNumberProperty("axis", axis);
    }

    private void placement(String op, List<Integer> starts, List<Integer> steps) {
        gen.writeStringProperty("op", op);
        ints("starts", starts);
        ints("steps", steps);
    }

    private void window(String op, WindowShape w) {
        gen.writeStringProperty("op", op);
        ints("kernel", w.kernel());
        ints("stride", w.stride());
        ints("dilation", w.dilation());
    }

    private void ints(String name, Collection<?> values) {
        gen.writeName(name);
        ints(values);
    }

    /** Integers as they are, nodes and bodies as their ids. */
    private void ints(Collection<?> values) {
        gen.writeStartArray();
        for (Object v : values) {
            gen.writeNumber(v instanceof Integer i ? i : ids.get(v instanceof Node n ? resolve(n) : v));
        }
        gen.writeEndArray();
    }
}

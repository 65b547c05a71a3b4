package dev.nabla;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.GraphFileException;
import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.io.GraphReader;
import dev.nabla.compiler.io.GraphWriter;
import dev.nabla.compiler.io.LoadedGraph;
import dev.nabla.compiler.io.ReadLimits;
import dev.nabla.compiler.io.TensorData;
import dev.nabla.core.NDArray;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A graph read back from a file that {@link Graph#save} or {@link CompiledGraph#save} wrote: a new
 * {@link Graph} holding the saved program, its outputs in the order they were saved, and its
 * inputs and parameters by name, each parameter starting from the value saved with it.
 *
 * <pre>{@code
 * run.save(Path.of("model.json"), logits);                  // a trained model, with its weights
 * try (SavedGraph saved = SavedGraph.load(Path.of("model.json"))) {
 *     Tensor x = saved.input("x");
 *     NDArray out = saved.graph().compile().eval(Map.of(x, batch), saved.output(0)).get(0);
 * }
 * }</pre>
 *
 * <p>The file is the format of docs/graph-format.md: JSON, one node per line, values in base64.
 * Loading treats it as untrusted input: whatever the bytes, it either gives a valid graph or throws
 * a {@link GraphFileException} naming the line, entry and field, and it stops at bounded sizes
 * before allocating for what the file claims. What a saved graph holds is the computation of its
 * outputs and the parameters' values; a trainer's state (optimizer moments, step assignments such
 * as batch norm's running statistics, key states) is not saved.
 */
public final class SavedGraph implements AutoCloseable {
    /**
     * How to save.
     *
     * @param customAsPrimal false (the default): a graph with a custom function (whose rules are
     *                       Java code) cannot be saved, and trying names it. True: each is saved as
     *                       its primal value; the loaded graph computes the same values, but its
     *                       derivatives are the primal's, not the function's rules
     */
    public record Options(boolean customAsPrimal) {
        /** {@return the default: a graph with a custom function cannot be saved} */
        public static Options defaults() {
            return new Options(false);
        }

        /**
         * {@return these options, saving custom functions as their primal values or not}
         *
         * @param on true to save each custom function as its primal value
         */
        public Options withCustomAsPrimal(boolean on) {
            return new Options(on);
        }
    }

    private final Graph graph;
    private final List<Tensor> outputs;
    private final Map<String, Tensor> inputs;
    private final Map<String, Tensor> parameters;
    private final List<String> customPrimals;

    private SavedGraph(Graph graph, LoadedGraph loaded) {
        this.graph = graph;
        this.outputs = graph.wrapAll(loaded.outputs());
        this.inputs = wrap(graph, loaded.inputs());
        this.parameters = wrap(graph, loaded.parameters());
        this.customPrimals = loaded.customPrimals();
    }

    private static Map<String, Tensor> wrap(Graph graph, Map<String, Node> nodes) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        nodes.forEach((name, n) -> out.put(name, graph.wrap(n)));
        return Collections.unmodifiableMap(out);
    }

    // ---- loading ----

    /**
     * Reads a saved graph into a new graph with default options (and the file's arithmetic).
     *
     * @param file a file {@link Graph#save} or {@link CompiledGraph#save} wrote
     * @return the loaded graph
     * @throws IOException if the file cannot be read
     * @throws GraphFileException if it is not a saved graph this version can read
     */
    public static SavedGraph load(Path file) throws IOException {
        return load(file, GraphOptions.defaults());
    }

    /**
     * Reads a saved graph into a new graph with {@code options}, but the arithmetic the graph was
     * saved with ({@link GraphOptions#fastMath} as it was when the graph was built).
     *
     * @param file    a file {@link Graph#save} or {@link CompiledGraph#save} wrote
     * @param options the new graph's options; its fast math is the file's
     * @return the loaded graph
     * @throws IOException if the file cannot be read
     * @throws GraphFileException if it is not a saved graph this version can read
     */
    public static SavedGraph load(Path file, GraphOptions options) throws IOException {
        if (file == null) {
            throw new GraphException("load: the file is null");
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return load(in, options, ReadLimits.defaults());
        }
    }

    /**
     * Reads a saved graph from {@code in} (left open), refusing one past the default limits (sizes,
     * counts, depths) that keep a hostile file from exhausting memory.
     *
     * @param in      the saved graph's bytes
     * @param options the new graph's options; its fast math is the file's
     * @return the loaded graph
     * @throws IOException if the stream fails
     * @throws GraphFileException when the stream is not a saved graph this version can read, or a
     *                            parameter has no value in it
     */
    public static SavedGraph load(InputStream in, GraphOptions options) throws IOException {
        return load(in, options, ReadLimits.defaults());
    }

    /**
     * Reads a saved graph from {@code in} (left open) within {@code limits}.
     *
     * @param in      the saved graph's bytes
     * @param options the new graph's options; its fast math is the file's
     * @param limits  the most the reader accepts (sizes, counts, depths) before it refuses the input
     * @return the loaded graph
     * @throws IOException if the stream fails
     * @throws GraphFileException when the file is not a saved graph this version can read, or a
     *                            parameter has no value in it
     */
    static SavedGraph load(InputStream in, GraphOptions options, ReadLimits limits) throws IOException {
        if (in == null || options == null || limits == null) {
            throw new GraphException("load: the stream, options and limits must not be null");
        }
        Graph[] made = new Graph[1];
        Function<Arithmetic, dev.nabla.compiler.ir.NodeTable> table = arithmetic -> {
            made[0] = Graph.create(options.withFastMath(arithmetic == Arithmetic.FAST));
            return made[0].table();
        };
        try {
            LoadedGraph loaded = GraphReader.read(in, limits, table);
            for (var p : loaded.parameters().entrySet()) {
                TensorData v = loaded.values().get(p.getKey());
                if (v == null) {
                    throw new GraphFileException("graph file: parameter '" + p.getKey() + "' has no value; a graph"
                            + " saved with Graph.save or CompiledGraph.save holds every parameter's value");
                }
                made[0].initialValue(p.getValue(), NDArray.wrap(v.dtype(), v.shape(), v.storage()));
            }
            return new SavedGraph(made[0], loaded);
        } catch (IOException | RuntimeException e) {
            if (made[0] != null) {
                made[0].close();
            }
            throw e;
        }
    }

    // ---- saving (Graph.save, CompiledGraph.save) ----

    /** Writes to {@code file} through a temporary file beside it, so a failed save leaves no half file. */
    static void save(Path file, Graph graph, String op, List<Tensor> outputs, Function<Node, NDArray> values,
                     Options options) throws IOException {
        List<Node> nodes = checked(graph, op, outputs);
        if (file == null) {
            throw new GraphException(op + ": the file is null");
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                GraphWriter.write(out, nodes, n -> data(values.apply(n)), writerOptions(options));
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void save(OutputStream out, Graph graph, String op, List<Tensor> outputs, Function<Node, NDArray> values,
                     Options options) throws IOException {
        GraphWriter.write(out, checked(graph, op, outputs), n -> data(values.apply(n)), writerOptions(options));
    }

    /** The outputs of a save call, checked: at least one, none null, all of {@code graph}. */
    static List<Tensor> outputs(Tensor[] outputs) {
        return outputs == null ? null : Arrays.asList(outputs);
    }

    private static List<Node> checked(Graph graph, String op, List<Tensor> outputs) {
        if (outputs != null && outputs.isEmpty()) {
            throw new GraphException(op + ": name at least one output to save");
        }
        return graph.unwrapAll(op, outputs);
    }

    private static GraphWriter.Options writerOptions(Options options) {
        if (options == null) {
            throw new GraphException("save: the options are null; pass SavedGraph.Options.defaults()");
        }
        return GraphWriter.Options.defaults().withCustomAsPrimal(options.customAsPrimal());
    }

    private static TensorData data(NDArray value) {
        return value == null ? null : new TensorData(value.dtype(), value.shape(), value.storage());
    }

    // ---- the loaded graph ----

    /** {@return the graph the file was read into; closing this closes it} */
    public Graph graph() {
        return graph;
    }

    /** {@return the saved outputs, in the order they were saved} */
    public List<Tensor> outputs() {
        return outputs;
    }

    /**
     * {@return the saved output at an index}
     *
     * @param i its position among the outputs, from 0
     * @throws dev.nabla.core.NablaException.IndexException if there is no such output
     */
    public Tensor output(int i) {
        if (i < 0 || i >= outputs.size()) {
            throw new dev.nabla.core.NablaException.IndexException("output: " + i + " is not an output index; the"
                    + " graph was saved with " + outputs.size() + " outputs");
        }
        return outputs.get(i);
    }

    /** {@return the inputs by name, in the order they were declared} */
    public Map<String, Tensor> inputs() {
        return inputs;
    }

    /**
     * {@return the input of this name}
     *
     * @param name the input's name
     * @throws dev.nabla.core.NablaException.GraphException if there is no such input
     */
    public Tensor input(String name) {
        return named("input", inputs, name);
    }

    /** {@return the parameters by name, each holding the value saved with it} */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /**
     * {@return the parameter of this name}
     *
     * @param name the parameter's name
     * @throws dev.nabla.core.NablaException.GraphException if there is no such parameter
     */
    public Tensor parameter(String name) {
        return named("parameter", parameters, name);
    }

    /** {@return the custom functions that were saved as their primal values (see {@link Options})} */
    public List<String> customPrimals() {
        return customPrimals;
    }

    private static Tensor named(String op, Map<String, Tensor> byName, String name) {
        Tensor t = byName.get(name);
        if (t == null) {
            throw new GraphException(op + ": the saved graph has no " + op + " named '" + name + "'; it has "
                    + Arrays.toString(byName.keySet().toArray()));
        }
        return t;
    }

    /** Closes the loaded graph and every graph compiled from it. */
    @Override
    public void close() {
        graph.close();
    }
}

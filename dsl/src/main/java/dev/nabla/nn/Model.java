package dev.nabla.nn;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.DType;
import dev.nabla.io.SafeTensors;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer with its parameters in one graph: apply it to as many inputs as you like (a training
 * batch, a test set), in training or evaluation mode; the applications share the parameters.
 *
 * <pre>{@code
 * Model net = Model.create(g, Sequential.of(new Linear(64, 32), Layers.tanh(), new Linear(32, 10)), 42);
 * Tensor loss = Nabla.crossEntropy(net.forward(x), labels);
 * Tensor testLogits = net.evaluate(xTest);
 * }</pre>
 */
public final class Model {
    private final Graph graph;
    private final Layer layer;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final long seed;
    private final String name;
    private Tensor key;

    private Model(Graph graph, String name, Layer layer, DType dtype, long seed) {
        this.graph = graph;
        this.layer = layer;
        this.seed = seed;
        this.name = name;
        Declarations declarations = new Declarations();
        layer.declare(declarations);
        for (Declarations.Entry e : declarations.entries().values()) {
            // Each parameter draws with a seed of its own (the model's and its name): adding a layer
            // does not change the others' initial values.
            // In the graph a named model's parameters carry its name ("encoder/0.weight"), so that
            // several models can share a graph; the state dict keeps PyTorch's names.
            String inGraph = name == null ? e.name() : name + "/" + e.name();
            Tensor t;
            try {
                t = graph.parameter(inGraph, e.init().create(e.shape(), e.dtype() != null ? e.dtype() : dtype, seed * 0x9E3779B97F4A7C15L
                        + e.name().hashCode()));
            } catch (dev.nabla.core.NablaException.GraphException clash) {
                throw new dev.nabla.core.NablaException.GraphException(clash.getMessage() + (name == null
                        ? "; to put several models in one graph, name them: Model.create(graph, \"encoder\", layer, seed)"
                        : ""));
            }
            tensors.put(e.name(), t);
            (e.trainable() ? parameters : buffers).put(e.name(), t);
        }
    }

    /**
     * Declares {@code layer}'s parameters in {@code graph} as f32, initialized from {@code seed}.
     *
     * @param graph the graph to hold the parameters
     * @param layer the model's description
     * @param seed  the seed every parameter's own seed derives from
     * @return the model
     * @throws dev.nabla.core.NablaException.GraphException if a parameter's name is already taken in
     *         the graph (name the models to share a graph)
     */
    public static Model create(Graph graph, Layer layer, long seed) {
        return new Model(graph, null, layer, DType.F32, seed);
    }

    /**
     * Declares {@code layer}'s parameters in {@code graph} as {@code dtype}, initialized from
     * {@code seed}.
     *
     * @param graph the graph to hold the parameters
     * @param layer the model's description
     * @param dtype the parameters' element type (a buffer may declare its own)
     * @param seed  the seed every parameter's own seed derives from
     * @return the model
     * @throws dev.nabla.core.NablaException.GraphException if a parameter's name is already taken in
     *         the graph
     */
    public static Model create(Graph graph, Layer layer, DType dtype, long seed) {
        return new Model(graph, null, layer, dtype, seed);
    }

    /**
     * A model whose parameters are named {@code name/...} in the graph (their state dict names
     * stay PyTorch's): how several models share one graph. Its parameters are f32.
     *
     * @param graph the graph to hold the parameters
     * @param name  the prefix of its parameters' names in the graph
     * @param layer the model's description
     * @param seed  the seed every parameter's own seed derives from
     * @return the model
     * @throws dev.nabla.core.NablaException.GraphException if a parameter's name is already taken in
     *         the graph
     */
    public static Model create(Graph graph, String name, Layer layer, long seed) {
        return new Model(graph, name, layer, DType.F32, seed);
    }

    /**
     * A named model (see {@link #create(Graph, String, Layer, long)}) whose parameters are {@code dtype}.
     *
     * @param graph the graph to hold the parameters
     * @param name  the prefix of its parameters' names in the graph
     * @param layer the model's description
     * @param dtype the parameters' element type (a buffer may declare its own)
     * @param seed  the seed every parameter's own seed derives from
     * @return the model
     * @throws dev.nabla.core.NablaException.GraphException if a parameter's name is already taken in
     *         the graph
     */
    public static Model create(Graph graph, String name, Layer layer, DType dtype, long seed) {
        return new Model(graph, name, layer, dtype, seed);
    }

    /**
     * {@return the output for x in training mode (PyTorch's {@code model.train(); model(x)})}
     *
     * @param x the input
     */
    public Tensor forward(Tensor x) {
        return layer.forward(x, new Scope(this, "", true));
    }

    /**
     * {@return the output for x in evaluation mode (PyTorch's {@code model.eval(); model(x)})}
     *
     * @param x the input
     */
    public Tensor evaluate(Tensor x) {
        return layer.forward(x, new Scope(this, "", false));
    }

    /** {@return the trained parameters by PyTorch's names, in declaration order} */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** {@return the untrained state (running statistics) by name} */
    public Map<String, Tensor> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** {@return parameters and buffers by name, in declaration order: the keys of PyTorch's state_dict} */
    public Map<String, Tensor> stateDict() {
        return Collections.unmodifiableMap(tensors);
    }

    /** {@return the graph that holds the parameters} */
    public Graph graph() {
        return graph;
    }

    /**
     * {@return the current values of the state dict (trained ones once a trainer has stepped; see
     * {@link Graph#value}), by PyTorch's names: what {@code model.state_dict()} holds}
     */
    public Map<String, NDArray> values() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name, graph.value(t)));
        return out;
    }

    /**
     * Sets every parameter and buffer from {@code values} (PyTorch's {@code load_state_dict}, strict):
     * here and in every open compiled graph of the model's graph, a trainer's included. Floating
     * values are converted to the model's dtype; a missing or unexpected name, or another shape, is
     * an error that lists them, and nothing is changed then.
     *
     * @param values a value for every name of {@link #stateDict()}, and no other
     * @throws dev.nabla.core.NablaException.FeedException if the names, a shape or a kind of dtype
     *         do not match
     */
    public void load(Map<String, NDArray> values) {
        List<String> missing = new ArrayList<>();
        for (String name : tensors.keySet()) {
            if (!values.containsKey(name)) {
                missing.add(name);
            }
        }
        List<String> unexpected = values.keySet().stream().filter(k -> !tensors.containsKey(k)).toList();
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new FeedException("load: the state dict does not match the model" + (missing.isEmpty() ? ""
                    : "; missing: " + missing) + (unexpected.isEmpty() ? "" : "; unexpected: " + unexpected));
        }
        Map<Tensor, NDArray> converted = new LinkedHashMap<>();
        tensors.forEach((name, t) -> converted.put(t, StateValues.convert("load", name, values.get(name), t)));
        converted.forEach(graph::setValue);
    }

    /**
     * Writes {@link #values()} as a safetensors file that {@code safetensors.torch.load_file} reads.
     *
     * @param path the file to write
     * @throws IOException if the file cannot be written
     */
    public void save(Path path) throws IOException {
        SafeTensors.write(path, values(), Map.of("format", "pt"));
    }

    /**
     * Loads a safetensors state dict (one PyTorch saved, say) into the model, as {@link #load(Map)}.
     *
     * @param path the file to read
     * @throws IOException if the file cannot be read
     * @throws dev.nabla.core.NablaException if the file is not safetensors or does not fit the model
     */
    public void load(Path path) throws IOException {
        load(SafeTensors.read(path).tensors());
    }

    /**
     * The model's random key (for dropout): a {@link Graph#keyState} made on first use, which a
     * trainer advances after every step, so each step draws new masks.
     */
    synchronized Tensor key() {
        if (key == null) {
            key = graph.keyState(name == null ? "key" : name + "/key", seed);
        }
        return key;
    }

    Map<String, Tensor> tensors() {
        return tensors;
    }
}

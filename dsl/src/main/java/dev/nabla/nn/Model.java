package dev.nabla.nn;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.compiler.ir.DType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A module with its parameters in one graph: apply it to as many inputs as you like (a training
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
    private final Module module;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();

    private Model(Graph graph, Module module, DType dtype, long seed) {
        this.graph = graph;
        this.module = module;
        Declarations declarations = new Declarations();
        module.declare(declarations);
        for (Declarations.Entry e : declarations.entries().values()) {
            // Each parameter draws from a generator of its own (seed and name): adding a layer does
            // not change the others' initial values.
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e.name().hashCode());
            Tensor t = graph.parameter(e.name(), e.init().create(e.shape(), dtype, random));
            tensors.put(e.name(), t);
            (e.trainable() ? parameters : buffers).put(e.name(), t);
        }
    }

    /** Declares {@code module}'s parameters in {@code graph} as f32, initialized from {@code seed}. */
    public static Model create(Graph graph, Module module, long seed) {
        return new Model(graph, module, DType.F32, seed);
    }

    public static Model create(Graph graph, Module module, DType dtype, long seed) {
        return new Model(graph, module, dtype, seed);
    }

    /** The output for x in training mode (PyTorch's {@code model.train(); model(x)}). */
    public Tensor forward(Tensor x) {
        return module.forward(x, new Scope(this, "", true));
    }

    /** The output for x in evaluation mode (PyTorch's {@code model.eval(); model(x)}). */
    public Tensor evaluate(Tensor x) {
        return module.forward(x, new Scope(this, "", false));
    }

    /** The trained parameters by PyTorch's names, in declaration order. */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** The untrained state (running statistics) by name. */
    public Map<String, Tensor> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** Parameters and buffers by name, in declaration order: the keys of PyTorch's state_dict. */
    public Map<String, Tensor> stateDict() {
        return Collections.unmodifiableMap(tensors);
    }

    public Graph graph() {
        return graph;
    }

    Map<String, Tensor> tensors() {
        return tensors;
    }
}

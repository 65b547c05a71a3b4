package dev.nabla;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A computation over inputs whose shapes vary ({@link InputSpec#dynamic}), built again for each
 * new combination of concrete shapes, as JAX's jit traces a function once per shape. The rule:
 * one graph (and, once run, one compiled program) per distinct combination of shapes, kept for
 * the life of this object; an epoch with a partial last batch builds two, whatever its length.
 * The first combination, the specs' own shapes, is traced at once. A shape an op cannot take fails
 * when it is first fed, with the op's usual error, and again the same way if fed again.
 *
 * <pre>{@code
 * Traced<Tensor> predict = Traced.of(g, List.of(InputSpec.f32("x", 64, 784).dynamic(0)),
 *         in -> net.evaluate(in.get(0)));
 * NDArray logits = compiled.eval(predict, images);   // any number of rows
 * }</pre>
 *
 * @param <T> what the body builds: a tensor, or any value holding tensors
 */
public final class Traced<T> {
    private final Graph graph;
    private final List<InputSpec> specs;
    private final Function<List<Tensor>, T> body;
    private final Map<List<Shape>, Variant<T>> variants = new LinkedHashMap<>();
    private final Map<List<Shape>, RuntimeException> failures = new HashMap<>();

    /**
     * The graph built for one combination of shapes: its inputs, in the specs' order, and what the body made.
     *
     * @param <T>    what the body builds
     * @param inputs the inputs of this combination of shapes, in the specs' order
     * @param result what the body built from them
     */
    public record Variant<T>(List<Tensor> inputs, T result) {
        /**
         * {@return the feeds for {@code values}, given in the specs' order}
         *
         * @param values one value per input, in the specs' order
         */
        public Map<Tensor, NDArray> feeds(NDArray... values) {
            Map<Tensor, NDArray> feeds = new HashMap<>(values.length * 2);
            for (int i = 0; i < values.length; i++) {
                feeds.put(inputs.get(i), values[i]);
            }
            return feeds;
        }
    }

    private Traced(Graph graph, List<InputSpec> specs, Function<List<Tensor>, T> body) {
        this.graph = graph;
        this.specs = List.copyOf(specs);
        this.body = body;
    }

    /**
     * {@return a traced computation: {@code body} traced over inputs of the specs' shapes now, and over other shapes when fed them}
     *
     * @param <T>   what the body builds
     * @param graph the graph to build in
     * @param specs the inputs' names, dtypes and shapes, with the axes that may vary
     * @param body  builds the computation from one input per spec, in order
     * @throws dev.nabla.core.NablaException if an argument is null, or the body fails on the specs' shapes
     */
    public static <T> Traced<T> of(Graph graph, List<InputSpec> specs, Function<List<Tensor>, T> body) {
        if (graph == null || specs == null || body == null) {
            throw new NablaException("Traced.of: the graph, the input specs and the body must not be null");
        }
        Traced<T> traced = new Traced<>(graph, specs, body);
        traced.variant(specs.stream().map(InputSpec::shape).toList());
        return traced;
    }

    /** {@return the variant traced with the specs' own shapes} */
    public synchronized Variant<T> first() {
        return variants.values().iterator().next();
    }

    /**
     * {@return the variant for the shapes of {@code values} (in the specs' order), traced if new}
     *
     * @param values one value per input spec, in order
     * @throws dev.nabla.core.NablaException.FeedException if the number of values, a dtype or a fixed
     *         axis does not fit the specs
     */
    public Variant<T> variant(NDArray... values) {
        if (values.length != specs.size()) {
            throw new FeedException("run: expected " + specs.size() + " values (" + specs.stream().map(InputSpec::name)
                    .toList() + "), got " + values.length);
        }
        List<Shape> shapes = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            InputSpec spec = specs.get(i);
            NDArray v = values[i];
            if (v == null) {
                throw new FeedException("run: input '" + spec.name() + "' is given null; pass an NDArray of " + spec.dtype()
                        + spec.pattern());
            }
            if (v.dtype() != spec.dtype() || !spec.accepts(v.shape())) {
                throw new FeedException("run: input '" + spec.name() + "' expects " + spec.dtype() + spec.pattern()
                        + " ('*' takes any size), got " + v.dtype() + v.shape());
            }
            shapes.add(v.shape());
        }
        return variant(shapes);
    }

    /** {@return how many combinations of shapes have been traced: the number of programs this computation has} */
    public synchronized int size() {
        return variants.size();
    }

    private synchronized Variant<T> variant(List<Shape> shapes) {
        Variant<T> known = variants.get(shapes);
        if (known != null) {
            return known;
        }
        RuntimeException failed = failures.get(shapes);
        if (failed != null) {
            throw failed;
        }
        try {
            List<Tensor> inputs = new ArrayList<>(specs.size());
            for (int i = 0; i < specs.size(); i++) {
                InputSpec spec = specs.get(i);
                inputs.add(graph.input(variants.isEmpty() ? spec.name() : spec.name() + "@" + dimsOf(shapes.get(i)),
                        spec.dtype(), shapes.get(i).dims()));
            }
            Variant<T> v = new Variant<>(List.copyOf(inputs), body.apply(List.copyOf(inputs)));
            variants.put(List.copyOf(shapes), v);
            return v;
        } catch (RuntimeException e) {
            failures.put(List.copyOf(shapes), e);
            throw e;
        }
    }

    private static String dimsOf(Shape s) {
        StringBuilder b = new StringBuilder();
        for (int a = 0; a < s.rank(); a++) {
            b.append(a == 0 ? "" : "x").append(s.dim(a));
        }
        return b.toString();
    }

    Graph graph() {
        return graph;
    }
}

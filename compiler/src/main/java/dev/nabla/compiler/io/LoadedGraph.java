package dev.nabla.compiler.io;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import java.util.List;
import java.util.Map;

/**
 * A saved graph as read: its nodes live in {@code table}; the outputs in the order they were
 * saved; the declared inputs and parameters by name, in file order; the parameters' values the
 * file holds, by name; and the custom functions that were saved as their primal values.
 */
public record LoadedGraph(NodeTable table, List<Node> outputs, Map<String, Node> inputs, Map<String, Node> parameters,
                          Map<String, TensorData> values, List<String> customPrimals) {
    public LoadedGraph {
        outputs = List.copyOf(outputs);
        inputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
        parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
        customPrimals = List.copyOf(customPrimals);
    }
}

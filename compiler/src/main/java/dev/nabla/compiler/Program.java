package dev.nabla.compiler;

import dev.nabla.compiler.autodiff.GraphWalk;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.List;

/**
 * What a backend compiles: the outputs asked for and only the nodes they need (dead-code
 * elimination), in topological order, with the inputs to feed and the parameters to hold.
 */
public record Program(List<Node> outputs, List<Node> nodes, List<Node> inputs, List<Node> parameters) {
    public Program {
        outputs = List.copyOf(outputs);
        nodes = List.copyOf(nodes);
        inputs = List.copyOf(inputs);
        parameters = List.copyOf(parameters);
    }

    public static Program of(List<Node> outputs) {
        if (outputs.isEmpty()) {
            throw new NablaException("compile: name at least one output");
        }
        for (Node o : outputs) {
            if (o.table() != outputs.get(0).table()) {
                throw new NablaException.GraphException("compile: outputs " + outputs.get(0).describe() + " and "
                        + o.describe() + " belong to different graphs");
            }
        }
        List<Node> live = GraphWalk.ancestors(outputs);
        return new Program(outputs, live,
                live.stream().filter(n -> n.op() instanceof Op.Input).toList(),
                live.stream().filter(n -> n.op() instanceof Op.Parameter).toList());
    }
}

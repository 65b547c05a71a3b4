package dev.nabla.compiler;

import dev.nabla.core.NablaException;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.autodiff.GraphWalk;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a backend compiles: the outputs asked for, the parameter updates to apply after a run
 * (a training step's new weights and optimizer state), and only the nodes those need (dead-code
 * elimination), in topological order, with the inputs to feed and the parameters to hold.
 */
public record Program(List<Node> outputs, List<Update> updates, List<Node> nodes, List<Node> inputs,
                      List<Node> parameters) {

    /** After a run, {@code parameter} takes the value {@code value} had in that run. */
    public record Update(Node parameter, Node value) {
        public Update {
            if (!(parameter.op() instanceof Op.Parameter)) {
                throw new GraphException("update: only parameters can be updated, not " + parameter.describe());
            }
            if (!value.shape().equals(parameter.shape()) || value.dtype() != parameter.dtype()) {
                throw new GraphException("update: the new value " + value.describe() + " of parameter "
                        + parameter.describe() + " must keep its shape and dtype");
            }
        }
    }

    public Program {
        outputs = List.copyOf(outputs);
        updates = List.copyOf(updates);
        nodes = List.copyOf(nodes);
        inputs = List.copyOf(inputs);
        parameters = List.copyOf(parameters);
    }

    public static Program of(List<Node> outputs) {
        return of(outputs, List.of());
    }

    public static Program of(List<Node> outputs, List<Update> updates) {
        if (outputs.isEmpty() && updates.isEmpty()) {
            throw new NablaException("compile: name at least one output or update");
        }
        List<Node> roots = new ArrayList<>(outputs);
        Set<Node> updated = new HashSet<>();
        for (Update u : updates) {
            if (!updated.add(u.parameter())) {
                throw new GraphException("update: parameter " + u.parameter().describe() + " is updated twice");
            }
            roots.add(u.parameter());
            roots.add(u.value());
        }
        for (Node o : roots) {
            if (o.table() != roots.get(0).table()) {
                throw new GraphException("compile: " + roots.get(0).describe() + " and " + o.describe()
                        + " belong to different graphs");
            }
        }
        // In building order, as a program reads best (and its parameters keep their order).
        List<Node> live = new ArrayList<>(GraphWalk.ancestors(roots));
        live.sort(java.util.Comparator.comparingInt(Node::id));
        return new Program(outputs, updates, live,
                live.stream().filter(n -> n.op() instanceof Op.Input).toList(),
                live.stream().filter(n -> n.op() instanceof Op.Parameter).toList());
    }

    /**
     * A program of {@code results} over {@code inputs}, which may be any nodes (a loop body's
     * parameters, outer values it captured): the walk stops at them, so what lies behind them
     * is not part of the program.
     */
    public static Program over(List<Node> inputs, List<Node> results) {
        Set<Node> seen = new HashSet<>(inputs);
        java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>(results);
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (seen.add(n)) {
                todo.addAll(n.inputs());
            }
        }
        List<Node> nodes = new ArrayList<>(seen);
        nodes.sort(java.util.Comparator.comparingInt(Node::id));
        return new Program(results, List.of(), nodes, inputs, List.of());
    }

    /** The nodes whose values a run returns: the outputs, then each update's new value. */
    public List<Node> results() {
        List<Node> r = new ArrayList<>(outputs);
        updates.forEach(u -> r.add(u.value()));
        return r;
    }
}

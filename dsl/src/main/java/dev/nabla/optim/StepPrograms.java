package dev.nabla.optim;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.RandomOps;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds what one training step assigns for a loss: each parameter's update by its group's rule,
 * the running statistics of the forward passes the loss uses, and the next random keys. A trainer
 * over inputs of varying shape builds one per shape; all share one set of optimizer state (the
 * moments, step counts and learning rates are made once, by name).
 */
final class StepPrograms {
    /** A group's optimizer, its parameters and each one's learning-rate tensor. */
    record Group(Optimizer optimizer, List<Tensor> params, List<Tensor> lrs) {}

    private final Graph graph;
    private final String prefix;
    private final List<Group> groups;
    private final Double clipNorm;
    private final Double clipValue;
    /** Optimizer state by its name in the graph: one tensor whichever step program asks. */
    private final Map<String, Tensor> state = new HashMap<>();

    StepPrograms(Graph graph, String prefix, List<Group> groups, Double clipNorm, Double clipValue) {
        this.graph = graph;
        this.prefix = prefix;
        this.groups = groups;
        this.clipNorm = clipNorm;
        this.clipValue = clipValue;
    }

    /** The parameter assignments of one step minimizing {@code loss}. */
    Map<Tensor, Tensor> assignments(Tensor loss) {
        List<Tensor> all = parameters();
        Map<Tensor, Tensor> assignments = updates(loss.grad(all));
        addStepAssignments(loss, new HashSet<>(all), assignments);
        // Each step draws from its key states and leaves the next key in their place: fresh
        // randomness every step from one compiled program.
        for (Node p : Program.of(List.of(loss.node())).parameters()) {
            Tensor key = new Tensor(graph, p);
            if (graph.isKeyState(key)) {
                assignments.put(key, new Tensor(graph, RandomOps.next(p)));
            }
        }
        return assignments;
    }

    /** Every group's parameters, in group order: the order {@link #updates} takes their gradients in. */
    List<Tensor> parameters() {
        return groups.stream().flatMap(g -> g.params().stream()).toList();
    }

    /**
     * Each parameter's update by its group's rule from its gradient (clipped first, if asked), and
     * the optimizer state the rules assign; {@code grads} follow {@link #parameters()}.
     */
    Map<Tensor, Tensor> updates(List<Tensor> grads) {
        List<Tensor> clipped = GradientClipping.apply(grads, clipNorm, clipValue);
        Map<Tensor, Tensor> assignments = new LinkedHashMap<>();
        int k = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            Group g = groups.get(gi);
            for (int i = 0; i < g.params().size(); i++) {
                Tensor p = g.params().get(i);
                String name = prefix + "/group" + gi + "/" + p.node().variableName();
                UpdateRules.apply(g.optimizer(), new ParamSlot(p, clipped.get(k++), g.lrs().get(i), name, assignments, state));
            }
        }
        return assignments;
    }

    /**
     * State the graph assigns at each step (running statistics), unless an optimizer trains it:
     * the assignments made by the forward passes this loss uses (the statistics of another model's
     * forward pass in the same graph are that model's trainer's to update).
     */
    private void addStepAssignments(Tensor loss, Set<Tensor> trained, Map<Tensor, Tensor> assignments) {
        Program lossProgram = Program.of(List.of(loss.node()));
        Set<Node> lossNodes = new HashSet<>(lossProgram.nodes());
        Set<Node> lossInputs = new HashSet<>(lossProgram.inputs());
        for (Graph.StepAssignment a : graph.stepAssignments()) {
            boolean used = a.whenUsed() != null ? lossNodes.contains(a.whenUsed().node())
                    : lossInputs.containsAll(Program.of(List.of(a.next().node())).inputs());
            if (!used || trained.contains(a.state())) {
                continue;
            }
            if (assignments.putIfAbsent(a.state(), a.next()) != null) {
                throw new NablaException("minimize: " + a.state().node().describe() + " gets a new value twice in one"
                        + " step: the loss uses two forward passes (in training mode) that update it; a step assigns"
                        + " state once");
            }
        }
    }
}

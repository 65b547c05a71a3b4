package dev.nabla.compiler;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A program's structure without its identity: two programs with equal keys compute the same
 * function of their inputs and parameters (taken in order), whatever graph they were built in
 * and whatever their variables are called. Backends cache compiled code by it.
 */
public record StructuralKey(List<Object> entries) {
    /** One node: its op (variables reduced to their kind and position), operand positions, type. */
    private record Entry(Object op, List<Integer> operands, Object shape, Object dtype) {}

    public static StructuralKey of(Program program) {
        Map<Node, Integer> position = new HashMap<>();
        Map<Node, Integer> variableIndex = new HashMap<>();
        Map<Node, Integer> inputIndex = new HashMap<>();
        for (int i = 0; i < program.inputs().size(); i++) {
            inputIndex.put(program.inputs().get(i), i);
        }
        for (int i = 0; i < program.parameters().size(); i++) {
            variableIndex.put(program.parameters().get(i), i);
        }
        List<Object> entries = new ArrayList<>();
        for (Node n : program.nodes()) {
            position.put(n, position.size());
            // A loop body's inputs may be any node (an outer value it captured): position is what counts.
            Integer inputPosition = inputIndex.get(n);
            Object op = inputPosition != null ? "input " + inputPosition : switch (n.op()) {
                case Op.Input i -> "input " + variableIndex.get(n);
                case Op.Parameter p -> "parameter " + variableIndex.get(n);
                case Op.Loop(var body, int output) -> List.of("loop", output, body.structure());
                case Op.Cond(var branches, int output) -> List.of("cond", output, branches.structure());
                // At run time a custom node is its primal's value; its rule (which may hold on to a
                // graph) plays no part, so it stays out of keys that backends cache.
                case Op.Custom c -> "custom";
                default -> n.op();
            };
            List<Integer> operands = inputPosition != null ? List.of()
                    : n.inputs().stream().map(position::get).toList();
            entries.add(new Entry(op, operands, n.shape(), n.dtype()));
        }
        entries.add(program.outputs().stream().map(position::get).toList());
        entries.add(program.updates().stream()
                .map(u -> List.of(position.get(u.parameter()), position.get(u.value()))).toList());
        return new StructuralKey(List.copyOf(entries));
    }
}

package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.StructuralKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The branches of a conditional: functions of the same parameters (the outer values they read,
 * {@link #captured}) that return results of the same shapes and dtypes. Identity is equality, as
 * for {@link LoopBody}; backends key compiled code by {@link #structure()}.
 */
public final class CondBranches {
    private final List<Node> captured;
    private final List<List<Node>> results;
    private List<Program> programs;
    private Object structure;

    public CondBranches(List<Node> captured, List<List<Node>> results) {
        this.captured = List.copyOf(captured);
        this.results = results.stream().map(List::copyOf).toList();
        check();
    }

    private void check() {
        if (results.size() < 2) {
            throw new GraphException("cond: needs at least two branches, got " + results.size());
        }
        List<Node> first = results.get(0);
        if (first.isEmpty()) {
            throw new GraphException("cond: a branch must return at least one value");
        }
        for (int b = 1; b < results.size(); b++) {
            List<Node> r = results.get(b);
            if (r.size() != first.size()) {
                throw new GraphException("cond: branch 0 returns " + first.size() + " values but branch " + b
                        + " returns " + r.size());
            }
            for (int i = 0; i < r.size(); i++) {
                if (!r.get(i).shape().equals(first.get(i).shape()) || r.get(i).dtype() != first.get(i).dtype()) {
                    throw new ShapeException("cond: result " + i + " is " + first.get(i).dtype() + first.get(i).shape()
                            + " in branch 0 but " + r.get(i).describe() + " in branch " + b
                            + "; every branch returns the same shapes and dtypes");
                }
            }
        }
        Set<Node> params = new HashSet<>(captured);
        for (Program p : programs()) {
            for (Node n : p.nodes()) {
                if (n.isVariable() && !params.contains(n)) {
                    throw new GraphException("cond: a branch reads " + n.describe() + " without capturing it");
                }
            }
        }
    }

    /** The outer values the branches read: their parameters. */
    public List<Node> captured() {
        return captured;
    }

    public int branchCount() {
        return results.size();
    }

    /** Branch b's results. */
    public List<Node> results(int b) {
        return results.get(b);
    }

    public int outputCount() {
        return results.get(0).size();
    }

    public Shape outputShape(int output) {
        return results.get(0).get(output).shape();
    }

    public DType outputDType(int output) {
        return results.get(0).get(output).dtype();
    }

    /** Which branch an index selects: clamped to the branches, as JAX's switch does. */
    public int select(double index) {
        return (int) Math.max(0, Math.min(results.size() - 1, index));
    }

    /** Each branch as a program over {@link #captured()}. */
    public synchronized List<Program> programs() {
        if (programs == null) {
            programs = results.stream().map(r -> Program.over(captured, r)).toList();
        }
        return programs;
    }

    /** What the branches compute, without their nodes (see {@link LoopBody#structure()}). */
    public synchronized Object structure() {
        if (structure == null) {
            structure = List.of("cond", programs().stream().map(StructuralKey::of).toList());
        }
        return structure;
    }

    @Override
    public String toString() {
        return "cond[" + results.size() + " branches]";
    }
}

package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A program with loops or conditionals cut where they are: loop-free stages, each a program of
 * its own (one task graph), and between them the loops and conditionals, which run on the host.
 * A random draw is cut out the same way, a family of one: the host computes it with the very
 * code the other backends run ({@link dev.nabla.compiler.random.Draws}), so every backend gives
 * the same bits.
 * Stage s runs before family s (a family: every output of one loop or conditional run); the
 * last stage computes the program's outputs and its updates. A node is computed once, in the
 * latest stage that can (so values cross stages only where a later part reads them); a stage's
 * inputs are the program's inputs and parameters, families' outputs and earlier stages' outputs
 * that it reads. Constants are copied into every stage that reads them.
 */
final class ProgramStages {
    private ProgramStages() {}

    /**
     * One loop or conditional run: the loop body to run (the {@link LoopBody#history} where the
     * program reads it too), the branches, or the random node; the nodes of its inputs; its outputs
     * the program reads.
     */
    record Family(LoopBody loop, CondBranches branches, Node random, List<Node> inputs, List<Node> members) {}

    /** {@code families.size() + 1} stages, null where a stage has nothing to compute; the last is never null. */
    record Plan(List<Program> stages, List<Family> families) {}

    /** Whether the program computes a loop, conditional or random draw (one it takes as an input does not count). */
    static boolean hasControlFlow(Program program) {
        Set<Node> bound = new HashSet<>(program.inputs());
        bound.addAll(program.parameters());
        return program.nodes().stream().anyMatch(n -> !bound.contains(n) && isFamilyMember(n));
    }

    /** Which output of its loop or conditional a family member is. */
    static int output(Node member) {
        return switch (member.op()) {
            case Op.Loop(var body, int output) -> output;
            case Op.Cond(var branches, int output) -> output;
            case Op.Random r -> 0;
            default -> throw new IllegalArgumentException(member.describe() + " is no loop or conditional output");
        };
    }

    static Plan of(Program program) {
        Set<Node> known = new HashSet<>(program.inputs());
        known.addAll(program.parameters());
        List<Node> needed = needed(program.results(), known);
        List<Family> families = families(needed);
        Map<Node, Integer> familyOf = new HashMap<>();
        for (int f = 0; f < families.size(); f++) {
            for (Node m : families.get(f).members()) {
                familyOf.put(m, f);
            }
        }
        int last = families.size();
        Map<Node, Integer> stage = stages(program, needed, known, families, familyOf);
        List<Set<Node>> computed = new ArrayList<>();
        List<Set<Node>> liveOut = new ArrayList<>();
        for (int s = 0; s <= last; s++) {
            computed.add(byId());
            liveOut.add(byId());
        }
        stage.forEach((n, s) -> computed.get(s).add(n));
        for (Node c : stage.keySet()) {
            for (Node in : valueInputs(c)) {
                if (stage.containsKey(in) && stage.get(in) < stage.get(c)) {
                    liveOut.get(stage.get(in)).add(in);
                }
            }
        }
        for (Family f : families) {
            for (Node in : f.inputs()) {
                if (stage.containsKey(in)) {
                    liveOut.get(stage.get(in)).add(in);
                }
            }
        }
        for (Node r : program.results()) {
            if (stage.containsKey(r) && stage.get(r) < last) {
                liveOut.get(stage.get(r)).add(r);
            }
        }
        List<Program> stages = new ArrayList<>();
        for (int s = 0; s < last; s++) {
            stages.add(computed.get(s).isEmpty() ? null
                    : stage(program, List.copyOf(liveOut.get(s)), List.of(), computed.get(s)));
        }
        stages.add(stage(program, program.outputs(), program.updates(), computed.get(last)));
        return new Plan(stages, families);
    }

    /** The nodes the results are computed from, back to the known values (not included), by id. */
    private static List<Node> needed(List<Node> results, Set<Node> known) {
        Set<Node> seen = new HashSet<>();
        ArrayDeque<Node> todo = new ArrayDeque<>(results);
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!known.contains(n) && seen.add(n)) {
                todo.addAll(valueInputs(n));
            }
        }
        return seen.stream().sorted(Comparator.comparingInt(Node::id)).toList();
    }

    /**
     * The loops and conditionals among the needed nodes, in the order of their first output
     * (node ids are a topological order: so is this). A loop and its history over the same
     * inputs are one family, as in lowering: where outputs past the plain loop's are read, only
     * the history runs, and its outputs begin with the plain loop's.
     */
    private static List<Family> families(List<Node> needed) {
        Map<List<Object>, List<Node>> members = new LinkedHashMap<>();
        for (Node n : needed) {
            Object body = switch (n.op()) {
                case Op.Loop(var b, int output) -> b.base() != null ? b.base() : b;
                case Op.Cond(var b, int output) -> b;
                case Op.Random r -> n;
                default -> null;
            };
            if (body != null) {
                members.computeIfAbsent(List.of(body, n.inputs()), k -> new ArrayList<>()).add(n);
            }
        }
        List<Family> families = new ArrayList<>();
        for (List<Node> m : members.values()) {
            Node first = m.get(0);
            if (first.op() instanceof Op.Random) {
                families.add(new Family(null, null, first, first.inputs(), List.copyOf(m)));
                continue;
            }
            if (first.op() instanceof Op.Cond(var branches, int output)) {
                families.add(new Family(null, branches, null, first.inputs(), List.copyOf(m)));
                continue;
            }
            LoopBody body = ((Op.Loop) first.op()).body();
            LoopBody plain = body.base() != null ? body.base() : body;
            // As in lowering: the history runs only for outputs past the plain loop's.
            boolean history = m.stream().anyMatch(n -> ((Op.Loop) n.op()).output() >= plain.outputCount());
            families.add(new Family(history ? plain.history() : plain, null, null, first.inputs(), List.copyOf(m)));
        }
        return families;
    }

    /**
     * The stage of each node computed in a stage: the earliest of what reads it (a node in stage
     * s, family s, or a result: the last stage). Checked against the earliest it can be: after
     * every family it depends on.
     */
    private static Map<Node, Integer> stages(Program program, List<Node> needed, Set<Node> known,
                                             List<Family> families, Map<Node, Integer> familyOf) {
        Map<Node, Integer> stage = new HashMap<>();
        for (Node r : program.results()) {
            if (isComputed(r, known)) {
                stage.put(r, families.size());
            }
        }
        for (Node n : needed.reversed()) {
            Integer s = isComputed(n, known) ? stage.get(n) : familyOf.get(n);
            if (s == null) {
                continue;
            }
            for (Node in : valueInputs(n)) {
                if (isComputed(in, known)) {
                    stage.merge(in, s, Math::min);
                }
            }
        }
        Map<Node, Integer> earliest = new HashMap<>();
        for (Node n : needed) {
            int e = 0;
            for (Node in : valueInputs(n)) {
                e = Math.max(e, familyOf.containsKey(in) ? familyOf.get(in) + 1 : earliest.getOrDefault(in, 0));
            }
            earliest.put(n, e);
            int at = isComputed(n, known) ? stage.get(n) : familyOf.getOrDefault(n, e);
            if (at < e) {
                throw new IllegalStateException("tornadovm: " + n.describe() + " is needed before the loop or"
                        + " conditional it depends on runs");
            }
        }
        return stage;
    }

    /** A stage's program: its nodes, and what they read from outside the stage as inputs and parameters. */
    private static Program stage(Program program, List<Node> outputs, List<Program.Update> updates, Set<Node> computed) {
        Set<Node> nodes = byId();
        Set<Node> outside = byId();
        List<Node> reads = new ArrayList<>(outputs);
        for (Program.Update u : updates) {
            reads.add(u.parameter());
            reads.add(u.value());
        }
        for (Node c : computed) {
            nodes.add(c);
            reads.addAll(valueInputs(c));
        }
        for (Node r : reads) {
            if (!computed.contains(r)) {
                nodes.add(r);
                if (!(r.op() instanceof Op.Constant)) {
                    outside.add(r);
                }
            }
        }
        Set<Node> parameterSet = new HashSet<>(program.parameters());
        List<Node> inputs = outside.stream().filter(n -> !parameterSet.contains(n)).toList();
        List<Node> parameters = program.parameters().stream().filter(outside::contains).toList();
        return new Program(outputs, updates, List.copyOf(nodes), inputs, parameters);
    }

    /** Whether a stage computes n: not a known value, a constant, or a loop's or conditional's output. */
    private static boolean isComputed(Node n, Set<Node> known) {
        return !known.contains(n) && !(n.op() instanceof Op.Constant) && !isFamilyMember(n);
    }

    private static boolean isFamilyMember(Node n) {
        return n.op() instanceof Op.Loop || n.op() instanceof Op.Cond || n.op() instanceof Op.Random;
    }

    /** What n's value is computed from: a custom node's is its primal's alone (as lowering has it). */
    private static List<Node> valueInputs(Node n) {
        return n.op() instanceof Op.Custom ? List.of(n.input(0)) : n.inputs();
    }

    private static Set<Node> byId() {
        return new TreeSet<>(Comparator.comparingInt(Node::id));
    }
}

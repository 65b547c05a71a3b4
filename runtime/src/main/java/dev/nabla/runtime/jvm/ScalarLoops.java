package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ops;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loops of scalars in generated straight-line code: a real loop in the bytecode, its carries in
 * locals, its body's nodes emitted once inside it, each rounded to its dtype as everywhere else.
 * So the seed's thousands of SGD steps are one method's loop, a few nanoseconds a step.
 */
final class ScalarLoops {
    /** A body larger than this runs through the loop runner instead: the whole loop is one method. */
    static final int MAX_BODY_NODES = 512;

    private ScalarLoops() {}

    /** Whether the loop carries only scalars, stacks nothing, and its body is all scalars. */
    static boolean accepts(LoopBody body) {
        if (!body.xs().isEmpty() || !body.ys().isEmpty()) {
            return false;
        }
        List<Program> programs = new ArrayList<>(List.of(body.program()));
        if (body.isWhile()) {
            programs.add(body.conditionProgram());
        }
        int nodes = 0;
        for (Program p : programs) {
            nodes += p.nodes().size();
            for (Node n : p.nodes()) {
                if (p.inputs().contains(n)) {
                    if (n.shape().size() != 1) {
                        return false;
                    }
                    continue;
                }
                boolean scalar = n.shape().size() == 1 && n.inputs().stream().allMatch(in -> in.shape().size() == 1);
                if (!scalar || n.op() instanceof Op.MatMul || n.op() instanceof Op.Concat || n.op() instanceof Op.Pad
                        || n.op() instanceof Op.Loop || n.op() instanceof Op.Cond) {
                    return false;
                }
            }
        }
        return nodes <= MAX_BODY_NODES;
    }

    /** Whether n is the first output of its loop that the program computes: the one that runs it. */
    static boolean isFirst(Node n, Set<Node> inProgram) {
        for (Node m : Ops.family(n)) {
            if (m != n && m.id() < n.id() && inProgram.contains(m)) {
                return false;
            }
        }
        return true;
    }

    /** The outputs of n's loop that the program computes besides n. */
    static List<Node> siblings(Node n, Program program) {
        List<Node> out = new ArrayList<>();
        for (Node m : Ops.family(n)) {
            if (m != n && program.nodes().contains(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Emits the loop over the values in {@code inputLocals} (the loop node's inputs: initial
     * carries, then captured values) and returns the locals that hold the final carries.
     * {@code next} is the next free local slot, advanced past those this uses.
     */
    static List<Integer> emit(CodeBuilder code, LoopBody body, List<Integer> inputLocals, int[] next) {
        int nc = body.carries().size();
        Map<Node, Integer> local = new HashMap<>();
        List<Integer> carries = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            int c = take(next, 2);
            code.dload(inputLocals.get(i)).dstore(c);
            carries.add(c);
            local.put(body.carries().get(i), c);
        }
        for (int k = 0; k < body.captured().size(); k++) {
            local.put(body.captured().get(k), inputLocals.get(nc + k));
        }
        int counter = take(next, 1);
        int index = take(next, 2);
        local.put(body.index(), index);
        code.iconst_0().istore(counter);
        Label top = code.newLabel();
        Label end = code.newLabel();
        code.labelBinding(top);
        if (body.length() >= 0) {
            code.iload(counter).ldc(body.length()).if_icmpge(end);
        }
        if (body.reverse()) {
            code.ldc(body.length() - 1).iload(counter).isub().i2d().dstore(index);
        } else {
            code.iload(counter).i2d().dstore(index);
        }
        if (body.isWhile()) {
            Map<Node, Integer> test = new HashMap<>(local);
            nodes(code, body.conditionProgram(), test, next);
            code.dload(test.get(body.condition())).dconst_0().dcmpl().ifeq(end);
        }
        Map<Node, Integer> step = new HashMap<>(local);
        nodes(code, body.program(), step, next);
        // Through temporaries: a new carry may be another carry's old value (a swap).
        List<Integer> temporaries = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            int t = take(next, 2);
            code.dload(step.get(body.newCarries().get(i))).dstore(t);
            temporaries.add(t);
        }
        for (int i = 0; i < nc; i++) {
            code.dload(temporaries.get(i)).dstore(carries.get(i));
        }
        code.iinc(counter, 1).goto_(top);
        code.labelBinding(end);
        return carries;
    }

    /** The program's computed nodes into fresh locals (its inputs are in {@code local} already). */
    private static void nodes(CodeBuilder code, Program p, Map<Node, Integer> local, int[] next) {
        for (Node n : p.nodes()) {
            if (local.containsKey(n)) {
                continue;
            }
            int slot = take(next, 2);
            ScalarCodegen.emit(code, n, local);
            ScalarCodegen.round(code, n.dtype());
            code.dstore(slot);
            local.put(n, slot);
        }
    }

    private static int take(int[] next, int slots) {
        int s = next[0];
        next[0] += slots;
        return s;
    }

}

package dev.nabla.runtime.jvm;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.UnaryFn;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
            // The whole loop is one method: no loop inside it.
            if (!ScalarCodegen.scalarNodes(p) || p.nodes().stream().anyMatch(n -> n.op() instanceof Op.Loop)) {
                return false;
            }
        }
        return nodes <= MAX_BODY_NODES;
    }

    /**
     * Emits the loop over the values in {@code inputLocals} (the loop node's inputs: initial
     * carries, then captured values) and returns the locals that hold the final carries.
     * {@code next} is the next free local slot, advanced past those this uses.
     */
    static List<Integer> emit(CodeBuilder code, LoopBody body, List<Integer> inputLocals, int[] next) {
        int nc = body.carries().size();
        Locals outer = new Locals(code, next);
        List<Integer> carries = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            Node c = body.carries().get(i);
            // An f32 carry lives in a float local: the step's chain of f32 arithmetic never converts.
            boolean f32 = c.dtype() == DType.F32;
            int slot = take(next, f32 ? 1 : 2);
            code.dload(inputLocals.get(i));
            if (f32) {
                code.d2f().fstore(slot);
                outer.floats.put(c, slot);
            } else {
                code.dstore(slot);
                outer.doubles.put(c, slot);
            }
            carries.add(slot);
        }
        for (int k = 0; k < body.captured().size(); k++) {
            outer.doubles.put(body.captured().get(k), inputLocals.get(nc + k));
        }
        int counter = take(next, 1);
        int index = take(next, 2);
        outer.doubles.put(body.index(), index);
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
            Locals test = outer.copy();
            test.nodes(body.conditionProgram());
            code.dload(test.doubleOf(body.condition())).dconst_0().dcmpl().ifeq(end);
        }
        Locals step = outer.copy();
        step.nodes(body.program());
        // Through temporaries: a new carry may be another carry's old value (a swap).
        List<Integer> temporaries = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            Node result = body.newCarries().get(i);
            if (body.carries().get(i).dtype() == DType.F32) {
                int t = take(next, 1);
                step.loadFloat(result);
                code.fstore(t);
                temporaries.add(t);
            } else {
                int t = take(next, 2);
                code.dload(step.doubleOf(result)).dstore(t);
                temporaries.add(t);
            }
        }
        for (int i = 0; i < nc; i++) {
            if (body.carries().get(i).dtype() == DType.F32) {
                code.fload(temporaries.get(i)).fstore(carries.get(i));
            } else {
                code.dload(temporaries.get(i)).dstore(carries.get(i));
            }
        }
        code.iinc(counter, 1).goto_(top);
        code.labelBinding(end);
        // The caller reads doubles.
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            if (body.carries().get(i).dtype() == DType.F32) {
                int d = take(next, 2);
                code.fload(carries.get(i)).f2d().dstore(d);
                out.add(d);
            } else {
                out.add(carries.get(i));
            }
        }
        return out;
    }

    /**
     * The locals that hold a body's values: as doubles (rounded to their dtype, as everywhere in
     * generated scalar code), and for f32 values of exact float arithmetic as floats. An f32 sum,
     * difference, product, quotient or negation of f32 operands computed in float is the double
     * result rounded to f32, bit for bit (a double holds more than twice float's precision), so
     * those run as float bytecodes and convert only where a double is read.
     */
    private static final class Locals {
        final CodeBuilder code;
        final int[] next;
        final Map<Node, Integer> doubles = new HashMap<>();
        final Map<Node, Integer> floats = new HashMap<>();

        Locals(CodeBuilder code, int[] next) {
            this.code = code;
            this.next = next;
        }

        Locals copy() {
            Locals c = new Locals(code, next);
            c.doubles.putAll(doubles);
            c.floats.putAll(floats);
            return c;
        }

        /** The program's computed nodes into fresh locals (its inputs are here already). */
        void nodes(Program p) {
            for (Node n : p.nodes()) {
                if (doubles.containsKey(n) || floats.containsKey(n)) {
                    continue;
                }
                if (inFloat(n)) {
                    for (Node in : n.inputs()) {
                        loadFloat(in);
                    }
                    switch (n.op()) {
                        case Op.Binary(var fn) -> {
                            switch (fn) {
                                case ADD -> code.fadd();
                                case SUB -> code.fsub();
                                case MUL -> code.fmul();
                                default -> code.fdiv();
                            }
                        }
                        case Op.Constant c -> code.ldc((float) c.value().at(0));
                        default -> code.fneg();
                    }
                    int slot = take(next, 1);
                    code.fstore(slot);
                    floats.put(n, slot);
                    continue;
                }
                for (Node in : n.inputs()) {
                    doubleOf(in);
                }
                int slot = take(next, 2);
                ScalarCodegen.emit(code, n, doubles);
                ScalarCodegen.round(code, n.dtype());
                code.dstore(slot);
                doubles.put(n, slot);
            }
        }

        private static boolean inFloat(Node n) {
            if (n.dtype() != DType.F32 || n.inputs().stream().anyMatch(in -> in.dtype() != DType.F32)) {
                return false;
            }
            return switch (n.op()) {
                case Op.Binary(var fn) -> fn == BinaryFn.ADD || fn == BinaryFn.SUB || fn == BinaryFn.MUL
                        || fn == BinaryFn.DIV;
                case Op.Unary(var fn) -> fn == UnaryFn.NEG;
                case Op.Constant c -> true;
                default -> false;
            };
        }

        /** Pushes n's value as a float (n is f32). */
        void loadFloat(Node n) {
            Integer f = floats.get(n);
            if (f != null) {
                code.fload(f);
            } else {
                code.dload(doubleOf(n)).d2f();
            }
        }

        /** The double local that holds n, converting its float once if that is all there is. */
        int doubleOf(Node n) {
            Integer d = doubles.get(n);
            if (d == null) {
                d = take(next, 2);
                code.fload(floats.get(n)).f2d().dstore(d);
                doubles.put(n, d);
            }
            return d;
        }
    }

    private static int take(int[] next, int slots) {
        int s = next[0];
        next[0] += slots;
        return s;
    }

}

package dev.nabla.runtime.jvm;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.ScalarMath;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a program of scalars to straight-line JVM bytecode with the JDK's ClassFile API: one
 * double local per node, arithmetic as bytecodes, functions as static calls, every result rounded
 * to its dtype exactly as the reference interpreter rounds it, so both agree bit for bit. The
 * class is a hidden class: it is unloaded as soon as its executable is unreachable.
 *
 * <p>Why the ClassFile API: it is part of the JDK (no dependency), emits a class in well under a
 * millisecond, and needs no source text or compiler (javac in-process costs tens of milliseconds
 * per class; Janino is a dependency and a Java-source detour).
 */
final class ScalarCodegen {
    /**
     * Nodes per generated method: HotSpot does not JIT-compile methods above 8,000 bytes of
     * bytecode, and the JVM refuses any above 64 KiB; a few hundred nodes stay well below both.
     * A larger program is cut into several methods that pass values through an array.
     */
    static final int PART_NODES = 256;

    /** Beyond this the chunked kernels run the program. */
    static final int MAX_NODES = 1_000_000;

    /** A class holds at most 65,535 constants; a program that would need more is not compiled. */
    private static final int MAX_CONSTANTS = 60_000;

    private static final ClassDesc MATH = ClassDesc.of("java.lang.Math");
    private static final ClassDesc SCALAR_MATH = ClassDesc.of(ScalarMath.class.getName());
    private static final MethodTypeDesc D_D = MethodTypeDesc.of(CD_double, CD_double);
    private static final MethodTypeDesc DD_D = MethodTypeDesc.of(CD_double, CD_double, CD_double);
    private static final MethodTypeDesc DDD_D = MethodTypeDesc.of(CD_double, CD_double, CD_double, CD_double);

    private ScalarCodegen() {}

    /** Whether every node is a single number and every op has a scalar translation. */
    static boolean accepts(Program program) {
        if (program.nodes().size() > MAX_NODES || !scalarNodes(program)) {
            return false;
        }
        for (Node n : program.nodes()) {
            if (n.op() instanceof Op.Loop(var body, int output) && !ScalarLoops.accepts(body)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether every node is one number and every node the program computes (its inputs aside, a
     * loop body's captured values among them) has a scalar translation, loops left to the caller.
     */
    static boolean scalarNodes(Program program) {
        java.util.Set<Node> fed = new java.util.HashSet<>(program.inputs());
        for (Node n : program.nodes()) {
            if (n.shape().size() != 1) {
                return false;
            }
            if (fed.contains(n)) {
                continue;
            }
            for (Node in : n.inputs()) {
                if (in.shape().size() != 1) {
                    return false;
                }
            }
            // A gather or scatter-add of one element still checks its index: left to the array runners.
            if (n.op() instanceof Op.MatMul || n.op() instanceof Op.Concat || n.op() instanceof Op.Pad
                    || n.op() instanceof Op.Windows || n.op() instanceof Op.WindowsSum || n.op() instanceof Op.Cond
                    || n.op() instanceof Op.Random || n.op() instanceof Op.Gather || n.op() instanceof Op.ScatterAdd) {
                return false;
            }
        }
        return true;
    }

    /**
     * Generated code (null: the program needs more constants than a class holds) and the length
     * of the array it runs on: inputs, then parameters, then the
     * values that pass between its methods.
     */
    record Compiled(ScalarKernel kernel, int frameSize) {}

    static Compiled compile(Program program) {
        Generated generated = generate(program);
        if (generated == null) {
            return null;
        }
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(generated.bytes(), true);
            ScalarKernel kernel = (ScalarKernel) hidden.findConstructor(hidden.lookupClass(),
                    java.lang.invoke.MethodType.methodType(void.class)).invoke();
            return new Compiled(kernel, generated.frameSize());
        } catch (Throwable e) {
            throw new IllegalStateException("could not load generated scalar code", e);
        }
    }

    /** A class file and the frame length its code runs on. */
    record Generated(byte[] bytes, int frameSize) {}

    /** The class for a program, or null when it would need more constants than a class holds. */
    static Generated generate(Program program) {
        List<Node> variables = new ArrayList<>(program.inputs());
        variables.addAll(program.parameters());
        Map<Node, Integer> frameIndex = new HashMap<>();
        for (int i = 0; i < variables.size(); i++) {
            frameIndex.put(variables.get(i), i);
        }
        // What the frame holds from the caller: variables, or any value a loop body is given.
        java.util.Set<Node> fed = new java.util.HashSet<>(variables);
        // A loop's outputs the program computes, in id order: the first of them runs the loop for all.
        Map<Object, List<Node>> loops = new HashMap<>();
        for (Node n : program.nodes()) {
            if (n.op() instanceof Op.Loop) {
                loops.computeIfAbsent(dev.nabla.compiler.ir.Ops.familyKey(n), k -> new ArrayList<>()).add(n);
            }
        }
        List<List<Node>> parts = parts(program, fed, loops);
        Map<Node, Integer> partOf = new HashMap<>();
        for (int k = 0; k < parts.size(); k++) {
            for (Node n : parts.get(k)) {
                partOf.put(n, k);
                if (n.op() instanceof Op.Loop) {
                    for (Node member : loops.get(dev.nabla.compiler.ir.Ops.familyKey(n))) {
                        partOf.put(member, k);
                    }
                }
            }
        }
        // A value read by a later method passes through the frame.
        int frameSize = variables.size();
        for (Node n : program.nodes()) {
            if (fed.contains(n)) {
                continue; // a loop body's captured value: its own inputs are outside the program
            }
            for (Node in : n.inputs()) {
                if (!fed.contains(in) && !frameIndex.containsKey(in) && !partOf.get(in).equals(partOf.get(n))) {
                    frameIndex.put(in, frameSize++);
                }
            }
        }
        if (constantPoolEstimate(program, parts.size(), frameSize) > MAX_CONSTANTS) {
            return null;
        }
        Map<Node, List<Integer>> resultIndices = new HashMap<>();
        List<Node> results = program.results();
        for (int i = 0; i < results.size(); i++) {
            resultIndices.computeIfAbsent(results.get(i), r -> new ArrayList<>()).add(i);
        }
        ClassDesc self = ClassDesc.of(ScalarCodegen.class.getPackageName() + ".ScalarProgram");
        MethodTypeDesc runType = MethodTypeDesc.of(CD_void, CD_double.arrayType(), CD_double.arrayType());
        byte[] bytes = ClassFile.of().build(self, cls -> {
            cls.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL);
            cls.withInterfaceSymbols(ClassDesc.of(ScalarKernel.class.getName()));
            cls.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
                    code -> code.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
            for (int k = 0; k < parts.size(); k++) {
                List<Node> part = parts.get(k);
                cls.withMethodBody("part" + k, runType, ClassFile.ACC_STATIC | ClassFile.ACC_PRIVATE,
                        code -> emitPart(code, part, frameIndex, resultIndices, loops));
            }
            cls.withMethodBody("run", runType, ClassFile.ACC_PUBLIC, code -> {
                for (int k = 0; k < parts.size(); k++) {
                    code.aload(1).aload(2).invokestatic(self, "part" + k, runType);
                }
                // Results that are variables themselves come straight from the frame.
                for (int i = 0; i < results.size(); i++) {
                    if (fed.contains(results.get(i))) {
                        code.aload(2).ldc(i).aload(1).ldc(frameIndex.get(results.get(i))).daload().dastore();
                    }
                }
                code.return_();
            });
        });
        return new Generated(bytes, frameSize);
    }

    /**
     * An upper bound on the class's constant pool: numbers, frame indices too large for an
     * instruction operand, and a few entries per method.
     */
    private static int constantPoolEstimate(Program program, int parts, int frameSize) {
        java.util.Set<Long> numbers = new java.util.HashSet<>();
        for (Node n : program.nodes()) {
            if (n.op() instanceof Op.Constant c) {
                numbers.add(Double.doubleToRawLongBits(c.value().at(0)));
            }
            if (n.op() instanceof Op.Loop) {
                numbers.add(-1L - numbers.size()); // the loop's bounds
                numbers.add(-2L - numbers.size());
            }
        }
        return 2 * numbers.size() + 2 * loopBodyConstants(program) + Math.max(0, frameSize - Short.MAX_VALUE) + 4 * parts + 64;
    }

    private static int loopBodyConstants(Program program) {
        int count = 0;
        for (Node n : program.nodes()) {
            if (n.op() instanceof Op.Loop(var body, int output)) {
                count += body.program().nodes().size() + (body.isWhile() ? body.conditionProgram().nodes().size() : 0);
            }
        }
        return count;
    }

    /** The computed nodes in topological order, cut into methods of at most {@link #PART_NODES}. */
    private static List<List<Node>> parts(Program program, java.util.Set<Node> fed, Map<Object, List<Node>> loops) {
        List<List<Node>> parts = new ArrayList<>();
        List<Node> current = new ArrayList<>();
        for (Node n : program.nodes()) {
            if (fed.contains(n) || n.op() instanceof Op.Loop
                    && loops.get(dev.nabla.compiler.ir.Ops.familyKey(n)).get(0) != n) {
                continue;
            }
            if (current.size() == PART_NODES) {
                parts.add(current);
                current = new ArrayList<>();
            }
            current.add(n);
        }
        if (!current.isEmpty() || parts.isEmpty()) {
            parts.add(current);
        }
        return parts;
    }

    /**
     * One method, static (double[] frame, double[] out): loads what it reads from the frame into
     * locals on first use, computes its nodes into locals, and writes to the frame the values a
     * later method reads and to out the results it computes.
     */
    private static void emitPart(CodeBuilder code, List<Node> part, Map<Node, Integer> frameIndex,
                                 Map<Node, List<Integer>> resultIndices, Map<Object, List<Node>> loops) {
        Map<Node, Integer> local = new HashMap<>();
        int[] next = {2};
        for (Node n : part) {
            for (Node in : n.inputs()) {
                if (!local.containsKey(in)) {
                    local.put(in, next[0]);
                    code.aload(0).ldc(frameIndex.get(in)).daload().dstore(next[0]);
                    next[0] += 2;
                }
            }
            if (n.op() instanceof Op.Loop(var body, int output)) {
                // One loop for all of its outputs; each then leaves like any node's value.
                List<Integer> carries = ScalarLoops.emit(code, body, n.inputs().stream().map(local::get).toList(), next);
                for (Node member : loops.get(dev.nabla.compiler.ir.Ops.familyKey(n))) {
                    local.put(member, carries.get(((Op.Loop) member.op()).output()));
                    store(code, member, local, frameIndex, resultIndices);
                }
                continue;
            }
            local.put(n, next[0]);
            next[0] += 2;
            emit(code, n, local);
            round(code, n.dtype());
            code.dstore(local.get(n));
            store(code, n, local, frameIndex, resultIndices);
        }
        code.return_();
    }

    /** Writes n's value where it is needed besides its local: the frame, the results. */
    private static void store(CodeBuilder code, Node n, Map<Node, Integer> local, Map<Node, Integer> frameIndex,
                              Map<Node, List<Integer>> resultIndices) {
        Integer spill = frameIndex.get(n);
        if (spill != null) {
            code.aload(0).ldc(spill).dload(local.get(n)).dastore();
        }
        for (int r : resultIndices.getOrDefault(n, List.of())) {
            code.aload(1).ldc(r).dload(local.get(n)).dastore();
        }
    }

    /** Pushes the node's unrounded value. */
    static void emit(CodeBuilder code, Node n, Map<Node, Integer> slot) {
        List<Node> in = n.inputs();
        switch (n.op()) {
            case Op.Constant c -> code.ldc(c.value().at(0));
            case Op.Unary(var fn) -> {
                code.dload(slot.get(in.get(0)));
                switch (fn) {
                    case NEG -> code.dneg();
                    case EXP, LOG, LOG1P, EXPM1, SQRT, ABS, SIN, COS, TAN, TANH ->
                            code.invokestatic(MATH, fn.opName(), D_D);
                    default -> code.invokestatic(SCALAR_MATH, fn.opName(), D_D);
                }
            }
            case Op.Binary(var fn) -> {
                code.dload(slot.get(in.get(0))).dload(slot.get(in.get(1)));
                switch (fn) {
                    case ADD -> code.dadd();
                    case SUB -> code.dsub();
                    case MUL -> code.dmul();
                    case DIV -> code.ddiv();
                    case POW -> code.invokestatic(SCALAR_MATH, "pow", DD_D);
                    case MINIMUM -> code.invokestatic(MATH, "min", DD_D);
                    case MAXIMUM -> code.invokestatic(MATH, "max", DD_D);
                }
            }
            case Op.Fma f -> code.dload(slot.get(in.get(0))).dload(slot.get(in.get(1))).dload(slot.get(in.get(2)))
                    .invokestatic(MATH, "fma", DDD_D);
            case Op.Compare(var fn) -> code.dload(slot.get(in.get(0))).dload(slot.get(in.get(1)))
                    .invokestatic(SCALAR_MATH, fn.opName(), DD_D);
            case Op.Where w -> code.dload(slot.get(in.get(0))).dload(slot.get(in.get(1))).dload(slot.get(in.get(2)))
                    .invokestatic(SCALAR_MATH, "select", DDD_D);
            case Op.Reduce r -> {
                // One element: combine it with the identity, as the interpreter does (0 + -0.0 is 0.0).
                if (r.fn() == ReduceFn.SUM) {
                    code.dconst_0().dload(slot.get(in.get(0))).dadd();
                } else if (r.fn() == ReduceFn.PROD) {
                    code.dconst_1().dload(slot.get(in.get(0))).dmul();
                } else {
                    code.dload(slot.get(in.get(0)));
                }
            }
            case Op.Reshape r -> code.dload(slot.get(in.get(0)));
            case Op.Permute p -> code.dload(slot.get(in.get(0)));
            case Op.BroadcastTo b -> code.dload(slot.get(in.get(0)));
            case Op.Slice s -> code.dload(slot.get(in.get(0)));
            case Op.StopGradient s -> code.dload(slot.get(in.get(0)));
            case Op.Custom c -> code.dload(slot.get(in.get(0)));
            case Op.Cast c -> code.dload(slot.get(in.get(0)));
            case Op.Input i -> throw new IllegalStateException("inputs are loaded first");
            case Op.Parameter p -> throw new IllegalStateException("parameters are loaded first");
            case Op.MatMul m -> throw new IllegalStateException("not a scalar op");
            case Op.Random r -> throw new IllegalStateException("not a scalar op");
            case Op.Concat c -> throw new IllegalStateException("not a scalar op");
            case Op.Pad p -> throw new IllegalStateException("not a scalar op");
            case Op.Windows w -> throw new IllegalStateException("not a scalar op");
            case Op.WindowsSum w -> throw new IllegalStateException("not a scalar op");
            case Op.Gather g -> throw new IllegalStateException("not a scalar op");
            case Op.ScatterAdd s -> throw new IllegalStateException("not a scalar op");
            case Op.Loop l -> throw new IllegalStateException("loops are emitted as a whole");
            case Op.Cond c -> throw new IllegalStateException("conditionals run as arrays");
        }
    }

    /** Rounds the value on the stack as {@link DType#round} does. */
    static void round(CodeBuilder code, DType dtype) {
        switch (dtype) {
            case F32 -> code.d2f().f2d();
            case F64 -> { }
            case I32 -> code.d2i().i2d();
            case BOOL -> code.ldc(DType.BOOL.ordinal()).invokestatic(SCALAR_MATH, "round",
                    MethodTypeDesc.of(CD_double, CD_double, java.lang.constant.ConstantDescs.CD_int));
        }
    }
}

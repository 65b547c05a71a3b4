package dev.nabla.runtime.jvm;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_void;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.ScalarMath;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
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
    /** Larger programs go to the chunked kernels: HotSpot does not JIT-compile huge methods. */
    static final int MAX_NODES = 400;

    private static final ClassDesc MATH = ClassDesc.of("java.lang.Math");
    private static final ClassDesc SCALAR_MATH = ClassDesc.of(ScalarMath.class.getName());
    private static final MethodTypeDesc D_D = MethodTypeDesc.of(CD_double, CD_double);
    private static final MethodTypeDesc DD_D = MethodTypeDesc.of(CD_double, CD_double, CD_double);
    private static final MethodTypeDesc DDD_D = MethodTypeDesc.of(CD_double, CD_double, CD_double, CD_double);

    private ScalarCodegen() {}

    /** Whether every node is a single number and every op has a scalar translation. */
    static boolean accepts(Program program) {
        if (program.nodes().size() > MAX_NODES) {
            return false;
        }
        for (Node n : program.nodes()) {
            if (n.shape().size() != 1) {
                return false;
            }
            for (Node in : n.inputs()) {
                if (in.shape().size() != 1) {
                    return false;
                }
            }
            if (n.op() instanceof Op.MatMul || n.op() instanceof Op.Concat || n.op() instanceof Op.Pad) {
                return false;
            }
        }
        return true;
    }

    static ScalarKernel compile(Program program) {
        Map<Node, Integer> slot = new HashMap<>();
        int next = 3;
        for (Node n : program.nodes()) {
            slot.put(n, next);
            next += 2;
        }
        List<Node> in = new java.util.ArrayList<>(program.inputs());
        in.addAll(program.parameters());
        ClassDesc self = ClassDesc.of(ScalarCodegen.class.getPackageName() + ".ScalarProgram");
        byte[] bytes = ClassFile.of().build(self, cls -> {
            cls.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL);
            cls.withInterfaceSymbols(ClassDesc.of(ScalarKernel.class.getName()));
            cls.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
                    code -> code.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
            cls.withMethodBody("run", MethodTypeDesc.of(CD_void, CD_double.arrayType(), CD_double.arrayType()),
                    ClassFile.ACC_PUBLIC, code -> {
                        for (int i = 0; i < in.size(); i++) {
                            code.aload(1).ldc(i).daload().dstore(slot.get(in.get(i)));
                        }
                        for (Node n : program.nodes()) {
                            if (!n.isVariable()) {
                                emit(code, n, slot);
                                round(code, n.dtype());
                                code.dstore(slot.get(n));
                            }
                        }
                        List<Node> results = program.results();
                        for (int i = 0; i < results.size(); i++) {
                            code.aload(2).ldc(i).dload(slot.get(results.get(i))).dastore();
                        }
                        code.return_();
                    });
        });
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return (ScalarKernel) hidden.findConstructor(hidden.lookupClass(), java.lang.invoke.MethodType.methodType(void.class))
                    .invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("could not load generated scalar code", e);
        }
    }

    /** Pushes the node's unrounded value. */
    private static void emit(CodeBuilder code, Node n, Map<Node, Integer> slot) {
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
                    case POW -> code.invokestatic(MATH, "pow", DD_D);
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
            case Op.Cast c -> code.dload(slot.get(in.get(0)));
            case Op.Input i -> throw new IllegalStateException("inputs are loaded first");
            case Op.Parameter p -> throw new IllegalStateException("parameters are loaded first");
            case Op.MatMul m -> throw new IllegalStateException("not a scalar op");
            case Op.Concat c -> throw new IllegalStateException("not a scalar op");
            case Op.Pad p -> throw new IllegalStateException("not a scalar op");
        }
    }

    /** Rounds the value on the stack as {@link DType#round} does. */
    private static void round(CodeBuilder code, DType dtype) {
        switch (dtype) {
            case F32 -> code.d2f().f2d();
            case F64 -> { }
            case I32 -> code.d2i().i2d();
            case BOOL -> code.ldc(DType.BOOL.ordinal()).invokestatic(SCALAR_MATH, "round",
                    MethodTypeDesc.of(CD_double, CD_double, java.lang.constant.ConstantDescs.CD_int));
        }
    }
}

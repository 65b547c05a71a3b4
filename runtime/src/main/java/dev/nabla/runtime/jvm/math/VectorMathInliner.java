package dev.nabla.runtime.jvm.math;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.PseudoInstruction;
import java.lang.classfile.TypeKind;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Copies the bytecode of a {@link FloatVectorMath} or {@link DoubleVectorMath} function, and of
 * every helper it calls, into generated code, as the JDK's own Vector API methods are inlined
 * (they are annotated @ForceInline, which only the JDK may use). C2 keeps vectors in registers
 * only across calls it inlines, and it does not reliably inline ours: it stops inlining ordinary
 * methods once a compilation holds about 18,000 IR nodes (two functions' worth of Vector API
 * calls), and it will not inline a method it has already compiled on its own into more than 2.5
 * KB, which the tiered JIT often does first. Either way every vector crossing the call is boxed:
 * allocation and a slower loop. Copied code has no such calls left; only the Vector API's own
 * remain (and the rare path of huge trigonometric arguments, which may box).
 */
public final class VectorMathInliner {
    private VectorMathInliner() {}

    private static final Map<Class<?>, Map<String, MethodModel>> METHODS = new HashMap<>();

    /**
     * Emits {@code owner.name(x)}: expects x on the operand stack and leaves the result there.
     * {@code reserve} hands out n consecutive free local slots and returns the first.
     */
    public static void inline(CodeBuilder code, Class<?> owner, String name, IntUnaryOperator reserve) {
        inline(code, owner, method(owner, name), reserve);
    }

    private static void inline(CodeBuilder code, Class<?> owner, MethodModel method, IntUnaryOperator reserve) {
        CodeAttribute body = (CodeAttribute) method.code().orElseThrow();
        int base = reserve.applyAsInt(body.maxLocals());
        // The arguments are on the stack, the last on top: store them into the copy's locals.
        MethodTypeDesc type = method.methodTypeSymbol();
        int[] slots = new int[type.parameterCount()];
        for (int i = 0, slot = 0; i < slots.length; i++) {
            slots[i] = slot;
            slot += TypeKind.from(type.parameterType(i)).slotSize();
        }
        for (int i = slots.length - 1; i >= 0; i--) {
            code.storeLocal(TypeKind.from(type.parameterType(i)), base + slots[i]);
        }
        ClassDesc self = ClassDesc.of(owner.getName());
        Map<Label, Label> labels = new HashMap<>();
        Label end = code.newLabel();
        for (CodeElement e : body) {
            switch (e) {
                case LoadInstruction load -> code.loadLocal(load.typeKind(), base + load.slot());
                case StoreInstruction store -> code.storeLocal(store.typeKind(), base + store.slot());
                case IncrementInstruction inc -> code.iinc(base + inc.slot(), inc.constant());
                case BranchInstruction branch -> code.branch(branch.opcode(),
                        labels.computeIfAbsent(branch.target(), l -> code.newLabel()));
                case LabelTarget target -> code.labelBinding(labels.computeIfAbsent(target.label(), l -> code.newLabel()));
                // The value returned is what the stack holds: go on after the copy.
                case ReturnInstruction ret -> code.goto_(end);
                case InvokeInstruction call when call.opcode() == Opcode.INVOKESTATIC
                        && call.owner().asSymbol().equals(self) && isInlined(call.name().stringValue()) ->
                        inline(code, owner, method(owner, call.name().stringValue()), reserve);
                case ExceptionCatch c -> throw new IllegalStateException(method + ": cannot copy a try block");
                case TableSwitchInstruction t -> throw new IllegalStateException(method + ": cannot copy a switch");
                case LookupSwitchInstruction l -> throw new IllegalStateException(method + ": cannot copy a switch");
                case PseudoInstruction debug -> { } // line numbers and local variable names
                default -> code.with(e);
            }
        }
        code.labelBinding(end);
    }

    /** Everything but the slow path for huge trigonometric arguments, which stays a call. */
    private static boolean isInlined(String name) {
        return !name.equals("strict");
    }

    private static synchronized MethodModel method(Class<?> owner, String name) {
        MethodModel m = METHODS.computeIfAbsent(owner, VectorMathInliner::parse).get(name);
        if (m == null) {
            throw new IllegalArgumentException(owner.getSimpleName() + " has no method " + name);
        }
        return m;
    }

    private static Map<String, MethodModel> parse(Class<?> owner) {
        try (InputStream in = owner.getResourceAsStream(owner.getSimpleName() + ".class")) {
            ClassModel model = ClassFile.of().parse(in.readAllBytes());
            Map<String, MethodModel> byName = new HashMap<>();
            for (MethodModel m : model.methods()) {
                // The functions and helpers have one signature each.
                byName.put(m.methodName().stringValue(), m);
            }
            return byName;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + owner.getName(), e);
        }
    }
}

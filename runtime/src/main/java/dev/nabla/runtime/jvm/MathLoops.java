package dev.nabla.runtime.jvm;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.runtime.jvm.math.DoubleVectorMath;
import dev.nabla.runtime.jvm.math.FloatVectorMath;
import dev.nabla.runtime.jvm.math.VectorMathInliner;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@link FloatLanes}' and {@link DoubleLanes}' loops for the functions of {@link FloatVectorMath}
 * and {@link DoubleVectorMath}: d[dOff + i] = f(x[xOff + i]). The vector body is generated, one
 * class per function and type on first use, with the function's code copied in
 * ({@link VectorMathInliner}: a call would box the vectors); the tail is {@link UnaryScalars},
 * whose scalar twins give the same bits, so where an element falls (which depends on chunking and
 * threads) does not change it.
 */
final class MathLoops {
    /** The generated vector body: processes whole vectors from 0 and returns where it stopped. */
    public interface Body {
        int run(Object d, int dOff, Object x, int xOff, int n);
    }

    private static final int FUNCTIONS = UnaryFn.values().length;
    private static final AtomicReferenceArray<Body> BODIES = new AtomicReferenceArray<>(2 * FUNCTIONS);

    private MathLoops() {}

    static void apply(UnaryFn fn, float[] d, int dOff, float[] x, int xOff, int n) {
        int i = body(DType.F32, fn).run(d, dOff, x, xOff, n);
        for (; i < n; i++) {
            d[dOff + i] = UnaryScalars.apply(fn, x[xOff + i]);
        }
    }

    static void apply(UnaryFn fn, double[] d, int dOff, double[] x, int xOff, int n) {
        int i = body(DType.F64, fn).run(d, dOff, x, xOff, n);
        for (; i < n; i++) {
            d[dOff + i] = UnaryScalars.apply(fn, x[xOff + i]);
        }
    }

    private static Body body(DType t, UnaryFn fn) {
        int at = (t == DType.F32 ? 0 : FUNCTIONS) + fn.ordinal();
        Body b = BODIES.get(at);
        if (b == null) {
            b = generate(t, fn);
            if (!BODIES.compareAndSet(at, null, b)) {
                b = BODIES.get(at);
            }
        }
        return b;
    }

    // Locals: 0 this, 1 d, 2 dOff, 3 x, 4 xOff, 5 n, 6 d's array, 7 x's array, 8 i, 9 bound, then
    // the copied function's.
    private static Body generate(DType t, UnaryFn fn) {
        boolean f32 = t == DType.F32;
        ClassDesc vector = ClassDesc.of(f32 ? "jdk.incubator.vector.FloatVector" : "jdk.incubator.vector.DoubleVector");
        ClassDesc array = ClassDesc.ofDescriptor(f32 ? "[F" : "[D");
        ClassDesc species = ClassDesc.of("jdk.incubator.vector.VectorSpecies");
        Class<?> math = f32 ? FloatVectorMath.class : DoubleVectorMath.class;
        // Named for the function, as profilers and -XX:+PrintCompilation show it.
        ClassDesc self = ClassDesc.of(MathLoops.class.getPackageName() + ".MathLoop_" + fn.opName() + "_" + t.name().toLowerCase(java.util.Locale.ROOT));
        MethodTypeDesc runType = MethodTypeDesc.of(CD_int, CD_Object, CD_int, CD_Object, CD_int, CD_int);
        byte[] bytes = ClassFile.of().build(self, cls -> {
            cls.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL);
            cls.withInterfaceSymbols(ClassDesc.of(Body.class.getName()));
            cls.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
                    code -> code.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
            cls.withMethodBody("run", runType, ClassFile.ACC_PUBLIC, code -> {
                int[] next = {10};
                code.aload(1).checkcast(array).astore(6);
                code.aload(3).checkcast(array).astore(7);
                code.getstatic(vector, "SPECIES_PREFERRED", species).iload(5);
                code.invokeinterface(species, "loopBound", MethodTypeDesc.of(CD_int, CD_int)).istore(9);
                code.iconst_0().istore(8);
                Label loop = code.newLabel();
                Label done = code.newLabel();
                code.labelBinding(loop);
                code.iload(8).iload(9).if_icmpge(done);
                code.getstatic(vector, "SPECIES_PREFERRED", species).aload(7).iload(4).iload(8).iadd();
                code.invokestatic(vector, "fromArray", MethodTypeDesc.of(vector, species, array, CD_int));
                VectorMathInliner.inline(code, math, fn.opName(), slots -> reserve(next, slots));
                code.aload(6).iload(2).iload(8).iadd();
                code.invokevirtual(vector, "intoArray", MethodTypeDesc.of(ClassDesc.ofDescriptor("V"), array, CD_int));
                code.iload(8).getstatic(vector, "SPECIES_PREFERRED", species);
                code.invokeinterface(species, "length", MethodTypeDesc.of(CD_int)).iadd().istore(8);
                code.goto_(loop);
                code.labelBinding(done);
                code.iload(8).ireturn();
            });
        });
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return (Body) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("could not load the generated " + t + " " + fn.opName() + " loop", e);
        }
    }

    private static int reserve(int[] next, int slots) {
        int first = next[0];
        next[0] += slots;
        return first;
    }
}

package dev.nabla.runtime.jvm;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import dev.nabla.core.DType;
import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Compiles a fused elementwise kernel to a JVM loop over SIMD vectors with the ClassFile API: the
 * whole expression is evaluated in vector registers, one vector of elements at a time, and
 * stored once. HotSpot turns the Vector API calls into AVX instructions because every species
 * and operator is a constant in the generated code. A kernel whose loads are all contiguous (or
 * one number) runs over flat ranges ({@link RangeKernel}); one whose loads are contiguous or
 * constant along rows, as broadcasts make them ({@link RowLayout}), runs row by row, each row's
 * offsets computed once and its tail under a mask ({@link RowKernel}). Kernels it cannot express
 * (strided rows, mixed storage types, ops without a vector form) stay on {@link ChunkKernel}.
 */
final class VectorCodegen {
    private static final ClassDesc VECTOR_OPERATORS = ClassDesc.of("jdk.incubator.vector.VectorOperators");
    private static final ClassDesc VECTOR = ClassDesc.of("jdk.incubator.vector.Vector");
    private static final ClassDesc MASK = ClassDesc.of("jdk.incubator.vector.VectorMask");
    private static final ClassDesc SPECIES = ClassDesc.of("jdk.incubator.vector.VectorSpecies");
    private static final ClassDesc UNARY = VECTOR_OPERATORS.nested("Unary");
    private static final ClassDesc BINARY = VECTOR_OPERATORS.nested("Binary");
    private static final ClassDesc COMPARISON = VECTOR_OPERATORS.nested("Comparison");

    /** The vector and array types of one working type. */
    private record Lane(ClassDesc vector, ClassDesc array, ClassDesc element, Class<?> math) {
        static Lane of(DType t) {
            return t == DType.F32
                    ? new Lane(ClassDesc.of("jdk.incubator.vector.FloatVector"), ClassDesc.ofDescriptor("[F"),
                    ClassDesc.ofDescriptor("F"), FloatVectorMath.class)
                    : new Lane(ClassDesc.of("jdk.incubator.vector.DoubleVector"), ClassDesc.ofDescriptor("[D"),
                    ClassDesc.ofDescriptor("D"), DoubleVectorMath.class);
        }
    }

    static final int MIN_ELEMENTS = 64;

    private final Step.Elementwise step;
    private final Lane lane;
    /** The rows of a row kernel, null for a flat one. */
    private final RowLayout rows;
    private final Map<Integer, Integer> arraySlots = new LinkedHashMap<>();
    private final Map<Expr, Integer> hoisted = new LinkedHashMap<>();
    /** Row kernels: per view, the local holding its offset for the current row. */
    private int[] baseSlots;
    /** Row kernels: the local holding the tail's mask while the tail is emitted, else -1. */
    private int maskSlot = -1;
    private int nextSlot = 5;

    private VectorCodegen(Step.Elementwise step, RowLayout rows) {
        this.step = step;
        this.lane = Lane.of(step.dtype());
        this.rows = rows;
    }

    /**
     * Whether the kernel has a vector form: floating type, loads contiguous or broadcast scalars,
     * and a JVM with the Vector API ({@link VectorSupport}).
     */
    static boolean accepts(Step.Elementwise step, IntFunction<DType> storageOf) {
        return vectorizable(step, storageOf) && expressible(step.body(), step, storageOf, false);
    }

    /**
     * The rows of a kernel that {@link #accepts} refuses only for its loads' layouts, when they
     * are contiguous or constant along rows of at least {@link RowLayout#MIN_ROW_LENGTH}; else null.
     */
    static RowLayout rowsOf(Step.Elementwise step, IntFunction<DType> storageOf) {
        if (!vectorizable(step, storageOf) || !expressible(step.body(), step, storageOf, true)) {
            return null;
        }
        RowLayout layout = RowLayout.of(step);
        return layout != null && layout.rowLength() >= RowLayout.MIN_ROW_LENGTH ? layout : null;
    }

    private static boolean vectorizable(Step.Elementwise step, IntFunction<DType> storageOf) {
        DType t = step.dtype();
        // Below a few vectors the chunk kernel is as fast and needs no class of its own.
        return step.shape().size() >= MIN_ELEMENTS && VectorSupport.enabled() && t.isFloating()
                && storageOf.apply(step.output()) == t;
    }

    private static boolean expressible(Expr e, Step.Elementwise step, IntFunction<DType> storageOf, boolean byRows) {
        return switch (e) {
            case Expr.Load(View v) -> storageOf.apply(v.buffer()) == step.dtype()
                    && (byRows || (v.isContiguous() && v.shape().equals(step.shape())) || isBroadcastScalar(v));
            case Expr.Const c -> true;
            case Expr.Unary u -> expressible(u.x(), step, storageOf, byRows);
            // pow stays on ScalarMath.pow, as the interpreter's; x^2 was already lowered to x*x.
            case Expr.Binary b -> b.fn() != dev.nabla.compiler.ir.BinaryFn.POW
                    && expressible(b.a(), step, storageOf, byRows) && expressible(b.b(), step, storageOf, byRows);
            case Expr.Fma f -> expressible(f.a(), step, storageOf, byRows) && expressible(f.b(), step, storageOf, byRows)
                    && expressible(f.c(), step, storageOf, byRows);
            case Expr.Compare c -> expressible(c.a(), step, storageOf, byRows)
                    && expressible(c.b(), step, storageOf, byRows);
            case Expr.Where w -> expressible(w.cond(), step, storageOf, byRows)
                    && expressible(w.a(), step, storageOf, byRows) && expressible(w.b(), step, storageOf, byRows);
        };
    }

    private static boolean isBroadcastScalar(View v) {
        for (int s : v.strides()) {
            if (s != 0) {
                return false;
            }
        }
        return true;
    }

    static RangeKernel compile(Step.Elementwise step) {
        return (RangeKernel) new VectorCodegen(step, null).build();
    }

    /** A row kernel for a step {@link #rowsOf} accepts. */
    static RowKernel compileRows(Step.Elementwise step) {
        return (RowKernel) new VectorCodegen(step, RowLayout.of(step)).build();
    }

    private Object build() {
        ClassDesc self = ClassDesc.of(VectorCodegen.class.getPackageName() + ".FusedKernel");
        Class<?> kind = rows == null ? RangeKernel.class : RowKernel.class;
        MethodTypeDesc runType = rows == null ? MethodTypeDesc.of(CD_int, CD_Object.arrayType(), CD_int, CD_int)
                : MethodTypeDesc.of(ClassDesc.ofDescriptor("V"), CD_Object.arrayType(), CD_int, CD_int);
        byte[] bytes = ClassFile.of().build(self, cls -> {
            cls.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL);
            cls.withInterfaceSymbols(ClassDesc.of(kind.getName()));
            cls.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC,
                    code -> code.aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_());
            cls.withMethodBody("run", runType, ClassFile.ACC_PUBLIC, rows == null ? this::emitRun : this::emitRows);
        });
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup().defineHiddenClass(bytes, true);
            return hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("could not load the generated kernel for " + step, e);
        }
    }

    /** The arrays in locals, and the constants and broadcast scalars as vectors, before any loop. */
    private void emitPrologue(CodeBuilder code) {
        bindArrays(code, step.body());
        bindArray(code, step.output());
        for (double c : new double[] {0.0, 1.0, -1.0}) {
            hoist(code, new Expr.Const(c));
        }
        hoist(code, step.body());
    }

    // Locals: 0 this, 1 buffers, 2 start, 3 end, 4 i; then arrays, hoisted vectors, temporaries.
    private void emitRun(CodeBuilder code) {
        emitPrologue(code);
        int bound = nextSlot++;
        // bound = start + S.loopBound(end - start)
        code.iload(2);
        species(code);
        code.iload(3).iload(2).isub();
        code.invokeinterface(SPECIES, "loopBound", MethodTypeDesc.of(CD_int, CD_int));
        code.iadd().istore(bound);
        code.iload(2).istore(4);
        Label loop = code.newLabel();
        Label done = code.newLabel();
        code.labelBinding(loop);
        code.iload(4).iload(bound).if_icmpge(done);
        int result = emit(code, step.body());
        code.aload(result).aload(arraySlots.get(step.output())).iload(4);
        code.invokevirtual(lane.vector(), "intoArray", MethodTypeDesc.of(ClassDesc.ofDescriptor("V"), lane.array(), CD_int));
        species(code);
        code.invokeinterface(SPECIES, "length", MethodTypeDesc.of(CD_int));
        code.iload(4).iadd().istore(4);
        code.goto_(loop);
        code.labelBinding(done);
        code.iload(4).ireturn();
    }

    // Locals: 0 this, 1 buffers, 2 rowFrom, 3 rowTo, 4 i; then arrays, hoisted vectors, row state.
    private void emitRows(CodeBuilder code) {
        emitPrologue(code);
        int n = rows.views().size();
        baseSlots = new int[n];
        boolean[] perRow = new boolean[n];
        for (int j = 0; j < n; j++) {
            baseSlots[j] = nextSlot++;
            Expr load = new Expr.Load(rows.views().get(j));
            if (rows.innerStrides()[j] == 0 && !hoisted.containsKey(load)) {
                // One value per row: broadcast where the row starts.
                perRow[j] = true;
                hoisted.put(load, nextSlot++);
            }
        }
        int row = nextSlot++;
        int rest = nextSlot++;
        int index = nextSlot++;
        int outBase = nextSlot++;
        int length = rows.rowLength();
        int lanes = lanes();
        Label rowLoop = code.newLabel();
        Label rowsDone = code.newLabel();
        code.iload(2).istore(row);
        code.labelBinding(rowLoop);
        code.iload(row).iload(3).if_icmpge(rowsDone);
        emitRowOffsets(code, row, rest, index);
        code.iload(row).ldc(length).imul().istore(outBase);
        for (int j = 0; j < n; j++) {
            if (perRow[j]) {
                View v = rows.views().get(j);
                species(code);
                code.aload(arraySlots.get(v.buffer())).iload(baseSlots[j]);
                code.arrayLoad(java.lang.classfile.TypeKind.from(lane.element()));
                code.invokestatic(lane.vector(), "broadcast", MethodTypeDesc.of(lane.vector(), SPECIES, lane.element()));
                code.astore(hoisted.get(new Expr.Load(v)));
            }
        }
        // The whole vectors of the row, then its tail under a mask.
        code.iconst_0().istore(4);
        Label loop = code.newLabel();
        Label done = code.newLabel();
        code.labelBinding(loop);
        code.iload(4).ldc(length - length % lanes).if_icmpge(done);
        int result = emit(code, step.body());
        code.aload(result).aload(arraySlots.get(step.output())).iload(outBase).iload(4).iadd();
        code.invokevirtual(lane.vector(), "intoArray", MethodTypeDesc.of(ClassDesc.ofDescriptor("V"), lane.array(), CD_int));
        code.iload(4).ldc(lanes).iadd().istore(4);
        code.goto_(loop);
        code.labelBinding(done);
        if (length % lanes != 0) {
            maskSlot = nextSlot++;
            species(code);
            code.iload(4).ldc(length);
            code.invokeinterface(SPECIES, "indexInRange", MethodTypeDesc.of(MASK, CD_int, CD_int));
            code.astore(maskSlot);
            int tail = emit(code, step.body());
            code.aload(tail).aload(arraySlots.get(step.output())).iload(outBase).iload(4).iadd().aload(maskSlot);
            code.invokevirtual(lane.vector(), "intoArray",
                    MethodTypeDesc.of(ClassDesc.ofDescriptor("V"), lane.array(), CD_int, MASK));
            maskSlot = -1;
        }
        code.iinc(row, 1);
        code.goto_(rowLoop);
        code.labelBinding(rowsDone);
        code.return_();
    }

    /** Each view's offset for the row: its offset plus, per outer axis, the row's index times its stride. */
    private void emitRowOffsets(CodeBuilder code, int row, int rest, int index) {
        int n = rows.views().size();
        for (int j = 0; j < n; j++) {
            code.ldc(rows.views().get(j).offset()).istore(baseSlots[j]);
        }
        int[] dims = rows.outerDims();
        code.iload(row).istore(rest);
        for (int g = dims.length - 1; g >= 0; g--) {
            if (g > 0) {
                code.iload(rest).ldc(dims[g]).irem().istore(index);
                code.iload(rest).ldc(dims[g]).idiv().istore(rest);
            } else {
                code.iload(rest).istore(index);
            }
            for (int j = 0; j < n; j++) {
                int stride = rows.outerStrides()[j][g];
                if (stride != 0) {
                    code.iload(baseSlots[j]).iload(index).ldc(stride).imul().iadd().istore(baseSlots[j]);
                }
            }
        }
    }

    private int lanes() {
        return step.dtype() == DType.F32 ? jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length()
                : jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED.length();
    }

    private void species(CodeBuilder code) {
        code.getstatic(lane.vector(), "SPECIES_PREFERRED", SPECIES);
    }

    private void bindArrays(CodeBuilder code, Expr e) {
        switch (e) {
            case Expr.Load(View v) -> bindArray(code, v.buffer());
            case Expr.Const c -> { }
            case Expr.Unary u -> bindArrays(code, u.x());
            case Expr.Binary b -> { bindArrays(code, b.a()); bindArrays(code, b.b()); }
            case Expr.Fma f -> { bindArrays(code, f.a()); bindArrays(code, f.b()); bindArrays(code, f.c()); }
            case Expr.Compare c -> { bindArrays(code, c.a()); bindArrays(code, c.b()); }
            case Expr.Where w -> { bindArrays(code, w.cond()); bindArrays(code, w.a()); bindArrays(code, w.b()); }
        }
    }

    private void bindArray(CodeBuilder code, int buffer) {
        if (!arraySlots.containsKey(buffer)) {
            int slot = nextSlot++;
            arraySlots.put(buffer, slot);
            code.aload(1).ldc(buffer).aaload().checkcast(lane.array()).astore(slot);
        }
    }

    /** Constants and broadcast scalars become vectors once, before the loop. */
    private void hoist(CodeBuilder code, Expr e) {
        switch (e) {
            case Expr.Load(View v) -> {
                if (isBroadcastScalar(v) && !hoisted.containsKey(e)) {
                    species(code);
                    code.aload(arraySlots.get(v.buffer())).ldc(v.offset());
                    code.arrayLoad(java.lang.classfile.TypeKind.from(lane.element()));
                    broadcast(code, e);
                }
            }
            case Expr.Const(double value) -> {
                if (!hoisted.containsKey(e)) {
                    species(code);
                    if (step.dtype() == DType.F32) {
                        code.ldc((float) value);
                    } else {
                        code.ldc(value);
                    }
                    broadcast(code, e);
                }
            }
            case Expr.Unary u -> hoist(code, u.x());
            case Expr.Binary b -> { hoist(code, b.a()); hoist(code, b.b()); }
            case Expr.Fma f -> { hoist(code, f.a()); hoist(code, f.b()); hoist(code, f.c()); }
            case Expr.Compare c -> { hoist(code, c.a()); hoist(code, c.b()); }
            case Expr.Where w -> { hoist(code, w.cond()); hoist(code, w.a()); hoist(code, w.b()); }
        }
    }

    private void broadcast(CodeBuilder code, Expr e) {
        code.invokestatic(lane.vector(), "broadcast", MethodTypeDesc.of(lane.vector(), SPECIES, lane.element()));
        int slot = nextSlot++;
        code.astore(slot);
        hoisted.put(e, slot);
    }

    /** Emits the vector value of e for elements [i, i + length) into a new local; returns it. */
    private int emit(CodeBuilder code, Expr e) {
        Integer pre = hoisted.get(e);
        if (pre != null) {
            return pre;
        }
        switch (e) {
            case Expr.Load(View v) when rows != null -> {
                species(code);
                code.aload(arraySlots.get(v.buffer())).iload(baseSlots[rows.indexOf(v)]).iload(4).iadd();
                if (maskSlot >= 0) {
                    code.aload(maskSlot);
                    code.invokestatic(lane.vector(), "fromArray",
                            MethodTypeDesc.of(lane.vector(), SPECIES, lane.array(), CD_int, MASK));
                } else {
                    code.invokestatic(lane.vector(), "fromArray", MethodTypeDesc.of(lane.vector(), SPECIES, lane.array(), CD_int));
                }
            }
            case Expr.Load(View v) -> {
                species(code);
                code.aload(arraySlots.get(v.buffer())).iload(4);
                if (v.offset() != 0) {
                    code.ldc(v.offset()).iadd();
                }
                code.invokestatic(lane.vector(), "fromArray", MethodTypeDesc.of(lane.vector(), SPECIES, lane.array(), CD_int));
            }
            case Expr.Const c -> throw new IllegalStateException("constants are hoisted");
            case Expr.Unary(var fn, Expr x) -> {
                int a = emit(code, x);
                switch (fn) {
                    case EXP, LOG, LOG1P, EXPM1, SIN, COS, TAN, TANH, SIGMOID, SOFTPLUS, RSQRT -> {
                        // Our own polynomials, copied in (a call would box the vectors), not the
                        // Vector API's EXP etc., whose bits change when C2 compiles them
                        // (FloatVectorMath); the chunk kernel's tails match.
                        code.aload(a);
                        VectorMathInliner.inline(code, lane.math(), fn.opName(), this::reserve);
                    }
                    case RELU -> {
                        // 0 where x <= 0, else x (NaN fails the comparison and stays NaN).
                        code.aload(a).aload(constant(0.0)).aload(a).aload(constant(0.0));
                        compareOp(code, "LE");
                        code.invokevirtual(lane.vector(), "blend", MethodTypeDesc.of(lane.vector(), VECTOR, MASK));
                    }
                    case SIGN -> {
                        // 1 where x > 0, -1 where x < 0, x itself otherwise (0, -0, NaN).
                        code.aload(a).aload(constant(1.0)).aload(a).aload(constant(0.0));
                        compareOp(code, "GT");
                        code.invokevirtual(lane.vector(), "blend", MethodTypeDesc.of(lane.vector(), VECTOR, MASK));
                        code.aload(constant(-1.0)).aload(a).aload(constant(0.0));
                        compareOp(code, "LT");
                        code.invokevirtual(lane.vector(), "blend", MethodTypeDesc.of(lane.vector(), VECTOR, MASK));
                        // + 0 turns -0 into 0, as ScalarMath.sign does.
                        code.aload(constant(0.0));
                        code.invokevirtual(lane.vector(), "add", MethodTypeDesc.of(lane.vector(), VECTOR));
                    }
                    default -> {
                        code.aload(a);
                        unaryOp(code, fn.name());
                    }
                }
            }
            case Expr.Binary(var fn, Expr x, Expr y) -> {
                int a = emit(code, x);
                int b = emit(code, y);
                code.aload(a).aload(b);
                binaryOp(code, switch (fn) {
                    case MINIMUM -> "MIN";
                    case MAXIMUM -> "MAX";
                    default -> fn.name();
                });
            }
            case Expr.Fma(Expr x, Expr y, Expr z) -> {
                int a = emit(code, x);
                int b = emit(code, y);
                int c = emit(code, z);
                code.aload(a).aload(b).aload(c);
                code.invokevirtual(lane.vector(), "fma", MethodTypeDesc.of(lane.vector(), VECTOR, VECTOR));
            }
            case Expr.Compare(var fn, Expr x, Expr y) -> {
                int a = emit(code, x);
                int b = emit(code, y);
                code.aload(constant(0.0)).aload(constant(1.0)).aload(a).aload(b);
                compareOp(code, fn.name());
                code.invokevirtual(lane.vector(), "blend", MethodTypeDesc.of(lane.vector(), VECTOR, MASK));
            }
            case Expr.Where(Expr c, Expr x, Expr y) -> {
                int cond = emit(code, c);
                int a = emit(code, x);
                int b = emit(code, y);
                // a where cond != 0: blend b with a under the mask cond != 0.
                code.aload(b).aload(a).aload(cond).aload(constant(0.0));
                compareOp(code, "NE");
                code.invokevirtual(lane.vector(), "blend", MethodTypeDesc.of(lane.vector(), VECTOR, MASK));
            }
        }
        return store(code);
    }

    /** n consecutive free local slots; returns the first. */
    private int reserve(int n) {
        int first = nextSlot;
        nextSlot += n;
        return first;
    }

    private int store(CodeBuilder code) {
        int slot = nextSlot++;
        code.astore(slot);
        return slot;
    }

    private void unaryOp(CodeBuilder code, String name) {
        code.getstatic(VECTOR_OPERATORS, name, UNARY);
        code.invokevirtual(lane.vector(), "lanewise", MethodTypeDesc.of(lane.vector(), UNARY));
    }

    private void binaryOp(CodeBuilder code, String name) {
        // The reassociating operators are declared with the narrower type Associative.
        boolean associative = switch (name) {
            case "ADD", "MUL", "MIN", "MAX" -> true;
            default -> false;
        };
        code.getstatic(VECTOR_OPERATORS, name, associative ? VECTOR_OPERATORS.nested("Associative") : BINARY);
        code.swap();
        code.invokevirtual(lane.vector(), "lanewise", MethodTypeDesc.of(lane.vector(), BINARY, VECTOR));
    }

    /** Stack: a, b -> mask of (a op b). */
    private void compareOp(CodeBuilder code, String name) {
        code.getstatic(VECTOR_OPERATORS, name, COMPARISON);
        code.swap();
        code.invokevirtual(lane.vector(), "compare", MethodTypeDesc.of(MASK, COMPARISON, VECTOR));
    }

    /** A hoisted broadcast of a number, created in the method's prologue on first use. */
    private int constant(double value) {
        Expr key = new Expr.Const(value);
        Integer slot = hoisted.get(key);
        if (slot == null) {
            throw new IllegalStateException("constant " + value + " was not hoisted");
        }
        return slot;
    }
}

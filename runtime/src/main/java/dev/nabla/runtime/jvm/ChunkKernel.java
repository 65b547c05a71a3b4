package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.View;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A fused elementwise body made executable: the expression tree is flattened once into a short
 * list of primitive calls over registers of {@link #CHUNK} elements; evaluation walks the index
 * space chunk by chunk, so each value lives in L1 between the primitives that produce and use it.
 * Contiguous loads of the working type are read straight from their buffers.
 */
final class ChunkKernel {
    static final int CHUNK = 1024;

    /** Where an argument comes from: a register, or a contiguous buffer read in place. */
    private record Operand(int register, View view) {
        static Operand register(int r) {
            return new Operand(r, null);
        }
    }

    private sealed interface Ins {}

    private record Gather(int dst, View view) implements Ins {}

    private record Un(UnaryFn fn, int dst, Operand x) implements Ins {}

    private record Bin(BinaryFn fn, int dst, Operand a, Operand b) implements Ins {}

    private record Fma(int dst, Operand a, Operand b, Operand c) implements Ins {}

    private record Cmp(CompareFn fn, int dst, Operand a, Operand b) implements Ins {}

    private record Sel(int dst, Operand c, Operand a, Operand b) implements Ins {}

    private final Shape shape;
    private final Lanes lanes;
    private final DType working;
    private final List<Ins> program = new ArrayList<>();
    /** The program as an array, walked by index: an iterator per chunk would be garbage. */
    private final Ins[] instructions;
    private final List<double[]> constants = new ArrayList<>();
    private final Operand result;
    private int registers;
    private final Deque<Integer> freeRegisters = new ArrayDeque<>();

    /** Constant registers: index and value, filled once per scratch. */
    private final List<int[]> constantRegisters = new ArrayList<>();

    private final java.util.function.IntFunction<DType> storageOf;

    /** @param storageOf the storage type of each buffer id: loads of another type are converted */
    ChunkKernel(Expr body, Shape shape, DType working, java.util.function.IntFunction<DType> storageOf) {
        this.shape = shape;
        this.working = working;
        this.storageOf = storageOf;
        this.lanes = Lanes.of(working);
        this.result = compile(body);
        this.instructions = program.toArray(new Ins[0]);
    }

    /**
     * Registers not in use, for the next task that runs this kernel: as many as ever ran it at
     * once, and owned by the kernel, so they go when the program goes. (Per-thread registers in
     * ThreadLocals stayed reachable from every thread that ran the kernel, the pool's threads
     * and the callers', long after the program was dropped.)
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<Scratch> idle =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** The scratch given back last (a queue node per give-back would be garbage per run). */
    private final java.util.concurrent.atomic.AtomicReference<Scratch> last =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** The registers of one task: no two tasks running at once share them. */
    final class Scratch {
        final Object[] regs = new Object[registers];
        /** Where {@link #evaluate} reports the offset of its result. */
        final int[] offset = new int[1];
        /** The position of a gather's walk over the kernel's shape. */
        final int[] index = new int[shape.rank()];

        Scratch() {
            // A register holds a chunk, or the whole kernel when that is smaller (a scalar: one).
            int length = Math.min(CHUNK, shape.size());
            for (int r = 0; r < registers; r++) {
                regs[r] = lanes.newArray(length);
            }
            for (int i = 0; i < constantRegisters.size(); i++) {
                lanes.fill(regs[constantRegisters.get(i)[0]], 0, constants.get(i)[0], length);
            }
        }
    }

    /** Registers for one task; give them back with {@link #release} when the task is done. */
    Scratch acquire() {
        Scratch s = last.getAndSet(null);
        if (s == null) {
            s = idle.poll();
        }
        return s != null ? s : new Scratch();
    }

    /** The slot first, so that a kernel run by one task at a time recycles without allocating. */
    void release(Scratch s) {
        if (!last.compareAndSet(null, s)) {
            idle.offer(s);
        }
    }

    Lanes lanes() {
        return lanes;
    }

    private Operand compile(Expr e) {
        return switch (e) {
            case Expr.Load(View v) -> {
                if (v.isContiguous() && storageMatches(v) && v.shape().equals(shape)) {
                    yield new Operand(-1, v);
                }
                int r = allocate();
                program.add(new Gather(r, v));
                yield Operand.register(r);
            }
            case Expr.Const(double value) -> {
                // One register per distinct number: a long chain repeats its constants.
                for (int i = 0; i < constants.size(); i++) {
                    if (Double.doubleToRawLongBits(constants.get(i)[0]) == Double.doubleToRawLongBits(value)) {
                        yield Operand.register(constantRegisters.get(i)[0]);
                    }
                }
                int r = registers++;
                constantRegisters.add(new int[] {r});
                constants.add(new double[] {value});
                yield Operand.register(r);
            }
            case Expr.Unary(var fn, Expr x) -> {
                Operand a = compile(x);
                release(a);
                int r = allocate();
                program.add(new Un(fn, r, a));
                yield Operand.register(r);
            }
            case Expr.Binary(var fn, Expr x, Expr y) -> {
                Operand a = compile(x);
                Operand b = compile(y);
                release(a);
                release(b);
                int r = allocate();
                program.add(new Bin(fn, r, a, b));
                yield Operand.register(r);
            }
            case Expr.Fma(Expr x, Expr y, Expr z) -> {
                Operand a = compile(x);
                Operand b = compile(y);
                Operand c = compile(z);
                release(a);
                release(b);
                release(c);
                int r = allocate();
                program.add(new Fma(r, a, b, c));
                yield Operand.register(r);
            }
            case Expr.Compare(var fn, Expr x, Expr y) -> {
                Operand a = compile(x);
                Operand b = compile(y);
                release(a);
                release(b);
                int r = allocate();
                program.add(new Cmp(fn, r, a, b));
                yield Operand.register(r);
            }
            case Expr.Where(Expr c, Expr x, Expr y) -> {
                Operand cond = compile(c);
                Operand a = compile(x);
                Operand b = compile(y);
                release(cond);
                release(a);
                release(b);
                int r = allocate();
                program.add(new Sel(r, cond, a, b));
                yield Operand.register(r);
            }
        };
    }

    private boolean storageMatches(View v) {
        return storageOf.apply(v.buffer()) == working.storage();
    }

    private int allocate() {
        return freeRegisters.isEmpty() ? registers++ : freeRegisters.pop();
    }

    private void release(Operand o) {
        if (o.view() == null && !isConstant(o.register())) {
            freeRegisters.push(o.register());
        }
    }

    private boolean isConstant(int r) {
        for (int[] c : constantRegisters) {
            if (c[0] == r) {
                return true;
            }
        }
        return false;
    }

    /**
     * Evaluates elements [start, start + n) (row-major over the kernel's shape, n <= CHUNK) and
     * returns the array and offset holding them.
     */
    Object evaluate(Object[] buffers, Scratch s, int start, int n, int[] offsetOut) {
        for (Ins ins : instructions) {
            switch (ins) {
                case Gather g -> Gathers.gather(lanes, g.view(), shape, buffers[g.view().buffer()], start, n, s.regs[g.dst()], 0,
                        s.index);
                case Un u -> lanes.unary(u.fn(), s.regs[u.dst()], 0, array(u.x(), buffers, s), offset(u.x(), start), n);
                case Bin b -> lanes.binary(b.fn(), s.regs[b.dst()], 0, array(b.a(), buffers, s), offset(b.a(), start),
                        array(b.b(), buffers, s), offset(b.b(), start), n);
                case Fma f -> lanes.fma(s.regs[f.dst()], 0, array(f.a(), buffers, s), offset(f.a(), start),
                        array(f.b(), buffers, s), offset(f.b(), start), array(f.c(), buffers, s), offset(f.c(), start), n);
                case Cmp c -> lanes.compare(c.fn(), s.regs[c.dst()], 0, array(c.a(), buffers, s), offset(c.a(), start),
                        array(c.b(), buffers, s), offset(c.b(), start), n);
                case Sel w -> lanes.where(s.regs[w.dst()], 0, array(w.c(), buffers, s), offset(w.c(), start),
                        array(w.a(), buffers, s), offset(w.a(), start), array(w.b(), buffers, s), offset(w.b(), start), n);
            }
        }
        offsetOut[0] = offset(result, start);
        return array(result, buffers, s);
    }

    private static Object array(Operand o, Object[] buffers, Scratch s) {
        return o.view() == null ? s.regs[o.register()] : buffers[o.view().buffer()];
    }

    private static int offset(Operand o, int start) {
        return o.view() == null ? 0 : o.view().offset() + start;
    }
}

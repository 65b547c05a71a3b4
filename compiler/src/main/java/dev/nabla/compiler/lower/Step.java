package dev.nabla.compiler.lower;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.core.Shape;
import java.util.List;

/** One kernel of a lowered program. Each writes one whole temporary buffer, row-major. */
public sealed interface Step {
    int output();

    /** Every buffer the step writes: one, but for a loop. */
    default List<Integer> outputs() {
        return List.of(output());
    }

    /** The views this step reads. */
    default List<View> reads() {
        return MemoryPlan.reads(this);
    }

    /** out[i] = body(i) for every index of shape; dtype is the working and the stored type. */
    record Elementwise(int output, Shape shape, DType dtype, Expr body) implements Step {}

    /**
     * out = reduce(fn, body over inShape, axes), keeping the reduced axes as size 1 (a reshape
     * view drops them). The body is fused: it is never stored.
     */
    record Reduce(int output, ReduceFn fn, Shape inShape, int[] axes, DType dtype, Expr body) implements Step {}

    /** Batched matrix product of two views [..., m, k] and [..., k, n]. */
    record MatMul(int output, View a, View b, DType dtype) implements Step {}

    /**
     * Random values of {@code dist} from the keys of a view [..., 2] (see
     * {@link dev.nabla.compiler.random.Draws}, which every backend runs for the same bits).
     */
    record Random(int output, View key, dev.nabla.compiler.ir.Distribution dist, Shape shape, DType dtype)
            implements Step {
        /** The draws this step makes: the output's elements per key row. */
        public dev.nabla.compiler.random.Draws draws() {
            int keys = key.shape().size() / 2;
            return new dev.nabla.compiler.random.Draws(dist, dtype, keys == 0 ? 0 : shape.size() / keys);
        }
    }

    /** A contiguous copy of a view, converting between dtypes when they differ. */
    record Copy(int output, View source, DType from, DType to) implements Step {}

    /** Zeros of {@code shape}, with the source placed at starts + i * steps. */
    record Pad(int output, View source, int[] starts, int[] steps, Shape shape, DType dtype) implements Step {}

    /** The windows of a view: {@link dev.nabla.compiler.ir.Op.Windows}, into [..., K, out...]. */
    record Windows(int output, View source, dev.nabla.compiler.ir.WindowShape window, Shape shape, DType dtype)
            implements Step {}

    /** Windows [..., K, out...] summed back into {@code shape} [..., in...]: their adjoint. */
    record WindowsSum(int output, View source, dev.nabla.compiler.ir.WindowShape window, Shape shape, DType dtype)
            implements Step {}

    /** Views joined along an axis. */
    record Concat(int output, List<View> parts, int axis, Shape shape, DType dtype) implements Step {}

    /**
     * out = x gathered along {@code axis} at {@code indices} (a view of i32 values, often
     * broadcast), out's shape the indices'. Runners check every index against the axis' size.
     */
    record Gather(int output, View x, View indices, int axis, DType dtype) implements Step {}

    /** Zeros of {@code shape} with the updates added at the indices along {@code axis}. */
    record ScatterAdd(int output, View indices, View updates, int axis, Shape shape, DType dtype) implements Step {}

    /**
     * A loop: the body's program run once per step. Inputs as a loop node's (initial carries,
     * stacked inputs, captured values); {@code buffers} has one per output of the body (final
     * carries, then stacked outputs), -1 for an output nothing reads. Backends compile the body's program
     * themselves.
     */
    record Loop(List<Integer> buffers, List<View> inputs, dev.nabla.compiler.ir.LoopBody body) implements Step {
        public Loop {
            buffers = List.copyOf(buffers);
            inputs = List.copyOf(inputs);
        }

        @Override
        public int output() {
            return outputs().get(0);
        }

        /** The buffers written: those of the outputs something reads. */
        @Override
        public List<Integer> outputs() {
            return buffers.stream().filter(o -> o >= 0).toList();
        }
    }

    /**
     * A conditional: the program of the branch that {@code index} selects, run once. Inputs: the
     * index (an i32 scalar), then the captured values; one buffer per result.
     */
    record Cond(List<Integer> outputs, List<View> inputs, dev.nabla.compiler.ir.CondBranches branches) implements Step {
        public Cond {
            outputs = List.copyOf(outputs);
            inputs = List.copyOf(inputs);
        }

        @Override
        public int output() {
            return outputs.get(0);
        }
    }
}

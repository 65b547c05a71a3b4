package dev.nabla.runtime.jvm;

import dev.nabla.core.DType;
import dev.nabla.compiler.lower.Step;
import java.util.function.IntFunction;

/**
 * A fused elementwise kernel, split across threads for large outputs: generated SIMD code where
 * the body has a vector form (over flat ranges, or row by row where loads are broadcast along
 * rows), the chunk kernel for the rest and for the flat code's tail.
 */
final class ElementwiseRunner implements StepRunner {
    /** Generated kernels by step (equal steps read equal buffers: the code is the same). */
    private static final CodeCache<Step.Elementwise, RangeKernel> CODE =
            new CodeCache<>(1024, VectorCodegen::compile, step -> step);
    /** Generated row kernels by step, likewise. */
    private static final CodeCache<Step.Elementwise, RowKernel> ROW_CODE =
            new CodeCache<>(1024, VectorCodegen::compileRows, step -> step);

    private final Step.Elementwise step;
    private final ChunkKernel kernel;
    private final Lanes store;
    /** Generated SIMD code for the body when it has a vector form, else null. */
    private final RangeKernel vectorized;
    /** Otherwise, generated SIMD code row by row where the loads allow ({@link RowLayout}), else null. */
    private final RowKernel byRows;
    private final RowLayout rows;

    ElementwiseRunner(Step.Elementwise step, IntFunction<DType> storageOf) {
        this.step = step;
        this.kernel = new ChunkKernel(step.body(), step.shape(), step.dtype(), storageOf);
        this.vectorized = VectorCodegen.accepts(step, storageOf) ? CODE.get(step) : null;
        this.rows = vectorized == null ? VectorCodegen.rowsOf(step, storageOf) : null;
        this.byRows = rows == null ? null : ROW_CODE.get(step);
        this.store = Lanes.of(storageOf.apply(step.output()));
    }

    @Override
    public void run(Object[] buffers) {
        if (byRows != null) {
            Parallel.forRange(rows.rows(), Math.max(1, Parallel.MIN_ELEMENTS_PER_TASK / rows.rowLength()),
                    (from, to) -> byRows.run(buffers, from, to));
            return;
        }
        Object out = buffers[step.output()];
        Parallel.forRange(step.shape().size(), Parallel.MIN_ELEMENTS_PER_TASK, (start, end) -> {
            int from = vectorized != null ? vectorized.run(buffers, start, end) : start;
            if (from == end) {
                return;
            }
            ChunkKernel.Scratch s = kernel.acquire();
            try {
                int[] offset = s.offset;
                for (int at = from; at < end; at += ChunkKernel.CHUNK) {
                    int n = Math.min(ChunkKernel.CHUNK, end - at);
                    Object values = kernel.evaluate(buffers, s, at, n, offset);
                    store.convert(out, at, values, offset[0], n);
                }
            } finally {
                kernel.release(s);
            }
        });
    }
}

package dev.nabla.runtime.jvm;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.lower.Step;
import java.util.function.IntFunction;

/** A fused elementwise kernel, split across threads for large outputs. */
final class ElementwiseRunner implements StepRunner {
    private final Step.Elementwise step;
    private final ChunkKernel kernel;
    private final Lanes store;

    ElementwiseRunner(Step.Elementwise step, IntFunction<DType> storageOf) {
        this.step = step;
        this.kernel = new ChunkKernel(step.body(), step.shape(), step.dtype(), storageOf);
        this.store = Lanes.of(storageOf.apply(step.output()));
    }

    @Override
    public void run(Object[] buffers) {
        Object out = buffers[step.output()];
        Parallel.forRange(step.shape().size(), Parallel.MIN_ELEMENTS_PER_TASK, (start, end) -> {
            ChunkKernel.Scratch s = kernel.acquire();
            try {
                int[] offset = new int[1];
                for (int at = start; at < end; at += ChunkKernel.CHUNK) {
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

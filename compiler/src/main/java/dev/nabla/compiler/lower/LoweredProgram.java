package dev.nabla.compiler.lower;

import dev.nabla.compiler.Program;
import java.util.List;

/**
 * A program as kernels over buffers: what a backend executes. {@code results} are views of the
 * values the program returns (outputs, then updates), some of which may be inputs or parameters
 * themselves; {@code slots} is the number of temporary storage slots and {@code slotSizes} the
 * element count and dtype of each, from the memory plan.
 */
public record LoweredProgram(Program program, List<Buffer> buffers, List<Step> steps, List<View> results,
                             List<Integer> inputBuffers, List<Integer> parameterBuffers, List<Slot> slots) {
    /** Storage shared by temporaries whose lifetimes do not overlap. */
    public record Slot(dev.nabla.core.DType dtype, int size) {}

    public Buffer buffer(int id) {
        return buffers.get(id);
    }
}

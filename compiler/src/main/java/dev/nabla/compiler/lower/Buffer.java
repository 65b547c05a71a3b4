package dev.nabla.compiler.lower;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;

/**
 * A memory region a lowered program uses. Inputs, parameters and constants are bound from
 * outside; temporaries are owned by the program and share {@link #slot}s when their lifetimes
 * do not overlap (the memory plan).
 *
 * @param slot    the storage slot this buffer occupies (temporaries only; -1 otherwise)
 * @param origin  the node whose value the buffer holds
 */
public record Buffer(int id, Kind kind, DType dtype, int size, Node origin, int slot) {
    public enum Kind { INPUT, PARAMETER, CONSTANT, TEMP }

    public Buffer withSlot(int slot) {
        return new Buffer(id, kind, dtype, size, origin, slot);
    }
}

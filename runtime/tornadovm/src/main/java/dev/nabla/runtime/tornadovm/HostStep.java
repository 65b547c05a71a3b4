package dev.nabla.runtime.tornadovm;

import dev.nabla.core.NDArray;
import java.util.List;

/** A loop, conditional or random draw that the host runs between a staged program's task graphs (see {@link StagedExecutable}). */
interface HostStep {
    /** Every output (by output index) from the values of the node's inputs, in their order. */
    List<NDArray> run(List<NDArray> inputs);

    /** Frees the compiled programs it runs. */
    void close();
}

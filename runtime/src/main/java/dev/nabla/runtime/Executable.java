package dev.nabla.runtime;

import dev.nabla.compiler.Program;
import java.util.List;

/** A compiled program, ready to run any number of times. Implementations are thread-safe. */
public interface Executable {
    Program program();

    /**
     * Runs the program.
     *
     * @param inputs     one array per {@link Program#inputs()}, in that order, already checked
     * @param parameters one array per {@link Program#parameters()}, in that order
     * @return one array per {@link Program#results()}: the outputs, then the updates' new values
     */
    List<NDArray> run(List<NDArray> inputs, List<NDArray> parameters);
}

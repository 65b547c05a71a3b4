package dev.nabla.runtime;

import dev.nabla.core.NDArray;

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

    /**
     * {@link #run(List, List)} with the values in arrays, which the call neither keeps nor
     * changes: for a caller that evaluates small programs again and again (a backend can then
     * read them without a list around them).
     */
    default List<NDArray> run(NDArray[] inputs, NDArray[] parameters) {
        return run(java.util.Arrays.asList(inputs), java.util.Arrays.asList(parameters));
    }

    /**
     * Runs the program and writes result i into {@code destinations[i]} (a float[] for f32,
     * else a double[], of the result's size) where that is not null, so that large outputs can
     * reuse memory across runs. Backends that can compute straight into the destination do so.
     *
     * @return the results without a destination (the others may be missing or stale)
     */
    default List<NDArray> runInto(List<NDArray> inputs, List<NDArray> parameters, Object[] destinations) {
        List<NDArray> results = run(inputs, parameters);
        for (int i = 0; i < destinations.length; i++) {
            if (destinations[i] != null) {
                Object from = results.get(i).storage();
                System.arraycopy(from, 0, destinations[i], 0, results.get(i).size());
            }
        }
        return results;
    }

    /** Code to call with doubles when the program is all scalars and the backend compiled it so; else null. */
    default ScalarEntryPoint scalarEntryPoint() {
        return null;
    }

    /** Frees what the program holds outside the Java heap (device memory, loaded kernels). */
    default void close() {}
}

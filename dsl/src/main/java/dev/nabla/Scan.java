package dev.nabla;

import dev.nabla.core.NablaException.GraphException;
import java.util.List;

/**
 * The pieces of a scan (see {@link Nabla#scan}): what a step returns and what the loop gives back.
 * A step returns its new carries, each of the shape and dtype it came in with, and the values to
 * stack, the same shapes at every step.
 */
public final class Scan {
    private Scan() {}

    /**
     * One step's result: the new carries and the per-step outputs to stack.
     *
     * @param carries the new carries, each of the shape and dtype it came in with
     * @param ys      the outputs to stack, of the same shapes at every step
     */
    public record Step(List<Tensor> carries, List<Tensor> ys) {
        /**
         * Copies the lists.
         *
         * @throws dev.nabla.core.NablaException.GraphException if either list is null
         */
        public Step {
            if (carries == null || ys == null) {
                throw new GraphException("scan: a step's carries and outputs must not be null (use List.of())");
            }
            carries = List.copyOf(carries);
            ys = List.copyOf(ys);
        }

        /**
         * {@return one carry and one per-step output}
         *
         * @param carry the new carry
         * @param y     the output to stack
         */
        public static Step of(Tensor carry, Tensor y) {
            return new Step(List.of(carry), List.of(y));
        }
    }

    /**
     * The final carries and the stacked outputs (the step index first).
     *
     * @param carries the carries after the last step
     * @param ys      each per-step output, stacked along a new first axis
     */
    public record Result(List<Tensor> carries, List<Tensor> ys) {
        /**
         * {@return the only final carry}
         *
         * @throws dev.nabla.core.NablaException.GraphException if there is not exactly one
         */
        public Tensor carry() {
            return only(carries, "carry");
        }

        /**
         * {@return the only stacked output}
         *
         * @throws dev.nabla.core.NablaException.GraphException if there is not exactly one
         */
        public Tensor stacked() {
            return only(ys, "stacked output");
        }

        private static Tensor only(List<Tensor> list, String what) {
            if (list.size() != 1) {
                throw new GraphException("scan: there are " + list.size() + " of " + what + "s; take one from the list");
            }
            return list.get(0);
        }
    }

    /** A step over the index (an i32 scalar), the carries and one slice of each stacked input. */
    @FunctionalInterface
    public interface Body {
        /**
         * {@return the step's new carries and outputs to stack}
         *
         * @param index   the step's position in the stacked inputs, an i32 scalar
         * @param carries the carries
         * @param xs      this step's slice of each stacked input
         */
        Step apply(Tensor index, List<Tensor> carries, List<Tensor> xs);
    }
}

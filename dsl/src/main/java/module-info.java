/**
 * Nabla: static computation graphs with symbolic differentiation, for Java.
 *
 * <p>Users build graphs with {@code dev.nabla} ({@code Graph}, {@code Tensor}, {@code Nabla}),
 * name arrays, shapes, types and devices from {@code dev.nabla.core}, train with
 * {@code dev.nabla.optim} and {@code dev.nabla.nn}, feed data with {@code dev.nabla.data} and keep
 * models with {@code dev.nabla.io}.
 */
module dev.nabla {
    requires transitive dev.nabla.compiler;
    requires dev.nabla.runtime;
    requires tools.jackson.databind;
    requires org.apache.commons.csv;

    exports dev.nabla;
    exports dev.nabla.data;
    exports dev.nabla.io;
    exports dev.nabla.nn;
    exports dev.nabla.optim;
}

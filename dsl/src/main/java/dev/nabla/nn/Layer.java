package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * A piece of a model: a function of a tensor that may read parameters. A layer is a description
 * (plain data, no graph): {@link Model#create} declares its parameters in a graph once, and each
 * call of {@link Model#forward} applies it to another input with those parameters. A lambda is a
 * layer without parameters:
 *
 * <pre>{@code
 * Layer swish = (x, scope) -> x.mul(x.sigmoid());
 * }</pre>
 */
@FunctionalInterface
public interface Layer {

    /**
     * {@return the output for {@code x}}
     *
     * @param x     the input
     * @param scope this layer's parameters and the mode (training or evaluation)
     */
    Tensor forward(Tensor x, Scope scope);

    /**
     * Declares this layer's parameters and buffers (none by default).
     *
     * @param declarations where to declare them, under this layer's name
     */
    default void declare(Declarations declarations) {}
}

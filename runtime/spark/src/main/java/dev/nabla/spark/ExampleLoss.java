package dev.nabla.spark;

import dev.nabla.Tensor;
import dev.nabla.nn.Model;
import java.io.Serializable;

/**
 * The loss of each example, f32 [n], for features f32 [n, F] and labels ({@link Labels}); the
 * training loss is their mean over the global batch, as PyTorch's {@code reduction='mean'}. One
 * value per example lets a partition hand in the sum over its share of the batch, padded to a
 * size compiled before (padding rows weigh 0). See {@link ExampleLosses} for the usual ones.
 */
@FunctionalInterface
public interface ExampleLoss extends Serializable {
    /**
     * {@return the loss of each example, f32 [n]} It is traced once per padded share size on each
     * executor, and once on the driver to check it.
     *
     * @param model    the model the factory built (call {@link Model#forward} for training mode)
     * @param features the examples' features, f32 [n, F]
     * @param labels   their labels, i32 [n] or f32 [n] as {@link Labels} says
     */
    Tensor apply(Model model, Tensor features, Tensor labels);
}

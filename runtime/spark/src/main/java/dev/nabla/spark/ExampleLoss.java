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
    Tensor apply(Model model, Tensor features, Tensor labels);
}

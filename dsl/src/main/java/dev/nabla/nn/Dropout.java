package dev.nabla.nn;

import dev.nabla.Nabla;
import dev.nabla.Tensor;

/**
 * PyTorch's {@code nn.Dropout(p)}: in training mode each element is zeroed with probability p
 * and the rest scaled by 1/(1 − p), with a new mask at every training step; in evaluation mode
 * the identity.
 *
 * @param p the probability that an element is zeroed, in [0, 1]
 */
public record Dropout(double p) implements Layer {

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        return scope.training() ? Nabla.dropout(x, p, scope.key(), true) : x;
    }
}

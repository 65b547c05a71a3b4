package dev.nabla.nn;

import dev.nabla.Tensor;
import dev.nabla.core.Shape;

/**
 * y = x·Wᵀ + b over the last axis, as PyTorch's {@code nn.Linear(in, out)}: weight [out, in]
 * and bias [out], initialized as PyTorch does.
 *
 * @param in   the input's last axis
 * @param out  the output's last axis
 * @param bias whether to add a learned bias
 */
public record Linear(int in, int out, boolean bias) implements Layer {

    /**
     * A linear layer with a bias.
     *
     * @param in  the input's last axis
     * @param out the output's last axis
     */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    @Override
    public void declare(Declarations d) {
        Shape weight = Shape.of(out, in);
        d.parameter("weight", weight, Initializers.kaimingUniformDefault());
        if (bias) {
            d.parameter("bias", Shape.of(out), Initializers.biasFor(weight));
        }
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        Tensor y = x.matmul(scope.get("weight").transpose(0, 1));
        return bias ? y.add(scope.get("bias")) : y;
    }
}

package dev.nabla.nn;

import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.Shape;

/**
 * PyTorch's {@code nn.Embedding(count, dim)}: i32 ids of any shape to rows of a weight
 * [count, dim] drawn from N(0, 1), as PyTorch initializes it; its gradient is a scatter-add.
 *
 * @param count the number of ids, from 0 to {@code count - 1}
 * @param dim   the length of each id's vector
 */
public record Embedding(int count, int dim) implements Layer {

    @Override
    public void declare(Declarations d) {
        d.parameter("weight", Shape.of(count, dim), Initializers.normal(0, 1));
    }

    @Override
    public Tensor forward(Tensor ids, Scope scope) {
        return Nabla.embedding(ids, scope.get("weight"));
    }
}

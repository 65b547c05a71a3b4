package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.List;

/**
 * Layers applied in turn; the i-th one's parameters are named {@code i.name}, as in PyTorch.
 *
 * @param layers the layers, first applied first (copied)
 */
public record Sequential(List<Layer> layers) implements Layer {

    /** Copies the list of layers. */
    public Sequential {
        layers = List.copyOf(layers);
    }

    /**
     * {@return the layers applied in turn}
     *
     * @param layers the layers, first applied first
     */
    public static Sequential of(Layer... layers) {
        return new Sequential(List.of(layers));
    }

    @Override
    public void declare(Declarations d) {
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).declare(d.child(String.valueOf(i)));
        }
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        Tensor y = x;
        for (int i = 0; i < layers.size(); i++) {
            y = layers.get(i).forward(y, scope.child(String.valueOf(i)));
        }
        return y;
    }
}

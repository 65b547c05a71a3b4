package dev.nabla.nn;

import dev.nabla.Tensor;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.NDArray;

/** Checks and converts a loaded value for the tensor it goes into, as PyTorch's copy_ does. */
final class StateValues {
    private StateValues() {}

    static NDArray convert(String op, String name, NDArray value, Tensor target) {
        if (!value.shape().equals(target.shape())) {
            throw new FeedException(op + ": '" + name + "' is " + target.dtype() + target.shape() + " in the model, but "
                    + value.dtype() + value.shape() + " in the state dict");
        }
        if (value.dtype() == target.dtype()) {
            return value;
        }
        if (value.dtype().isFloating() != target.dtype().isFloating()) {
            throw new FeedException(op + ": '" + name + "' is " + target.dtype() + " in the model, but " + value.dtype()
                    + " in the state dict; only floating values convert to another floating type");
        }
        return NDArray.fromDoubles(target.dtype(), target.shape(), value.toDoubleArray());
    }
}

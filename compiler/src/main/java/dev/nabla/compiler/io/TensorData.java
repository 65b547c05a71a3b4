package dev.nabla.compiler.io;

import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;

/**
 * A tensor's values as the host holds them (the layout of the runtime's arrays): a float[] for
 * f32, a double[] for every other dtype (i32 and bool as whole numbers). What a saved graph holds
 * for a parameter. The storage is handed over, not copied.
 */
public record TensorData(DType dtype, Shape shape, Object storage) {
    public TensorData {
        boolean fits = dtype == DType.F32
                ? storage instanceof float[] f && f.length == shape.size()
                : storage instanceof double[] d && d.length == shape.size();
        if (!fits) {
            throw new ShapeException("tensor data: a " + dtype + shape + " tensor needs a "
                    + (dtype == DType.F32 ? "float[]" : "double[]") + " of " + shape.size() + " values, got "
                    + (storage == null ? "null" : storage.getClass().getSimpleName()));
        }
    }
}

package dev.nabla.spark;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.NDArray;
import java.io.Serializable;

/** An NDArray's dtype, shape and values in a form Java serialization carries (NDArray itself is not serializable). */
record HostArray(DType dtype, int[] dims, Object values) implements Serializable {
    static HostArray of(NDArray a) {
        Object v = a.storage();
        return new HostArray(a.dtype(), a.shape().dims(), v instanceof float[] f ? f.clone() : ((double[]) v).clone());
    }

    NDArray toNDArray() {
        return NDArray.wrap(dtype, new Shape(dims), values instanceof float[] f ? f.clone() : ((double[]) values).clone());
    }
}

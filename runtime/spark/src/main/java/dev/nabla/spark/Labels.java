package dev.nabla.spark;

import dev.nabla.core.DType;

/** What a label column holds, and so the tensor the loss gets for it. */
public enum Labels {
    /** Class indices 0, 1, 2, ...: labels i32 [n], as cross-entropy takes them. */
    CLASSES(DType.I32),
    /** Real values (regression targets): labels f32 [n]. */
    VALUES(DType.F32);

    private final DType dtype;

    Labels(DType dtype) {
        this.dtype = dtype;
    }

    /** {@return the dtype of the labels the loss gets: i32 for classes, f32 for values} */
    public DType dtype() {
        return dtype;
    }
}

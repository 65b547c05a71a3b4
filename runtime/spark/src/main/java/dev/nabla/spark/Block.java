package dev.nabla.spark;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.io.Serializable;

/**
 * One partition's examples, read once and cached by Spark: features row after row (f32 [rows,
 * features]) and a label per row (a class index or a value, exact in a double). A plain class,
 * not a record: a cached block may spill through Kryo, which cannot rebuild records.
 */
final class Block implements Serializable {
    private final int rows;
    private final int features;
    private final float[] x;
    private final double[] y;

    Block(int rows, int features, float[] x, double[] y) {
        this.rows = rows;
        this.features = features;
        this.x = x;
        this.y = y;
    }

    int rows() {
        return rows;
    }

    /**
     * The examples at {@code picked} (row numbers here), padded to {@code padded} rows by repeating
     * the first (a real example, so the model computes finite values for it), and a mask that is 1
     * on the picked rows and 0 on the padding: the features, the labels and the mask.
     */
    NDArray[] take(int[] picked, int padded, Labels labels) {
        float[] xs = new float[padded * features];
        double[] ys = new double[padded];
        float[] mask = new float[padded];
        for (int i = 0; i < padded; i++) {
            int row = picked[i < picked.length ? i : 0];
            System.arraycopy(x, row * features, xs, i * features, features);
            ys[i] = y[row];
            mask[i] = i < picked.length ? 1 : 0;
        }
        return new NDArray[] {NDArray.wrap(DType.F32, Shape.of(padded, features), xs),
                NDArray.fromDoubles(labels.dtype(), Shape.of(padded), ys), NDArray.wrap(DType.F32, Shape.of(padded), mask)};
    }
}

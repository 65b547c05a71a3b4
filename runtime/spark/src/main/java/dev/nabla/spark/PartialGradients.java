package dev.nabla.spark;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sum of the loss and of each parameter's gradient over some examples of one global batch,
 * as partitions hand them in and tree aggregation adds them up. The empty value (no examples) is
 * what the aggregation starts from, so a large zero is never shipped with every task.
 *
 * <p>Partitions compute in f32; sums across partitions are kept in double, where adding a few
 * floats is exact unless their exponents lie far apart: so the result hardly depends on the order
 * Spark combines them in (which follows the order tasks finish in).
 */
final class PartialGradients implements Serializable {
    private long examples;
    private double loss;
    /** One array per parameter, in the broadcast's order; null while nothing has been added. */
    private double[][] sums;
    /** Partitions whose loss or gradients were not finite. */
    private int[] nonFinite = new int[0];

    static PartialGradients empty() {
        return new PartialGradients();
    }

    /** One partition's sums: {@code loss} over {@code examples} examples and each parameter's summed gradient. */
    static PartialGradients of(int partition, int examples, NDArray loss, List<NDArray> gradients) {
        PartialGradients p = new PartialGradients();
        p.examples = examples;
        p.loss = loss.item();
        p.sums = new double[gradients.size()][];
        boolean finite = Double.isFinite(p.loss);
        for (int i = 0; i < gradients.size(); i++) {
            p.sums[i] = gradients.get(i).toDoubleArray();
            finite &= gradients.get(i).isFinite();
        }
        if (!finite) {
            p.nonFinite = new int[] {partition};
        }
        return p;
    }

    /** Adds {@code other} into this one (as Spark's aggregation allows) and returns this. */
    PartialGradients add(PartialGradients other) {
        examples += other.examples;
        loss += other.loss;
        if (other.sums != null) {
            if (sums == null) {
                sums = new double[other.sums.length][];
                for (int i = 0; i < sums.length; i++) {
                    sums[i] = other.sums[i].clone();
                }
            } else {
                for (int i = 0; i < sums.length; i++) {
                    double[] s = sums[i];
                    double[] o = other.sums[i];
                    for (int j = 0; j < s.length; j++) {
                        s[j] += o[j];
                    }
                }
            }
        }
        if (other.nonFinite.length > 0) {
            int[] both = Arrays.copyOf(nonFinite, nonFinite.length + other.nonFinite.length);
            System.arraycopy(other.nonFinite, 0, both, nonFinite.length, other.nonFinite.length);
            Arrays.sort(both);
            nonFinite = both;
        }
        return this;
    }

    long examples() {
        return examples;
    }

    /** The mean loss over the examples added. */
    double meanLoss() {
        return loss / examples;
    }

    int[] nonFinite() {
        return nonFinite.clone();
    }

    /** Each mean gradient, rounded to the parameter's dtype: what the optimizer steps with. */
    List<NDArray> means(List<DType> dtypes, List<Shape> shapes) {
        List<NDArray> out = new ArrayList<>(sums.length);
        for (int i = 0; i < sums.length; i++) {
            double[] mean = new double[sums[i].length];
            for (int j = 0; j < mean.length; j++) {
                mean[j] = sums[i][j] / examples;
            }
            out.add(NDArray.fromDoubles(dtypes.get(i), shapes.get(i), mean));
        }
        return out;
    }
}

package dev.nabla;

import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.Random;

/** Test data the tests share. */
final class TestArrays {
    private TestArrays() {}

    /** f64 values uniform in [-scale, scale). */
    static NDArray uniform(Random rnd, double scale, int... dims) {
        double[] v = new double[new Shape(dims).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * (rnd.nextDouble() * 2 - 1);
        }
        return NDArray.of(v, dims);
    }

    static double mean(double[] v) {
        return java.util.Arrays.stream(v).average().orElseThrow();
    }

    /** The unbiased sample variance. */
    static double variance(double[] v) {
        double m = mean(v);
        return java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1);
    }
}

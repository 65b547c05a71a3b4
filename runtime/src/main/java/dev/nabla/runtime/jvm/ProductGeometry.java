package dev.nabla.runtime.jvm;

import dev.nabla.compiler.lower.Step;
import dev.nabla.core.Shape;

/**
 * The sizes of a batched matrix product [..., m, k] x [..., k, n]: how many matrices, and each
 * one's m, k and n. Every runner of a product (plain, over windows, into a windows sum) reads them.
 */
record ProductGeometry(int batches, int m, int k, int n) {
    static ProductGeometry of(Step.MatMul product) {
        Shape a = product.a().shape();
        int r = a.rank();
        int batches = 1;
        for (int d = 0; d < r - 2; d++) {
            batches *= a.dim(d);
        }
        return new ProductGeometry(batches, a.dim(r - 2), a.dim(r - 1), product.b().shape().dim(r - 1));
    }
}

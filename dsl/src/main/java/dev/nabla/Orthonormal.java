package dev.nabla;

/** Modified Gram-Schmidt, run twice ("twice is enough"): orthonormal columns to rounding in double. */
final class Orthonormal {
    private Orthonormal() {}

    /** Makes the columns q[0..n-1] (each of length m >= n) orthonormal in place, in order. */
    static void columns(double[][] q) {
        for (int j = 0; j < q.length; j++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < j; k++) {
                    double dot = 0;
                    for (int i = 0; i < q[j].length; i++) {
                        dot += q[k][i] * q[j][i];
                    }
                    for (int i = 0; i < q[j].length; i++) {
                        q[j][i] -= dot * q[k][i];
                    }
                }
            }
            double norm = 0;
            for (double v : q[j]) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                throw new IllegalStateException("orthogonal: a drawn column is dependent on the ones before it");
            }
            for (int i = 0; i < q[j].length; i++) {
                q[j][i] /= norm;
            }
        }
    }
}

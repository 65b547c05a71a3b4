package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.core.DType;
import java.util.Optional;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;

/**
 * A matrix product as one call of cuBLAS's {@code sgemm} (or its strided-batched form), for
 * TornadoVM's CUDA backend, which runs cuBLAS as a library task in the program's task graph on
 * the device buffers the other tasks use.
 *
 * <p>cuBLAS is column-major and Nabla row-major: a row-major m x n product C = A B is the
 * column-major n x m product C' = B' A', where a row-major operand read as column-major is its
 * transpose. So B goes first; an operand whose last axis is contiguous is passed as it is
 * ({@code N}), one whose second-to-last axis is contiguous (a transposed view) as {@code T},
 * with the other axis's stride as its leading dimension. Products the call cannot express fall
 * back to the tiled kernel: an operand that starts inside its buffer, neither axis contiguous,
 * or batch axes that are not one uniform stride apart.
 *
 * @param transB  whether B is passed transposed (cuBLAS's first operand)
 * @param transA  whether A is
 * @param n       the product's columns (cuBLAS's m)
 * @param m       the product's rows (cuBLAS's n)
 * @param k       the inner dimension
 * @param ldb     B's leading dimension
 * @param lda     A's leading dimension
 * @param strideB the distance between B's matrices in a batch (0: one B for all)
 * @param strideA the distance between A's
 * @param batches the number of products
 */
record CuBlasGemm(boolean transB, boolean transA, int n, int m, int k, int ldb, int lda, long strideB, long strideA,
        int batches) {

    /**
     * Whether products on {@code device} go to cuBLAS: a device of TornadoVM's CUDA backend, with
     * TornadoVM's cuBLAS module loaded, unless {@code -Dnabla.tornadovm.cublas=false} (which
     * measures Nabla's own kernel on the same device).
     */
    static boolean usedOn(TornadoDevice device) {
        return device.getTornadoVMBackend() == TornadoVMBackendType.CUDA && MODULE_JAR.isPresent()
                && !"false".equalsIgnoreCase(System.getProperty("nabla.tornadovm.cublas"));
    }

    /** The jar of TornadoVM's cuBLAS module, where the JVM loaded it (the boot layer never changes). */
    static final Optional<String> MODULE_JAR = ModuleLayer.boot().configuration().findModule("tornado.cublas")
            .flatMap(resolved -> resolved.reference().location())
            .map(uri -> java.nio.file.Path.of(uri).toString());

    /** {@return the call for {@code product}, or empty where only the tiled kernel computes it} */
    static Optional<CuBlasGemm> of(Step.MatMul product) {
        if (product.dtype() != DType.F32) {
            return Optional.empty();
        }
        View a = product.a();
        View b = product.b();
        int r = a.shape().rank();
        int m = a.shape().dim(r - 2);
        int k = a.shape().dim(r - 1);
        int n = b.shape().dim(r - 1);
        Operand oa = Operand.of(a, m, k);
        Operand ob = Operand.of(b, k, n);
        Long strideA = batchStride(a);
        Long strideB = batchStride(b);
        boolean sameBatches = b.shape().rank() == r
                && java.util.Arrays.equals(a.shape().dims(), 0, r - 2, b.shape().dims(), 0, r - 2);
        if (oa == null || ob == null || strideA == null || strideB == null || !sameBatches || m == 0 || n == 0
                || k == 0) {
            return Optional.empty();
        }
        return Optional.of(new CuBlasGemm(ob.transposed, oa.transposed, n, m, k, ob.leading, oa.leading, strideB,
                strideA, TiledMatMul.Dims.of(product).batches()));
    }

    /** How a row-major rows x cols view reads as a column-major cuBLAS operand. */
    private record Operand(boolean transposed, int leading) {
        static Operand of(View v, int rows, int cols) {
            int r = v.shape().rank();
            if (v.offset() != 0) {
                return null;
            }
            int rowStride = v.stride(r - 2);
            int colStride = v.stride(r - 1);
            // A dimension of 1 has any stride: it is contiguous either way.
            if ((colStride == 1 || cols == 1) && rowStride >= Math.max(1, cols)) {
                return new Operand(false, Math.max(1, rows == 1 ? cols : rowStride));
            }
            if ((rowStride == 1 || rows == 1) && colStride >= Math.max(1, rows)) {
                return new Operand(true, Math.max(1, cols == 1 ? rows : colStride));
            }
            return null;
        }
    }

    /**
     * The one stride between consecutive matrices of a view [..., rows, cols] over its batch axes
     * in row-major order, or null where the batch axes are not that regular.
     */
    private static Long batchStride(View v) {
        int r = v.shape().rank();
        Long stride = null;
        long inner = 1;
        for (int d = r - 3; d >= 0; d--) {
            int dim = v.shape().dim(d);
            if (dim != 1) {
                long s = v.stride(d);
                if (s % inner != 0 || (stride != null && s != stride * inner)) {
                    return null;
                }
                stride = s / inner;
            }
            inner *= dim;
        }
        return stride == null ? 0L : stride;
    }

    /**
     * The library task computing the product from arrays {@code a} and {@code b} into
     * {@code out} (row-major, contiguous, from index 0), as a line of the task graph's source.
     */
    String task(String name, String a, String b, String out) {
        String op = "uk.ac.manchester.tornado.cublas.enums.CuBlasOperation.CUBLAS_OP_%s.operation()";
        String opB = op.formatted(transB ? "T" : "N");
        String opA = op.formatted(transA ? "T" : "N");
        String cublas = "uk.ac.manchester.tornado.cublas.CuBlas";
        if (batches == 1) {
            return "        g.libraryTask(\"%s\", %s::cublasSgemm, %s, %s, %d, %d, %d, 1f, %s, %d, %s, %d, 0f, %s, %d);\n"
                    .formatted(name, cublas, opB, opA, n, m, k, b, ldb, a, lda, out, n);
        }
        return ("        g.libraryTask(\"%s\", %s::cublasSgemmStridedBatched, %s, %s, %d, %d, %d, 1f, %s, %d, %dL, %s, %d,"
                + " %dL, 0f, %s, %d, %dL, %d);\n")
                .formatted(name, cublas, opB, opA, n, m, k, b, ldb, strideB, a, lda, strideA, out, n, (long) m * n,
                        batches);
    }
}

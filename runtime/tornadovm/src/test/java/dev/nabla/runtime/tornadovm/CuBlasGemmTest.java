package dev.nabla.runtime.tornadovm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.lower.LoweredProgram;
import dev.nabla.compiler.lower.Lowering;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The cuBLAS calls products become, checked without a GPU: each call's arguments are run through
 * a plain Java model of column-major {@code sgemm} / {@code sgemmStridedBatched} as cuBLAS
 * defines them, and the result compared with the product of the row-major views.
 */
class CuBlasGemmTest {
    private final Random random = new Random(42);

    /** A view on a buffer of its own, laid out as {@code layout} says, and that buffer's values. */
    private record Operand(View view, float[] values) {}

    private enum Layout { CONTIGUOUS, TRANSPOSED, PADDED_ROWS, BROADCAST_BATCH, OFFSET, STRIDED_COLUMNS }

    private Operand operand(int buffer, int[] batch, int rows, int cols, Layout layout) {
        int batches = 1;
        for (int d : batch) {
            batches *= d;
        }
        int[] dims = new int[batch.length + 2];
        System.arraycopy(batch, 0, dims, 0, batch.length);
        dims[batch.length] = rows;
        dims[batch.length + 1] = cols;
        int[] strides = new int[dims.length];
        int r = dims.length;
        int matrix;
        int offset = 0;
        switch (layout) {
            case TRANSPOSED -> {
                strides[r - 2] = 1;
                strides[r - 1] = rows;
                matrix = rows * cols;
            }
            case PADDED_ROWS -> {
                strides[r - 2] = cols + 3;
                strides[r - 1] = 1;
                matrix = rows * (cols + 3);
            }
            case STRIDED_COLUMNS -> {
                strides[r - 2] = 2 * cols;
                strides[r - 1] = 2;
                matrix = rows * 2 * cols;
            }
            default -> {
                strides[r - 2] = cols;
                strides[r - 1] = 1;
                matrix = rows * cols;
            }
        }
        if (layout == Layout.OFFSET) {
            offset = 2;
        }
        int step = layout == Layout.BROADCAST_BATCH ? 0 : matrix;
        for (int d = batch.length - 1; d >= 0; d--) {
            strides[d] = step;
            step *= batch[d];
        }
        int size = offset + (layout == Layout.BROADCAST_BATCH ? matrix : matrix * batches);
        float[] values = new float[Math.max(1, size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(7) - 3;
        }
        return new Operand(new View(buffer, new Shape(dims), strides, offset), values);
    }

    /** Element (batch b in row-major order, i, j) of a view. */
    private static float at(Operand o, int b, int i, int j) {
        View v = o.view();
        int r = v.shape().rank();
        int index = v.offset() + i * v.stride(r - 2) + j * v.stride(r - 1);
        for (int d = r - 3; d >= 0; d--) {
            index += (b % v.shape().dim(d)) * v.stride(d);
            b /= v.shape().dim(d);
        }
        return o.values()[index];
    }

    /** cuBLAS's sgemmStridedBatched with alpha 1 and beta 0, column-major, as its reference defines it. */
    private static void sgemm(boolean transX, boolean transY, int m, int n, int k, float[] x, int ldx, long strideX,
            float[] y, int ldy, long strideY, float[] c, int ldc, long strideC, int batches) {
        for (int b = 0; b < batches; b++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    float sum = 0;
                    for (int l = 0; l < k; l++) {
                        float xv = x[(int) (b * strideX) + (transX ? i * ldx + l : l * ldx + i)];
                        float yv = y[(int) (b * strideY) + (transY ? l * ldy + j : j * ldy + l)];
                        sum += xv * yv;
                    }
                    c[(int) (b * strideC) + j * ldc + i] = sum;
                }
            }
        }
    }

    private void check(int[] batch, int m, int k, int n, Layout la, Layout lb, boolean expected) {
        Operand a = operand(1, batch, m, k, la);
        Operand b = operand(2, batch, k, n, lb);
        Optional<CuBlasGemm> call = CuBlasGemm.of(new Step.MatMul(0, a.view(), b.view(), DType.F32));
        assertThat(call).as("a %s, b %s", la, lb).matches(c -> c.isPresent() == expected);
        if (call.isEmpty()) {
            return;
        }
        CuBlasGemm g = call.get();
        // cuBLAS refuses leading dimensions shorter than the stored matrix's rows.
        assertThat(g.ldb()).as("ldb").isGreaterThanOrEqualTo(Math.max(1, g.transB() ? k : n));
        assertThat(g.lda()).as("lda").isGreaterThanOrEqualTo(Math.max(1, g.transA() ? m : k));
        int batches = a.view().shape().size() == 0 ? 0 : a.view().shape().size() / (m * k);
        assertThat(g.batches()).isEqualTo(batches);
        float[] out = new float[batches * m * n];
        sgemm(g.transB(), g.transA(), g.n(), g.m(), g.k(), b.values(), g.ldb(), g.strideB(), a.values(), g.lda(),
                g.strideA(), out, g.n(), (long) m * n, g.batches());
        for (int bi = 0; bi < batches; bi++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float want = 0;
                    for (int l = 0; l < k; l++) {
                        want += at(a, bi, i, l) * at(b, bi, l, j);
                    }
                    assertThat(out[bi * m * n + i * n + j]).as("a %s, b %s, [%d, %d, %d]", la, lb, bi, i, j)
                            .isEqualTo(want);
                }
            }
        }
    }

    @Test
    void everyLayoutPairCuBlasTakesGivesTheRowMajorProduct() {
        Layout[] taken = {Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.PADDED_ROWS};
        for (Layout la : taken) {
            for (Layout lb : taken) {
                check(new int[0], 5, 3, 4, la, lb, true);
                check(new int[] {2, 3}, 4, 6, 3, la, lb, true);
                check(new int[0], 1, 4, 1, la, lb, true);
            }
        }
    }

    @Test
    void aBatchSharingOneMatrixIsAZeroStride() {
        check(new int[] {3}, 4, 5, 2, Layout.CONTIGUOUS, Layout.BROADCAST_BATCH, true);
        check(new int[] {2, 2}, 3, 2, 4, Layout.BROADCAST_BATCH, Layout.TRANSPOSED, true);
    }

    @Test
    void viewsCuBlasCannotReadGoToTheTiledKernel() {
        check(new int[0], 3, 4, 5, Layout.OFFSET, Layout.CONTIGUOUS, false);
        check(new int[0], 3, 4, 5, Layout.CONTIGUOUS, Layout.STRIDED_COLUMNS, false);
        View a = new View(1, Shape.of(2, 3, 4), new int[] {12, 4, 1}, 0);
        View irregular = new View(2, Shape.of(2, 4, 5), new int[] {7, 5, 1}, 0);
        assertThat(CuBlasGemm.of(new Step.MatMul(0, a, irregular, DType.F32))).as("batch stride 7 < a matrix").isPresent();
        View uneven = new View(2, Shape.of(2, 2, 4, 5), new int[] {100, 20, 5, 1}, 0);
        View a4 = View.contiguous(1, Shape.of(2, 2, 3, 4));
        assertThat(CuBlasGemm.of(new Step.MatMul(0, a4, uneven, DType.F32))).as("batch axes 100 and 20 apart").isEmpty();
        assertThat(CuBlasGemm.of(new Step.MatMul(0, View.contiguous(1, Shape.of(3, 4)), View.contiguous(2, Shape.of(4, 5)),
                DType.F64))).as("f64").isEmpty();
    }

    @RepeatedTest(20)
    void randomShapesAndLayouts() {
        Layout[] layouts = {Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.PADDED_ROWS, Layout.BROADCAST_BATCH};
        int rank = random.nextInt(3);
        int[] batch = new int[rank];
        for (int d = 0; d < rank; d++) {
            batch[d] = 1 + random.nextInt(3);
        }
        check(batch, 1 + random.nextInt(6), 1 + random.nextInt(6), 1 + random.nextInt(6),
                layouts[random.nextInt(layouts.length)], layouts[random.nextInt(layouts.length)], true);
    }

    /**
     * The kernel class of a program whose products go to cuBLAS compiles against the SDK's own
     * cuBLAS module (its factories' parameter types), though no CUDA device runs it here.
     */
    @Test
    void kernelsCallingCuBlasCompileAgainstTheSdk() throws Exception {
        Path jars = Path.of(System.getenv("TORNADOVM_HOME"), "share", "java", "tornado");
        String classPath;
        try (var files = Files.list(jars)) {
            classPath = String.join(File.pathSeparator, files.map(Path::toString)
                    .filter(f -> f.matches(".*/tornado-(api|cublas)-[^/]*\\.jar")).toList());
        }
        assertThat(classPath).as("the SDK's API and cuBLAS jars").contains("tornado-cublas").contains("tornado-api");
        try (Graph g = Graph.create()) {
            Tensor a = g.input("a", DType.F32, 3, 4);
            Tensor b = g.input("b", DType.F32, 2, 4, 5);
            Tensor y = a.matmul(b).add(a.transpose().matmul(a).sum());
            LoweredProgram lowered = Lowering.lower(Program.of(List.of(y.node())));
            String source = new KernelSource(lowered, "CuBlasProgram", true).source(List.of(), List.of(), List.of());
            assertThat(source).contains("cublasSgemmStridedBatched").contains("CuBlas::cublasSgemm,");
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            Path dir = Files.createTempDirectory("cublas");
            Path file = dir.resolve("CuBlasProgram.java");
            Files.writeString(file, source);
            var errors = new java.io.ByteArrayOutputStream();
            int status = javac.run(null, null, errors, "-proc:none", "-d", dir.toString(), "-cp", classPath,
                    file.toString());
            assertThat(status).as("javac: %s\n%s", errors, source).isZero();
        }
    }

    @Test
    void theTaskLineCallsTheRightFactory() {
        CuBlasGemm single = CuBlasGemm.of(new Step.MatMul(0, View.contiguous(1, Shape.of(3, 4)),
                View.contiguous(2, Shape.of(4, 5)), DType.F32)).orElseThrow();
        assertThat(single.task("k0", "A", "B", "C"))
                .contains("CuBlas::cublasSgemm, ").contains("CUBLAS_OP_N").contains(", 5, 3, 4, 1f, B, 5, A, 4, 0f, C, 5);");
        CuBlasGemm batched = CuBlasGemm.of(new Step.MatMul(0, View.contiguous(1, Shape.of(2, 3, 4)),
                View.contiguous(2, Shape.of(2, 4, 5)), DType.F32)).orElseThrow();
        assertThat(batched.task("k0", "A", "B", "C")).contains("cublasSgemmStridedBatched")
                .contains("B, 5, 20L, A, 4, 12L, 0f, C, 5, 15L, 2);");
    }
}

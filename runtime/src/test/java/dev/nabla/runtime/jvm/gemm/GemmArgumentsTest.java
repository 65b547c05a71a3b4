package dev.nabla.runtime.jvm.gemm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bad arguments fail up front with a sentence that names the problem. */
class GemmArgumentsTest {
    private final float[] a = new float[12];
    private final float[] b = new float[12];
    private final float[] c = new float[9];

    @Test
    void negativeSizesAreRejected() {
        assertThatThrownBy(() -> Gemm.sgemm(-1, 3, 4, a, 0, false, b, 0, false, c, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sizes must not be negative, got m=-1, n=3, k=4");
        assertThatThrownBy(() -> Gemm.dgemmBatched(-2, 1, 1, 1, new double[1], 0, false, new double[1], 0, false,
                        new double[1], 0, 1))
                .hasMessage("sizes must not be negative, got batch=-2, m=1, n=1, k=1");
    }

    @Test
    void fewerThanOneThreadIsRejected() {
        assertThatThrownBy(() -> Gemm.sgemm(3, 3, 4, a, 0, false, b, 0, false, c, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threads must be at least 1, got 0");
    }

    @Test
    void arraysTooShortForTheirMatricesAreRejected() {
        assertThatThrownBy(() -> Gemm.sgemm(3, 3, 4, a, 1, false, b, 0, false, c, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a needs 12 floats from offset 1 but holds 12");
        assertThatThrownBy(() -> Gemm.sgemm(3, 3, 4, a, 0, false, b, 0, true, c, 1, 1))
                .hasMessage("c needs 9 floats from offset 1 but holds 9");
        assertThatThrownBy(() -> Gemm.dgemm(3, 3, 4, new double[12], -1, false, new double[12], 0, false,
                        new double[9], 0, 1))
                .hasMessage("a needs 12 doubles from offset -1 but holds 12");
    }

    @Test
    void cOverlappingAnOperandIsRejected() {
        float[] shared = new float[33];
        assertThatThrownBy(() -> Gemm.sgemm(3, 3, 4, shared, 0, false, b, 0, false, shared, 11, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("c overlaps a in the same array: C would overwrite A while A is read");
        assertThatThrownBy(() -> Gemm.sgemm(3, 3, 4, a, 0, false, shared, 0, false, shared, 5, 1))
                .hasMessage("c overlaps b in the same array: C would overwrite B while B is read");
        // Side by side in one array is fine.
        Gemm.sgemm(3, 3, 4, shared, 0, false, shared, 12, false, shared, 24, 1);
    }

    @Test
    void anUpdateNeedsAWholeWInAnotherArray() {
        assertThatThrownBy(() -> Gemm.sgemmUpdate(3, 3, 4, a, 0, false, b, 0, false, -0.5f, new float[8], 0, c, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("w needs 9 floats from offset 0 but holds 8");
        assertThatThrownBy(() -> Gemm.sgemmUpdate(3, 3, 4, a, 0, false, b, 0, false, -0.5f, c, 0, c, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("w is c's array: C holds partial sums before W is added; pass W in another array");
    }
}

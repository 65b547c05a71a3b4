package dev.nabla.runtime;

import dev.nabla.core.NDArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Element access out of range and the printing of large arrays. */
class NDArrayTest {

    private static void outOfRange(NDArray a, int index, Consumer<NDArray> access, String op, String... fragments) {
        NablaException e = assertThrows(NablaException.IndexException.class, () -> access.accept(a),
                op + "(" + index + ") on " + a.shape());
        assertThat(e.getMessage()).startsWith(op + ": index " + index + " ").contains(fragments);
    }

    @Test
    void everyElementAccessorNamesTheIndexTheSizeAndTheShape() {
        NDArray f = NDArray.of(new float[] {1, 2, 3}, 3);
        outOfRange(f, 5, a -> a.getFloat(5), "getFloat", "out of bounds for an array of 3 elements",
                "(f32, shape [3])", "valid indices are 0 to 2");
        outOfRange(f, 3, a -> a.getDouble(3), "getDouble", "3 elements", "shape [3]");
        outOfRange(f, -1, a -> a.getDouble(-1), "getDouble", "3 elements", "shape [3]");
        NDArray d = NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        outOfRange(d, 6, a -> a.getFloat(6), "getFloat", "6 elements", "(f64, shape [2,3])", "0 to 5");
        outOfRange(d, -7, a -> a.getDouble(-7), "getDouble", "6 elements", "shape [2,3]");
        outOfRange(NDArray.scalar(2.5), 1, a -> a.getDouble(1), "getDouble", "of 1 element ", "shape []",
                "valid indices are 0 to 0");
        NDArray empty = NDArray.full(DType.F32, Shape.of(2, 0), 0);
        outOfRange(empty, 0, a -> a.getFloat(0), "getFloat", "0 elements", "shape [2,0]", "it has no elements");
        NDArray mask = NDArray.fromDoubles(DType.BOOL, Shape.of(2), new double[] {1, 0});
        outOfRange(mask, 2, a -> a.getDouble(2), "getDouble", "(bool, shape [2])");
        // item() of a many-element array was already a NablaException; still one.
        assertThrows(NablaException.ShapeException.class, d::item);
        // In range: the values, including the last index.
        assertEquals(3f, f.getFloat(2));
        assertEquals(6.0, d.getDouble(5));
        assertEquals(1f, d.getFloat(0));
    }

    @Test
    void smallArraysPrintInFull() {
        assertEquals("[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]", NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).toString());
        assertEquals("2.5", NDArray.scalar(2.5f).toString());
        assertEquals("[]", NDArray.of(new float[0], 0).toString());
        // Exactly 1000 elements (NumPy's threshold) print in full: 1000 numbers.
        double[] v = new double[1000];
        java.util.Arrays.setAll(v, i -> i);
        String s = NDArray.of(v, 1000).toString();
        assertThat(s).doesNotContain("...").endsWith(", 998.0, 999.0]");
        assertEquals(1000, s.split(", ").length);
    }

    @Test
    void largeArraysAreSummarizedLikeNumPy() {
        // NumPy: np.arange(1001.) prints [0.0, 1.0, 2.0, ..., 998.0, 999.0, 1000.0].
        double[] v = new double[1001];
        java.util.Arrays.setAll(v, i -> i);
        assertEquals("[0.0, 1.0, 2.0, ..., 998.0, 999.0, 1000.0]", NDArray.of(v, 1001).toString());

        // Every axis longer than 6 is cut, shorter ones are not: np.arange(2*7*100).reshape(2,7,100).
        double[] w = new double[2 * 7 * 100];
        java.util.Arrays.setAll(w, i -> i);
        String row = "[%d.0, %d.0, %d.0, ..., %d.0, %d.0, %d.0]";
        StringBuilder expected = new StringBuilder("[");
        for (int b = 0; b < 2; b++) {
            expected.append(b > 0 ? ", [" : "[");
            int[] rows = {0, 1, 2, -1, 4, 5, 6};
            for (int k = 0; k < rows.length; k++) {
                if (k > 0) {
                    expected.append(", ");
                }
                if (rows[k] < 0) {
                    expected.append("...");
                    continue;
                }
                int s = (b * 7 + rows[k]) * 100;
                expected.append(String.format(row, s, s + 1, s + 2, s + 97, s + 98, s + 99));
            }
            expected.append(']');
        }
        expected.append(']');
        assertEquals(expected.toString(), NDArray.of(w, 2, 7, 100).toString());

        // Ten million elements print as a few numbers, not 50 million characters.
        NDArray big = NDArray.full(DType.F32, Shape.of(10_000_000), 0.5);
        assertEquals("[0.5, 0.5, 0.5, ..., 0.5, 0.5, 0.5]", big.toString());
        NDArray grid = NDArray.full(DType.F64, Shape.of(1000, 10_000), 1);
        assertThat(grid.toString()).hasSizeLessThan(400).startsWith("[[1.0, 1.0, 1.0, ..., 1.0, 1.0, 1.0], ")
                .contains("], ..., [");
        // Masks and integers summarize alike.
        assertEquals("[true, true, true, ..., true, true, true]",
                NDArray.full(DType.BOOL, Shape.of(5000), 1).toString());
    }

    @Test
    void anEmptyArrayPrintsAsEmptyBracketsWhateverItsShape() {
        assertEquals("[]", NDArray.of(new float[0], 0).toString());
        assertEquals("[]", NDArray.of(new double[0], 2, 0).toString());
        // Printed nested, [100000,100000,0,7] was 10^10 pairs of brackets: out of memory.
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertEquals("[]",
                NDArray.fromDoubles(DType.F32, Shape.of(100_000, 100_000, 0, 7), new double[0]).toString()));
    }
}

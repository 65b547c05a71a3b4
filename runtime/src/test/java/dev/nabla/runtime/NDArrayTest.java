package dev.nabla.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NDArrayTest {
    @Test
    void arraysPrintNestedLikeTheirShape() {
        assertEquals("[[1.0, 2.0], [3.0, 4.0]]", NDArray.of(new float[] {1, 2, 3, 4}, 2, 2).toString());
        assertEquals("2.5", NDArray.scalar(2.5).toString());
        assertEquals("[true, false]", NDArray.fromDoubles(DType.BOOL, Shape.of(2), new double[] {1, 0}).toString());
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

package dev.nabla.runtime.jvm.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Packed panels of B start on a cache line where the JVM lets that be known, and always have room. */
class LineAlignmentTest {
    @Test
    void firstIndexOnALineFollowsTheArrayHeader() {
        // 16-byte header (compressed class pointers): 48 bytes to the next line.
        assertThat(LineAlignment.firstAlignedIndex(16, Float.BYTES)).isEqualTo(12);
        assertThat(LineAlignment.firstAlignedIndex(16, Double.BYTES)).isEqualTo(6);
        // 12-byte compact header: floats follow it at once, doubles after 4 bytes of padding.
        assertThat(LineAlignment.firstAlignedIndex(12, Float.BYTES)).isEqualTo(13);
        assertThat(LineAlignment.firstAlignedIndex(12, Double.BYTES)).isEqualTo(6);
        // 20-byte header (uncompressed class pointers): doubles start at 24.
        assertThat(LineAlignment.firstAlignedIndex(20, Float.BYTES)).isEqualTo(11);
        assertThat(LineAlignment.firstAlignedIndex(20, Double.BYTES)).isEqualTo(5);
        assertThat(LineAlignment.firstAlignedIndex(64, Double.BYTES)).isZero();
    }

    @Test
    void arraysHoldTheAskedLengthFromTheirStart() {
        for (int length : new int[] {0, 1, 1000, 3_000_000}) {
            assertThat(LineAlignment.floats(length).length)
                    .isGreaterThanOrEqualTo(LineAlignment.floatStart() + length);
            assertThat(LineAlignment.doubles(length).length)
                    .isGreaterThanOrEqualTo(LineAlignment.doubleStart() + length);
        }
        assertThat(LineAlignment.floatStart()).isBetween(0, LineAlignment.LINE_BYTES / Float.BYTES - 1);
        assertThat(LineAlignment.doubleStart()).isBetween(0, LineAlignment.LINE_BYTES / Double.BYTES - 1);
    }

    @Test
    void underG1WithDefaultHeadersTheStartIsKnown() {
        boolean g1 = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .anyMatch(collector -> collector.getName().startsWith("G1"));
        if (g1 && Runtime.getRuntime().maxMemory() <= (16L << 30)) {
            // Tests run with the default headers: 16 bytes before the elements.
            assertThat(LineAlignment.floatStart()).isEqualTo(12);
            assertThat(LineAlignment.doubleStart()).isEqualTo(6);
        }
    }

    @Test
    void aLeadIsGivenOnlyForALargeCWhoseRowsAllFallAlike() {
        assertThat(LineAlignment.floatLead(new float[1000], 0, 16)).as("a small C").isEqualTo(-1);
        float[] large = new float[1 << 22];
        assertThat(LineAlignment.floatLead(large, 0, 2050)).as("rows 8200 bytes apart").isEqualTo(-1);
        if (LineAlignment.floatStart() != 0) {
            // Under G1: index floatStart() lies on a line, so C from there needs no lead.
            int start = LineAlignment.floatStart();
            assertThat(LineAlignment.floatLead(large, start, 2048)).isZero();
            assertThat(LineAlignment.floatLead(large, start + 5, 2048)).isEqualTo(5);
            assertThat(LineAlignment.floatLead(large, start - 1, 2048)).isEqualTo(15);
            assertThat(LineAlignment.doubleLead(new double[1 << 21], LineAlignment.doubleStart() + 3, 1024))
                    .isEqualTo(3);
        }
    }
}

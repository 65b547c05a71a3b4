package dev.nabla.runtime.jvm.gemm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Steady-state calls reuse their packing buffers instead of allocating new ones. */
class PackingBuffersTest {
    @Test
    void aReleasedSetIsLentAgainWithItsArrays() {
        PackingBuffers first = PackingBuffers.acquire();
        float[] packedB = first.floatB(1000);
        double[] packedA = first.doubleA(500);
        PackingBuffers.release(first);

        PackingBuffers again = PackingBuffers.acquire();
        try {
            assertThat(again).isSameAs(first);
            assertThat(again.floatB(1000)).isSameAs(packedB);
            assertThat(again.floatB(10)).as("a smaller request takes the same array").isSameAs(packedB);
            assertThat(again.doubleA(500)).isSameAs(packedA);
            assertThat(again.floatB(2000)).as("a larger one grows it").hasSizeGreaterThanOrEqualTo(2000);
        } finally {
            PackingBuffers.release(again);
        }
    }

    @Test
    void setsInUseAreNeverLentTwice() {
        PackingBuffers one = PackingBuffers.acquire();
        PackingBuffers two = PackingBuffers.acquire();
        try {
            assertThat(two).isNotSameAs(one);
        } finally {
            PackingBuffers.release(two);
            PackingBuffers.release(one);
        }
    }
}

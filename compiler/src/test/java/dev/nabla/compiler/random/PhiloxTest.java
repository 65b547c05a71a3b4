package dev.nabla.compiler.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Philox 4x32-10 against Random123's known answers, and the bit mapping of {@link Draws}. */
class PhiloxTest {

    /** Random123's kat_vectors for philox4x32_10: counter, key, expected block. */
    @Test
    void matchesRandom123KnownAnswers() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void elementsMapToCountersAsDocumented() {
        double[] key = {0x12345678, 0x0abcdef0};
        Draws bits = new Draws(new Distribution.Bits(), DType.I32, 5);
        double[] out = bits.all(key, 5);
        for (int i = 0; i < 5; i++) {
            assertEquals(Philox.block(i, 0, 0, 0, 0x12345678, 0x0abcdef0)[0], (int) out[i], "element " + i);
        }
        int[] b = Philox.block(3, 0, 0, 0, 0x12345678, 0x0abcdef0);
        float[] f = new float[5];
        new Draws(new Distribution.Uniform(), DType.F32, 5).fill(key, 0, 5, f);
        assertEquals((b[0] >>> 8) / 16777216.0f, f[3]);
        double[] d = new Draws(new Distribution.Uniform(), DType.F64, 5).all(key, 5);
        long top53 = ((long) b[0] << 32 | (b[1] & 0xFFFFFFFFL)) >>> 11;
        assertEquals(top53 / 9007199254740992.0, d[3]);
        double[] split = new Draws(new Distribution.Split(), DType.I32, 6).all(key, 6);
        int[] s2 = Philox.block(2, 0, 1, 0, 0x12345678, 0x0abcdef0);
        assertEquals(s2[0], (int) split[4]);
        assertEquals(s2[1], (int) split[5]);
    }

    /** The same bits however the output is cut into chunks (as threads cut it). */
    @Test
    void chunksGiveTheSameBitsAsOneRun() {
        double[] keys = {7, -3, 11, 42};
        for (Distribution dist : List.of(new Distribution.Uniform(), new Distribution.Normal())) {
            for (DType t : List.of(DType.F32, DType.F64)) {
                Draws draws = new Draws(dist, t, 1001);
                double[] whole = draws.all(keys, 2002);
                for (int chunk : new int[] {1, 7, 64, 1000, 4096}) {
                    Object out = t == DType.F32 ? new float[2002] : new double[2002];
                    for (int s = 0; s < 2002; s += chunk) {
                        draws.fill(keys, s, Math.min(2002, s + chunk), out);
                    }
                    for (int i = 0; i < 2002; i++) {
                        double v = out instanceof float[] fl ? fl[i] : ((double[]) out)[i];
                        assertEquals(Double.doubleToRawLongBits(whole[i]), Double.doubleToRawLongBits(v),
                                dist.name() + " " + t + " chunk " + chunk + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void permutationsArePermutationsAndDifferByKey() {
        int[] a = Draws.permutation(1, 2, 1000);
        int[] b = Draws.permutation(1, 3, 1000);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertTrue(!Arrays.equals(a, b));
        assertEquals(0, Draws.permutation(1, 2, 0).length);
    }

    @Test
    void uniformsStayBelowOne() {
        assertEquals(1 - 0x1p-24f, Draws.uniform24(-1));
        assertEquals(1 - 0x1p-53, Draws.uniform53(-1, -1));
        assertEquals(0.0, Draws.uniform53(0, 0));
    }
}

package dev.nabla.spark;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Epoch orders are permutations, differ by epoch and seed, repeat exactly, and cut into the batches. */
class EpochOrderTest {
    @Test
    void everyEpochVisitsEachExampleOnce() {
        for (long n : new long[] {1, 2, 3, 4, 5, 17, 64, 65, 1000, 1797}) {
            EpochOrder order = new EpochOrder(n, 7, 3);
            for (int epoch = 0; epoch < 3; epoch++) {
                boolean[] seen = new boolean[(int) n];
                for (long i = 0; i < n; i++) {
                    long p = order.position(epoch, i);
                    assertTrue(p >= 0 && p < n && !seen[(int) p], "n " + n + ", row " + i + " at " + p);
                    seen[(int) p] = true;
                }
            }
        }
    }

    @Test
    void batchesCoverTheEpochInOrder() {
        EpochOrder order = new EpochOrder(410, 100, 11);
        assertEquals(5, order.batches());
        assertEquals(400, order.start(4));
        assertEquals(410, order.end(4));
        long[] all = new long[410];
        int k = 0;
        for (int b = 0; b < 5; b++) {
            long[] rows = order.rows(1, b);
            assertEquals(b < 4 ? 100 : 10, rows.length);
            for (int i = 0; i < rows.length; i++) {
                assertEquals(order.start(b) + i, order.position(1, rows[i]), "batch " + b + " lists rows by position");
                all[k++] = rows[i];
            }
        }
        Arrays.sort(all);
        for (int i = 0; i < all.length; i++) {
            assertEquals(i, all[i]);
        }
    }

    @Test
    void ordersDependOnEpochAndSeedAlone() {
        EpochOrder a = new EpochOrder(1000, 32, 5);
        assertArrayEquals(a.rows(2, 3), new EpochOrder(1000, 32, 5).rows(2, 3), "the same on every machine");
        assertNotEquals(Arrays.toString(a.rows(0, 0)), Arrays.toString(a.rows(1, 0)), "another epoch, another order");
        assertNotEquals(Arrays.toString(a.rows(0, 0)), Arrays.toString(new EpochOrder(1000, 32, 6).rows(0, 0)));
        // Shuffled, not shifted: the first batch draws from all over the data.
        long[] first = a.rows(0, 0);
        assertTrue(Arrays.stream(first).max().getAsLong() - Arrays.stream(first).min().getAsLong() > 800,
                Arrays.toString(first));
    }

    @Test
    void refusesWhatIsNotAnOrder() {
        assertThatThrownBy(() -> new EpochOrder(0, 5, 1)).isInstanceOf(NablaException.class)
                .hasMessageContaining("needs 1 to 4294967296 examples, got 0");
        assertThatThrownBy(() -> new EpochOrder(5, 0, 1)).hasMessageContaining("batch size must be at least 1");
        assertThatThrownBy(() -> new EpochOrder(5, 2, 1).position(0, 5)).hasMessageContaining("row 5 is outside 0..4");
    }
}

package dev.nabla.spark;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One partition's rows sorted by their positions in one epoch, so that each step finds its share
 * of the global batch by two binary searches instead of a pass over the partition. Executors keep
 * the plans of the latest epochs (a cache of what the order gives anyway, so a task that lands on
 * another executor only plans again).
 */
final class PartitionPlan {
    private static final int CACHED = 64;
    private static final Map<Key, PartitionPlan> PLANS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, PartitionPlan> eldest) {
            return size() > CACHED;
        }
    };

    private record Key(String examples, int partition, EpochOrder order, long epoch) {}

    /** Positions in the epoch, ascending, and the row (in the partition) at each. */
    private final long[] positions;
    private final int[] rows;

    private PartitionPlan(long[] positions, int[] rows) {
        this.positions = positions;
        this.rows = rows;
    }

    /** The plan of the partition whose {@code size} rows are the examples from {@code first} on. */
    static PartitionPlan of(String examples, int partition, long first, int size, EpochOrder order, long epoch) {
        Key key = new Key(examples, partition, order, epoch);
        synchronized (PLANS) {
            PartitionPlan known = PLANS.get(key);
            if (known != null) {
                return known;
            }
        }
        // Position (below 2^32) and row (below 2^31) in one long: one primitive sort orders both.
        long[] packed = new long[size];
        for (int r = 0; r < size; r++) {
            packed[r] = order.position(epoch, first + r) << 31 | r;
        }
        Arrays.sort(packed);
        long[] positions = new long[size];
        int[] rows = new int[size];
        for (int i = 0; i < size; i++) {
            positions[i] = packed[i] >>> 31;
            rows[i] = (int) (packed[i] & Integer.MAX_VALUE);
        }
        PartitionPlan plan = new PartitionPlan(positions, rows);
        synchronized (PLANS) {
            PLANS.put(key, plan);
        }
        return plan;
    }

    /** The partition's rows whose positions lie in [from, to), in the epoch's order. */
    int[] rows(long from, long to) {
        int a = lowerBound(from);
        int b = lowerBound(to);
        return Arrays.copyOfRange(rows, a, b);
    }

    private int lowerBound(long position) {
        int i = Arrays.binarySearch(positions, position);
        return i >= 0 ? i : -i - 1;
    }
}

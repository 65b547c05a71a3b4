package dev.nabla.spark;

import dev.nabla.core.NablaException.FeedException;
import java.util.List;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Training examples on a cluster: the rows of a DataFrame (or an RDD of rows) read once into one
 * block of features and labels per partition, checked row by row, and kept by Spark at the given
 * storage level. Example i is the i-th row counting partition by partition, which is what the
 * global batches ({@link EpochOrder}) are drawn from, so the source must give the same rows in the
 * same order whenever Spark computes it again (cache or checkpoint a source that would not).
 *
 * <pre>{@code
 * try (Examples train = Examples.of(df, Columns.of(List.of("x0", "x1"), "label"))) {
 *     trainer.fit(train, 10);
 * }
 * }</pre>
 */
public final class Examples implements AutoCloseable {
    private final String id = UUID.randomUUID().toString();
    private final JavaRDD<Block> blocks;
    private final long[] offsets;
    private final long count;
    private final int features;
    private final Labels labels;
    private final boolean cached;

    private Examples(JavaRDD<Row> rows, RowReader reader, StorageLevel level) {
        this.cached = !level.equals(StorageLevel.NONE());
        this.features = reader.features();
        this.labels = reader.labels();
        this.blocks = rows.mapPartitionsWithIndex((p, it) -> List.of(reader.block(p, it)).iterator(), true)
                .persist(level);
        // One pass reads and checks every row now (so bad rows fail here, not in a training step)
        // and gives each partition's size, hence its first example's index.
        List<Integer> sizes;
        try {
            sizes = Failures.unwrapping(() -> blocks.map(Block::rows).collect());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.offsets = new long[sizes.size()];
        long total = 0;
        for (int p = 0; p < sizes.size(); p++) {
            offsets[p] = total;
            total += sizes.get(p);
        }
        this.count = total;
        if (count == 0) {
            close();
            throw new FeedException(reader.op() + ": no examples: all " + sizes.size() + " partitions are empty");
        }
    }

    /**
     * {@return the examples in {@code data}'s columns, kept in memory (spilling to disk when it
     * runs short)} Runs a Spark job that reads and checks every row.
     *
     * @param data    the rows
     * @param columns which columns hold the features and the label
     * @throws FeedException if a column is missing or not numeric, no label column is named, a
     *         value is null or not finite, an array of features has another width, a label of
     *         classes is not a whole number from 0, or there are no rows
     */
    public static Examples of(Dataset<Row> data, Columns columns) {
        return of(data, columns, StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * {@return the examples in {@code data}'s columns, kept at {@code level}}
     * {@link StorageLevel#NONE()} reads the source again at every step.
     *
     * @param data    the rows
     * @param columns which columns hold the features and the label
     * @param level   where Spark keeps the blocks of examples
     * @throws FeedException as {@link #of(Dataset, Columns)}
     */
    public static Examples of(Dataset<Row> data, Columns columns, StorageLevel level) {
        RowReader reader = RowReader.of("Examples.of", data.schema(), columns, true);
        return new Examples(data.javaRDD(), reader, level);
    }

    /**
     * {@return the examples in rows of {@code features} numbers followed by the label, kept in
     * memory (spilling to disk)} With no schema, each row is checked.
     *
     * @param rows     the rows
     * @param features how many features each row has before its label
     * @param labels   how the labels are read
     * @throws FeedException if {@code features} is below 1 or {@code labels} null, a row has
     *         another number of values, a value is null, not a number or not finite, a label of
     *         classes is not a whole number from 0, or there are no rows
     */
    public static Examples of(JavaRDD<Row> rows, int features, Labels labels) {
        return of(rows, features, labels, StorageLevel.MEMORY_AND_DISK());
    }

    /**
     * {@return the examples in rows of {@code features} numbers followed by the label, kept at
     * {@code level}}
     *
     * @param rows     the rows
     * @param features how many features each row has before its label
     * @param labels   how the labels are read
     * @param level    where Spark keeps the blocks of examples
     * @throws FeedException as {@link #of(JavaRDD, int, Labels)}
     */
    public static Examples of(JavaRDD<Row> rows, int features, Labels labels, StorageLevel level) {
        return new Examples(rows, RowReader.flat("Examples.of", features, labels), level);
    }

    /** {@return how many examples there are} */
    public long count() {
        return count;
    }

    /** {@return how many features each example has} */
    public int features() {
        return features;
    }

    /** {@return how the labels are read: as the columns said, or as the label column's type gives} */
    public Labels labels() {
        return labels;
    }

    /** {@return how many partitions hold them} */
    public int partitions() {
        return offsets.length;
    }

    JavaRDD<Block> blocks() {
        return blocks;
    }

    String id() {
        return id;
    }

    long[] offsets() {
        return offsets.clone();
    }

    JavaSparkContext context() {
        return JavaSparkContext.fromSparkContext(blocks.context());
    }

    /** Lets Spark drop the cached blocks. */
    @Override
    public void close() {
        if (cached) {
            blocks.unpersist(false);
        }
    }
}

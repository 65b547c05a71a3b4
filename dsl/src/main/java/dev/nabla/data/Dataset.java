package dev.nabla.data;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.IndexException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * Aligned columns of examples, PyTorch's {@code TensorDataset}: every column is an {@link NDArray}
 * whose leading axis has the same length N, and row i of every column is example i. Columns may
 * be f32, f64 or i32 (labels); each has a name ("0", "1", ... unless named).
 *
 * <pre>{@code
 * Dataset digits = Dataset.of(pixels, labels).named("pixels", "label");   // [N, 64] and [N]
 * Dataset.Split split = digits.split(360, 7);       // 360 random examples held out
 * Batches loader = split.train().batches(64).shuffle(1).dropLast(true);
 * }</pre>
 *
 * A dataset is immutable; {@link #take}, {@link #rows} and {@link #split} gather rows into new arrays.
 */
public final class Dataset {
    private final List<String> names;
    private final List<NDArray> columns;
    private final int size;

    private Dataset(List<String> names, List<NDArray> columns, int size) {
        this.names = names;
        this.columns = columns;
        this.size = size;
    }

    /**
     * {@return a dataset of columns named "0", "1", ...}
     *
     * @param columns at least one array, each with a leading axis of the same length
     * @throws dev.nabla.core.NablaException if there is no column, a column is null, a scalar or of
     *         another length
     */
    public static Dataset of(NDArray... columns) {
        if (columns == null || columns.length == 0) {
            throw new NablaException("Dataset.of: needs at least one column");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < columns.length; i++) {
            names.add(String.valueOf(i));
        }
        return of(names, Arrays.asList(columns));
    }

    /**
     * {@return a dataset of named columns, in order: names.get(i) names columns.get(i)}
     *
     * @param names   distinct non-empty names, one per column
     * @param columns at least one array, each with a leading axis of the same length
     * @throws dev.nabla.core.NablaException if the names do not fit, or a column is null, a scalar or
     *         of another length
     */
    public static Dataset of(List<String> names, List<NDArray> columns) {
        if (names == null || columns == null || names.size() != columns.size() || columns.isEmpty()) {
            throw new NablaException("Dataset.of: needs one name per column and at least one column, got "
                    + (names == null ? "no names" : names.size() + " names") + " and "
                    + (columns == null ? "no columns" : columns.size() + " columns"));
        }
        checkNames("Dataset.of", names);
        for (int i = 0; i < columns.size(); i++) {
            NDArray c = columns.get(i);
            if (c == null) {
                throw new NablaException("Dataset.of: column '" + names.get(i) + "' is null");
            }
            if (c.shape().rank() == 0) {
                throw new ShapeException("Dataset.of: column '" + names.get(i) + "' is a scalar (" + c.dtype()
                        + "[]); every column needs a leading axis of one row per example");
            }
        }
        int n = columns.get(0).shape().dim(0);
        for (NDArray c : columns) {
            if (c.shape().dim(0) != n) {
                throw new ShapeException("Dataset.of: columns have different numbers of rows: "
                        + describe(names, columns) + "; every column's leading axis must be the number of examples");
            }
        }
        return new Dataset(List.copyOf(names), List.copyOf(columns), n);
    }

    /**
     * {@return the same columns under new names}
     *
     * @param newNames distinct non-empty names, one per column
     */
    public Dataset named(String... newNames) {
        if (newNames == null || newNames.length != columns.size()) {
            throw new NablaException("Dataset.named: needs " + columns.size() + " names (one per column), got "
                    + (newNames == null ? "none" : newNames.length));
        }
        return of(Arrays.asList(newNames), columns);
    }

    private static void checkNames(String op, List<String> names) {
        var seen = new HashSet<String>();
        for (String name : names) {
            if (name == null || name.isEmpty()) {
                throw new NablaException(op + ": column names must be non-empty, got " + names);
            }
            if (!seen.add(name)) {
                throw new NablaException(op + ": column name '" + name + "' appears twice in " + names);
            }
        }
    }

    static String describe(List<String> names, List<NDArray> columns) {
        var parts = new ArrayList<String>();
        for (int i = 0; i < columns.size(); i++) {
            parts.add("'" + names.get(i) + "' " + columns.get(i).dtype() + columns.get(i).shape());
        }
        return String.join(", ", parts);
    }

    /** {@return the number of examples, N} */
    public int size() {
        return size;
    }

    /** {@return the columns' names, in order} */
    public List<String> names() {
        return names;
    }

    /** {@return the columns, in order} */
    public List<NDArray> columns() {
        return columns;
    }

    /**
     * {@return the column at an index}
     *
     * @param index the index, from 0
     * @throws dev.nabla.core.NablaException.IndexException if there is no such column
     */
    public NDArray column(int index) {
        if (index < 0 || index >= columns.size()) {
            throw new IndexException("Dataset.column: no column " + index + "; the columns are 0 to "
                    + (columns.size() - 1) + ": " + describe(names, columns));
        }
        return columns.get(index);
    }

    /**
     * {@return the column of this name}
     *
     * @param name the column's name
     * @throws dev.nabla.core.NablaException if no column has this name
     */
    public NDArray column(String name) {
        return columns.get(indexOf("Dataset.column", name));
    }

    int indexOf(String op, String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new NablaException(op + ": no column named '" + name + "'; the columns are " + describe(names, columns));
        }
        return i;
    }

    /**
     * {@return the examples at these indices, in this order (repeats allowed): row j is example indices[j]}
     *
     * @param indices example indices, each in [0, N)
     * @throws dev.nabla.core.NablaException.IndexException if an index is out of range
     */
    public Dataset take(int... indices) {
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new IndexException("Dataset.take: index " + i + " is out of range for " + size + " examples"
                        + (size == 0 ? "" : "; valid indices are 0 to " + (size - 1)));
            }
        }
        return gather(indices, 0, indices.length);
    }

    /**
     * {@return the examples from {@code from} (inclusive) to {@code to} (exclusive)}
     *
     * @param from the first example
     * @param to   the example after the last
     * @throws dev.nabla.core.NablaException.IndexException if this is not a range of the examples
     */
    public Dataset rows(int from, int to) {
        if (from < 0 || to > size || from > to) {
            throw new IndexException("Dataset.rows: [" + from + ", " + to + ") is not a range of the " + size
                    + " examples; needs 0 <= from <= to <= " + size);
        }
        int[] indices = new int[to - from];
        Arrays.setAll(indices, i -> from + i);
        return gather(indices, 0, indices.length);
    }

    /**
     * A training set and a held-out test set.
     *
     * @param train the examples not held out
     * @param test  the held-out examples
     */
    public record Split(Dataset train, Dataset test) {}

    /**
     * Holds out {@code testCount} examples chosen at random from the seed; the rest are the
     * training set. Both keep the dataset's order. The choice is the first {@code testCount}
     * entries of {@code Nabla.permutation(Nabla.key(g, seed), size())}: the same on every machine.
     *
     * @param testCount how many examples to hold out, from 0 to N
     * @param seed      the seed of the choice
     * @return the training and test sets
     * @throws dev.nabla.core.NablaException if {@code testCount} is out of range
     */
    public Split split(int testCount, long seed) {
        if (testCount < 0 || testCount > size) {
            throw new NablaException("Dataset.split: cannot hold out " + testCount + " of " + size
                    + " examples; needs 0 <= testCount <= " + size);
        }
        int[] perm = Shuffle.permutation(seed, size);
        int[] test = Arrays.copyOfRange(perm, 0, testCount);
        int[] train = Arrays.copyOfRange(perm, testCount, size);
        Arrays.sort(test);
        Arrays.sort(train);
        return new Split(gather(train, 0, train.length), gather(test, 0, test.length));
    }

    /**
     * {@return mini-batches of this dataset (see {@link Batches} for shuffling, drop-last and prefetching)}
     *
     * @param batchSize the examples per batch, at least 1
     * @throws dev.nabla.core.NablaException if {@code batchSize} is less than 1
     */
    public Batches batches(int batchSize) {
        return Batches.of(this, batchSize);
    }

    /** Rows order[from..to) of every column, as new arrays. */
    Dataset gather(int[] order, int from, int to) {
        return new Dataset(names, gatherColumns(order, from, to), to - from);
    }

    List<NDArray> gatherColumns(int[] order, int from, int to) {
        var out = new ArrayList<NDArray>(columns.size());
        for (NDArray c : columns) {
            out.add(gatherRows(c, order, from, to));
        }
        return List.copyOf(out);
    }

    private static NDArray gatherRows(NDArray column, int[] order, int from, int to) {
        int rows = to - from;
        int width = column.shape().dim(0) == 0 ? 0 : column.size() / column.shape().dim(0);
        var shape = column.shape().dropFirst().prepend(rows);
        Object source = column.storage();
        int total = shape.size(); // refuses more than 2^31-1 elements (take may repeat rows)
        Object target = source instanceof float[] ? new float[total] : new double[total];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(source, order[from + r] * width, target, r * width, width);
        }
        return NDArray.wrap(column.dtype(), shape, target);
    }

    @Override
    public String toString() {
        return "Dataset(" + size + " examples: " + describe(names, columns) + ")";
    }
}

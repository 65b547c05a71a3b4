package dev.nabla.data;

import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.IndexException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One mini-batch: the rows of every column of a {@link Dataset} for batch {@code index} of
 * {@code epoch}, as fresh arrays with a leading axis of {@code size}.
 *
 * <pre>{@code
 * for (Batch b : loader.epoch(e)) {
 *     trainer.step(b.feeds(x, labels));          // x gets column 0, labels column 1
 * }
 * }</pre>
 *
 * @param epoch   the epoch's number, from 0
 * @param index   the batch's index within the epoch, from 0
 * @param size    the number of examples: the leading axis of every column
 * @param names   the columns' names, one per column
 * @param columns the columns, in the dataset's order
 */
public record Batch(int epoch, int index, int size, List<String> names, List<NDArray> columns) {
    /**
     * Checks that there is one name per column and that every column has {@code size} rows.
     *
     * @throws dev.nabla.core.NablaException if a name or column is missing or null
     * @throws dev.nabla.core.NablaException.ShapeException if a column's leading axis is not
     *         {@code size}
     */
    public Batch {
        if (names == null || columns == null || names.size() != columns.size()) {
            throw new NablaException("Batch: needs one name per column, got " + names + " for "
                    + (columns == null ? "no columns" : columns.size() + " columns"));
        }
        // Not contains(null): List.of lists throw on it.
        if (names.stream().anyMatch(Objects::isNull) || columns.stream().anyMatch(Objects::isNull)) {
            throw new NablaException("Batch: null name or column in " + names + " " + columns);
        }
        names = List.copyOf(names);
        columns = List.copyOf(columns);
        for (NDArray c : columns) {
            if (c.shape().rank() == 0 || c.shape().dim(0) != size) {
                throw new ShapeException("Batch: every column needs a leading axis of the batch size " + size
                        + ", got " + Dataset.describe(names, columns));
            }
        }
    }

    /**
     * {@return the column at an index}
     *
     * @param column the index, from 0
     * @throws dev.nabla.core.NablaException.IndexException if there is no such column
     */
    public NDArray get(int column) {
        if (column < 0 || column >= columns.size()) {
            throw new IndexException("Batch.get: no column " + column + "; the columns are 0 to "
                    + (columns.size() - 1) + ": " + Dataset.describe(names, columns));
        }
        return columns.get(column);
    }

    /**
     * {@return the column of this name}
     *
     * @param name the column's name
     * @throws dev.nabla.core.NablaException if no column has this name
     */
    public NDArray get(String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new NablaException("Batch.get: no column named '" + name + "'; the columns are "
                    + Dataset.describe(names, columns));
        }
        return columns.get(i);
    }

    /**
     * {@return this batch with the column {@code name} replaced by (or, if new, extended with) {@code column}}
     *
     * @param name   the column's name
     * @param column its values, with a leading axis of {@link #size()}
     */
    public Batch with(String name, NDArray column) {
        var newNames = new ArrayList<>(names);
        var newColumns = new ArrayList<>(columns);
        int i = names.indexOf(name);
        if (i < 0) {
            newNames.add(name);
            newColumns.add(column);
        } else {
            newColumns.set(i, column);
        }
        return new Batch(epoch, index, size, newNames, newColumns);
    }

    /**
     * {@return every column copied to {@code device} (in a {@link Batches#map} transform, on the prefetching thread)}
     *
     * @param device where the columns should live
     */
    public Batch to(Device device) {
        return new Batch(epoch, index, size, names, columns.stream().map(c -> c.to(device)).toList());
    }

    /**
     * {@return the feeds of a run: {@code inputs[i]} gets column i}
     *
     * @param inputs one graph input per column, in the columns' order
     * @throws dev.nabla.core.NablaException if there is not exactly one non-null input per column
     */
    public Map<Tensor, NDArray> feeds(Tensor... inputs) {
        if (inputs == null || inputs.length != columns.size()) {
            throw new NablaException("Batch.feeds: needs one input per column (" + columns.size() + ": "
                    + Dataset.describe(names, columns) + "), got " + (inputs == null ? 0 : inputs.length));
        }
        var feeds = new LinkedHashMap<Tensor, NDArray>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw new NablaException("Batch.feeds: input " + i + " (for column '" + names.get(i) + "') is null");
            }
            feeds.put(inputs[i], columns.get(i));
        }
        return feeds;
    }
}

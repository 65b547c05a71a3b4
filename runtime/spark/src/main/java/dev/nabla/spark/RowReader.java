package dev.nabla.spark;

import dev.nabla.core.NablaException.FeedException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Reads examples out of rows, checking each value: the columns' places, found once on the driver,
 * travel to the executors in this object. Every problem is a {@link FeedException} naming the
 * partition, the row's place in it, the column and what would be valid; nothing is skipped.
 *
 * @param op         the operation reading, for messages
 * @param width      how many values a row must have, or -1 when a schema fixes it
 * @param featureAt  the feature columns' places, or the array column's place alone
 * @param array      whether the features are one array column
 * @param features   how many features an example has
 * @param labelAt    the label's place, or -1 (scoring)
 * @param labels     how the label is read, or null (scoring)
 * @param names      each place's name, for messages
 */
record RowReader(String op, int width, int[] featureAt, boolean array, int features, int labelAt, Labels labels,
                 String[] names) implements Serializable {
    private static final int PREVIEW = 120;

    /** Rows of a DataFrame with this schema; the label is read only when {@code needLabel}. */
    static RowReader of(String op, StructType schema, Columns columns, boolean needLabel) {
        String[] names = schema.fieldNames();
        int[] at;
        if (columns.features() != null) {
            at = columns.features().stream().mapToInt(c -> place(op, schema, c)).toArray();
            for (int i : at) {
                requireNumeric(op, schema.fields()[i], schema.fields()[i].dataType());
            }
        } else {
            int i = place(op, schema, columns.featureArray());
            StructField f = schema.fields()[i];
            if (!(f.dataType() instanceof ArrayType a)) {
                throw new FeedException(op + ": column '" + f.name() + "' is " + f.dataType().simpleString()
                        + "; the features' column must be an array of numbers");
            }
            requireNumeric(op, f, a.elementType());
            at = new int[] {i};
        }
        if (!needLabel) {
            return new RowReader(op, -1, at, columns.featureArray() != null, columns.width(), -1, null, names);
        }
        if (columns.label() == null) {
            throw new FeedException(op + ": training needs a label column; name it with Columns.of(features, label)");
        }
        int label = place(op, schema, columns.label());
        DataType type = schema.fields()[label].dataType();
        requireNumeric(op, schema.fields()[label], type);
        Labels kind = columns.labels() != null ? columns.labels() : integral(type) ? Labels.CLASSES : Labels.VALUES;
        return new RowReader(op, -1, at, columns.featureArray() != null, columns.width(), label, kind, names);
    }

    /** Rows without a schema: {@code features} numbers, then the label. */
    static RowReader flat(String op, int features, Labels labels) {
        if (features < 1 || labels == null) {
            throw new FeedException(op + ": rows need at least one feature and a label kind, got " + features + " and "
                    + labels);
        }
        String[] names = new String[features + 1];
        for (int i = 0; i < features; i++) {
            names[i] = "value " + i;
        }
        names[features] = "value " + features + " (the label)";
        int[] at = new int[features];
        Arrays.setAll(at, i -> i);
        return new RowReader(op, features + 1, at, false, features, features, labels, names);
    }

    /** All examples of one partition, read in order. */
    Block block(int partition, Iterator<Row> rows) {
        float[] x = new float[Math.max(16, features) * 16];
        double[] y = new double[16];
        int n = 0;
        while (rows.hasNext()) {
            Row row = rows.next();
            if ((long) (n + 1) * features > Integer.MAX_VALUE - 16) {
                throw new FeedException(op + ": partition " + partition + " holds more than "
                        + (Integer.MAX_VALUE / features) + " examples of " + features + " features; use more partitions");
            }
            if ((n + 1) * features > x.length) {
                x = Arrays.copyOf(x, (int) Math.min(Integer.MAX_VALUE - 16L, 2L * x.length + features));
            }
            if (n == y.length) {
                y = Arrays.copyOf(y, 2 * n);
            }
            read(row, partition, n, x, n * features);
            y[n] = label(row, partition, n);
            n++;
        }
        return new Block(n, features, Arrays.copyOf(x, n * features), Arrays.copyOf(y, n));
    }

    /** Writes a row's features into {@code into} from {@code offset}. */
    void read(Row row, int partition, long index, float[] into, int offset) {
        if (row == null) {
            throw bad(partition, index, null, "the row is null");
        }
        if (width >= 0 && row.size() != width) {
            throw bad(partition, index, row, "has " + row.size() + " values; expected " + width + ": " + features
                    + " features and a label");
        }
        if (!array) {
            for (int i = 0; i < features; i++) {
                into[offset + i] = feature(row, partition, index, featureAt[i], value(row, partition, index, featureAt[i]));
            }
            return;
        }
        int at = featureAt[0];
        List<?> items = items(row, partition, index, at);
        if (items.size() != features) {
            throw bad(partition, index, row, "column '" + names[at] + "' holds " + items.size() + " features; expected "
                    + features);
        }
        for (int i = 0; i < features; i++) {
            Object v = items.get(i);
            if (v == null) {
                throw bad(partition, index, row, "column '" + names[at] + "' has null at element " + i);
            }
            into[offset + i] = feature(row, partition, index, at, number(row, partition, index, at, v));
        }
    }

    /** The row's label: a class index or a value, checked. */
    double label(Row row, int partition, long index) {
        double v = value(row, partition, index, labelAt).doubleValue();
        String where = "column '" + names[labelAt] + "' ";
        if (labels == Labels.CLASSES && !(v >= 0 && v <= Integer.MAX_VALUE && v == Math.rint(v))) {
            throw bad(partition, index, row, where + "holds " + v + ", not a class index (a whole number from 0)");
        }
        if (!Double.isFinite(v)) {
            throw bad(partition, index, row, where + "holds " + v + "; labels must be finite");
        }
        return v;
    }

    private float feature(Row row, int partition, long index, int at, Number n) {
        float f = n.floatValue();
        if (!Float.isFinite(f)) {
            throw bad(partition, index, row, "column '" + names[at] + "' holds " + n + " (" + f + " as f32); features must"
                    + " be finite");
        }
        return f;
    }

    private Number value(Row row, int partition, long index, int at) {
        if (row.isNullAt(at)) {
            throw bad(partition, index, row, "column '" + names[at] + "' is null");
        }
        return number(row, partition, index, at, row.get(at));
    }

    private Number number(Row row, int partition, long index, int at, Object v) {
        if (v instanceof Number n) {
            return n;
        }
        throw bad(partition, index, row, "column '" + names[at] + "' holds a " + v.getClass().getSimpleName() + " ("
                + clip(String.valueOf(v)) + "); expected a number");
    }

    private List<?> items(Row row, int partition, long index, int at) {
        if (row.isNullAt(at)) {
            throw bad(partition, index, row, "column '" + names[at] + "' is null");
        }
        Object v = row.get(at);
        if (v instanceof List<?> list) {
            return list;
        }
        if (v instanceof float[] f) {
            List<Float> out = new ArrayList<>(f.length);
            for (float e : f) {
                out.add(e);
            }
            return out;
        }
        if (v instanceof double[] d) {
            return Arrays.stream(d).boxed().toList();
        }
        try {
            return row.getList(at);   // a Scala sequence, as a DataFrame's arrays are
        } catch (ClassCastException e) {
            throw bad(partition, index, row, "column '" + names[at] + "' holds a " + v.getClass().getSimpleName()
                    + "; expected an array of " + features + " numbers");
        }
    }

    private FeedException bad(int partition, long index, Row row, String what) {
        String shown = row == null ? "" : " " + clip(row.toString());
        return new FeedException(op + ": partition " + partition + ", row " + index + shown + ": " + what);
    }

    private static String clip(String s) {
        return s.length() <= PREVIEW ? s : s.substring(0, PREVIEW) + "...";
    }

    private static int place(String op, StructType schema, String column) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(column)) {
                return i;
            }
        }
        throw new FeedException(op + ": no column '" + column + "'; the columns are " + List.of(schema.fieldNames()));
    }

    private static void requireNumeric(String op, StructField f, DataType type) {
        if (!(integral(type) || type == DataTypes.FloatType || type == DataTypes.DoubleType || type instanceof DecimalType)) {
            throw new FeedException(op + ": column '" + f.name() + "' is " + f.dataType().simpleString()
                    + "; features and labels must be numbers (byte, short, int, long, float, double or decimal)");
        }
    }

    private static boolean integral(DataType type) {
        return type == DataTypes.ByteType || type == DataTypes.ShortType || type == DataTypes.IntegerType
                || type == DataTypes.LongType;
    }
}

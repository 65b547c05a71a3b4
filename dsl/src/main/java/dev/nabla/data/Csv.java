package dev.nabla.data;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.DType;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipException;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV file or stream (plain or gzipped; quoting and escapes by Apache Commons CSV) into a
 * {@link Dataset} of two columns: "features", [N, F] of the feature columns, and "label", [N] of
 * the label column (i32 by default), or only "features" when no label is chosen. Settings return
 * a new {@code Csv}.
 *
 * <pre>{@code
 * // 64 pixel columns valued 0..16, then the digit; no header
 * Dataset digits = Csv.reader().label(64).scale(1 / 16.0).read(Path.of("digits.csv.gz"));
 * // a header names the columns
 * Dataset iris = Csv.reader().header(true).features("sepal_length", "petal_length").label("species").read(file);
 * }</pre>
 *
 * A field that is not a number, or a row with a different number of fields from the first, is
 * a {@link FormatException} naming the source, the line and the column; so is text that is not
 * CSV (an unclosed quote) or a corrupt gzip stream. I/O failures are {@link IOException}s.
 */
public final class Csv {
    private final boolean header;
    private final char delimiter;
    private final List<Column> features; // null: every column but the label
    private final Column label; // null: no label
    private final DType dtype;
    private final DType labelDtype;
    private final double scale;
    private final Map<Column, Double> scales;

    private Csv(boolean header, char delimiter, List<Column> features, Column label, DType dtype, DType labelDtype,
            double scale, Map<Column, Double> scales) {
        this.header = header;
        this.delimiter = delimiter;
        this.features = features;
        this.label = label;
        this.dtype = dtype;
        this.labelDtype = labelDtype;
        this.scale = scale;
        this.scales = scales;
    }

    /** {@return a reader with no header, commas, every column an f32 feature, no label} */
    public static Csv reader() {
        return new Csv(false, ',', null, null, DType.F32, DType.I32, 1, Map.of());
    }

    /**
     * {@return this reader, told whether the first record names the columns (default false)}
     *
     * @param hasHeader true if the first record is a header
     */
    public Csv header(boolean hasHeader) {
        return new Csv(hasHeader, delimiter, features, label, dtype, labelDtype, scale, scales);
    }

    /**
     * {@return this reader with another field delimiter (default a comma)}
     *
     * @param c the delimiter, such as {@code ';'} or {@code '\t'}
     */
    public Csv delimiter(char c) {
        return new Csv(header, c, features, label, dtype, labelDtype, scale, scales);
    }

    /**
     * {@return this reader with the feature columns by index (0-based), in this order; by default every column but the label}
     *
     * @param columns at least one column index
     */
    public Csv features(int... columns) {
        return withFeatures(Column.list(columns));
    }

    /**
     * {@return this reader with the feature columns by header name, in this order}
     *
     * @param names at least one column name
     */
    public Csv features(String... names) {
        return withFeatures(Column.list(names));
    }

    /**
     * {@return this reader with the feature columns from {@code from} (inclusive) to {@code to} (exclusive)}
     *
     * @param from the first column index
     * @param to   the index after the last column
     * @throws dev.nabla.core.NablaException if this is not a range of at least one column
     */
    public Csv featureRange(int from, int to) {
        if (from < 0 || to < from) {
            throw new NablaException("Csv.featureRange: [" + from + ", " + to + ") is not a range of columns");
        }
        int[] columns = new int[to - from];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = from + i;
        }
        return features(columns);
    }

    private Csv withFeatures(List<Column> columns) {
        if (columns.isEmpty()) {
            throw new NablaException("Csv.features: needs at least one column");
        }
        return new Csv(header, delimiter, columns, label, dtype, labelDtype, scale, scales);
    }

    /**
     * {@return this reader with the label column by index}
     *
     * @param column the label's column index, from 0
     */
    public Csv label(int column) {
        return new Csv(header, delimiter, features, Column.of(column), dtype, labelDtype, scale, scales);
    }

    /**
     * {@return this reader with the label column by header name}
     *
     * @param name the label's column name
     */
    public Csv label(String name) {
        return new Csv(header, delimiter, features, Column.of(name), dtype, labelDtype, scale, scales);
    }

    /**
     * {@return this reader with the features' dtype: f32 (default) or f64}
     *
     * @param type f32 or f64
     * @throws dev.nabla.core.NablaException.DTypeException for any other type
     */
    public Csv dtype(DType type) {
        if (type != DType.F32 && type != DType.F64) {
            throw new DTypeException("Csv.dtype: features are f32 or f64, not " + type);
        }
        return new Csv(header, delimiter, features, label, type, labelDtype, scale, scales);
    }

    /**
     * {@return this reader with the label's dtype: i32 (default, class indices) or f32/f64 (regression targets)}
     *
     * @param type i32, f32 or f64
     * @throws dev.nabla.core.NablaException.DTypeException for any other type
     */
    public Csv labelDtype(DType type) {
        if (type != DType.I32 && type != DType.F32 && type != DType.F64) {
            throw new DTypeException("Csv.labelDtype: a label is i32, f32 or f64, not " + type);
        }
        return new Csv(header, delimiter, features, label, dtype, type, scale, scales);
    }

    /**
     * {@return this reader multiplying every feature by {@code factor} (unless a column has a scale of its own)}
     *
     * @param factor a finite factor, such as 1 / 255.0
     */
    public Csv scale(double factor) {
        return new Csv(header, delimiter, features, label, dtype, labelDtype, checkedScale(factor), scales);
    }

    /**
     * {@return this reader multiplying the feature column {@code column} by {@code factor}}
     *
     * @param column the column's index
     * @param factor a finite factor
     */
    public Csv scale(int column, double factor) {
        return withScale(Column.of(column), factor);
    }

    /**
     * {@return this reader multiplying the feature column named {@code name} by {@code factor}}
     *
     * @param name   the column's header name
     * @param factor a finite factor
     */
    public Csv scale(String name, double factor) {
        return withScale(Column.of(name), factor);
    }

    private Csv withScale(Column column, double factor) {
        var map = new LinkedHashMap<>(scales);
        map.put(column, checkedScale(factor));
        return new Csv(header, delimiter, features, label, dtype, labelDtype, scale, Map.copyOf(map));
    }

    private static double checkedScale(double factor) {
        if (!Double.isFinite(factor)) {
            throw new NablaException("Csv.scale: the factor must be finite, got " + factor);
        }
        return factor;
    }

    /**
     * Reads a file, gzipped or not (told by its first bytes).
     *
     * @param file the file
     * @return its "features" column and, if a label is chosen, its "label" column
     * @throws IOException if the file cannot be read
     * @throws dev.nabla.core.NablaException.FormatException if it is not valid CSV, a field is not a
     *         number, or a row has another number of fields
     */
    public Dataset read(Path file) throws IOException {
        if (file == null) {
            throw new NablaException("Csv.read: the file is null");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads a stream, gzipped or not, to its end. The caller closes it.
     *
     * @param in   the stream
     * @param name names the source in messages
     * @return its "features" column and, if a label is chosen, its "label" column
     * @throws IOException if the stream fails
     * @throws dev.nabla.core.NablaException.FormatException if it is not valid CSV, a field is not a
     *         number, or a row has another number of fields
     */
    public Dataset read(InputStream in, String name) throws IOException {
        if (in == null) {
            throw new NablaException("Csv.read: the stream for " + name + " is null");
        }
        var format = CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setIgnoreEmptyLines(true).get();
        try {
            var reader = new BufferedReader(new InputStreamReader(Sources.decompressed(in), StandardCharsets.UTF_8));
            skipByteOrderMark(reader);
            return new CsvReading(this, CSVParser.parse(reader, format), name).dataset();
        } catch (UncheckedIOException e) { // Commons CSV's iterator wraps what it meets
            throw malformed(name, e.getCause());
        } catch (CSVException | EOFException | ZipException e) {
            throw malformed(name, e);
        }
    }

    /** A parse error or a corrupt gzip stream is a malformed source; any other I/O failure stays one. */
    private static FormatException malformed(String name, IOException e) throws IOException {
        if (e instanceof CSVException bad) {
            return new FormatException("Csv.read: " + name + " is not valid CSV: " + bad.getMessage(), bad);
        }
        if (e instanceof EOFException || e instanceof ZipException) {
            return Sources.corruptGzip("Csv.read", name, e);
        }
        throw e;
    }

    private static void skipByteOrderMark(BufferedReader reader) throws IOException {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset();
        }
    }

    boolean header() {
        return header;
    }

    List<Column> features() {
        return features;
    }

    Column label() {
        return label;
    }

    DType dtype() {
        return dtype;
    }

    DType labelDtype() {
        return labelDtype;
    }

    /** The scale of a feature column: its own if set, else the common one. */
    double scaleOf(int index, List<String> names) {
        for (var e : scales.entrySet()) {
            if (e.getKey().matches(index, names)) {
                return e.getValue();
            }
        }
        return scale;
    }

    Map<Column, Double> scales() {
        return scales;
    }

    /** A column named by its index or by its header name, resolved when the header is read. */
    sealed interface Column {
        record Index(int index) implements Column {}

        record Name(String name) implements Column {}

        static Column of(int index) {
            if (index < 0) {
                throw new NablaException("Csv: column indices start at 0, got " + index);
            }
            return new Index(index);
        }

        static Column of(String name) {
            if (name == null || name.isEmpty()) {
                throw new NablaException("Csv: a column name must be non-empty, got " + (name == null ? "null" : "''"));
            }
            return new Name(name);
        }

        static List<Column> list(int... indices) {
            if (indices == null) {
                throw new NablaException("Csv.features: the column indices are null");
            }
            var out = new ArrayList<Column>();
            for (int i : indices) {
                out.add(of(i));
            }
            return List.copyOf(out);
        }

        static List<Column> list(String... names) {
            if (names == null) {
                throw new NablaException("Csv.features: the column names are null");
            }
            var out = new ArrayList<Column>();
            for (String n : names) {
                out.add(of(n));
            }
            return List.copyOf(out);
        }

        default boolean matches(int index, List<String> names) {
            return switch (this) {
                case Index i -> i.index() == index;
                case Name n -> names != null && index < names.size() && names.get(index).equals(n.name());
            };
        }

        default String describe() {
            return switch (this) {
                case Index i -> "column " + i.index();
                case Name n -> "column '" + n.name() + "'";
            };
        }
    }
}

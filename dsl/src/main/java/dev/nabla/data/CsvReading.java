package dev.nabla.data;

import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.data.Csv.Column;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * One read of a CSV source with a {@link Csv}'s settings: the columns are resolved against the
 * header (or the first record's width), then each record's fields are parsed into growing arrays.
 */
final class CsvReading {
    private final Csv csv;
    private final CSVParser parser;
    private final String source;
    /** The header's names, or null without a header. */
    private List<String> names;
    private int width = -1;
    private int[] featureColumns;
    private double[] featureScales;
    private int labelColumn = -1;
    private GrowingArray features;
    private GrowingArray labels;
    private int rows;

    CsvReading(Csv csv, CSVParser parser, String source) {
        this.csv = csv;
        this.parser = parser;
        this.source = source;
    }

    Dataset dataset() {
        var records = parser.iterator();
        while (records.hasNext()) {
            CSVRecord record = records.next();
            long line = parser.getCurrentLineNumber(); // the record's last line
            if (width < 0) {
                width = record.size();
                if (csv.header()) {
                    names = record.toList().stream().map(String::strip).toList();
                    resolve();
                    continue;
                }
                resolve();
            }
            if (record.size() != width) {
                throw new FormatException("Csv.read: " + source + " line " + line + " has " + record.size()
                        + (record.size() == 1 ? " field" : " fields") + ", but the " + (names != null ? "header" : "first row")
                        + " has " + width + " (a ragged row)");
            }
            for (int f = 0; f < featureColumns.length; f++) {
                int c = featureColumns[f];
                double v = parse(record.get(c), csv.dtype(), line, c);
                store(features, featureScales[f] == 1 ? v : v * featureScales[f]);
            }
            if (labelColumn >= 0) {
                store(labels, parse(record.get(labelColumn), csv.labelDtype(), line, labelColumn));
            }
            rows++;
        }
        if (width < 0) {
            throw new FormatException("Csv.read: " + source + " has no records");
        }
        return dataset(featureColumns.length);
    }

    private Dataset dataset(int featureCount) {
        NDArray x = features.toArray(Shape.of(rows, featureCount));
        if (labelColumn < 0) {
            return Dataset.of(List.of("features"), List.of(x));
        }
        return Dataset.of(List.of("features", "label"), List.of(x, labels.toArray(Shape.of(rows))));
    }

    private void store(GrowingArray into, double v) {
        if (!into.add(v)) {
            throw new FormatException("Csv.read: " + source + " has more values than one array holds (2^31-9), at row "
                    + (rows + 1));
        }
    }

    /** Turns the settings' column references into indices, checked against the width and the header. */
    private void resolve() {
        labelColumn = csv.label() == null ? -1 : index(csv.label(), "label");
        List<Integer> chosen = new ArrayList<>();
        if (csv.features() == null) {
            for (int c = 0; c < width; c++) {
                if (c != labelColumn) {
                    chosen.add(c);
                }
            }
        } else {
            var seen = new HashSet<Integer>();
            for (Column column : csv.features()) {
                int c = index(column, "feature");
                if (c == labelColumn) {
                    throw new FormatException("Csv.read: " + column.describe() + " of " + source
                            + " is both the label and a feature");
                }
                if (!seen.add(c)) {
                    throw new FormatException("Csv.read: " + column.describe() + " of " + source
                            + " is chosen twice as a feature");
                }
                chosen.add(c);
            }
        }
        if (chosen.isEmpty()) {
            throw new FormatException("Csv.read: " + source + " has no feature columns: its " + width
                    + " column(s) are all taken by the label");
        }
        featureColumns = chosen.stream().mapToInt(Integer::intValue).toArray();
        for (Map.Entry<Column, Double> scale : csv.scales().entrySet()) {
            int c = index(scale.getKey(), "scaled");
            if (!chosen.contains(c)) {
                throw new FormatException("Csv.read: a scale is set for " + scale.getKey().describe() + " of " + source
                        + ", which is not a feature column");
            }
        }
        featureScales = new double[featureColumns.length];
        for (int f = 0; f < featureColumns.length; f++) {
            featureScales[f] = csv.scaleOf(featureColumns[f], names);
        }
        features = new GrowingArray(csv.dtype(), Long.MAX_VALUE);
        labels = new GrowingArray(csv.labelDtype(), Long.MAX_VALUE);
    }

    private int index(Column column, String role) {
        return switch (column) {
            case Column.Index(int i) -> {
                if (i >= width) {
                    throw new FormatException("Csv.read: the " + role + " column " + i + " is outside " + source
                            + "'s " + width + " columns (0 to " + (width - 1) + ")");
                }
                yield i;
            }
            case Column.Name(String name) -> {
                if (names == null) {
                    throw new FormatException("Csv.read: the " + role + " column '" + name + "' is named, but " + source
                            + " is read without a header; call header(true) or choose columns by index");
                }
                int i = names.indexOf(name);
                if (i < 0) {
                    throw new FormatException("Csv.read: " + source + " has no column '" + name + "' (the " + role
                            + " column); its header is " + names);
                }
                yield i;
            }
        };
    }

    private double parse(String field, DType dtype, long line, int column) {
        String text = field.strip();
        try {
            if (dtype == DType.I32) {
                return Integer.parseInt(text);
            }
            // Java's parsers also take "1f" and "2d": a CSV number does not end in a type suffix.
            if (!text.isEmpty() && "fFdD".indexOf(text.charAt(text.length() - 1)) >= 0) {
                throw new NumberFormatException(text);
            }
            return dtype == DType.F32 ? Float.parseFloat(text) : Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new FormatException("Csv.read: " + source + " line " + line + ", column " + column
                    + (names != null ? " ('" + names.get(column) + "')" : "") + ": '" + field + "' is not "
                    + (dtype == DType.I32 ? "an integer (for an " + dtype + " label)" : "a number"));
        }
    }
}

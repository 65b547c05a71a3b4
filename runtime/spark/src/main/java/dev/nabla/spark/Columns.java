package dev.nabla.spark;

import dev.nabla.core.NablaException.FeedException;
import java.util.List;

/**
 * Which columns of a DataFrame hold an example: its features (numeric columns, or one column of
 * numeric arrays of a fixed width) and its label. The label's kind follows its column's type
 * (integers: {@link Labels#CLASSES}, floating: {@link Labels#VALUES}) unless {@link #labels} says.
 *
 * <pre>{@code
 * Columns.of(List.of("x0", "x1", "x2"), "label")
 * Columns.array("pixels", 64, "digit")
 * Columns.features(List.of("x0", "x1", "x2"))        // for scoring: no label
 * }</pre>
 */
public record Columns(List<String> features, String featureArray, int arrayWidth, String label, Labels labels) {
    public Columns {
        if ((features == null) == (featureArray == null)) {
            throw new FeedException("Columns: name either feature columns or one array column of features");
        }
        if (features != null) {
            features = List.copyOf(features);
            if (features.isEmpty()) {
                throw new FeedException("Columns: name at least one feature column");
            }
        } else if (arrayWidth < 1) {
            throw new FeedException("Columns: the feature array '" + featureArray + "' needs a width of at least 1, got "
                    + arrayWidth);
        }
    }

    /** Numeric feature columns, in order, and a label column. */
    public static Columns of(List<String> features, String label) {
        return new Columns(features, null, 0, requireLabel(label), null);
    }

    /** One column of numeric arrays, each {@code width} long, and a label column. */
    public static Columns array(String features, int width, String label) {
        return new Columns(null, features, width, requireLabel(label), null);
    }

    /** Numeric feature columns and no label: what scoring reads. */
    public static Columns features(List<String> features) {
        return new Columns(features, null, 0, null, null);
    }

    /** One column of numeric feature arrays and no label. */
    public static Columns array(String features, int width) {
        return new Columns(null, features, width, null, null);
    }

    /** The same columns with the label read as {@code kind}, whatever its column's type. */
    public Columns labels(Labels kind) {
        return new Columns(features, featureArray, arrayWidth, label, kind);
    }

    /** How many features an example has. */
    public int width() {
        return features != null ? features.size() : arrayWidth;
    }

    private static String requireLabel(String label) {
        if (label == null || label.isBlank()) {
            throw new FeedException("Columns: name the label column");
        }
        return label;
    }
}

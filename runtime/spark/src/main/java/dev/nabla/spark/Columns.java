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
 *
 * @param features     the numeric feature columns, in order, or null when {@code featureArray} holds them
 * @param featureArray the one column of numeric arrays that holds the features, or null
 * @param arrayWidth   each array's length, the number of features (unused with feature columns)
 * @param label        the label column, or null where none is read (scoring)
 * @param labels       how the label is read, or null to follow its column's type
 */
public record Columns(List<String> features, String featureArray, int arrayWidth, String label, Labels labels) {
    /**
     * Checks that the features are named one way, and copies the list of columns.
     *
     * @throws FeedException if both or neither of {@code features} and {@code featureArray} are
     *         given, {@code features} is empty, or an array's width is below 1
     */
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

    /**
     * {@return numeric feature columns, in order, and a label column}
     *
     * @param features the feature columns' names
     * @param label    the label column's name
     * @throws FeedException if there is no feature column or no label's name
     */
    public static Columns of(List<String> features, String label) {
        return new Columns(features, null, 0, requireLabel(label), null);
    }

    /**
     * {@return one column of numeric arrays, each {@code width} long, and a label column}
     *
     * @param features the array column's name
     * @param width    how many features each array holds
     * @param label    the label column's name
     * @throws FeedException if the width is below 1 or there is no label's name
     */
    public static Columns array(String features, int width, String label) {
        return new Columns(null, features, width, requireLabel(label), null);
    }

    /**
     * {@return numeric feature columns and no label: what scoring reads}
     *
     * @param features the feature columns' names, in order
     * @throws FeedException if there is no feature column
     */
    public static Columns features(List<String> features) {
        return new Columns(features, null, 0, null, null);
    }

    /**
     * {@return one column of numeric feature arrays, each {@code width} long, and no label}
     *
     * @param features the array column's name
     * @param width    how many features each array holds
     * @throws FeedException if the width is below 1
     */
    public static Columns array(String features, int width) {
        return new Columns(null, features, width, null, null);
    }

    /**
     * {@return the same columns with the label read as {@code kind}, whatever its column's type}
     *
     * @param kind class indices or values; null follows the column's type again
     */
    public Columns labels(Labels kind) {
        return new Columns(features, featureArray, arrayWidth, label, kind);
    }

    /** {@return how many features an example has} */
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

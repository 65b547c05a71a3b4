package dev.nabla.compiler.io;

import dev.nabla.core.NablaException.GraphFileException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One object of a saved graph as read (a node, a body, a parameter's value): its fields by name,
 * each a String, Long, Double, Boolean, null or a List of those, and its "data" decoded from
 * base64. The getters check type and range and name the entry and the field in their errors;
 * {@link #requireAllRead} refuses fields nobody asked for, so a misspelt field is an error rather
 * than a default silently taken.
 */
final class Entry {
    private final String where;
    private final Map<String, Object> fields;
    private final byte[] data;
    private final Set<String> read = new HashSet<>();

    Entry(String where, Map<String, Object> fields, byte[] data) {
        this.where = where;
        this.fields = fields;
        this.data = data;
    }

    /** "node 12 (line 14)": where this entry is, for messages. */
    String where() {
        return where;
    }

    boolean has(String field) {
        return field.equals("data") ? data != null : fields.containsKey(field);
    }

    GraphFileException fail(String problem) {
        return new GraphFileException("graph file, " + where + ": " + problem);
    }

    GraphFileException fail(String field, String problem) {
        return fail("field '" + field + "' " + problem);
    }

    private Object raw(String field) {
        read.add(field);
        if (!fields.containsKey(field)) {
            throw fail(field, "is missing");
        }
        return fields.get(field);
    }

    String string(String field) {
        return raw(field) instanceof String s ? s : typeError(field, "a string");
    }

    String string(String field, String fallback) {
        return has(field) ? string(field) : fallback;
    }

    boolean bool(String field) {
        return raw(field) instanceof Boolean b ? b : typeError(field, "true or false");
    }

    int integer(String field, int min, int max) {
        return checked(field, "", raw(field), min, max);
    }

    int integer(String field, int min, int max, int fallback) {
        return has(field) ? integer(field, min, max) : fallback;
    }

    /** A number; non-finite values are the strings "NaN", "Infinity" and "-Infinity". */
    double number(String field) {
        return switch (raw(field)) {
            case Long l -> l;
            case Double d -> d;
            case String s when s.equals("NaN") -> Double.NaN;
            case String s when s.equals("Infinity") -> Double.POSITIVE_INFINITY;
            case String s when s.equals("-Infinity") -> Double.NEGATIVE_INFINITY;
            case Object other -> typeError(field, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
        };
    }

    int[] ints(String field, int min, int max) {
        return ints(field, raw(field), min, max);
    }

    List<String> strings(String field) {
        if (!(raw(field) instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            return typeError(field, "a list of strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    /** A list of lists of integers (a conditional's branches). */
    int[][] intLists(String field, int min, int max) {
        if (!(raw(field) instanceof List<?> lists)) {
            return typeError(field, "a list of lists of integers");
        }
        int[][] out = new int[lists.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints(field, lists.get(i), min, max);
        }
        return out;
    }

    byte[] data() {
        if (data == null) {
            throw fail("data", "is missing");
        }
        return data;
    }

    /** Refuses any field that the entry's kind does not have. */
    void requireAllRead(String kind) {
        for (String field : fields.keySet()) {
            if (!read.contains(field)) {
                throw fail(field, "is not a field of " + kind);
            }
        }
        if (data != null && !read.contains("data")) {
            throw fail("data", "is not a field of " + kind);
        }
    }

    /** Marks "data" as expected (its bytes are read with {@link #data}). */
    void expectData() {
        read.add("data");
    }

    private int[] ints(String field, Object value, int min, int max) {
        if (!(value instanceof List<?> list)) {
            return typeError(field, "a list of integers");
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = checked(field, "element " + i, list.get(i), min, max);
        }
        return out;
    }

    private int checked(String field, String element, Object value, int min, int max) {
        if (!(value instanceof Long l)) {
            throw fail(field, element + (element.isEmpty() ? "" : " ") + "must be an integer, got " + describe(value));
        }
        if (l < min || l > max) {
            throw fail(field, element + (element.isEmpty() ? "" : " ") + "is " + l + ", outside " + min + ".." + max);
        }
        return (int) (long) l;
    }

    private <T> T typeError(String field, String expected) {
        throw fail(field, "must be " + expected + ", got " + describe(fields.get(field)));
    }

    private static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case List<?> l -> "a list of " + l.size();
            default -> value.toString();
        };
    }
}

package dev.nabla.compiler.io;

import dev.nabla.core.NablaException.GraphFileException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Reads one object of a saved graph into an {@link Entry}, within bounds: at most
 * {@code maxTokens} values, lists nested at most two deep, no objects inside, and a base64 "data"
 * field decoded as it streams past into at most the bytes the caller allows (so a file cannot
 * make the reader hold more than it is willing to, whatever length it claims).
 */
final class EntryParser {
    private final JsonParser parser;
    private final int maxTokens;
    private int tokens;
    private String where;

    EntryParser(JsonParser parser, int maxTokens) {
        this.parser = parser;
        this.maxTokens = maxTokens;
    }

    /** Line of the current token, for messages. */
    int line() {
        return parser.currentTokenLocation().getLineNr();
    }

    /** Reads the object whose START_OBJECT is the current token; {@code kind} names it ("node 12"). */
    Entry read(String kind, long maxDataBytes) {
        where = kind + " (line " + line() + ")";
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw new GraphFileException("graph file, " + where + ": must be an object {...}, got "
                    + parser.currentToken());
        }
        tokens = 0;
        Map<String, Object> fields = new LinkedHashMap<>();
        byte[] data = null;
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
            String name = parser.currentName();
            if (fields.containsKey(name) || name.equals("data") && data != null) {
                throw fail("field '" + name + "' appears twice");
            }
            JsonToken value = parser.nextToken();
            if (name.equals("data") && value == JsonToken.VALUE_STRING) {
                long declared = declaredBytes(fields);
                if (declared != Long.MAX_VALUE && declared > maxDataBytes) {
                    throw fail("field 'data': its dtype and shape take " + declared + " bytes, more than the reader's"
                            + " limits leave (" + maxDataBytes + ")");
                }
                Bounded out = new Bounded(Math.min(maxDataBytes, declared));
                parser.readBinaryValue(out);
                data = out.bytes();
            } else {
                fields.put(name, value(value, 0));
            }
        }
        return new Entry(where, fields, data);
    }

    /**
     * The bytes the "dtype" and "shape" read so far say the data takes (so that data longer than
     * its tensor is refused as it arrives, not after), or no bound when they are absent or wrong
     * (the entry's own checks then refuse it).
     */
    private static long declaredBytes(Map<String, Object> fields) {
        if (!(fields.get("dtype") instanceof String name) || GraphFormat.dtype(name) == null
                || !(fields.get("shape") instanceof List<?> dims)) {
            return Long.MAX_VALUE;
        }
        long size = DataCodec.width(GraphFormat.dtype(name));
        for (Object d : dims) {
            if (!(d instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                return Long.MAX_VALUE;
            }
            try {
                size = Math.multiplyExact(size, l);
            } catch (ArithmeticException overflow) {
                return Long.MAX_VALUE;
            }
        }
        return size;
    }

    /** The value at the current token as an entry of one field, {@code name} ("outputs", ...). */
    Entry field(String name) {
        where = "field '" + name + "' (line " + line() + ")";
        tokens = 0;
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put(name, value(parser.currentToken(), 0));
        return new Entry("line " + line(), fields, null);
    }

    private Object value(JsonToken t, int depth) {
        if (++tokens > maxTokens) {
            throw fail("has more than " + maxTokens + " values (the reader's maxEntryTokens)");
        }
        return switch (t) {
            case VALUE_STRING -> parser.getString();
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT, LONG -> parser.getLongValue();
                default -> throw fail("the integer " + parser.getString() + " is too large");
            };
            case VALUE_NUMBER_FLOAT -> {
                double d = parser.getDoubleValue();
                if (!Double.isFinite(d)) {
                    throw fail("the number " + parser.getString() + " is out of range (write \"Infinity\" for one)");
                }
                yield d;
            }
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            case START_ARRAY -> {
                if (depth >= 2) {
                    throw fail("lists nest at most two deep here");
                }
                List<Object> list = new ArrayList<>();
                for (JsonToken e = parser.nextToken(); e != JsonToken.END_ARRAY; e = parser.nextToken()) {
                    list.add(value(e, depth + 1));
                }
                yield list;
            }
            default -> throw fail("holds " + t + " where a string, number, boolean or list belongs");
        };
    }

    private GraphFileException fail(String problem) {
        return new GraphFileException("graph file, " + where + ": " + problem);
    }

    /** Collects decoded bytes, refusing more than the limit before it holds them. */
    private final class Bounded extends OutputStream {
        private final long max;
        private byte[] buf = new byte[256];
        private int size;

        Bounded(long max) {
            this.max = Math.min(max, Integer.MAX_VALUE - 8);
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (size + (long) len > max) {
                throw fail("field 'data' holds more than " + max + " bytes, more than its dtype and shape need or"
                        + " the reader's limits allow");
            }
            if (size + len > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(max, Math.max(size + (long) len, 2L * buf.length)));
            }
            System.arraycopy(b, off, buf, size, len);
            size += len;
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, size);
        }
    }
}

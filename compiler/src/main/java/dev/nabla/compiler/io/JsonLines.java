package dev.nabla.compiler.io;

import java.io.IOException;
import java.io.OutputStream;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.MinimalPrettyPrinter;

/**
 * The layout of a saved graph: compact JSON with a line break after each top-level field and each
 * entry of "nodes" and "values", so that a file reads, and diffs, one node per line.
 */
final class JsonLines {
    private JsonLines() {}

    /** A generator writing to {@code out} in this layout; closing it flushes {@code out} but leaves it open. */
    static JsonGenerator generator(OutputStream out) {
        return new JsonFactory().createGenerator(LINES, new NonClosing(out));
    }

    /** One line per entry of "nodes" and "values" and per top-level field, so that files diff well. */
    private static final ObjectWriteContext LINES = new ObjectWriteContext.Base() {
        @Override
        public PrettyPrinter getPrettyPrinter() {
            return new Lines();
        }

        @Override
        public boolean hasPrettyPrinter() {
            return true;
        }
    };

    private static final class Lines extends MinimalPrettyPrinter {
        private static boolean listed(JsonGenerator g) {
            TokenStreamContext c = g.streamWriteContext();
            TokenStreamContext field = c.getParent();
            return c.inArray() && field != null && field.getParent() != null && field.getParent().inRoot()
                    && ("nodes".equals(field.currentName()) || "values".equals(field.currentName()));
        }

        private static boolean topLevel(JsonGenerator g) {
            return g.streamWriteContext().getParent().inRoot();
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) {
            g.writeRaw(topLevel(g) ? ",\n" : ",");
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) {
            g.writeRaw(topLevel(g) ? "\n}\n" : "}");
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) {
            if (listed(g)) {
                g.writeRaw('\n');
            }
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) {
            g.writeRaw(listed(g) ? ",\n" : ",");
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) {
            g.writeRaw(listed(g) && values > 0 ? "\n]" : "]");
        }
    }

    /** The caller's stream stays open: closing the generator only flushes it. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}

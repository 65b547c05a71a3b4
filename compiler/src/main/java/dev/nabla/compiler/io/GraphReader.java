package dev.nabla.compiler.io;

import dev.nabla.core.NablaException.GraphFileException;
import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.core.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads a saved graph (docs/graph-format.md) back into a graph: the nodes are built again, in
 * file order, through the op builders, so the program equals the one written. Files are treated
 * as untrusted: whatever the bytes, reading either returns a valid graph or throws a
 * {@link GraphFileException} naming the line, entry and field, within the {@link ReadLimits}
 * (streamed, bounded JSON; sizes checked before anything is allocated for them; no recursion on
 * the file's structure).
 */
public final class GraphReader {
    private final JsonParser parser;
    private final ReadLimits limits;
    private final Function<Arithmetic, NodeTable> tables;
    private final EntryParser entries;
    private Arithmetic arithmetic = Arithmetic.IEEE;
    private List<String> customPrimals = List.of();
    private NodeEntries nodes;
    private int[] outputs;
    private final Map<String, TensorData> values = new LinkedHashMap<>();
    private long valueElements;

    private GraphReader(JsonParser parser, ReadLimits limits, Function<Arithmetic, NodeTable> tables) {
        this.parser = parser;
        this.limits = limits;
        this.tables = tables;
        this.entries = new EntryParser(parser, limits.maxEntryTokens());
    }

    /** Reads into a new table, within the default limits. */
    public static LoadedGraph read(InputStream in) throws IOException {
        return read(in, ReadLimits.defaults(), a -> new NodeTable(a, null));
    }

    /**
     * Reads {@code in} (left open) into the table {@code tables} makes for the file's arithmetic.
     *
     * @throws GraphFileException when the file is not a saved graph this reader can read
     * @throws IOException        when reading the stream fails
     */
    public static LoadedGraph read(InputStream in, ReadLimits limits, Function<Arithmetic, NodeTable> tables)
            throws IOException {
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(8)
                .maxNumberLength(64)
                .maxNameLength(256)
                .maxStringLength(limits.maxStringLength())
                .maxDocumentLength(limits.maxDocumentBytes())
                .maxTokenCount(limits.maxTokens())
                .build();
        JsonFactory factory = JsonFactory.builder().streamReadConstraints(constraints)
                .disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build();
        try (JsonParser p = factory.createParser(ObjectReadContext.empty(), in)) {
            return new GraphReader(p, limits, tables).document();
        } catch (JacksonIOException e) {
            throw e.getCause();
        } catch (JacksonException e) {
            TokenStreamLocation at = e.getLocation();
            String where = at == null || at == TokenStreamLocation.NA ? ""
                    : ", line " + at.getLineNr() + " column " + at.getColumnNr();
            throw new GraphFileException("graph file" + where + ": not a readable saved graph: "
                    + e.getOriginalMessage(), e);
        }
    }

    private LoadedGraph document() {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw fail("a saved graph is one JSON object {\"format\": \"" + GraphFormat.FORMAT + "\", ...}");
        }
        header();
        Set<String> seen = new HashSet<>(List.of("format", "version"));
        for (String name = parser.nextName(); name != null; name = parser.nextName()) {
            if (!seen.add(name)) {
                throw fail("the field '" + name + "' appears twice");
            }
            parser.nextToken();
            switch (name) {
                case "arithmetic" -> arithmetic();
                case "customPrimals" -> customPrimals = entries.field(name).strings(name);
                case "nodes" -> nodes();
                case "outputs" -> outputs = entries.field(name).ints(name, 0, Integer.MAX_VALUE);
                case "values" -> values();
                default -> throw fail("'" + name + "' is not a field of a saved graph of version " + GraphFormat.VERSION);
            }
        }
        if (parser.nextToken() != null) {
            throw fail("the file goes on after the graph's closing brace");
        }
        if (nodes == null) {
            throw fail("the file has no \"nodes\"");
        }
        if (outputs == null || outputs.length == 0) {
            throw fail("the file has no \"outputs\"; a saved graph computes at least one");
        }
        List<Node> out = new ArrayList<>(outputs.length);
        Entry where = new Entry("field 'outputs'", Map.of(), null);
        for (int id : outputs) {
            out.add(nodes.node(where, "outputs", id));
        }
        return new LoadedGraph(nodes.table(), out, nodes.inputs(), nodes.parameters(), values, customPrimals);
    }

    /** "format" then "version", first, so that a newer file is refused before anything is read. */
    private void header() {
        if (!"format".equals(parser.nextName()) || parser.nextToken() != JsonToken.VALUE_STRING) {
            throw fail("the first field of a saved graph is \"format\": \"" + GraphFormat.FORMAT + "\"");
        }
        String format = parser.getString();
        if (!format.equals(GraphFormat.FORMAT)) {
            throw fail("the format is '" + (format.length() > 40 ? format.substring(0, 40) + "..." : format)
                    + "', not a saved Nabla graph ('" + GraphFormat.FORMAT + "')");
        }
        if (!"version".equals(parser.nextName()) || parser.nextToken() != JsonToken.VALUE_NUMBER_INT
                || parser.getNumberType() != JsonParser.NumberType.INT) {
            throw fail("the second field of a saved graph is \"version\", a whole number");
        }
        int version = parser.getIntValue();
        if (version > GraphFormat.VERSION) {
            throw fail("the graph was saved in format version " + version + ", newer than this reader's "
                    + GraphFormat.VERSION + "; read it with the Nabla that wrote it, or a later one");
        }
        if (version < 1) {
            throw fail("version " + version + " is no version of the format (versions count from 1)");
        }
    }

    private void arithmetic() {
        if (nodes != null) {
            throw fail("\"arithmetic\" must come before \"nodes\"");
        }
        String name = entries.field("arithmetic").string("arithmetic");
        arithmetic = GraphFormat.arithmetic(name);
        if (arithmetic == null) {
            throw fail("the arithmetic is '" + name + "'; it is ieee or fast");
        }
    }

    private void nodes() {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw fail("\"nodes\" must be a list [...]");
        }
        nodes = new NodeEntries(tables.apply(arithmetic), limits);
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            if (nodes.size() >= limits.maxEntries()) {
                throw fail("the file holds more than " + limits.maxEntries() + " nodes and bodies, the reader's limit");
            }
            nodes.add(entries.read("entry " + nodes.size(), nodes.constantBytesLeft()));
        }
    }

    private void values() {
        if (nodes == null) {
            throw fail("\"values\" must come after \"nodes\"");
        }
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw fail("\"values\" must be a list [...]");
        }
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
            long bytesLeft = Math.min(Long.MAX_VALUE / 8, limits.maxValueElements() - valueElements) * 8;
            Entry e = entries.read("value " + values.size(), bytesLeft);
            String name = e.string("name");
            Node p = nodes.parameters().get(name);
            if (p == null) {
                throw e.fail("name", "is '" + name + "', which names no parameter of the graph");
            }
            String dtypeName = e.string("dtype");
            DType dtype = GraphFormat.dtype(dtypeName);
            Shape shape = nodes.shape(e, "shape", e.ints("shape", 0, Integer.MAX_VALUE));
            if (dtype != p.dtype() || !shape.equals(p.shape())) {
                throw e.fail("the value is " + dtypeName + shape + " but parameter " + p.describe() + " is "
                        + p.dtype() + p.shape());
            }
            int count = shape.size();
            if (valueElements + count > limits.maxValueElements()) {
                throw e.fail("shape", "gives " + count + " elements, past the reader's limit of "
                        + limits.maxValueElements() + " for all values together");
            }
            valueElements += count;
            e.expectData();
            Object storage = DataCodec.decode(dtype, e.data(), count, e);
            e.requireAllRead("a value");
            if (values.put(name, new TensorData(dtype, shape, storage)) != null) {
                throw e.fail("name", "gives parameter '" + name + "' a second value");
            }
        }
    }

    private GraphFileException fail(String problem) {
        return new GraphFileException("graph file, line " + entries.line() + ": " + problem);
    }
}

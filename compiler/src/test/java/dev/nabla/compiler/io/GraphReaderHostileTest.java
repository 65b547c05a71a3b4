package dev.nabla.compiler.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.GraphFileException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.compiler.ir.NodeTable;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Files made to break the reader: each is refused with a {@link GraphFileException} that says
 * what is wrong and where, quickly and without holding more than the limits allow.
 */
class GraphReaderHostileTest {
    private static final String HEAD = "{\"format\":\"nabla-graph\",\"version\":1,\n\"nodes\":[\n";
    private static final String X = "{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[2,3]}";

    /** A file of these node lines whose output is the last one. */
    private static String file(String... nodes) {
        return HEAD + String.join(",\n", nodes) + "\n],\n\"outputs\":[" + (nodes.length - 1) + "]}\n";
    }

    private static GraphFileException refused(String text) {
        return refused(text, ReadLimits.defaults());
    }

    private static GraphFileException refused(String text, ReadLimits limits) {
        return refused(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), limits);
    }

    private static GraphFileException refused(InputStream in, ReadLimits limits) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(GraphFileException.class,
                () -> GraphReader.read(in, limits, a -> new NodeTable(a, null))));
    }

    private static void assertMessage(GraphFileException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
    }

    @Test
    void aValidFileOfTheseLinesLoads() throws IOException {
        String text = file(X, "{\"id\":1,\"op\":\"unary\",\"fn\":\"SIN\",\"dtype\":\"f32\",\"shape\":[2,3],\"in\":[0]}");
        var loaded = GraphReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals("sin", loaded.outputs().get(0).opName());
    }

    @Test
    void notAGraphFile() {
        assertMessage(refused("hello"), "graph file", "not a readable saved graph");
        assertMessage(refused(""), "graph file", "one JSON object");
        assertMessage(refused("[1,2]"), "one JSON object");
        assertMessage(refused("{\"format\":\"onnx\",\"version\":1}"), "the format is 'onnx', not a saved Nabla graph");
        assertMessage(refused("{\"version\":1,\"format\":\"nabla-graph\"}"), "first field", "\"format\"");
        assertMessage(refused("{\"format\":\"nabla-graph\",\"nodes\":[]}"), "second field", "\"version\"");
        assertMessage(refused(file(X) + "{}"), "goes on after the graph's closing brace");
        assertMessage(refused(file(X).replace("\"outputs\":[0]", "\"outputs\":[]")), "no \"outputs\"");
        assertMessage(refused(file(X).replace("\"outputs\"", "\"outputz\"")), "'outputz' is not a field");
    }

    @Test
    void aNewerVersionIsRefusedBeforeAnythingElseIsRead() {
        String newer = "{\"format\":\"nabla-graph\",\"version\":2,\"nodes\":[{\"id\":0,\"op\":\"hologram\"}]}";
        assertMessage(refused(newer), "line 1", "format version 2, newer than this reader's 1");
        assertMessage(refused(newer.replace(":2", ":0")), "version 0 is no version");
    }

    @Test
    void truncatedFilesAreRefused() {
        String text = file(X, "{\"id\":1,\"op\":\"unary\",\"fn\":\"SIN\",\"dtype\":\"f32\",\"shape\":[2,3],\"in\":[0]}");
        for (int cut = 0; cut < text.length() - 2; cut++) {
            GraphFileException e = refused(text.substring(0, cut));
            assertTrue(e.getMessage().startsWith("graph file"), e.getMessage());
        }
    }

    @Test
    void dimensionsWhoseProductOverflowsAreRefused() {
        assertMessage(refused(file("{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\","
                + "\"shape\":[65536,65536,65536,65536]}")), "entry 0 (line 3)", "field 'shape'", "more than 2147483647");
        assertMessage(refused(file("{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\","
                + "\"shape\":[0,2147483647,2147483647]}")), "field 'shape'", "more than 2147483647");
        assertMessage(refused(file("{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\","
                + "\"shape\":[4294967296]}")), "field 'shape' element 0 is 4294967296, outside 0..2147483647");
        assertMessage(refused(file("{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[-1]}")),
                "element 0 is -1");
        assertMessage(refused(file("{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\","
                + "\"shape\":[123456789012345678901234567890]}")), "too large");
        assertMessage(refused(file("{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[1"
                + ",1".repeat(40) + "]}")), "41 axes, more than the reader's limit of 32");
    }

    @Test
    void aMillionDeepNestingIsRefusedAtOnce() {
        String deep = "[".repeat(1_000_000);
        assertMessage(refused(HEAD.replace("[\n", "[" + deep)), "entry 0 (line 2)", "must be an object");
        assertMessage(refused(HEAD + "{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\",\"shape\":" + deep),
                "entry 0", "lists nest at most two deep");
        assertMessage(refused("{\"format\":\"nabla-graph\",\"version\":1,\"customPrimals\":" + deep),
                "lists nest at most two deep");
        assertMessage(refused(file("{\"id\":0,\"op\":\"input\",\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[[[1]]]}")),
                "lists nest at most two deep");
    }

    @Test
    void loopsNestedPastTheLimitAreRefused() {
        // Each conditional's branches run the one before: 100 deep, against a limit of 64.
        List<String> lines = new ArrayList<>();
        lines.add("{\"id\":0,\"op\":\"input\",\"name\":\"i\",\"dtype\":\"i32\",\"shape\":[]}");
        lines.add("{\"id\":1,\"op\":\"placeholder\",\"dtype\":\"i32\",\"shape\":[]}");
        lines.add("{\"id\":2,\"op\":\"placeholder\",\"dtype\":\"f32\",\"shape\":[]}");
        int inner = 2;
        for (int level = 0; level < 100; level++) {
            int id = lines.size();
            lines.add("{\"id\":" + id + ",\"op\":\"condBranches\",\"captured\":[1,2],\"branches\":[[" + inner + "],["
                    + inner + "]]}");
            lines.add("{\"id\":" + (id + 1) + ",\"op\":\"cond\",\"branches\":" + id + ",\"output\":0,\"dtype\":\"f32\","
                    + "\"shape\":[],\"in\":[1,1,2]}");
            inner = id + 1;
        }
        assertMessage(refused(file(lines.toArray(String[]::new))), "nests loops and conditionals 65 deep",
                "limit of 64");
    }

    @Test
    void referencesGoOnlyBackwards() {
        String sin = "{\"id\":1,\"op\":\"unary\",\"fn\":\"SIN\",\"dtype\":\"f32\",\"shape\":[2,3],\"in\":[%d]}";
        assertMessage(refused(file(X, sin.formatted(1))), "entry 1 (line 4)", "field 'in' refers to 1",
                "not an earlier entry");
        assertMessage(refused(file(X, sin.formatted(7))), "refers to 7");
        assertMessage(refused(file(X, sin.formatted(-1))), "element 0 is -1");
        assertMessage(refused(file(X).replace("\"outputs\":[0]", "\"outputs\":[3]")), "field 'outputs' refers to 3");
        // Ids count in file order: a duplicated or swapped line is out of place.
        assertMessage(refused(file(X, X)), "field 'id' is 0 but this is entry 1");
        assertMessage(refused(file(X.replace("\"id\":0", "\"id\":1"))), "field 'id' is 1 but this is entry 0");
    }

    @Test
    void unknownOpsFieldsAndNamesAreRefused() {
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"conv7d\",\"dtype\":\"f32\",\"shape\":[2,3],\"in\":[0]}")),
                "field 'op' is 'conv7d', which this reader does not know");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"unary\",\"fn\":\"SINH\",\"dtype\":\"f32\",\"shape\":[2,3],"
                + "\"in\":[0]}")), "field 'fn' is 'SINH', not one of [NEG, EXP");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"reduce\",\"fn\":\"SUM\",\"axes\":[1],\"keepdims\":true,"
                + "\"dtype\":\"f32\",\"shape\":[2,1],\"in\":[0]}")), "field 'keepDims' is missing");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"reduce\",\"fn\":\"SUM\",\"axes\":[1],\"keepDims\":true,"
                + "\"ties\":\"FIRST\",\"dtype\":\"f32\",\"shape\":[2,1],\"in\":[0]}")),
                "field 'ties' is 'FIRST'", "on a max or min only");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"reduce\",\"fn\":\"MAX\",\"axes\":[1],\"keepDims\":true,"
                + "\"ties\":\"LAST\",\"dtype\":\"f32\",\"shape\":[2,1],\"in\":[0]}")),
                "field 'ties' is 'LAST', not one of [SHARED, FIRST]");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"unary\",\"fn\":\"SIN\",\"colour\":\"red\",\"dtype\":\"f32\","
                + "\"shape\":[2,3],\"in\":[0]}")), "field 'colour' is not a field of a 'unary' entry");
        assertMessage(refused(file(X.replace("f32", "f16"))), "field 'dtype' is 'f16'");
        assertMessage(refused(file(X.replace("\"op\":\"input\"", "\"op\":7"))), "field 'op' must be a string, got 7");
        assertMessage(refused(file(X.replace("\"x\"", "\"\""))), "non-blank name");
        assertMessage(refused(file(X, X.replace("\"id\":0", "\"id\":1"))), "entry 1", "the name 'x' is already used");
        assertMessage(refused(file(X.replace("\"id\":0,", "\"id\":0,\"id\":0,"))), "field 'id' appears twice");
    }

    @Test
    void wrongArityIsRefused() {
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"binary\",\"fn\":\"ADD\",\"dtype\":\"f32\",\"shape\":[2,3],"
                + "\"in\":[0]}")), "entry 1", "field 'in' lists 1 inputs; this op takes 2");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"fma\",\"dtype\":\"f32\",\"shape\":[2,3],\"in\":[0,0]}")),
                "lists 2 inputs; this op takes 3");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"concat\",\"axis\":0,\"dtype\":\"f32\",\"shape\":[2,3],"
                + "\"in\":[]}")), "at least one part");
    }

    @Test
    void shapesThatContradictTheOpAreRefused() {
        String w = "{\"id\":1,\"op\":\"input\",\"name\":\"w\",\"dtype\":\"f32\",\"shape\":[3,4]}";
        var wrongShape = refused(file(X, w, "{\"id\":2,\"op\":\"matmul\",\"dtype\":\"f32\",\"shape\":[2,5],\"in\":[0,1]}"));
        assertMessage(wrongShape, "entry 2 (line 5)", "the op gives f32[2,4] but the entry says f32[2,5]");
        var refusedByOp = refused(file(X, w, "{\"id\":2,\"op\":\"matmul\",\"dtype\":\"f32\",\"shape\":[2,4],"
                + "\"in\":[1,0]}"));
        assertMessage(refusedByOp, "entry 2", "matmul");
        assertInstanceOf(ShapeException.class, refusedByOp.getCause());
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"reshape\",\"dtype\":\"f32\",\"shape\":[7],\"in\":[0]}")),
                "entry 1", "reshape");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"slice\",\"starts\":[1,2],\"steps\":[1,1],\"dtype\":\"f32\","
                + "\"shape\":[1,2],\"in\":[0]}")), "field 'starts'", "outside [2,3] along axis 1");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"pad\",\"starts\":[0,0],\"steps\":[3,1],\"dtype\":\"f32\","
                + "\"shape\":[3,3],\"in\":[0]}")), "field 'starts'", "along axis 0");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"windows\",\"kernel\":[2],\"stride\":[0],\"dilation\":[1],"
                + "\"dtype\":\"f32\",\"shape\":[2,2,2],\"in\":[0]}")), "field 'stride' element 0 is 0, outside 1..");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"windowsSum\",\"kernel\":[1,1,1,1],\"stride\":[1,1,1,1],"
                + "\"dilation\":[1,1,1,1],\"dtype\":\"f32\",\"shape\":[3],\"in\":[0]}")), "at most 1 here");
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"random\",\"dist\":\"uniform\",\"dtype\":\"f32\","
                + "\"shape\":[3],\"in\":[0]}")), "the key must be i32 [..., 2], got x:f32[2,3]");
    }

    @Test
    void bodiesAreCheckedAsTheyAreBuilt() {
        String i = "{\"id\":1,\"op\":\"placeholder\",\"dtype\":\"i32\",\"shape\":[]}";
        String c = "{\"id\":2,\"op\":\"placeholder\",\"dtype\":\"f32\",\"shape\":[2,3]}";
        String body = "{\"id\":3,\"op\":\"loopBody\",\"length\":3,\"reverse\":false,\"index\":1,\"carries\":[2],"
                + "\"xs\":[],\"captured\":[],\"newCarries\":[%s],\"ys\":[]}";
        String loop = "{\"id\":4,\"op\":\"loop\",\"body\":3,\"output\":0,\"dtype\":\"f32\",\"shape\":[2,3],\"in\":[0]}";
        // The body reads x, which it does not capture.
        assertMessage(refused(file(X, i, c, body.formatted("0"), loop)), "entry 3", "reads x:f32[2,3] without capturing");
        assertMessage(refused(file(X, i, c, body.formatted("2").replace("\"index\":1", "\"index\":2"), loop)),
                "field 'index' must be an i32 scalar");
        assertMessage(refused(file(X, i, c, body.formatted("2").replace("\"carries\":[2]", "\"carries\":[2,2]"), loop)),
                "lists the parameter");
        assertMessage(refused(file(X, i, c, body.formatted("2"), loop.replace("\"body\":3", "\"body\":2"))),
                "field 'body' refers to entry 2, which is not a loop body");
        assertMessage(refused(file(X, i, c, body.formatted("2"), loop.replace("\"output\":0", "\"output\":1"))),
                "output 1 of a loop with 1 outputs");
        var e = refused(file(X, i, c, body.formatted("2"), loop.replace("\"in\":[0]", "\"in\":[0,0]")));
        assertInstanceOf(GraphException.class, e.getCause());
    }

    @Test
    void bodiesCannotMakeTheReaderWalkQuadratically() {
        // A chain of 2000 casts of a constant, then conditionals whose every branch returns its end.
        List<String> lines = new ArrayList<>();
        lines.add("{\"id\":0,\"op\":\"constant\",\"literal\":\"dense\",\"dtype\":\"f32\",\"shape\":[2],"
                + "\"data\":\"AACAPwAAAEA=\"}");
        for (int k = 1; k <= 2000; k++) {
            lines.add("{\"id\":" + k + ",\"op\":\"cast\",\"dtype\":\"" + (k % 2 == 1 ? "f64" : "f32")
                    + "\",\"shape\":[2],\"in\":[" + (k - 1) + "]}");
        }
        for (int k = 0; k < 200; k++) {
            lines.add("{\"id\":" + lines.size() + ",\"op\":\"condBranches\",\"captured\":[],\"branches\":[[2000],[2000]]}");
        }
        assertMessage(refused(file(lines.toArray(String[]::new))), "reach more nodes together than the file holds");
    }

    /** A stream of {@code head}, then {@code count} copies of {@code fill}, then {@code tail}, made as it is read. */
    private static InputStream generated(String head, char fill, long count, String tail) {
        InputStream filler = new InputStream() {
            long left = count;

            @Override
            public int read() {
                return left-- > 0 ? fill : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) fill);
                left -= n;
                return n;
            }
        };
        return new SequenceInputStream(new SequenceInputStream(bytes(head), filler), bytes(tail));
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aGigabyteStringOrDataFieldIsRefusedAsItArrives() {
        long gigabyte = 1L << 30;
        var name = refused(generated(HEAD + "{\"id\":0,\"op\":\"input\",\"name\":\"", 'a', gigabyte,
                "\",\"dtype\":\"f32\",\"shape\":[]}]}"), ReadLimits.defaults());
        assertMessage(name, "String value length", "exceeds the maximum");
        var data = refused(generated(HEAD + "{\"id\":0,\"op\":\"constant\",\"literal\":\"dense\",\"dtype\":\"f32\","
                + "\"shape\":[4],\"data\":\"", 'A', gigabyte, "\"}]}"), ReadLimits.defaults());
        assertMessage(data, "entry 0", "field 'data' holds more than 16 bytes");
        var claimed = refused(generated(HEAD + "{\"id\":0,\"op\":\"constant\",\"literal\":\"dense\",\"dtype\":\"f64\","
                + "\"shape\":[1073741824],\"data\":\"", 'A', gigabyte, "\"}]}"), ReadLimits.defaults());
        assertMessage(claimed, "entry 0", "take 8589934592 bytes, more than the reader's limits leave");
    }

    @Test
    void limitsOnEntriesAndTokensHold() {
        ReadLimits d = ReadLimits.defaults();
        String sin = "{\"id\":%d,\"op\":\"unary\",\"fn\":\"SIN\",\"dtype\":\"f32\",\"shape\":[2,3],\"in\":[%d]}";
        assertMessage(refused(file(X, sin.formatted(1, 0), sin.formatted(2, 1), sin.formatted(3, 2)),
                d.withMaxEntries(3)), "more than 3 nodes and bodies");
        ReadLimits fewTokens = new ReadLimits(d.maxDocumentBytes(), d.maxEntries(), 10, d.maxTokens(),
                d.maxStringLength(), d.maxRank(), d.maxNesting(), d.maxElements(), d.maxConstantElements(),
                d.maxValueElements());
        assertMessage(refused(file(X, "{\"id\":1,\"op\":\"concat\",\"axis\":0,\"dtype\":\"f32\",\"shape\":[40,3],"
                + "\"in\":[" + "0,".repeat(19) + "0]}"), fewTokens), "entry 1", "more than 10 values");
        assertMessage(refused(file(X), d.withMaxDocumentBytes(20)), "not a readable saved graph", "Document length");
        ReadLimits fewConstants = new ReadLimits(d.maxDocumentBytes(), d.maxEntries(), d.maxEntryTokens(),
                d.maxTokens(), d.maxStringLength(), d.maxRank(), d.maxNesting(), d.maxElements(), 3,
                d.maxValueElements());
        assertMessage(refused(file("{\"id\":0,\"op\":\"constant\",\"literal\":\"dense\",\"dtype\":\"f32\","
                + "\"shape\":[4],\"data\":\"AAAAAAAAAAAAAAAAAACAPw==\"}"), fewConstants), "past the reader's limit of 3");
    }

    @Test
    void constantsAndValuesMustHoldExactlyTheirData() {
        String dense = "{\"id\":0,\"op\":\"constant\",\"literal\":\"dense\",\"dtype\":\"f32\",\"shape\":[2],"
                + "\"data\":\"%s\"}";
        String eightBytes = Base64.getEncoder().encodeToString(new byte[] {0, 0, -128, 63, 0, 0, 0, 64});
        assertMessage(refused(file(dense.formatted("AACAPw=="))), "field 'data' holds 4 bytes, but 2 f32 values take 8");
        assertMessage(refused(file(dense.formatted("!!!!"))), "not a readable saved graph");
        assertMessage(refused(file(dense.formatted(eightBytes).replace("dense", "sparse"))), "field 'literal'");
        assertMessage(refused(file("{\"id\":0,\"op\":\"constant\",\"literal\":\"identity\",\"size\":-2,\"dtype\":\"f32\","
                + "\"shape\":[4]}")), "field 'size' is -2");
        assertMessage(refused(file("{\"id\":0,\"op\":\"constant\",\"literal\":\"fill\",\"value\":1e999,"
                + "\"dtype\":\"f32\",\"shape\":[4]}")), "out of range");

        String p = "{\"id\":0,\"op\":\"parameter\",\"name\":\"p\",\"dtype\":\"bool\",\"shape\":[2]}";
        String value = "{\"name\":\"%s\",\"dtype\":\"bool\",\"shape\":[%d],\"data\":\"%s\"}";
        String graph = file(p);
        String withValue = graph.substring(0, graph.lastIndexOf('}')) + ",\n\"values\":[\n%s\n]}\n";
        assertMessage(refused(withValue.formatted(value.formatted("q", 2, "AAE="))), "value 0 (line",
                "field 'name' is 'q', which names no parameter");
        assertMessage(refused(withValue.formatted(value.formatted("p", 3, "AAEA"))), "the value is bool[3] but parameter"
                + " p:bool[2] is bool[2]");
        assertMessage(refused(withValue.formatted(value.formatted("p", 2, "AAI="))), "bool value 1 is the byte 2");
        assertMessage(refused(withValue.formatted(value.formatted("p", 2, "AAE=") + ",\n"
                + value.formatted("p", 2, "AAE="))), "a second value");
        String valuesFirst = graph.replace("\"nodes\"", "\"values\":[],\n\"nodes\"");
        assertMessage(refused(valuesFirst), "\"values\" must come after \"nodes\"");
    }
}

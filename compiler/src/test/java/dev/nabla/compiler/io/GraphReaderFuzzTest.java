package dev.nabla.compiler.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.core.NablaException.GraphFileException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.StructuralKey;
import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Loops;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.compiler.lower.Lowering;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Valid saved graphs, mutated at random (bytes flipped, cut short, lines duplicated, removed or
 * swapped, ids and dimensions replaced by random numbers): each mutant must either load to a
 * valid graph (one that lowers and writes back to an equal program) or be refused with a
 * {@link GraphFileException}; nothing else may escape. 3,000 tries run in the build;
 * {@code -Dnabla.fuzz.graphio.tries=...} runs more.
 */
class GraphReaderFuzzTest {
    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    /** Fields whose numbers a mutation changes (lists by their opening bracket). */
    private static final String[] FIELDS = {"\"shape\":[", "\"axis\":", "\"axes\":[", "\"perm\":[", "\"starts\":[",
        "\"steps\":[", "\"kernel\":[", "\"stride\":[", "\"dilation\":[", "\"length\":", "\"output\":", "\"fold\":",
        "\"value\":", "\"size\":", "\"in\":[", "\"outputs\":["};
    /** Words a mutation swaps for one another. */
    private static final String[][] WORDS = {{"f32", "f64", "i32", "bool"}, {"SIN", "EXP", "RELU", "NEG", "LOG"},
        {"ADD", "MUL", "POW", "MINIMUM"}, {"SUM", "MAX", "PROD"}, {"LT", "EQ"}, {"uniform", "normal", "bits", "split"},
        {"fill", "zero", "dense", "identity"}, {"input", "parameter", "placeholder"}, {"reshape", "broadcastTo", "cast"},
        {"slice", "pad"}, {"windows", "windowsSum"}, {"gather", "scatterAdd", "concat"}};

    private static List<String> bases() {
        List<String> bases = new ArrayList<>();
        NodeTable t = new NodeTable();
        List<Node> every = GraphIoTest.everyOp(t);
        Node w = t.variables().get("w");
        bases.add(GraphIoTest.write(every, n -> n == w ? new TensorData(DType.F32, w.shape(), new float[12]) : null,
                GraphWriter.Options.defaults()));

        NodeTable u = new NodeTable();
        Node h0 = Ops.input(u, "h0", Shape.of(3), DType.F64);
        Node xs = Ops.input(u, "xs", Shape.of(4, 3), DType.F64);
        List<Node> scan = Loops.scan("scan", u, List.of(h0), List.of(xs), -1, true, (i, h, s) -> {
            Node next = Ops.tanh(Ops.mul(h.get(0), s.get(0)));
            return new Loops.Step(List.of(next), List.of(Ops.sum(next, new int[0], false)));
        });
        Node loss = Ops.sum(scan.get(1), new int[0], false);
        List<Node> grads = new ArrayList<>(Autodiff.grad(loss, List.of(h0, xs)));
        grads.add(Autodiff.grad(Ops.sum(grads.get(0), new int[0], false), List.of(h0)).get(0));
        bases.add(GraphIoTest.write(grads));
        return bases;
    }

    @Test
    void mutatedFilesLoadOrAreRefusedClearly() {
        int tries = Integer.getInteger("nabla.fuzz.graphio.tries", 3000);
        List<String> bases = bases();
        int loaded = 0;
        int refused = 0;
        long start = System.nanoTime();
        for (int k = 0; k < tries; k++) {
            Random rnd = new Random(k);
            String base = bases.get(k % bases.size());
            StringBuilder how = new StringBuilder();
            String mutant = mutate(base, rnd, how);
            try {
                // Every char is below 256 (the bases are ASCII): one byte each, so flipped bytes arrive as they are.
                LoadedGraph g = GraphReader.read(new ByteArrayInputStream(mutant.getBytes(StandardCharsets.ISO_8859_1)),
                        ReadLimits.defaults(), a -> new NodeTable(a, null));
                checkValid(g);
                loaded++;
            } catch (GraphFileException e) {
                assertTrue(e.getMessage().startsWith("graph file"), e.getMessage());
                refused++;
            } catch (Throwable e) {
                fail("try " + k + " (" + how + ") escaped with " + e + "\n" + mutant, e);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(refused > tries / 4, "most mutants are refused: " + refused + " of " + tries);
        assertTrue(loaded > 0, "some mutants still load: " + loaded + " of " + tries);
        System.out.printf("graph reader fuzz: %d tries, %d loaded, %d refused, %.1f s%n", tries, loaded, refused,
                seconds);
    }

    /** A loaded graph is a program that lowers, and writes back to an equal one. */
    private static void checkValid(LoadedGraph g) {
        Program p = Program.of(g.outputs());
        Lowering.lower(p);
        String again = GraphIoTest.write(g.outputs());
        assertEquals(StructuralKey.of(p), StructuralKey.of(Program.of(GraphIoTest.read(again).outputs())));
    }

    private static String mutate(String text, Random rnd, StringBuilder how) {
        int rounds = 1 + rnd.nextInt(3);
        for (int r = 0; r < rounds && !text.isEmpty(); r++) {
            List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
            int i = rnd.nextInt(lines.size());
            int j = rnd.nextInt(lines.size());
            switch (rnd.nextInt(10)) {
                case 0 -> {
                    byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
                    int at = rnd.nextInt(b.length);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    text = new String(b, StandardCharsets.ISO_8859_1);
                    how.append("flip byte ").append(at).append("; ");
                }
                case 1 -> {
                    int at = rnd.nextInt(text.length());
                    text = text.substring(0, at);
                    how.append("cut at ").append(at).append("; ");
                }
                case 2 -> {
                    lines.add(i, lines.get(i));
                    text = String.join("\n", lines);
                    how.append("duplicate line ").append(i).append("; ");
                }
                case 3 -> {
                    lines.remove(i);
                    text = String.join("\n", lines);
                    how.append("remove line ").append(i).append("; ");
                }
                case 4 -> {
                    String a = lines.get(i);
                    lines.set(i, lines.get(j));
                    lines.set(j, a);
                    text = String.join("\n", lines);
                    how.append("swap lines ").append(i).append(", ").append(j).append("; ");
                }
                case 5 -> {
                    text = replaceNumber(text, rnd, "\"id\":", how);
                }
                case 6 -> {
                    text = replaceNumber(text, rnd, FIELDS[rnd.nextInt(FIELDS.length)], how);
                }
                case 7 -> {
                    String[] words = WORDS[rnd.nextInt(WORDS.length)];
                    String from = "\"" + words[rnd.nextInt(words.length)] + "\"";
                    String to = "\"" + words[rnd.nextInt(words.length)] + "\"";
                    int at = text.indexOf(from, rnd.nextInt(text.length()));
                    if (at >= 0) {
                        text = text.substring(0, at) + to + text.substring(at + from.length());
                        how.append(from).append(" -> ").append(to).append(" at ").append(at).append("; ");
                    }
                }
                default -> {
                    text = replaceNumber(text, rnd, "", how);
                }
            }
        }
        return text;
    }

    /** One number (after {@code after}, when given) replaced by a random, often extreme, one. */
    private static String replaceNumber(String text, Random rnd, String after, StringBuilder how) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            if (after.isEmpty() || text.startsWith(after, m.start() - after.length())
                    || after.endsWith("[") && text.lastIndexOf(after, m.start()) > text.lastIndexOf(']', m.start())) {
                spans.add(new int[] {m.start(), m.end()});
            }
        }
        if (spans.isEmpty()) {
            return text;
        }
        int[] span = spans.get(rnd.nextInt(spans.size()));
        String value = switch (rnd.nextInt(6)) {
            case 0 -> String.valueOf(rnd.nextInt(8));
            case 1 -> String.valueOf(-1 - rnd.nextInt(3));
            case 2 -> String.valueOf(Integer.MAX_VALUE - rnd.nextInt(2));
            case 3 -> String.valueOf(1L << (31 + rnd.nextInt(40)));
            case 4 -> String.valueOf(rnd.nextInt(100));
            default -> "0";
        };
        how.append("number at ").append(span[0]).append(" -> ").append(value).append("; ");
        return text.substring(0, span[0]) + value + text.substring(span[1]);
    }
}

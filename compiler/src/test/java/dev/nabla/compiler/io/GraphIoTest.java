package dev.nabla.compiler.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.StructuralKey;
import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.ir.Arithmetic;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.compiler.ir.CustomRule;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Loops;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.RandomOps;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.core.Shape;
import dev.nabla.compiler.ir.WindowShape;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Saved graphs of the compiler's own nodes: every op, derivatives, loops and values round trip. */
class GraphIoTest {

    static String write(List<Node> outputs, Function<Node, TensorData> values, GraphWriter.Options options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            GraphWriter.write(out, outputs, values, options);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static String write(List<Node> outputs) {
        return write(outputs, null, GraphWriter.Options.defaults());
    }

    static LoadedGraph read(String text) {
        return read(text, ReadLimits.defaults());
    }

    static LoadedGraph read(String text, ReadLimits limits) {
        try {
            return GraphReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), limits,
                    a -> new NodeTable(a, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Written, read and written again: the same program, and the same text. */
    static LoadedGraph assertRoundTrip(List<Node> outputs) {
        String text = write(outputs);
        LoadedGraph loaded = read(text);
        assertNotSame(outputs.get(0).table(), loaded.table());
        assertEquals(StructuralKey.of(Program.of(outputs)), StructuralKey.of(Program.of(loaded.outputs())));
        assertEquals(text, write(loaded.outputs()));
        return loaded;
    }

    /** A graph that uses every op the format has (Custom aside), loops and a conditional included. */
    static List<Node> everyOp(NodeTable t) {
        Node x = Ops.input(t, "x", Shape.of(2, 3), DType.F32);
        Node w = Ops.parameter(t, "w", Shape.of(3, 4), DType.F32);
        Node c = Ops.constant(t, new double[] {1, -0.0, 2.5, Double.NaN, 3, Double.NEGATIVE_INFINITY}, Shape.of(2, 3),
                DType.F32);
        Node key = Ops.input(t, "key", Shape.of(2), DType.I32);
        Node img = Ops.input(t, "img", Shape.of(1, 2, 5, 5), DType.F32);
        Node idx = Ops.constant(t, new double[] {2, 0, 1, 1, 0, 2}, Shape.of(2, 3), DType.I32);
        Node a = Ops.sin(Ops.add(x, c));
        Node m = Ops.matmul(a, w);
        List<Node> out = new ArrayList<>();
        out.add(Ops.where(Ops.compare(CompareFn.LT, x, c), x, c));
        out.add(Ops.fma(x, c, a));
        out.add(Ops.reduce(ReduceFn.MAX, m, new int[] {1}, true));
        out.add(Ops.reduce(ReduceFn.PROD, m, new int[0], false));
        out.add(Ops.reshape(m, 4, 2));
        out.add(Ops.permute(m, 1, 0));
        out.add(Ops.broadcastTo(Ops.sum(x, new int[] {0}, true), Shape.of(5, 2, 3)));
        out.add(Ops.slice(m, 1, 1, 4, 2));
        out.add(Ops.pad(x, new int[] {1, 0}, new int[] {2, 1}, Shape.of(5, 3)));
        WindowShape window = WindowShape.of(new int[] {2, 2}, new int[] {1, 2}, new int[] {2, 1});
        Node windows = Ops.windows(img, window);
        out.add(Ops.windowsSum(Ops.mul(windows, windows), window, img.shape()));
        out.add(Ops.concat(0, List.of(x, c, a)));
        out.add(Ops.takeAlongAxis(x, idx, 1));
        out.add(Ops.scatterAddNode(idx, x, 1, Shape.of(2, 3)));
        out.add(Ops.cast(Ops.exp(x), DType.F64));
        out.add(Ops.stopGradient(a));
        out.add(RandomOps.draw(new Distribution.Uniform(), key, Shape.of(3), DType.F32));
        out.add(RandomOps.draw(new Distribution.Normal(), key, Shape.of(2, 2), DType.F64));
        out.add(RandomOps.draw(new Distribution.Bits(), key, Shape.of(4), DType.I32));
        out.add(RandomOps.draw(new Distribution.Permutation(), key, Shape.of(5), DType.I32));
        out.add(RandomOps.foldIn(RandomOps.next(RandomOps.split(key, 3)), -7));
        out.add(Ops.fill(t, Double.NaN, Shape.of(2), DType.F64));
        out.add(Ops.fill(t, -0.0, Shape.of(3, 3), DType.F32));
        out.add(Ops.fill(t, Double.POSITIVE_INFINITY, Shape.SCALAR, DType.F32));
        out.add(Ops.identity(t, 3, Shape.of(9), DType.F32));
        out.add(Ops.structuralZeros(t, Shape.of(2, 2), DType.F64));
        // A scan over the rows of xs reading the outer u, a while loop and a conditional.
        Node u = Ops.input(t, "u", Shape.of(2, 3), DType.F32);
        Node xs = Ops.input(t, "xs", Shape.of(4, 2, 3), DType.F32);
        List<Node> scan = Loops.scan("scan", t, List.of(x), List.of(xs), -1, false, (i, h, s) -> {
            Node next = Ops.tanh(Ops.add(Ops.mul(h.get(0), s.get(0)), u));
            return new Loops.Step(List.of(next), List.of(Ops.sum(next, new int[0], false)));
        });
        out.addAll(scan);
        Node n = Ops.input(t, "n", Shape.SCALAR, DType.F64);
        out.addAll(Loops.whileLoop("whileLoop", t, List.of(n), cs -> Ops.compare(CompareFn.LT, cs.get(0), Ops.scalarLike(n, 100)),
                cs -> List.of(Ops.mul(cs.get(0), 2.0)), 50));
        Node pick = Ops.input(t, "pick", Shape.SCALAR, DType.I32);
        out.addAll(Loops.cond("cond", pick, List.of(() -> List.of(Ops.sin(u)), () -> List.of(Ops.cos(x)),
                () -> List.of(Ops.neg(u)))));
        return out;
    }

    @Test
    void everyOpRoundTripsToAnEqualProgram() {
        NodeTable t = new NodeTable();
        List<Node> out = everyOp(t);
        LoadedGraph loaded = assertRoundTrip(out);
        assertEquals(List.of("x", "key", "img", "u", "xs", "n", "pick"), List.copyOf(loaded.inputs().keySet()));
        assertEquals(List.of("w"), List.copyOf(loaded.parameters().keySet()));
        assertEquals(Shape.of(3, 4), loaded.parameters().get("w").shape());
        for (int i = 0; i < out.size(); i++) {
            assertEquals(out.get(i).op().getClass(), loaded.outputs().get(i).op().getClass(), "output " + i);
            assertEquals(out.get(i).shape(), loaded.outputs().get(i).shape(), "output " + i);
        }
    }

    @Test
    void derivativesOfLoopsKeepTheirHistoryBody() {
        NodeTable t = new NodeTable();
        Node h0 = Ops.input(t, "h0", Shape.of(3), DType.F64);
        Node w = Ops.parameter(t, "w", Shape.of(3, 3), DType.F64);
        Node xs = Ops.input(t, "xs", Shape.of(5, 3), DType.F64);
        List<Node> scan = Loops.scan("scan", t, List.of(h0), List.of(xs), -1, false, (i, h, s) -> {
            Node next = Ops.tanh(Ops.add(Ops.reshape(Ops.matmul(Ops.reshape(h.get(0), 1, 3), w), 3), s.get(0)));
            return new Loops.Step(List.of(next), List.of(Ops.sum(Ops.mul(next, next), new int[0], false)));
        });
        Node loss = Ops.sum(scan.get(1), new int[0], false);
        List<Node> grads = Autodiff.grad(loss, List.of(w, h0, xs));
        Node second = Autodiff.grad(Ops.sum(grads.get(1), new int[0], false), List.of(h0)).get(0);
        List<Node> out = new ArrayList<>(grads);
        out.add(second);
        out.add(loss);
        LoadedGraph loaded = assertRoundTrip(out);
        long histories = Program.of(loaded.outputs()).nodes().stream()
                .filter(n -> n.op() instanceof Op.Loop(LoopBody b, int o) && b.base() != null).count();
        assertTrue(histories > 0, "the gradient runs the loop's history, linked to its body");
        String text = write(out);
        assertTrue(text.contains("\"op\":\"loopHistory\""), text);
    }

    @Test
    void fileHasOneLinePerEntryAndReadableNodes() {
        NodeTable t = new NodeTable();
        Node x = Ops.input(t, "x", Shape.of(2, 3), DType.F32);
        Node y = Ops.sum(Ops.sin(x), new int[] {1}, false);
        String text = write(List.of(y));
        assertEquals("""
                {"format":"nabla-graph",
                "version":1,
                "arithmetic":"ieee",
                "nodes":[
                {"id":0,"op":"input","name":"x","dtype":"f32","shape":[2,3]},
                {"id":1,"op":"unary","fn":"SIN","dtype":"f32","shape":[2,3],"in":[0]},
                {"id":2,"op":"reduce","fn":"SUM","axes":[1],"keepDims":false,"dtype":"f32","shape":[2],"in":[1]}
                ],
                "outputs":[2]
                }
                """, text);
    }

    @Test
    void fastArithmeticIsKept() {
        NodeTable t = new NodeTable(Arithmetic.FAST, null);
        Node x = Ops.input(t, "x", Shape.SCALAR, DType.F32);
        String text = write(List.of(Ops.exp(x)));
        assertTrue(text.contains("\"arithmetic\":\"fast\""), text);
        assertEquals(Arithmetic.FAST, read(text).table().arithmetic());
    }

    @Test
    void valuesComeBackBitForBit() {
        NodeTable t = new NodeTable();
        Node f = Ops.parameter(t, "f", Shape.of(5), DType.F32);
        Node d = Ops.parameter(t, "d", Shape.of(2, 2), DType.F64);
        Node i = Ops.parameter(t, "i", Shape.of(3), DType.I32);
        Node b = Ops.parameter(t, "b", Shape.of(2), DType.BOOL);
        Node unsaved = Ops.parameter(t, "unsaved", Shape.SCALAR, DType.F32);
        float[] floats = {1.5f, -0.0f, Float.intBitsToFloat(0x7fc01234), Float.MIN_VALUE, Float.NEGATIVE_INFINITY};
        double[] doubles = {Math.PI, -0.0, Double.longBitsToDouble(0x7ff8000000abcdefL), Double.MAX_VALUE};
        double[] ints = {Integer.MIN_VALUE, -1, Integer.MAX_VALUE};
        double[] bools = {1, 0};
        Map<Node, TensorData> values = new HashMap<>();
        values.put(f, new TensorData(DType.F32, f.shape(), floats));
        values.put(d, new TensorData(DType.F64, d.shape(), doubles));
        values.put(i, new TensorData(DType.I32, i.shape(), ints));
        values.put(b, new TensorData(DType.BOOL, b.shape(), bools));
        Node sum = Ops.add(Ops.add(Ops.sum(f, new int[0], false), Ops.cast(Ops.sum(d, new int[0], false), DType.F32)),
                Ops.add(Ops.cast(Ops.sum(Ops.cast(i, DType.F64), new int[0], false), DType.F32), unsaved));
        String text = write(List.of(sum, b), values::get, GraphWriter.Options.defaults());
        LoadedGraph loaded = read(text);
        assertEquals(List.of("f", "d", "i", "b"), List.copyOf(loaded.values().keySet()));
        float[] f2 = (float[]) loaded.values().get("f").storage();
        for (int k = 0; k < floats.length; k++) {
            assertEquals(Float.floatToRawIntBits(floats[k]), Float.floatToRawIntBits(f2[k]), "f32 " + k);
        }
        double[] d2 = (double[]) loaded.values().get("d").storage();
        for (int k = 0; k < doubles.length; k++) {
            assertEquals(Double.doubleToRawLongBits(doubles[k]), Double.doubleToRawLongBits(d2[k]), "f64 " + k);
        }
        assertArrayEquals(ints, (double[]) loaded.values().get("i").storage());
        assertArrayEquals(bools, (double[]) loaded.values().get("b").storage());
        assertEquals(Shape.of(2, 2), loaded.values().get("d").shape());
    }

    @Test
    void aValueOfAnotherShapeIsRefusedWhenWriting() {
        NodeTable t = new NodeTable();
        Node p = Ops.parameter(t, "p", Shape.of(3), DType.F32);
        var e = assertThrows(NablaException.class, () -> write(List.of(Ops.exp(p)),
                n -> new TensorData(DType.F32, Shape.of(2), new float[2]), GraphWriter.Options.defaults()));
        assertTrue(e.getMessage().contains("the value of parameter p:f32[3] is f32[2]"), e.getMessage());
    }

    /** A rule that is never called: only its name matters to the writer. */
    private record NamedRule(String name) implements CustomRule {
        public boolean hasJvp() { return false; }
        public boolean hasVjp() { return true; }
        public Node jvp(List<Node> args, Node output, List<Node> tangents) { throw new UnsupportedOperationException(); }
        public List<Node> vjp(List<Node> args, Node output, Node cotangent) { return List.of(cotangent); }
    }

    @Test
    void customFunctionsAreRefusedOrWrittenAsTheirPrimal() {
        NodeTable t = new NodeTable();
        Node x = Ops.input(t, "x", Shape.of(3), DType.F32);
        Node custom = Ops.custom(new NamedRule("softclip"), Ops.tanh(x), List.of(x));
        Node y = Ops.mul(custom, custom);
        var refused = assertThrows(GraphException.class, () -> write(List.of(y)));
        assertTrue(refused.getMessage().contains("custom function 'softclip'"), refused.getMessage());
        assertTrue(refused.getMessage().contains("customAsPrimal"), refused.getMessage());

        String text = write(List.of(y), null, GraphWriter.Options.defaults().withCustomAsPrimal(true));
        assertTrue(text.contains("\"customPrimals\":[\"softclip\"]"), text);
        LoadedGraph loaded = read(text);
        assertEquals(List.of("softclip"), loaded.customPrimals());
        assertEquals(StructuralKey.of(Program.of(List.of(Ops.mul(Ops.tanh(x), Ops.tanh(x))))),
                StructuralKey.of(Program.of(loaded.outputs())));
    }

    @Test
    void aDeepChainAndItsGradientRoundTripWithoutRecursion() {
        NodeTable t = new NodeTable();
        Node x = Ops.input(t, "x", Shape.of(4), DType.F64);
        Node y = x;
        for (int i = 0; i < 100_000; i++) {
            y = i % 2 == 0 ? Ops.sin(y) : Ops.mul(y, 1.0001);
        }
        Node loss = Ops.sum(y, new int[0], false);
        List<Node> out = List.of(loss, Autodiff.grad(loss, List.of(x)).get(0));
        long start = System.nanoTime();
        String text = write(out);
        long written = System.nanoTime();
        LoadedGraph loaded = read(text);
        long read = System.nanoTime();
        assertEquals(StructuralKey.of(Program.of(out)), StructuralKey.of(Program.of(loaded.outputs())));
        System.out.printf("deep chain: %d nodes, %.1f MB, written in %.0f ms, read in %.0f ms%n",
                Program.of(out).nodes().size(), text.length() / 1e6, (written - start) / 1e6, (read - written) / 1e6);
    }

    @Test
    void equalNodesStayOneNode() {
        NodeTable t = new NodeTable();
        Node x = Ops.input(t, "x", Shape.of(3), DType.F32);
        Node s = Ops.sin(x);
        LoadedGraph loaded = assertRoundTrip(List.of(s, Ops.exp(s), s));
        assertSame(loaded.outputs().get(0), loaded.outputs().get(2));
        assertSame(loaded.outputs().get(0), loaded.outputs().get(1).input(0));
    }
}

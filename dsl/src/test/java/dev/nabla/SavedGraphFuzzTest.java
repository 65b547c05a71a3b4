package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.GraphFileException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.io.ReadLimits;
import dev.nabla.compiler.ir.CondBranches;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.LoopBody;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Saved models with their numbers changed at random (dimensions, axes, ids, lengths, values),
 * loaded, and the ones that load run: what a deployment does with a file it did not make (the
 * compiler's GraphReaderFuzzTest corrupts bytes and lines; this one keeps the JSON valid, so that
 * more mutants load). Loading either succeeds or throws {@link GraphFileException};
 * running a loaded graph (small enough, with loops of bounded length) on the reference
 * interpreter and on the JVM backend either gives values or throws a {@link NablaException} (an
 * index out of range, say); nothing else escapes.
 */
class SavedGraphFuzzTest {
    private static final List<Device> DEVICES = List.of(Device.of("reference:cpu"), Device.of("jvm:cpu"));

    private static List<String> bases() throws IOException {
        List<String> bases = new ArrayList<>();
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, Sequential.of(new Conv2d(2, 3, 3, ConvOptions.defaults().padding(1)),
                    new BatchNorm2d(3), Layers.relu(), Layers.maxPool2d(2), Layers.flatten(), new Linear(12, 4)), 1);
            Tensor x = g.input("x", 2, 2, 4, 4);
            Tensor loss = net.forward(x).pow(2).mean();
            List<Tensor> outputs = new ArrayList<>(List.of(net.evaluate(x), loss));
            outputs.addAll(loss.grad(new ArrayList<>(net.parameters().values())));
            bases.add(saved(g, outputs));
        }
        try (Graph g = Graph.create()) {
            Tensor h0 = g.input("h0", DType.F64, 2, 3);
            Tensor xs = g.input("xs", DType.F64, 4, 2, 3);
            Tensor w = g.parameter("w", TestArrays.uniform(new Random(1), 0.5, 3, 3));
            Scan.Result r = Nabla.scan(h0, xs, (h, x) -> {
                Tensor next = h.matmul(w).add(x).tanh();
                return Scan.Step.of(next, next.sum());
            });
            Tensor key = g.keyState("key", 3);
            Tensor idx = Nabla.randint(key, 0, 3, 2, 3);
            Tensor loss = r.carry().sum().add(r.stacked().sum()).add(h0.gather(1, idx).sum());
            Tensor pick = g.input("pick", DType.I32);
            Tensor branch = Nabla.switchOf(pick, List.of(() -> List.of(h0.sin()), () -> List.of(h0.cos()))).get(0);
            List<Tensor> outputs = new ArrayList<>(List.of(loss, branch, Nabla.dropout(h0, 0.5, key, true)));
            outputs.addAll(loss.grad(w, h0, xs));
            bases.add(saved(g, outputs));
        }
        return bases;
    }

    private static String saved(Graph g, List<Tensor> outputs) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        g.save(out, SavedGraph.Options.defaults(), outputs.toArray(Tensor[]::new));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void mutatedModelsLoadAndRunOrAreRefused() throws IOException {
        int tries = Integer.getInteger("nabla.fuzz.graphio.runs", 500);
        List<String> bases = bases();
        int ran = 0;
        for (int k = 0; k < tries; k++) {
            Random rnd = new Random(k);
            StringBuilder how = new StringBuilder();
            String mutant = mutate(bases.get(k % bases.size()), rnd, how);
            try (SavedGraph s = SavedGraph.load(new ByteArrayInputStream(mutant.getBytes(StandardCharsets.ISO_8859_1)),
                    GraphOptions.defaults(), ReadLimits.defaults())) {
                if (runnable(s)) {
                    run(s, rnd);
                    ran++;
                }
            } catch (GraphFileException refused) {
                assertTrue(refused.getMessage().startsWith("graph file"), refused.getMessage());
            } catch (Throwable e) {
                fail("try " + k + " (" + how + ") escaped with " + e + "\n" + mutant, e);
            }
        }
        assertTrue(ran > 0, "some mutants load and run");
        System.out.printf("saved graph fuzz: %d tries, %d loaded and ran%n", tries, ran);
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d+");

    /** One to three numbers of the file replaced by small, negative or huge ones. */
    private static String mutate(String text, Random rnd, StringBuilder how) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            // Not ids (most changes of those only break references) nor inside base64 data.
            boolean id = text.startsWith("\"id\":", m.start() - 5);
            if (!id && text.lastIndexOf("\"data\":\"", m.start()) <= text.lastIndexOf('\n', m.start())) {
                spans.add(new int[] {m.start(), m.end()});
            }
        }
        List<int[]> chosen = new ArrayList<>();
        for (int r = 1 + rnd.nextInt(3); r > 0; r--) {
            chosen.add(spans.remove(rnd.nextInt(spans.size())));
        }
        // From the end backwards, so that each replacement leaves the earlier spans in place.
        chosen.sort((a, b) -> b[0] - a[0]);
        StringBuilder out = new StringBuilder(text);
        for (int[] span : chosen) {
            String value = switch (rnd.nextInt(4)) {
                case 0 -> String.valueOf(rnd.nextInt(6));
                case 1 -> String.valueOf(-1 - rnd.nextInt(2));
                case 2 -> String.valueOf(Long.parseLong(text.substring(span[0], span[1])) + 1);
                default -> String.valueOf(1 << 20 + rnd.nextInt(12));
            };
            how.append(span[0]).append(": ").append(text, span[0], span[1]).append(" -> ").append(value).append("; ");
            out.replace(span[0], span[1], value);
        }
        return out.toString();
    }

    /** Runs every output with random feeds on each device: values, or a NablaException. */
    private static void run(SavedGraph s, Random rnd) {
        Map<Tensor, NDArray> feeds = new HashMap<>();
        for (Tensor in : s.inputs().values()) {
            double[] v = new double[in.shape().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = in.dtype() == DType.I32 ? rnd.nextInt(3) : in.dtype() == DType.BOOL ? rnd.nextInt(2)
                        : rnd.nextGaussian();
            }
            feeds.put(in, NDArray.fromDoubles(in.dtype(), in.shape(), v));
        }
        for (Device device : DEVICES) {
            try (CompiledGraph c = s.graph().compile(device)) {
                c.eval(feeds, s.outputs().toArray(Tensor[]::new));
            } catch (NablaException expected) {
                // A run may fail as documented (an index out of range, a feed the program refuses).
            }
        }
    }

    /** Small enough to run in a test: no node past 100k elements, loops of at most 100 steps, no while. */
    private static boolean runnable(SavedGraph s) {
        ArrayDeque<Program> todo = new ArrayDeque<>();
        todo.add(s.graph().program("fuzz", s.outputs().toArray(Tensor[]::new)));
        Set<Object> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            for (Node n : todo.pop().nodes()) {
                if (n.shape().size() > 100_000) {
                    return false;
                }
                switch (n.op()) {
                    case Op.Loop(LoopBody b, int o) -> {
                        if (b.isWhile() || b.length() > 100) {
                            return false;
                        }
                        if (seen.add(b)) {
                            todo.add(b.program());
                        }
                    }
                    case Op.Cond(CondBranches b, int o) -> {
                        if (seen.add(b)) {
                            todo.addAll(b.programs());
                        }
                    }
                    default -> { }
                }
            }
        }
        return true;
    }
}

package dev.nabla.compiler.lower;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.CompareFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.core.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * The lowering's structure (what fuses into one kernel, what becomes a view) and the memory
 * plan's correctness: results computed with temporaries in the plan's shared slots (in place
 * where the plan says so) must equal results with a buffer per temporary, bit for bit, as run by
 * the plain {@link LoweredInterpreter}.
 */
class LoweringTest {
    private final NodeTable table = new NodeTable();

    private Node input(String name, DType dtype, int... dims) {
        return Ops.input(table, name, Shape.of(dims), dtype);
    }

    private static LoweredProgram lower(Node... outputs) {
        return Lowering.lower(Program.of(List.of(outputs)));
    }

    private static long count(LoweredProgram p, Predicate<Step> kind) {
        return p.steps().stream().filter(kind).count();
    }

    private static double[] values(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return v;
    }

    /** Runs p with and without shared slots on random inputs, asserts they agree, returns the results. */
    private static List<double[]> runBothWays(LoweredProgram p, long seed) {
        Random r = new Random(seed);
        List<double[]> inputs = new ArrayList<>();
        for (Node in : p.program().inputs()) {
            inputs.add(values(r, in.shape().size()));
        }
        List<double[]> parameters = new ArrayList<>();
        for (Node in : p.program().parameters()) {
            parameters.add(values(r, in.shape().size()));
        }
        for (Buffer b : p.buffers()) {
            if (b.kind() == Buffer.Kind.TEMP && b.slot() >= 0) {
                LoweredProgram.Slot slot = p.slots().get(b.slot());
                assertEquals(b.dtype().storage(), slot.dtype(), () -> b + " in a slot of another type:\n" + describe(p));
                assertThat(slot.size()).as("%s in a smaller slot:\n%s", b, describe(p)).isGreaterThanOrEqualTo(b.size());
            }
        }
        List<double[]> separate = LoweredInterpreter.run(p, inputs, parameters, false);
        List<double[]> shared = LoweredInterpreter.run(p, inputs, parameters, true);
        for (int i = 0; i < separate.size(); i++) {
            int k = i;
            assertArrayEquals(separate.get(i), shared.get(i),
                    () -> "result " + k + " changes when temporaries share slots as planned:\n" + describe(p));
        }
        return shared;
    }

    static String describe(LoweredProgram p) {
        StringBuilder sb = new StringBuilder();
        for (Buffer b : p.buffers()) {
            sb.append("  buffer ").append(b.id()).append(' ').append(b.kind()).append(' ').append(b.dtype())
                    .append('[').append(b.size()).append("] slot ").append(b.slot()).append(" <- ")
                    .append(b.origin().describe()).append('\n');
        }
        for (Step s : p.steps()) {
            sb.append("  step ").append(s).append('\n');
        }
        sb.append("  results ").append(p.results()).append('\n');
        return sb.toString();
    }

    // ---- fusion ----

    @Test
    void elementwiseChainIsOneKernel() {
        Node x = input("x", DType.F32, 1000);
        // sin(x)*exp(-x*x) + 3*x*x, as written: (-x)*x and (3*x)*x, every node used once.
        Node y = Ops.add(Ops.mul(Ops.sin(x), Ops.exp(Ops.mul(Ops.neg(x), x))), Ops.mul(Ops.mul(3, x), x));
        LoweredProgram p = lower(y);
        assertEquals(1, p.steps().size(), () -> describe(p));
        assertThat(p.steps().get(0)).isInstanceOf(Step.Elementwise.class);
        // One temporary: the result. Nothing in between is stored.
        assertEquals(1, p.buffers().stream().filter(b -> b.kind() == Buffer.Kind.TEMP).count());
        double[] got = runBothWays(p, 1).get(0);
        double[] in = values(new Random(1), 1000);
        for (int i = 0; i < in.length; i++) {
            float xi = (float) in[i];
            float want = (float) ((float) ((float) Math.sin(xi) * (float) Math.exp((float) (-xi * xi)))
                    + (float) ((float) (3 * xi) * xi));
            assertEquals(want, (float) got[i], 0f);
        }
    }

    @Test
    void cheapSharedOpOverLoadsIsRecomputed() {
        Node x = input("x", DType.F64, 100);
        Node sq = Ops.mul(x, x);
        Node y = Ops.add(Ops.exp(Ops.neg(sq)), Ops.mul(3, sq));
        LoweredProgram p = lower(y);
        // x*x has two consumers, but one multiply each is cheaper than a trip through memory.
        assertEquals(1, count(p, s -> s instanceof Step.Elementwise), () -> describe(p));
        runBothWays(p, 2);
    }

    @Test
    void sharedNegationsAndAbsoluteValuesAreRecomputedOtherFunctionsStored() {
        Node x = input("x", DType.F64, 100);
        for (Node shared : List.of(Ops.neg(x), Ops.abs(x))) {
            LoweredProgram p = lower(Ops.add(Ops.exp(shared), Ops.mul(3, shared)));
            assertEquals(1, count(p, s -> s instanceof Step.Elementwise), () -> describe(p));
            runBothWays(p, 13);
        }
        for (Node shared : List.of(Ops.exp(x), Ops.sqrt(x), Ops.pow(x, 3.0))) {
            LoweredProgram p = lower(Ops.add(Ops.sin(shared), Ops.mul(3, shared)));
            assertEquals(2, count(p, s -> s instanceof Step.Elementwise), () -> describe(p));
            bufferOf(p, shared);
            runBothWays(p, 14);
        }
    }

    @Test
    void onlyASquareBecomesAMultiply() {
        Node x = input("x", DType.F64, 40);
        Node square = Ops.pow(x, 2.0);
        Node cube = Ops.pow(x, 3.0);
        Node minusTwo = Ops.sub(x, 2.0);
        Node half = Ops.div(x, 2.0);
        LoweredProgram p = lower(square, cube, minusTwo, half);
        Expr load = new Expr.Load(View.contiguous(p.inputBuffers().get(0), Shape.of(40)));
        assertEquals(new Expr.Binary(dev.nabla.compiler.ir.BinaryFn.MUL, load, load),
                ((Step.Elementwise) p.steps().get(0)).body());
        List<double[]> got = runBothWays(p, 15);
        double[] in = values(new Random(15), 40);
        for (int i = 0; i < in.length; i++) {
            assertEquals(in[i] * in[i], got.get(0)[i]);
            assertEquals(dev.nabla.compiler.ir.ScalarMath.pow(in[i], 3), got.get(1)[i]);
            assertEquals(in[i] - 2, got.get(2)[i]);
            assertEquals(in[i] / 2, got.get(3)[i]);
        }
    }

    @Test
    void aBodyOverTheLimitStoresItsLargestOperandFirst() {
        Node x = input("x", DType.F64, 8);
        Node large = x;
        for (int i = 0; i < 100; i++) {
            large = Ops.sin(large);
        }
        Node small = x;
        for (int i = 0; i < 50; i++) {
            small = Ops.cos(small);
        }
        // 1 + 101 + 51 operations and leaves: over the limit of 128, so the sine chain is stored
        // and the sum reads it, leaving one kernel of 53 rather than one of 103.
        LoweredProgram p = lower(Ops.add(large, small));
        assertEquals(2, p.steps().size(), () -> describe(p));
        assertEquals(101, bodySize(((Step.Elementwise) p.steps().get(0)).body()));
        assertEquals(53, bodySize(((Step.Elementwise) p.steps().get(1)).body()));
        bufferOf(p, large);
        runBothWays(p, 16);
        // A body of exactly the limit is one kernel.
        Node chain = x;
        for (int i = 0; i < Lowering.MAX_FUSED_OPS - 1; i++) {
            chain = Ops.sin(chain);
        }
        LoweredProgram whole = lower(chain);
        assertEquals(1, whole.steps().size(), () -> describe(whole));
        assertEquals(Lowering.MAX_FUSED_OPS, bodySize(((Step.Elementwise) whole.steps().get(0)).body()));
    }

    @Test
    void expensiveSharedSubexpressionIsStoredOnce() {
        Node x = input("x", DType.F64, 100);
        Node e = Ops.exp(Ops.sin(x));
        Node y = Ops.add(Ops.log(e), Ops.mul(3, e));
        LoweredProgram p = lower(y);
        // exp(sin x) has two consumers: computed into a buffer once, then read by the kernel of y.
        assertEquals(2, count(p, s -> s instanceof Step.Elementwise), () -> describe(p));
        runBothWays(p, 2);
    }

    @Test
    void reductionOfAnElementwiseChainIsOneKernel() {
        Node x = input("x", DType.F32, 37, 1025);
        LoweredProgram all = lower(Ops.sum(Ops.exp(x), new int[0], false));
        assertEquals(1, all.steps().size(), () -> describe(all));
        assertThat(all.steps().get(0)).isInstanceOf(Step.Reduce.class);
        LoweredProgram rows = lower(Ops.max(Ops.mul(Ops.sin(x), x), new int[] {1}, true));
        assertEquals(1, rows.steps().size(), () -> describe(rows));
        Step.Reduce r = (Step.Reduce) rows.steps().get(0);
        assertEquals(ReduceFn.MAX, r.fn());
        assertArrayEquals(new int[] {1}, r.axes());
        runBothWays(all, 3);
        runBothWays(rows, 4);
    }

    @Test
    void viewsMoveNoData() {
        Node x = input("x", DType.F64, 4, 6);
        Node y = input("y", DType.F64, 6);
        // transpose, slice with a step, broadcast and reshape all read x in place.
        Node t = Ops.permute(x, 1, 0);
        Node s = Ops.slice(t, 0, 1, 6, 2);
        Node b = Ops.add(s, Ops.reshape(Ops.slice(y, 0, 0, 3, 1), 3, 1));
        LoweredProgram p = lower(Ops.sin(b));
        assertEquals(1, p.steps().size(), () -> describe(p));
        assertThat(count(p, st -> st instanceof Step.Copy)).isZero();
        runBothWays(p, 5);
    }

    @Test
    void reshapeOfATransposeCopiesOnce() {
        Node x = input("x", DType.F32, 3, 5);
        Node flat = Ops.reshape(Ops.permute(x, 1, 0), 15);
        LoweredProgram p = lower(Ops.exp(flat));
        assertEquals(1, count(p, s -> s instanceof Step.Copy), () -> describe(p));
        assertEquals(2, p.steps().size());
        double[] got = runBothWays(p, 6).get(0);
        double[] in = values(new Random(6), 15);
        for (int i = 0; i < 15; i++) {
            // flat[i] = x^T[i / 3][i % 3] = x[i % 3][i / 3]
            assertEquals((float) Math.exp((float) in[(i % 3) * 5 + i / 3]), (float) got[i], 0f);
        }
    }

    // ---- the memory plan ----

    private static Buffer bufferOf(LoweredProgram p, Node n) {
        return p.buffers().stream().filter(b -> b.origin() == n && b.kind() == Buffer.Kind.TEMP).findFirst()
                .orElseThrow(() -> new AssertionError(n.describe() + " has no buffer:\n" + describe(p)));
    }

    @Test
    void elementwiseKernelWritesInPlaceOverItsDyingInput() {
        Node x = input("x", DType.F32, 4096);
        // y = log(x) + 1 has two consumers, so it is stored; exp(y) * sum(y) reads it last, aligned.
        Node y = Ops.add(Ops.log(x), 1);
        Node s = Ops.sum(y, new int[0], true);
        Node z = Ops.mul(Ops.exp(y), s);
        LoweredProgram p = lower(z);
        assertEquals(3, p.steps().size(), () -> describe(p));
        assertEquals(bufferOf(p, y).slot(), bufferOf(p, z).slot(), () -> "exp(y)*s should reuse y's slot:\n"
                + describe(p));
        double[] got = runBothWays(p, 7).get(0);
        double[] in = values(new Random(7), 4096);
        double sum = 0;
        for (double v : in) {
            sum += (float) ((float) Math.log((float) v) + 1);
        }
        float total = (float) sum;
        for (int i = 0; i < in.length; i += 97) {
            float yi = (float) ((float) Math.log((float) in[i]) + 1);
            assertEquals((float) ((float) Math.exp(yi) * total), (float) got[i], 0f);
        }
    }

    @Test
    void misalignedReadsNeverShareTheOutputSlot() {
        Node x = input("x", DType.F64, 64, 64);
        Node y = Ops.exp(Ops.sin(x));
        Node used = Ops.mul(y, Ops.sum(y, new int[] {0}, true));
        // used is read transposed by the last kernel: writing in place would overwrite elements
        // that later indices still read.
        Node z = Ops.add(used, Ops.permute(used, 1, 0));
        LoweredProgram p = lower(z);
        assertThat(bufferOf(p, z).slot()).isNotEqualTo(bufferOf(p, used).slot());
        runBothWays(p, 8);
        // Broadcast reads (stride 0) are not aligned either.
        Node row = Ops.sin(Ops.slice(x, 0, 0, 1, 1));
        Node stored = Ops.mul(row, Ops.sum(row, new int[0], true));
        Node w = Ops.add(Ops.broadcastTo(stored, Shape.of(64, 64)), x);
        LoweredProgram q = lower(w);
        runBothWays(q, 9);
    }

    @Test
    void deadTemporariesLendTheirSlots() {
        Node x = input("x", DType.F64, 256);
        Node v = x;
        List<Node> stored = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            // Each stage is stored (a reduction reads it besides the next stage).
            Node stage = Ops.sin(Ops.add(v, i));
            stored.add(stage);
            v = Ops.mul(stage, Ops.max(stage, new int[0], true));
        }
        LoweredProgram p = lower(v);
        long temps = p.buffers().stream().filter(b -> b.kind() == Buffer.Kind.TEMP).count();
        assertThat(p.slots().size()).as("slots for %d temporaries:\n%s", temps, describe(p)).isLessThan((int) temps / 2);
        runBothWays(p, 10);
    }

    @Test
    void aFreedSlotIsTakenAgainTheFirstOneIncluded() {
        Node m = input("m", DType.F64, 8, 8);
        // Each product is a step of its own, and each operand dies as the next product is made.
        Node a = Ops.exp(m);
        Node p1 = Ops.matmul(a, a);
        Node p2 = Ops.matmul(p1, p1);
        Node p3 = Ops.matmul(p2, p2);
        LoweredProgram p = lower(p3);
        assertEquals(4, p.steps().size(), () -> describe(p));
        assertEquals(0, bufferOf(p, a).slot());
        assertEquals(0, bufferOf(p, p2).slot(), () -> "p2 should take a's freed slot:\n" + describe(p));
        assertEquals(bufferOf(p, p1).slot(), bufferOf(p, p3).slot(), () -> describe(p));
        assertEquals(2, p.slots().size(), () -> describe(p));
        runBothWays(p, 17);
        // Two slots of one size freed together are both taken again.
        Node b = Ops.sin(m);
        Node q1 = Ops.matmul(a, b);
        Node q2 = Ops.matmul(q1, q1);
        Node q3 = Ops.matmul(q1, q2);
        LoweredProgram two = lower(q3);
        assertEquals(3, two.slots().size(), () -> describe(two));
        assertThat(List.of(bufferOf(two, q2).slot(), bufferOf(two, q3).slot()))
                .containsExactlyInAnyOrder(bufferOf(two, a).slot(), bufferOf(two, b).slot());
        runBothWays(two, 19);
    }

    @Test
    void aMaskOfAnotherStorageTypeIsNotOverwrittenInPlace() {
        // The mask is stored as f64 (bool's storage) and dies aligned in an f32 kernel: the f32
        // result may not take its slot.
        Node x = input("x", DType.F64, 64);
        Node y = input("y", DType.F32, 64);
        Node mask = Ops.compare(CompareFn.GT, x, Ops.scalarLike(x, 0.0));
        Node count = Ops.sum(Ops.cast(mask, DType.F64), new int[0], true);
        Node w = Ops.where(mask, Ops.exp(y), Ops.neg(y));
        LoweredProgram p = lower(w, count);
        assertThat(bufferOf(p, w).slot()).as(describe(p)).isNotEqualTo(bufferOf(p, mask).slot());
        runBothWays(p, 20);
    }

    @Test
    void everyOperandOfAKernelStaysLiveUntilItIsRead() {
        // c is stored (a reduction reads it too) and read last in the third place of an fma, the
        // second of a comparison and the else branch of a where; q, made in between, must not
        // take its slot before then.
        List<java.util.function.BiFunction<Node, Node, Node>> lastReads = List.of(
                (q, c) -> Ops.fma(q, q, c),
                (q, c) -> Ops.where(Ops.compare(CompareFn.LT, q, c), q, Ops.neg(q)),
                (q, c) -> Ops.where(Ops.compare(CompareFn.LT, q, Ops.scalarLike(q, 0.5)), q, c));
        for (var lastRead : lastReads) {
            NodeTable t = new NodeTable();
            Node xi = Ops.input(t, "x", Shape.of(16, 16), DType.F64);
            Node c = Ops.exp(Ops.sin(xi));
            Node s = Ops.sum(c, new int[0], true);
            Node q = Ops.matmul(Ops.mul(xi, s), xi);
            LoweredProgram p = lower(lastRead.apply(q, c));
            Step last = p.steps().get(p.steps().size() - 1);
            assertThat(last.reads()).as(describe(p)).contains(View.contiguous(bufferOf(p, c).id(), Shape.of(16, 16)));
            assertEquals(MemoryPlan.reads(last), last.reads());
            assertThat(bufferOf(p, q).slot()).as(describe(p)).isNotEqualTo(bufferOf(p, c).slot());
            runBothWays(p, 18);
        }
    }

    @Test
    void resultsKeepTheirSlotsToTheEnd() {
        Node x = input("x", DType.F32, 300);
        Node first = Ops.exp(Ops.sin(x));
        Node later = x;
        for (int i = 0; i < 4; i++) {
            later = Ops.add(Ops.cos(later), Ops.sum(later, new int[0], true));
        }
        LoweredProgram p = lower(first, later, Ops.mul(first, 2));
        runBothWays(p, 11);
    }

    @Test
    void comparisonsOfAnotherWorkingTypeAreStoredAsMasks() {
        Node x = input("x", DType.F64, 50);
        Node y = input("y", DType.F32, 50);
        Node mask = Ops.compare(CompareFn.GT, x, Ops.scalarLike(x, 0.25));
        Node w = Ops.where(mask, Ops.exp(y), Ops.neg(y));
        LoweredProgram p = lower(w, Ops.cast(mask, DType.F32));
        runBothWays(p, 12);
    }

    // ---- outputs a backend leaves unstored ----

    /**
     * A convolution's forward pass and both gradients over a padded input: pad, windows, the
     * forward product and, much later, the weight gradient's product reading the windows again.
     */
    private Program convolutionStep() {
        Node x = input("x", DType.F64, 2, 3, 7, 6);
        Node w = input("w", DType.F64, 4, 3, 3, 3);
        // Through sin, so that the pad reads a temporary, whose slot the plan could give away.
        Node y = dev.nabla.compiler.ir.Convolutions.convolution("conv2d", Ops.sin(x), w, null, new int[] {1, 1},
                new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        Node loss = Ops.sum(Ops.mul(Ops.sin(y), y), new int[0], false);
        List<Node> outputs = new ArrayList<>(List.of(loss));
        outputs.addAll(dev.nabla.compiler.autodiff.Autodiff.grad(loss, List.of(w, x)));
        return Program.of(outputs);
    }

    /** The outputs of the windows steps and of the pads only those windows read. */
    private static java.util.Set<Integer> windowsAndTheirPads(LoweredProgram p) {
        java.util.Set<Integer> picked = new java.util.HashSet<>();
        for (Step s : p.steps()) {
            if (s instanceof Step.Windows windows) {
                picked.add(windows.output());
                int source = windows.source().buffer();
                boolean onlyWindows = p.steps().stream().filter(r -> r.reads().stream().anyMatch(v -> v.buffer() == source))
                        .allMatch(r -> r instanceof Step.Windows);
                if (onlyWindows && p.steps().stream().anyMatch(r -> r instanceof Step.Pad && r.output() == source)) {
                    picked.add(source);
                }
            }
        }
        return picked;
    }

    @Test
    void unstoredOutputsGetNoSlotAndWhatTheyReadStaysLiveWhileTheyAreRead() {
        Program step = convolutionStep();
        LoweredProgram stored = Lowering.lower(step);
        LoweredProgram unstored = Lowering.lower(step, LoweringTest::windowsAndTheirPads);
        java.util.Set<Integer> picked = windowsAndTheirPads(unstored);
        assertThat(picked).as(describe(unstored)).hasSize(2);
        for (int id : picked) {
            assertEquals(-1, unstored.buffer(id).slot(), () -> describe(unstored));
        }
        // Stored, the pad is dead once the windows are made, and its slot taken before the weight
        // gradient reads the windows: the plan must keep it, and the sine it pads, now.
        int pad = picked.stream().filter(id -> unstored.buffer(id).origin().op() instanceof dev.nabla.compiler.ir.Op.Pad)
                .findFirst().orElseThrow();
        int windows = picked.stream().filter(id -> id != pad).findFirst().orElseThrow();
        int made = -1;
        int lastRead = -1;
        for (int i = 0; i < stored.steps().size(); i++) {
            Step s = stored.steps().get(i);
            made = s.output() == windows ? i : made;
            lastRead = s.reads().stream().anyMatch(v -> v.buffer() == windows) ? i : lastRead;
        }
        boolean overwritten = false;
        for (int i = made + 1; i < lastRead; i++) {
            overwritten |= stored.buffer(stored.steps().get(i).output()).slot() == stored.buffer(pad).slot();
        }
        assertThat(overwritten).as("the test needs a plan that reuses the pad's slot:\n%s", describe(stored)).isTrue();
        // What the unstored buffers read is freed after their last reader, as a stored buffer is:
        // a later temporary takes the sine's slot.
        int sine = unstored.steps().stream().filter(st -> st instanceof Step.Pad).findFirst().orElseThrow()
                .reads().get(0).buffer();
        assertThat(unstored.buffers().stream().anyMatch(b -> b.id() > sine && b.kind() == Buffer.Kind.TEMP
                && b.slot() == unstored.buffer(sine).slot())).as(describe(unstored)).isTrue();
        // The interpreter computes each unstored buffer again where it is read, from the slots as
        // they are then: equal results show nothing it reads was overwritten meanwhile.
        List<double[]> expected = runBothWays(stored, 31);
        List<double[]> actual = runBothWays(unstored, 31);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i));
        }
    }

    @Test
    void aResultCannotBeLeftUnstored() {
        Node x = input("x", DType.F32, 1, 2, 5);
        Node windows = Ops.windows(x, dev.nabla.compiler.ir.WindowShape.of(new int[] {2}, new int[] {1}, new int[] {1}));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Lowering.lower(
                Program.of(List.of(windows)), p -> java.util.Set.of(p.results().get(0).buffer())));
    }

    // ---- random programs: shared slots never change a result ----

    @net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true)
    @Property(tries = 400, seed = "88172645", edgeCases = EdgeCasesMode.NONE)
    void sharedSlotsGiveTheSameResultsAsSeparateBuffers(@ForAll long seed) {
        Random r = new Random(seed);
        NodeTable t = new NodeTable();
        RandomPrograms.Built built = RandomPrograms.build(t, r);
        LoweredProgram p = Lowering.lower(Program.of(built.outputs()));
        Statistics.label("steps").collect(Math.min(p.steps().size(), 12) / 4 * 4 + "+");
        Statistics.label("in place").collect(inPlace(p) ? "yes" : "no");
        runBothWays(p, seed);
    }

    /** Whether some elementwise step writes into a slot one of its operands occupies. */
    private static boolean inPlace(LoweredProgram p) {
        for (Step s : p.steps()) {
            if (s instanceof Step.Elementwise) {
                int slot = p.buffer(s.output()).slot();
                for (View v : MemoryPlan.reads(s)) {
                    if (p.buffer(v.buffer()).kind() == Buffer.Kind.TEMP && p.buffer(v.buffer()).slot() == slot) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Operations in a body, counted as a tree walk sees them (a square's operand twice). */
    private static int bodySize(Expr body) {
        int size = 0;
        java.util.ArrayDeque<Expr> pending = new java.util.ArrayDeque<>(List.of(body));
        while (!pending.isEmpty()) {
            Expr e = pending.pop();
            size++;
            pending.addAll(e.operands());
        }
        return size;
    }

    private static int largestBody(LoweredProgram p) {
        int largest = 0;
        for (Step s : p.steps()) {
            if (s instanceof Step.Elementwise e) {
                largest = Math.max(largest, bodySize(e.body()));
            } else if (s instanceof Step.Reduce r) {
                largest = Math.max(largest, bodySize(r.body()));
            }
        }
        return largest;
    }

    @Test
    void longChainsAreCutIntoBoundedBodies() {
        Node x = input("x", DType.F64, 5);
        Node y = x;
        for (int i = 0; i < 10_000; i++) {
            y = i % 2 == 0 ? Ops.sin(y) : Ops.add(Ops.mul(y, 1.5), 0.25);
        }
        LoweredProgram p = lower(Ops.sum(y, new int[0], false));
        assertThat(largestBody(p)).isLessThanOrEqualTo(Lowering.MAX_FUSED_OPS).isGreaterThan(Lowering.MAX_FUSED_OPS / 2);
        // 15,000 operations in bodies of at most 128: no more kernels than a cut every ~64 needs.
        assertThat(p.steps().size()).isBetween(15_000 / Lowering.MAX_FUSED_OPS, 15_000 / (Lowering.MAX_FUSED_OPS / 2) + 2);
        runBothWays(p, 7);
    }

    @Test
    void repeatedSquaringStaysLinear() {
        // x^2 lowers to x*x, which names its operand twice: fifty squarings inlined would be a tree
        // of 2^50 operations, a walk that never ends.
        Node x = input("x", DType.F64, 3);
        Node y = x;
        for (int i = 0; i < 50; i++) {
            y = Ops.pow(Ops.add(y, 1e-3), 2.0);
        }
        LoweredProgram p = lower(y);
        assertThat(largestBody(p)).isLessThanOrEqualTo(Lowering.MAX_FUSED_OPS);
        runBothWays(p, 3);
    }
}

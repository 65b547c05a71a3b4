package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.compiler.random.Draws;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.jvm.Parallel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Randomness in graphs: the same bits on every backend and thread count, the distributions'
 * statistics, keys, dropout (values, PyTorch's edge cases, derivatives), vmap over keys, and a
 * trainer drawing afresh at every step from one compiled program.
 */
class RandomTest {
    private static final Device JVM = Device.host("jvm");
    private static final Device REFERENCE = Device.host("reference");
    /** Above the JVM runner's split size times the test threads: several threads draw. */
    private static final int LARGE = 70_001;

    private static double[] eval(Device device, Tensor t) {
        return t.graph().compile(device).eval(t).toDoubleArray();
    }

    private static void assertSameBits(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    @Test
    void everyDrawHasTheSameBitsOnTheReferenceAndTheJvmAtAnyThreadCount() {
        assertThat(Parallel.threads()).as("nabla.threads (set for the tests in dsl/pom.xml)").isGreaterThan(1);
        List<Function<Tensor, Tensor>> draws = List.of(
                k -> Nabla.uniform(k, DType.F32, LARGE),
                k -> Nabla.uniform(k, DType.F64, 7, LARGE / 7),
                k -> Nabla.normal(k, DType.F32, LARGE),
                k -> Nabla.normal(k, Shape.of(LARGE), DType.F64, 2.0, 3.0),
                k -> Nabla.uniform(k, Shape.of(3, 5), DType.F32, -1.5, 2.5),
                k -> Nabla.bernoulli(k, 0.25, LARGE),
                k -> Nabla.randint(k, -5, 17, LARGE),
                k -> Nabla.permutation(k, 5000),
                k -> Nabla.split(k, 9),
                k -> Nabla.foldIn(k, 12345),
                // A key that is itself derived, read through a view (a slice of a split).
                k -> Nabla.uniform(Nabla.splitKeys(k, 3).get(2), DType.F32, LARGE),
                k -> Nabla.dropout(k.graph().ones(DType.F32, LARGE), 0.4, k, true));
        try (Graph g = Graph.create()) {
            Tensor key = Nabla.key(g, 20240601L);
            for (int d = 0; d < draws.size(); d++) {
                Tensor t = draws.get(d).apply(key);
                double[] reference = eval(REFERENCE, t);
                assertSameBits(reference, eval(JVM, t), "draw " + d + " on the jvm backend");
            }
            // One thread, one chunk: the shared code run directly.
            double[] oneThread = new Draws(new dev.nabla.compiler.ir.Distribution.Uniform(), DType.F32, LARGE)
                    .all(new double[] {0, 20240601}, LARGE);
            assertSameBits(oneThread, eval(JVM, Nabla.uniform(key, DType.F32, LARGE)), "one thread against four");
        }
    }

    @Test
    void uniformAndNormalHaveTheirMomentsAndBounds() {
        try (Graph g = Graph.create()) {
            Tensor key = Nabla.key(g, 1);
            int n = 200_000;
            for (DType t : List.of(DType.F32, DType.F64)) {
                double[] u = eval(JVM, Nabla.uniform(key, t, n));
                // Standard errors: 0.00065 for the mean, 0.00013 for the variance; 6 of them.
                assertEquals(0.5, TestArrays.mean(u), 0.004, t + " uniform mean");
                assertEquals(1 / 12.0, TestArrays.variance(u), 0.0008, t + " uniform variance");
                assertThat(Arrays.stream(u).min().orElseThrow()).isGreaterThanOrEqualTo(0);
                assertThat(Arrays.stream(u).max().orElseThrow()).isLessThan(1);
                double[] z = eval(JVM, Nabla.normal(key, t, n));
                assertEquals(0, TestArrays.mean(z), 0.014, t + " normal mean");
                assertEquals(1, TestArrays.variance(z), 0.02, t + " normal variance");
                double[] shifted = eval(JVM, Nabla.normal(key, Shape.of(n), t, 3, 0.5));
                assertEquals(3, TestArrays.mean(shifted), 0.007, t + " normal(3, 0.5) mean");
                double[] ab = eval(JVM, Nabla.uniform(key, Shape.of(n), t, -2, 6));
                assertEquals(2, TestArrays.mean(ab), 0.04, t + " uniform[-2, 6) mean");
                assertThat(Arrays.stream(ab).min().orElseThrow()).isGreaterThanOrEqualTo(-2);
                assertThat(Arrays.stream(ab).max().orElseThrow()).isLessThan(6);
            }
        }
    }

    @Test
    void bernoulliRandintAndPermutation() {
        try (Graph g = Graph.create()) {
            Tensor key = Nabla.key(g, 99);
            int n = 100_000;
            // Standard error of the rate: 0.00145.
            assertEquals(0.3, TestArrays.mean(eval(JVM, Nabla.bernoulli(key, 0.3, n))), 0.008);
            assertEquals(0, TestArrays.mean(eval(JVM, Nabla.bernoulli(key, 0, n))));
            assertEquals(1, TestArrays.mean(eval(JVM, Nabla.bernoulli(key, 1, n))));
            Tensor probs = g.constant(NDArray.of(new double[] {0, 1, 0.5}, 3));
            double[] fixed = eval(JVM, Nabla.bernoulli(key, probs));
            assertEquals(0, fixed[0]);
            assertEquals(1, fixed[1]);

            double[] ints = eval(JVM, Nabla.randint(key, -3, 4, n));
            int[] counts = new int[7];
            for (double v : ints) {
                assertEquals(Math.rint(v), v);
                counts[(int) v + 3]++;
            }
            for (int c : counts) {
                // n/7 = 14286 each, standard error about 111.
                assertEquals(n / 7.0, c, 700);
            }

            double[] perm = eval(JVM, Nabla.permutation(key, 1000));
            double[] sorted = perm.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < 1000; i++) {
                assertEquals(i, sorted[i]);
            }
            assertFalse(Arrays.equals(perm, sorted), "a permutation of 1000 is not the identity");
            assertFalse(Arrays.equals(perm, eval(JVM, Nabla.permutation(Nabla.key(g, 100), 1000))));
        }
    }

    @Test
    void keysSplitAndFoldInToDistinctKeys() {
        try (Graph g = Graph.create()) {
            Tensor key = Nabla.key(g, 5);
            assertArrayEquals(new double[] {0, 5}, eval(REFERENCE, key));
            assertArrayEquals(new double[] {1, 2}, Nabla.keyValue(0x1_0000_0002L).toDoubleArray());
            double[] split = eval(JVM, Nabla.split(key, 4));
            assertEquals(8, split.length);
            java.util.Set<List<Double>> distinct = new java.util.HashSet<>();
            distinct.add(List.of(0.0, 5.0));
            for (int i = 0; i < 4; i++) {
                distinct.add(List.of(split[2 * i], split[2 * i + 1]));
            }
            distinct.add(Arrays.stream(eval(JVM, Nabla.foldIn(key, 0))).boxed().toList());
            distinct.add(Arrays.stream(eval(JVM, Nabla.foldIn(key, 1))).boxed().toList());
            assertEquals(7, distinct.size(), "the key, its 4 splits and 2 fold-ins all differ");
            double[] a = eval(JVM, Nabla.uniform(Nabla.splitKeys(key, 2).get(0), DType.F64, 100));
            double[] b = eval(JVM, Nabla.uniform(Nabla.splitKeys(key, 2).get(1), DType.F64, 100));
            assertFalse(Arrays.equals(a, b));
            // The same key gives the same values: one node, one value.
            assertArrayEquals(a, eval(REFERENCE, Nabla.uniform(Nabla.splitKeys(key, 2).get(0), DType.F64, 100)));
        }
    }

    @Test
    void badKeysAndArgumentsAreErrorsNamingTheOp() {
        try (Graph g = Graph.create()) {
            Tensor key = Nabla.key(g, 5);
            assertThatThrownBy(() -> Nabla.split(key, 0)).isInstanceOf(NablaException.class)
                    .hasMessageContaining("split").hasMessageContaining("at least 1");
            assertThatThrownBy(() -> Nabla.uniform(g.input("k", DType.F32, 2), DType.F32, 3))
                    .isInstanceOf(NablaException.class).hasMessageContaining("uniform").hasMessageContaining("i32 [2]");
            assertThatThrownBy(() -> Nabla.uniform(g.input("k3", DType.I32, 3), DType.F32, 3))
                    .isInstanceOf(NablaException.class).hasMessageContaining("k3:i32[3]");
            assertThatThrownBy(() -> Nabla.uniform(key, DType.I32, 3)).isInstanceOf(NablaException.class)
                    .hasMessageContaining("f32 or f64");
            assertThatThrownBy(() -> Nabla.uniform(key, Shape.of(3), DType.F32, 1, 1)).isInstanceOf(NablaException.class)
                    .hasMessageContaining("lo < hi");
            assertThatThrownBy(() -> Nabla.randint(key, 3, 3, 2)).isInstanceOf(NablaException.class)
                    .hasMessageContaining("randint");
            assertThatThrownBy(() -> Nabla.dropout(g.ones(DType.F32, 2), 1.5, key, true))
                    .isInstanceOf(NablaException.class).hasMessageContaining("dropout").hasMessageContaining("1.5");
            assertThatThrownBy(() -> Nabla.bernoulli(key, -0.1, 2)).isInstanceOf(NablaException.class)
                    .hasMessageContaining("bernoulli");
        }
    }

    @Test
    void dropoutIsPyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor key = Nabla.key(g, 3);
            int n = 100_000;
            Tensor x = g.constant(NDArray.full(DType.F32, Shape.of(n), 2.0));
            double[] y = eval(JVM, Nabla.dropout(x, 0.25, key, true));
            long zeros = Arrays.stream(y).filter(v -> v == 0).count();
            assertEquals(0.25, zeros / (double) n, 0.01);
            for (double v : y) {
                assertTrue(v == 0 || v == (float) (2 / 0.75), "kept elements are scaled by 1/(1-p): " + v);
            }
            assertEquals(x, Nabla.dropout(x, 0.25, key, false), "evaluation: the identity");
            assertEquals(x, Nabla.dropout(x, 0, key, true), "p = 0: the identity");
            Tensor special = g.constant(NDArray.of(new float[] {1, Float.POSITIVE_INFINITY, -3}, 3));
            double[] all = eval(JVM, Nabla.dropout(special, 1, key, true));
            assertEquals(0, all[0]);
            assertTrue(Double.isNaN(all[1]), "p = 1 is x * 0, as PyTorch");
            assertEquals(0, Math.abs(all[2]));
        }
    }

    @Test
    void dropoutDerivativesWithAFixedKeyToSecondOrder() {
        GradCheck.of("dropout", x -> Nabla.dropout(x.get(0), 0.3, Nabla.key(x.get(0).graph(), 11), true).sin())
                .input(GradCheck.uniform(-2, 2), 4, 5).order(2).check();
        GradCheck.of("dropout of a product", x -> Nabla.dropout(x.get(0).mul(x.get(1)), 0.5,
                        Nabla.foldIn(Nabla.key(x.get(0).graph(), 12), 1), true).exp().sum())
                .input(GradCheck.uniform(-1, 1), 3, 3).input(GradCheck.uniform(-1, 1), 3, 3).order(2).check();
    }

    @Test
    void dropoutKeepsTheSameMaskInItsGradient() {
        try (Graph g = Graph.create()) {
            Tensor x = g.parameter("x", NDArray.full(DType.F64, Shape.of(1000), 1.0));
            Tensor y = Nabla.dropout(x, 0.5, Nabla.key(g, 8), true);
            List<NDArray> values = g.compile(JVM).eval(y, y.sum().grad(x));
            assertArrayEquals(values.get(0).toDoubleArray(), values.get(1).toDoubleArray());
        }
    }

    @Test
    void vmapOverKeysDrawsIndependentlyPerKey() {
        try (Graph g = Graph.create()) {
            Tensor keys = Nabla.split(Nabla.key(g, 21), 4);
            Tensor k = g.input("k", DType.I32, 2);
            Tensor x = g.input("x", DType.F64, 6);
            Tensor out = Nabla.vmap(k, keys).apply(Nabla.uniform(k, DType.F64, 6).add(x));
            Tensor xs = g.constant(NDArray.full(DType.F64, Shape.of(6), 1.0));
            // x is not batched: bound afterwards by evaluating with a feed.
            List<NDArray> batched = g.compile(JVM).eval(Map.of(x, NDArray.full(DType.F64, Shape.of(6), 1.0)), out);
            assertArrayEquals(new int[] {4, 6}, batched.get(0).shape().dims());
            double[] b = batched.get(0).toDoubleArray();
            List<Tensor> each = Nabla.splitKeys(Nabla.key(g, 21), 4);
            for (int i = 0; i < 4; i++) {
                double[] one = eval(REFERENCE, Nabla.uniform(each.get(i), DType.F64, 6).add(xs));
                assertArrayEquals(one, Arrays.copyOfRange(b, 6 * i, 6 * i + 6), "batch element " + i);
            }
            assertFalse(Arrays.equals(Arrays.copyOfRange(b, 0, 6), Arrays.copyOfRange(b, 6, 12)));
        }
    }

    @Test
    void aTrainerDrawsAfreshEachStepFromOneCompiledProgram() {
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", NDArray.full(DType.F64, Shape.of(256), 1.0));
            Tensor key = g.keyState("dropout key", 77);
            Tensor loss = Nabla.dropout(w, 0.5, key, true).sum();
            int compiles = SeparateMemoryBackend.COMPILES.get();
            try (Trainer trainer = Trainer.builder(loss).group(Optimizers.sgd(0)).device(SeparateMemoryBackend.DEVICE)
                    .build()) {
                double first = trainer.step().item();
                NDArray keyAfterOne = trainer.parameter(key);
                double second = trainer.step().item();
                double third = trainer.step().item();
                assertEquals(1, SeparateMemoryBackend.COMPILES.get() - compiles, "one program for every step");
                assertFalse(first == second && second == third, "masks differ between steps: " + first + ", "
                        + second + ", " + third);
                assertFalse(Arrays.equals(new double[] {0, 77}, keyAfterOne.toDoubleArray()), "the key advanced");
                assertFalse(Arrays.equals(keyAfterOne.toDoubleArray(), trainer.parameter(key).toDoubleArray()));
                // Each kept element counts 1 / (1 - p) = 2: an even loss near 256.
                assertEquals(0, first % 2);
                assertEquals(256, first, 64);
            }
        }
    }
}

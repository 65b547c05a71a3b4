package dev.nabla.data;

import static dev.nabla.data.DatasetTest.numbered;
import static dev.nabla.data.DatasetTest.ys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.Graph;
import dev.nabla.Nabla;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.IndexException;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Mini-batches: sizes and drop-last, contents, shuffles that depend on the seed and the epoch
 * alone (so resuming is exact), prefetching that gives the same batches, and worker threads that
 * end when an epoch ends, is closed or is abandoned, and report their failures to the caller.
 */
class BatchesTest {
    private static List<List<Integer>> run(Iterable<Batch> epoch) {
        var out = new ArrayList<List<Integer>>();
        for (Batch b : epoch) {
            out.add(ys(b));
        }
        return out;
    }

    private static List<List<Integer>> run(Batches loader, int epoch) {
        try (Epoch e = loader.epoch(epoch)) {
            return run(e);
        }
    }

    @Test
    void unshuffledBatchesGoInOrderAndKeepTheLastPartialBatchByDefault() {
        Batches loader = numbered(10).batches(4);
        assertThat(loader.batchCount()).isEqualTo(3);
        assertThat(loader.examplesPerEpoch()).isEqualTo(10);
        var batches = new ArrayList<Batch>();
        try (Epoch e = loader.epoch(0)) {
            e.forEach(batches::add);
        }
        assertThat(batches).extracting(Batch::index).containsExactly(0, 1, 2);
        assertThat(batches).extracting(Batch::size).containsExactly(4, 4, 2);
        assertThat(batches).extracting(Batch::epoch).containsOnly(0);
        assertThat(batches).extracting(DatasetTest::ys)
                .containsExactly(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7), List.of(8, 9));
        Batch last = batches.get(2);
        assertThat(last.get("x").shape()).isEqualTo(Shape.of(2, 2));
        assertThat(last.get("x").toFloatArray()).containsExactly(8f, 8.5f, 9f, 9.5f);
        assertThat(last.get(2).toDoubleArray()).containsExactly(2.0, 2.25);
        assertThat(last.names()).containsExactly("x", "y", "z");
    }

    @Test
    void dropLastDropsOnlyAPartialBatch() {
        Batches loader = numbered(10).batches(4).dropLast(true);
        assertThat(loader.batchCount()).isEqualTo(2);
        assertThat(loader.examplesPerEpoch()).isEqualTo(8);
        assertThat(run(loader, 0)).containsExactly(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7));
        assertThat(numbered(8).batches(4).dropLast(true).batchCount()).isEqualTo(2);
        assertThat(numbered(3).batches(4).dropLast(true).batchCount()).isZero();
        assertThat(run(numbered(3).batches(4).dropLast(true), 0)).isEmpty();
        assertThat(run(numbered(0).batches(4), 0)).isEmpty();
    }

    @Test
    void aShuffledEpochCoversEveryExampleOnceInAnOrderFromTheSeedAndTheEpoch() {
        Batches loader = numbered(23).batches(5).shuffle(42);
        List<List<Integer>> first = run(loader, 1);
        assertThat(first).extracting(List::size).containsExactly(5, 5, 5, 5, 3);
        List<Integer> seen = first.stream().flatMap(List::stream).sorted().toList();
        assertThat(seen).isEqualTo(IntStream.range(0, 23).boxed().toList());
        assertThat(first.stream().flatMap(List::stream).toList()).isNotEqualTo(IntStream.range(0, 23).boxed().toList());
        // The same seed and epoch give the same batches, from another loader; another epoch or seed does not.
        assertThat(run(numbered(23).batches(5).shuffle(42), 1)).isEqualTo(first);
        assertThat(run(loader, 2)).isNotEqualTo(first);
        assertThat(run(numbered(23).batches(5).shuffle(43), 1)).isNotEqualTo(first);
    }

    @Test
    void anEpochsOrderIsTheGraphsPermutationOfTheSeedsKeyFoldedWithTheEpoch() {
        int[] expected;
        try (var g = Graph.create()) {
            var key = Nabla.foldIn(Nabla.key(g, 42), 3);
            expected = Arrays.stream(g.compile().eval(Nabla.permutation(key, 40)).toDoubleArray())
                    .mapToInt(v -> (int) v).toArray();
        }
        Batches loader = numbered(40).batches(8).shuffle(42);
        assertThat(loader.order(3)).containsExactly(expected);
        // Epoch 3 does not depend on whether epochs 0 to 2 ran.
        Batches fresh = numbered(40).batches(8).shuffle(42);
        run(loader, 0);
        run(loader, 1);
        run(loader, 2);
        assertThat(run(fresh, 3)).isEqualTo(run(loader, 3));
        assertThat(run(fresh, 3).stream().flatMap(List::stream).toList())
                .isEqualTo(Arrays.stream(expected).boxed().toList());
    }

    @Test
    void resumingAtABatchGivesTheRestOfThatEpochExactly() {
        Batches loader = numbered(37).batches(6).shuffle(9);
        List<List<Integer>> whole = run(loader, 4);
        var rest = new ArrayList<Batch>();
        try (Epoch e = loader.epoch(4, 3)) {
            assertThat(e.remaining()).isEqualTo(4);
            e.forEach(rest::add);
        }
        assertThat(rest).extracting(Batch::index).containsExactly(3, 4, 5, 6);
        assertThat(rest).extracting(DatasetTest::ys).isEqualTo(whole.subList(3, 7));
        try (Epoch e = loader.epoch(4, loader.batchCount())) {
            assertThat(run(e)).isEmpty();
        }
    }

    @Test
    void prefetchingGivesTheSameBatchesAsPreparingOnDemand() {
        Batches loader = numbered(50).batches(7).shuffle(5);
        for (int prefetch : new int[] {0, 1, 3}) {
            assertThat(run(loader.prefetch(prefetch), 2)).as("prefetch " + prefetch).isEqualTo(run(loader, 2));
        }
    }

    @Test
    void mapTransformsEachBatchAndComposes() {
        Batches loader = numbered(6).batches(3)
                .map(b -> b.with("double", NDArray.of(b.get("z").toDoubleArray(), b.size())))
                .map(b -> b.with("y", b.get("x")));
        try (Epoch e = loader.epoch(0)) {
            Batch b = e.iterator().next();
            assertThat(b.names()).containsExactly("x", "y", "z", "double");
            assertThat(b.get("y").toFloatArray()).containsExactly(0f, 0.5f, 1f, 1.5f, 2f, 2.5f);
            assertThat(b.get("double").toDoubleArray()).containsExactly(0.0, 0.25, 0.5);
        }
    }

    @Test
    void feedsPairInputsWithColumnsInOrder() {
        try (var g = Graph.create()) {
            var x = g.input("x", 2, 2);
            var y = g.input("y", dev.nabla.core.DType.I32, 2);
            var z = g.input("z", dev.nabla.core.DType.F64, 2);
            try (Epoch e = numbered(4).batches(2).epoch(0)) {
                Batch b = e.iterator().next();
                var feeds = b.feeds(x, y, z);
                assertThat(feeds.get(y)).isSameAs(b.get("y"));
                double sum = g.compile().eval(feeds, z.sum(), x.sum()).get(0).item();
                assertThat(sum).isEqualTo(0.25);
                assertThatThrownBy(() -> b.feeds(x, y)).isInstanceOf(NablaException.class)
                        .hasMessageContaining("needs one input per column (3");
            }
        }
    }

    @Test
    void anExceptionInTheWorkerSurfacesInTheCallersThreadWithItsCause() {
        var boom = new IllegalStateException("augmentation failed");
        Batches loader = numbered(20).batches(4).map(b -> {
            if (b.index() == 2) {
                throw boom;
            }
            return b;
        });
        for (int prefetch : new int[] {0, 2}) {
            try (Epoch e = loader.prefetch(prefetch).epoch(1)) {
                Iterator<Batch> it = e.iterator();
                assertThat(it.next().index()).isZero();
                assertThat(it.next().index()).isEqualTo(1);
                assertThatThrownBy(it::next).isInstanceOf(BatchException.class)
                        .hasMessageContaining("preparing batch 2 of epoch 1 failed").hasCause(boom);
                assertThat(it.hasNext()).isFalse();
            }
        }
        awaitNoWorkers();
    }

    @Test
    void aCallerInterruptedWhileWaitingGetsABatchExceptionAndKeepsItsInterrupt() throws Exception {
        var preparing = new CountDownLatch(1);
        Batches loader = numbered(4).batches(1).map(b -> {
            preparing.countDown();
            try {
                Thread.sleep(60_000); // a slow batch: the caller waits for it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return b;
        });
        var caught = new AtomicReference<Throwable>();
        var stillInterrupted = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            try (Epoch e = loader.epoch(0)) {
                e.iterator().next();
            } catch (BatchException ex) {
                caught.set(ex);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        caller.start();
        assertThat(preparing.await(10, TimeUnit.SECONDS)).isTrue();
        caller.interrupt();
        caller.join(10_000);
        assertThat(caught.get()).isInstanceOf(BatchException.class)
                .hasMessageContaining("interrupted while waiting for batch 0 of epoch 0")
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(stillInterrupted).isTrue();
        awaitNoWorkers();
    }

    @Test
    void closingAnEpochEarlyStopsItsWorkerAndEndsTheLoop() {
        awaitNoWorkers();
        Batches loader = numbered(1000).batches(1).prefetch(2);
        Iterator<Batch> it;
        try (Epoch e = loader.epoch(0)) {
            it = e.iterator();
            it.next();
            assertThat(workers()).isEqualTo(1);
            // The worker now waits on its full queue of 2.
        }
        assertThat(workers()).as("close joins the worker").isZero();
        // The loop over a closed epoch ends (it may still hand over a batch prepared before close).
        int left = 0;
        while (it.hasNext()) {
            it.next();
            left++;
        }
        assertThat(left).isLessThanOrEqualTo(2);
    }

    @Test
    void breakingOutOfAForLoopInsideTryWithResourcesLeavesNoThread() {
        Batches loader = numbered(500).batches(3).shuffle(1);
        for (int round = 0; round < 20; round++) {
            try (Epoch e = loader.epoch(round)) {
                for (Batch b : e) {
                    if (b.index() == round) {
                        break;
                    }
                }
            }
        }
        assertThat(workers()).isZero();
    }

    @Test
    void anIteratorAbandonedWithoutClosingStopsItsWorkerOnceCollected() {
        awaitNoWorkers();
        Batches loader = numbered(1000).batches(1).prefetch(2);
        for (int i = 0; i < 3; i++) {
            takeOneAndAbandon(loader, i);
        }
        assertThat(workers()).isEqualTo(3);
        awaitNoWorkers();
    }

    /** In its own frame, so that nothing keeps the iterator reachable afterwards. */
    private static void takeOneAndAbandon(Batches loader, int epoch) {
        Iterator<Batch> it = loader.epoch(epoch).iterator();
        assertThat(it.next().index()).isZero();
    }

    @Test
    void anEpochThatRunsToItsEndLeavesNoThreadEvenUnclosed() {
        for (Batch b : numbered(30).batches(4).epoch(0)) {
            assertThat(b.size()).isPositive();
        }
        awaitNoWorkers();
    }

    @Test
    void badSettingsAreRefusedNamingTheCall() {
        Batches loader = numbered(10).batches(3);
        assertThatThrownBy(() -> loader.prefetch(-1)).isInstanceOf(NablaException.class)
                .hasMessageContaining("Batches.prefetch: needs 0 to 1024 batches, got -1");
        assertThatThrownBy(() -> loader.epoch(-1)).hasMessageContaining("epochs are numbered from 0, got -1");
        assertThatThrownBy(() -> loader.epoch(0, 5)).isInstanceOf(IndexException.class)
                .hasMessageContaining("cannot start at batch 5 of an epoch of 4 batches");
        assertThatThrownBy(() -> loader.map(null)).isInstanceOf(NablaException.class);
        var closed = loader.epoch(0);
        closed.close();
        assertThatThrownBy(closed::iterator).hasMessageContaining("epoch 0 is closed");
        var returnsNull = loader.map(b -> null).prefetch(0).epoch(0).iterator();
        assertThatThrownBy(returnsNull::next).isInstanceOf(BatchException.class)
                .hasRootCauseMessage("Batches.map: the transform returned null for batch 0 of epoch 0");
    }

    @Test
    void aBatchChecksItsColumnsAgainstItsSize() {
        var x = NDArray.of(new float[4], 2, 2);
        assertThatThrownBy(() -> new Batch(0, 0, 3, List.of("x"), List.of(x)))
                .hasMessageContaining("leading axis of the batch size 3").hasMessageContaining("'x' f32[2,2]");
        var b = new Batch(0, 0, 2, List.of("x"), List.of(x));
        assertThatThrownBy(() -> b.get("w")).hasMessageContaining("no column named 'w'");
        assertThatThrownBy(() -> b.get(1)).isInstanceOf(IndexException.class);
    }

    private static long workers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("nabla-batches-epoch-") && t.isAlive()).count();
    }

    /** Waits (collecting garbage) for every worker to end: a leak fails after 20 seconds. */
    private static void awaitNoWorkers() {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (workers() > 0 && System.nanoTime() < deadline) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertThat(workers()).as("worker threads still alive").isZero();
    }
}

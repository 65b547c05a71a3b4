package dev.nabla.runtime.jvm.gemm;

import dev.nabla.runtime.jvm.WorkerPool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Threads change who computes what, never the result; and calls may run side by side. */
class GemmThreadsTest {
    @ParameterizedTest(name = "{0}x{1}x{2}")
    @CsvSource({
        "300, 500, 200", // split into column bands
        "500, 300, 200", // split into row bands
        "1000, 64, 100", // tall and thin: row bands of whole tiles
        "400, 1100, 300", // two column blocks of B (1024 wide), two slices of k
        "40, 2000, 90",
    })
    void everyThreadCountGivesTheSingleThreadedResultBitForBit(int m, int n, int k) {
        assertThat(WorkSplit.of(m, n, k, 4, FloatKernel.MR, FloatKernel.NR).parts()).isGreaterThan(1);
        for (int t = 0; t < 4; t++) {
            Problem p = new Problem(m, n, k, (t & 1) != 0, (t & 2) != 0, t);
            float[] a = p.aFloats();
            float[] b = p.bFloats();
            float[] single = p.newFloatC();
            Gemm.sgemm(m, n, k, a, p.aOffset, p.transA, b, p.bOffset, p.transB, single, p.cOffset, 1);
            p.assertMatches(single);
            double[] singleD = p.newDoubleC();
            Gemm.dgemm(m, n, k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB, singleD, p.cOffset, 1);
            float[] w = Problem.randomFloats(t + 5, m * n);
            float[] singleUpdate = new float[m * n];
            Gemm.sgemmUpdate(m, n, k, a, p.aOffset, p.transA, b, p.bOffset, p.transB, -0.5f, w, 0, singleUpdate, 0, 1);
            for (int threads : new int[] {2, 3, 4, 7}) {
                float[] update = new float[m * n];
                Gemm.sgemmUpdate(m, n, k, a, p.aOffset, p.transA, b, p.bOffset, p.transB, -0.5f, w, 0, update, 0, threads);
                assertThat(update).as("%s, an update, on %d threads", p, threads).isEqualTo(singleUpdate);
                float[] c = p.newFloatC();
                Gemm.sgemm(m, n, k, a, p.aOffset, p.transA, b, p.bOffset, p.transB, c, p.cOffset, threads);
                assertThat(c).as("%s on %d threads", p, threads).isEqualTo(single);
                double[] d = p.newDoubleC();
                Gemm.dgemm(m, n, k, p.a, p.aOffset, p.transA, p.b, p.bOffset, p.transB, d, p.cOffset, threads);
                assertThat(d).as("%s in double on %d threads", p, threads).isEqualTo(singleD);
            }
        }
    }

    @Test
    void concurrentCallsFromManyThreadsEachGetTheirOwnResult() throws Exception {
        int[][] shapes = {{150, 170, 130}, {200, 64, 300}, {7, 13, 5}, {129, 257, 65}, {260, 260, 40}, {33, 1, 77}};
        List<Problem> problems = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            Problem p = new Problem(shapes[i][0], shapes[i][1], shapes[i][2], i % 2 == 0, i % 3 == 0, 100 + i);
            float[] c = p.newFloatC();
            Gemm.sgemm(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB, c, p.cOffset, 1);
            problems.add(p);
            expected.add(c);
        }
        ExecutorService callers = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int caller = 0; caller < 6; caller++) {
                int first = caller;
                done.add(callers.submit(() -> {
                    for (int round = 0; round < 15; round++) {
                        int i = (first + round) % problems.size();
                        Problem p = problems.get(i);
                        float[] c = p.newFloatC();
                        Gemm.sgemm(p.m, p.n, p.k, p.aFloats(), p.aOffset, p.transA, p.bFloats(), p.bOffset, p.transB,
                                c, p.cOffset, 1 + round % 3);
                        assertThat(c).as("%s, caller %d, round %d", p, first, round).isEqualTo(expected.get(i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @ParameterizedTest(name = "{0} of {1}x{2}x{3} on {4} threads")
    @CsvSource({
        "9, 5, 7, 3, 2", // small members: spread over the threads
        "3, 200, 180, 150, 2", // large members: each split
        "4, 1, 1, 1, 1",
        "0, 4, 4, 4, 2",
    })
    void aBatchIsItsMembersOneByOne(int batch, int m, int n, int k, int threads) {
        float[] a = Problem.randomFloats(8, batch * m * k);
        float[] b = Problem.randomFloats(9, batch * k * n);
        float[] batched = new float[batch * m * n];
        Gemm.sgemmBatched(batch, m, n, k, a, 0, false, b, 0, true, batched, 0, threads);
        float[] oneByOne = new float[batch * m * n];
        for (int i = 0; i < batch; i++) {
            Gemm.sgemm(m, n, k, a, i * m * k, false, b, i * k * n, true, oneByOne, i * m * n, 1);
        }
        assertThat(batched).isEqualTo(oneByOne);
        double[] ad = new double[a.length];
        double[] bd = new double[b.length];
        for (int i = 0; i < a.length; i++) {
            ad[i] = a[i];
        }
        for (int i = 0; i < b.length; i++) {
            bd[i] = b[i];
        }
        double[] batchedD = new double[batch * m * n];
        Gemm.dgemmBatched(batch, m, n, k, ad, 0, true, bd, 0, false, batchedD, 0, threads);
        double[] oneByOneD = new double[batch * m * n];
        for (int i = 0; i < batch; i++) {
            Gemm.dgemm(m, n, k, ad, i * m * k, true, bd, i * k * n, false, oneByOneD, i * m * n, 1);
        }
        assertThat(batchedD).isEqualTo(oneByOneD);
    }
}

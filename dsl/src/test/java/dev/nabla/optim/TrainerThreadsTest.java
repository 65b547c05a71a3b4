package dev.nabla.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The threads contract of a trainer: steps from several threads are serialized, each reading the
 * parameters of the one before; evaluations beside them see the parameters of one step, never a
 * mix (new values are written into arrays two steps old, which a reader must not be holding).
 */
class TrainerThreadsTest {
    private static Tensor polynomial(Tensor a) {
        return a.pow(2).mul(3).add(a.mul(6)).sub(9);
    }

    @Test
    void stepsFromManyThreadsEqualTheSameNumberOfStepsInARow() throws Exception {
        double sequential;
        try (Graph g = Graph.create()) {
            Tensor a = g.scalar("a", 10.0);
            try (Trainer t = Optimizers.sgd(1e-4).minimize(polynomial(a))) {
                for (int i = 0; i < 4000; i++) {
                    t.step();
                }
                sequential = t.parameter(a).item();
            }
        }
        try (Graph g = Graph.create()) {
            Tensor a = g.scalar("a", 10.0);
            Trainer t = Optimizers.sgd(1e-4).minimize(polynomial(a));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int k = 0; k < 4; k++) {
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 1000; i++) {
                            t.step();
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(sequential, t.parameter(a).item());
            t.close();
        }
    }

    @Test
    void evaluationsBesideStepsSeeTheParametersOfOneStep() throws Exception {
        try (Graph g = Graph.create()) {
            // Every element of w moves together: a reader that saw two steps at once would see a spread.
            Tensor w = g.parameter("w", NDArray.full(DType.F64, new Shape(1 << 15), 1.0));
            Tensor loss = w.mul(w).sum();
            try (Trainer t = Optimizers.sgd(1e-3).minimize(loss)) {
                CompiledGraph c = t.compiled();
                Tensor spread = w.max().sub(w.min());
                AtomicBoolean training = new AtomicBoolean(true);
                ExecutorService pool = Executors.newFixedThreadPool(3);
                try {
                    Future<?> trainer = pool.submit(() -> {
                        for (int i = 0; i < 3000; i++) {
                            t.step();
                        }
                        training.set(false);
                    });
                    List<Future<Integer>> readers = new ArrayList<>();
                    for (int r = 0; r < 2; r++) {
                        readers.add(pool.submit(() -> {
                            int reads = 0;
                            while (training.get()) {
                                assertEquals(0.0, c.eval(spread).item(), "a read mixed two steps");
                                reads++;
                            }
                            return reads;
                        }));
                    }
                    trainer.get();
                    for (Future<Integer> reader : readers) {
                        assertThat(reader.get()).isPositive();
                    }
                } finally {
                    pool.shutdown();
                }
                assertEquals(Math.pow(1 - 2e-3, 3000), t.parameter(w).getDouble(123), 1e-12);
            }
        }
    }
}

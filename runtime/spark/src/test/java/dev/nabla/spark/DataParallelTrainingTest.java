package dev.nabla.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Graph;
import dev.nabla.InputSpec;
import dev.nabla.nn.Model;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Data-parallel training on Spark equals training on one JVM with the same global batches (a
 * Trainer stepping on the mean loss of each batch), whatever the partitioning: one, two or three
 * partitions, one of them empty, partitions of unequal size, a partial last batch.
 */
class DataParallelTrainingTest {
    static final int EXAMPLES = 410;
    static final int BATCH = 100;
    static final int EPOCHS = 2;
    static final long SEED = 11;
    /**
     * Summation differs (per partition in f32, across partitions in double, where one JVM sums the
     * batch in f32), so parameters differ by rounding, compounded over 10 steps. Measured: at most
     * 1.03e-7 with Adam and 8.9e-8 with SGD, on parameters of size about 0.1 to 1.
     */
    static final double TOLERANCE = 1e-6;

    static Optimizer optimizer(String name) {
        return switch (name) {
            case "sgd" -> Optimizers.sgd(0.2).withMomentum(0.9).withNesterov(true);
            case "adam" -> Optimizers.adam(0.01);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0}, partitions of {1}")
    @CsvSource({"adam, 410", "adam, 205 205", "adam, 100 250 60", "adam, 200 0 210", "sgd, 410", "sgd, 137 0 273"})
    void equalsTrainingOnOneJvm(String optimizer, String sizes) {
        int[] parts = java.util.Arrays.stream(sizes.split(" ")).mapToInt(Integer::parseInt).toArray();
        List<Row> rows = TestSpark.digits(EXAMPLES);
        Map<String, NDArray> local = trainLocally(optimizer(optimizer), rows);
        Map<String, NDArray> spark;
        try (Examples data = Examples.of(TestSpark.partitioned(rows, parts), 64, Labels.CLASSES);
             SparkTrainer trainer = trainer(optimizer(optimizer)).build()) {
            assertEquals(parts.length, data.partitions());
            List<StepResult> steps = trainer.fit(data, EPOCHS);
            assertEquals(10, steps.size(), "5 batches an epoch, the last of 10 examples");
            assertEquals(10, steps.get(4).examples());
            assertEquals(100, steps.get(5).examples());
            assertTrue(steps.get(9).loss() < steps.get(0).loss(), "the loss falls: " + steps);
            spark = trainer.modelValues();
        }
        assertClose(local, spark, TOLERANCE);
    }

    static SparkTrainer.Builder trainer(Optimizer optimizer) {
        return SparkTrainer.builder(TestSpark.session(), TestSpark.MLP, ExampleLosses::crossEntropy)
                .optimizer(optimizer).batchSize(BATCH).seed(SEED);
    }

    /** The same training on this JVM: a Trainer over the batches EpochOrder gives, on the mean loss. */
    static Map<String, NDArray> trainLocally(Optimizer optimizer, List<Row> rows) {
        try (Graph g = Graph.create()) {
            Model model = TestSpark.MLP.create(g);
            List<InputSpec> specs = List.of(InputSpec.f32("x", BATCH, 64).dynamic(0),
                    InputSpec.i32("y", BATCH).dynamic(0));
            try (Trainer trainer = Trainer.builder(g, specs,
                    in -> ExampleLosses.crossEntropy(model, in.get(0), in.get(1)).mean()).group(optimizer).build()) {
                EpochOrder order = new EpochOrder(rows.size(), BATCH, SEED);
                for (int e = 0; e < EPOCHS; e++) {
                    for (int b = 0; b < order.batches(); b++) {
                        List<Row> batch = new ArrayList<>();
                        for (long i : order.rows(e, b)) {
                            batch.add(rows.get((int) i));
                        }
                        trainer.step(TestSpark.features(batch), TestSpark.labels(batch));
                    }
                }
                return model.values();
            }
        }
    }

    static void assertClose(Map<String, NDArray> expected, Map<String, NDArray> actual, double tolerance) {
        assertEquals(expected.keySet(), actual.keySet());
        double worst = 0;
        for (String name : expected.keySet()) {
            double[] e = expected.get(name).toDoubleArray();
            double[] a = actual.get(name).toDoubleArray();
            for (int i = 0; i < e.length; i++) {
                worst = Math.max(worst, Math.abs(e[i] - a[i]));
            }
        }
        System.out.printf("largest difference: %.3g%n", worst);
        assertTrue(worst <= tolerance, "largest difference " + worst + " > " + tolerance);
    }
}

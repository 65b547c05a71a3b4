package dev.nabla.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.NablaException.FormatException;
import dev.nabla.io.SafeTensors;
import dev.nabla.optim.Optimizers;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults: a task that fails once is retried by Spark and training ends with the same parameters
 * as without the failure; a driver that stops after a checkpoint is replaced by a new trainer that
 * resumes from it and ends where an uninterrupted run does. Both bit for bit: with two partitions
 * the order in which their sums arrive does not change the sum.
 */
class FaultsTest {
    private static final int STEPS = 10;
    /** How often partition 1 of the failing source was computed, and how often it failed. */
    private static final AtomicInteger COMPUTED = new AtomicInteger();
    private static final AtomicInteger FAILED = new AtomicInteger();
    private static Map<String, NDArray> uninterrupted;

    @TempDir
    Path dir;

    private static List<Row> rows() {
        return TestSpark.digits(DataParallelTrainingTest.EXAMPLES);
    }

    private static SparkTrainer.Builder adam() {
        return DataParallelTrainingTest.trainer(Optimizers.adam(0.01));
    }

    /** Ten steps of the two-partition run, without faults. */
    private static synchronized Map<String, NDArray> uninterrupted() {
        if (uninterrupted == null) {
            try (Examples data = Examples.of(TestSpark.partitioned(rows(), 205, 205), 64, Labels.CLASSES);
                 SparkTrainer trainer = adam().build()) {
                trainer.fit(data, DataParallelTrainingTest.EPOCHS);
                assertEquals(STEPS, trainer.steps());
                uninterrupted = trainer.modelValues();
            }
        }
        return uninterrupted;
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTrainingEndsTheSame() {
        // Not cached: every step reads the source again, and its partition 1 fails on the fourth
        // reading (the third step; the first reading counted the examples) in its first attempt.
        JavaRDD<Row> source = TestSpark.partitioned(rows(), 205, 205).mapPartitionsWithIndex((p, it) -> {
            if (p == 1 && COMPUTED.incrementAndGet() == 4 && TaskContext.get().attemptNumber() == 0) {
                FAILED.incrementAndGet();
                throw new IllegalStateException("injected: the executor of partition 1 is lost");
            }
            return it;
        }, true);
        try (Examples data = Examples.of(source, 64, Labels.CLASSES, StorageLevel.NONE());
             SparkTrainer trainer = adam().build()) {
            trainer.fit(data, DataParallelTrainingTest.EPOCHS);
            assertEquals(1, FAILED.get(), "the fault was injected once");
            assertEquals(STEPS, trainer.steps());
            assertBitsEqual(uninterrupted(), trainer.modelValues());
        }
    }

    @Test
    void aNewDriverResumesFromTheLatestCheckpoint() throws IOException {
        String folder = dir.resolve("run").toUri().toString();
        try (Examples data = Examples.of(TestSpark.partitioned(rows(), 205, 205), 64, Labels.CLASSES)) {
            try (SparkTrainer first = adam().checkpoints(folder, 3).build()) {
                assertEquals(0, first.resume(), "nothing to resume yet");
                for (int s = 0; s < 7; s++) {
                    first.step(data);
                }
            }   // the driver stops after step 7; the latest checkpoint is step 6's
            assertThat(Files.list(dir.resolve("run")).map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors")).sorted().toList())
                    .containsExactly("step-000000000003.safetensors", "step-000000000006.safetensors");
            var saved = SafeTensors.read(dir.resolve("run/step-000000000006.safetensors"));
            assertThat(saved.tensors().keySet()).contains("0.weight", "2.bias", "optimizer/group0/0.weight/exp_avg_sq",
                    "optimizer/group0/2.bias/step");
            assertEquals(6.0, saved.tensors().get("optimizer/group0/0.weight/step").item());
            assertEquals("6", saved.metadata().get("nabla.step"));

            try (SparkTrainer second = adam().checkpoints(folder, 3).build()) {
                assertEquals(6, second.resume());
                List<StepResult> rest = second.fit(data, DataParallelTrainingTest.EPOCHS);
                assertEquals(4, rest.size(), "steps 7 to 10");
                assertEquals(1, rest.get(0).epoch(), "step 7 is batch 1 of epoch 1");
                assertEquals(1, rest.get(0).batch());
                assertBitsEqual(uninterrupted(), second.modelValues());
            }
            try (SparkTrainer other = adam().batchSize(50).checkpoints(folder, 3).build()) {
                assertThatThrownBy(other::resume).isInstanceOf(FeedException.class)
                        .hasMessageContaining("was written with batches of 100 and seed 11; this trainer has 50 and 11");
            }
            try (Examples fewer = Examples.of(TestSpark.partitioned(rows().subList(0, 400), 400), 64, Labels.CLASSES);
                 SparkTrainer other = adam().checkpoints(folder, 3).build()) {
                other.resume();
                assertThatThrownBy(() -> other.step(fewer)).isInstanceOf(FeedException.class)
                        .hasMessageContaining("written for 410 examples in batches of 100 (seed 11); these examples give"
                                + " 400 examples");
            }
        }
    }

    @Test
    void aCheckpointOfAnotherKindIsRefused() throws IOException {
        Path run = Files.createDirectories(dir.resolve("foreign"));
        SafeTensors.write(run.resolve("step-000000000002.safetensors"), Map.of("w", NDArray.scalar(1f)),
                Map.of("format", "pt"));
        try (SparkTrainer trainer = adam().checkpoints(run.toUri().toString(), 3).build()) {
            assertThatThrownBy(trainer::resume).isInstanceOf(FormatException.class)
                    .hasMessageContaining("step-000000000002.safetensors is not a Spark trainer's checkpoint");
        }
    }

    static void assertBitsEqual(Map<String, NDArray> expected, Map<String, NDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, v) -> assertArrayEquals(v.toFloatArray(), actual.get(name).toFloatArray(), 0f, name));
    }
}

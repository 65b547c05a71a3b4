package dev.nabla.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.io.SafeTensors;
import dev.nabla.spark.examples.DigitsOnSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example: trains on a DataFrame, saves the model, scores another DataFrame. */
class DigitsOnSparkTest {
    @TempDir
    Path dir;

    @Test
    void trainsSavesAndScores() throws IOException {
        var log = new ByteArrayOutputStream();
        double accuracy = DigitsOnSpark.run(TestSpark.session(), TestSpark.DIGITS.toString(), dir.toUri().toString(),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        String out = log.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("training examples in 2 partitions").contains("epoch 10  loss");
        // 96.8% in the README's run; a margin for rounding that differs between machines.
        assertThat(accuracy).as(out).isGreaterThan(0.95);
        assertThat(SafeTensors.read(dir.resolve("digits.safetensors")).tensors().keySet())
                .containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
        // 23 steps an epoch, a checkpoint every 20, the newest two kept.
        assertThat(dir.resolve("checkpoints/step-000000000220.safetensors")).exists();
        assertThat(dir.resolve("checkpoints/step-000000000180.safetensors")).doesNotExist();
    }
}

package dev.nabla.spark.examples;

import static org.apache.spark.sql.functions.col;

import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import dev.nabla.spark.Columns;
import dev.nabla.spark.ExampleLosses;
import dev.nabla.spark.Examples;
import dev.nabla.spark.ModelFactory;
import dev.nabla.spark.Scorer;
import dev.nabla.spark.SparkTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Trains a digits classifier on a DataFrame with Spark, saves it, and scores another DataFrame:
 * UCI's 8x8 handwritten digits read with Spark's CSV reader, 80% to train a 64-64-10 network with
 * Adam, the other 20% scored by the saved model.
 *
 * <pre>
 * spark-submit --master local[2] --class dev.nabla.spark.examples.DigitsOnSpark \
 *     --jars (Nabla's jars) nabla-spark.jar digits.csv.gz [output folder]
 * </pre>
 */
public final class DigitsOnSpark {
    private static final int EPOCHS = 10;

    private DigitsOnSpark() {}

    /**
     * Runs the example in the session spark-submit (or {@code -Dspark.master}) configures, and
     * prints the test accuracy.
     *
     * @param args the digits' CSV file (default: the examples module's copy, as seen from
     *             runtime/spark) and the output folder (default: a new temporary folder)
     * @throws IOException if the temporary folder cannot be made, or a checkpoint or the model
     *                     cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        String csv = args.length > 0 ? args[0] : "../../examples/src/main/resources/data/digits.csv.gz";
        String out = args.length > 1 ? args[1] : Files.createTempDirectory("nabla-digits").toUri().toString();
        SparkSession spark = SparkSession.builder().appName("nabla-digits").getOrCreate();
        double accuracy = run(spark, csv, out, System.out);
        System.out.printf("test accuracy: %.1f%%%n", 100 * accuracy);
        spark.stop();
    }

    /**
     * Trains, saves and scores. A checkpoint already in the output folder is resumed from.
     *
     * @param spark the session
     * @param csv   the digits' CSV file: 64 pixels from 0 to 16, then the digit, no header
     * @param out   the output folder (any Hadoop file system): checkpoints and the model go there
     * @param log   where the training's progress is printed
     * @return the accuracy on the held-out digits, from 0 to 1
     * @throws IOException if a checkpoint or the model cannot be read or written
     */
    public static double run(SparkSession spark, String csv, String out, PrintStream log) throws IOException {
        // 64 pixel columns from 0 to 16, then the digit; no header.
        Dataset<Row> raw = spark.read().option("inferSchema", "true").csv(csv);
        List<String> pixels = new ArrayList<>();
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            pixels.add("p" + i);
            columns.add(col("_c" + i).divide(16).cast("float").as("p" + i));
        }
        columns.add(col("_c64").as("digit"));
        Dataset<Row>[] split = raw.select(columns.toArray(Column[]::new)).randomSplit(new double[] {0.8, 0.2}, 7);
        // Two partitions to train on in parallel (the gzipped file is read as one).
        Dataset<Row> train = split[0].repartition(2).cache();
        Dataset<Row> test = split[1].cache();

        ModelFactory mlp = g -> Model.create(g, Sequential.of(new Linear(64, 64), Layers.relu(), new Linear(64, 10)), 42);
        try (Examples examples = Examples.of(train, Columns.of(pixels, "digit"));
             SparkTrainer trainer = SparkTrainer.builder(spark, mlp, ExampleLosses::crossEntropy)
                     .optimizer(Optimizers.adam(0.01)).batchSize(64).seed(7)
                     .checkpoints(out + "/checkpoints", 20).build()) {
            log.printf("%d training examples in %d partitions%n", examples.count(), examples.partitions());
            long resumed = trainer.resume();
            if (resumed > 0) {
                log.printf("resumed after step %d%n", resumed);
            }
            long perEpoch = (examples.count() + 63) / 64;
            double[] sum = new double[2];
            trainer.fit(examples, EPOCHS, r -> {
                sum[0] += r.loss() * r.examples();
                sum[1] += r.examples();
                if (r.batch() == perEpoch - 1) {
                    log.printf("epoch %2d  loss %.4f  %.0f ms/step%n", r.epoch() + 1, sum[0] / sum[1], 1000 * r.seconds());
                    sum[0] = sum[1] = 0;
                }
            });
            trainer.saveModel(out + "/digits.safetensors");
        }

        Scorer scorer = Scorer.load(spark, mlp, out + "/digits.safetensors").predictionColumn("predicted");
        Dataset<Row> scored = scorer.transform(test, Columns.features(pixels));
        scored.select("digit", "predicted", "scores").show(3, 60);
        long right = scored.filter(col("predicted").equalTo(col("digit"))).count();
        return (double) right / test.count();
    }
}

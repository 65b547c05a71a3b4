package dev.nabla.spark;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.Nabla;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.NablaException.IndexException;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Bad input on a cluster fails with a NablaException that names where: the partition and the row
 * (its place in the partition, and its values), the column, the step, or the parameters that do
 * not fit. Nothing is skipped.
 */
class BadInputTest {
    private static final ModelFactory TINY = g -> Model.create(g, new Linear(3, 2), 1);

    /** Rows of three features and a class label, the given one at {@code at} of partition 1. */
    private static List<Row> rowsWith(Row bad, int at) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            rows.add(i == 4 + at ? bad : RowFactory.create(0.5f, 1f, -1.0, i % 2));
        }
        return rows;
    }

    private static Examples flat(Row bad) {
        return Examples.of(TestSpark.partitioned(rowsWith(bad, 2), 4, 4), 3, Labels.CLASSES);
    }

    private static StructType schema() {
        return new StructType().add("a", DataTypes.FloatType).add("b", DataTypes.FloatType)
                .add("c", DataTypes.DoubleType).add("label", DataTypes.IntegerType);
    }

    private static Dataset<Row> frame(Row bad) {
        return TestSpark.session().createDataFrame(rowsWith(bad, 2), schema()).repartition(1);
    }

    private static final Columns ABC = Columns.of(List.of("a", "b", "c"), "label");

    @Test
    void rowsOfTheWrongWidthOrTypeAreNamed() {
        assertThatThrownBy(() -> flat(RowFactory.create(0.5f, 1f, 2))).isInstanceOf(FeedException.class)
                .hasMessage("Examples.of: partition 1, row 2 [0.5,1.0,2]: has 3 values; expected 4: 3 features and a label");
        assertThatThrownBy(() -> flat(RowFactory.create(0.5f, "tall", 1.0, 0))).isInstanceOf(FeedException.class)
                .hasMessage("Examples.of: partition 1, row 2 [0.5,tall,1.0,0]: column 'value 1' holds a String (tall);"
                        + " expected a number");
        assertThatThrownBy(() -> flat(RowFactory.create(0.5f, 1f, 1.0, null))).isInstanceOf(FeedException.class)
                .hasMessageContaining("partition 1, row 2 [0.5,1.0,1.0,null]: column 'value 3 (the label)' is null");
        assertThatThrownBy(() -> flat(null)).isInstanceOf(FeedException.class)
                .hasMessage("Examples.of: partition 1, row 2: the row is null");
    }

    @Test
    void valuesThatCannotBeExamplesAreNamed() {
        assertThatThrownBy(() -> Examples.of(frame(RowFactory.create(0.5f, null, 1.0, 1)), ABC))
                .isInstanceOf(FeedException.class)
                .hasMessage("Examples.of: partition 0, row 6 [0.5,null,1.0,1]: column 'b' is null");
        assertThatThrownBy(() -> Examples.of(frame(RowFactory.create(0.5f, Float.NaN, 1.0, 1)), ABC))
                .isInstanceOf(FeedException.class)
                .hasMessageContaining("row 6 [0.5,NaN,1.0,1]: column 'b' holds NaN (NaN as f32); features must be finite");
        assertThatThrownBy(() -> Examples.of(frame(RowFactory.create(0.5f, 1f, 1e300, 1)), ABC))
                .hasMessageContaining("column 'c' holds 1.0E300 (Infinity as f32); features must be finite");
        assertThatThrownBy(() -> Examples.of(frame(RowFactory.create(0.5f, 1f, 1.0, -3)), ABC))
                .hasMessageContaining("column 'label' holds -3.0, not a class index (a whole number from 0)");
        StructType real = schema().add("target", DataTypes.DoubleType);
        List<Row> rows = List.of(RowFactory.create(1f, 2f, 3.0, 0, 2.5));
        assertThatThrownBy(() -> Examples.of(TestSpark.session().createDataFrame(rows, real),
                Columns.of(List.of("a", "b", "c"), "target").labels(Labels.CLASSES)))
                .hasMessageContaining("column 'target' holds 2.5, not a class index");
    }

    @Test
    void columnsThatDoNotFitAreRefusedOnTheDriver() {
        Dataset<Row> df = frame(RowFactory.create(0.5f, 1f, 1.0, 1));
        assertThatThrownBy(() -> Examples.of(df, Columns.of(List.of("a", "x"), "label"))).isInstanceOf(FeedException.class)
                .hasMessage("Examples.of: no column 'x'; the columns are [a, b, c, label]");
        Dataset<Row> named = df.withColumn("name", org.apache.spark.sql.functions.lit("seven"));
        assertThatThrownBy(() -> Examples.of(named, Columns.of(List.of("a", "name"), "label")))
                .hasMessageContaining("column 'name' is string; features and labels must be numbers");
        assertThatThrownBy(() -> Examples.of(df, Columns.array("a", 3, "label")))
                .hasMessageContaining("column 'a' is float; the features' column must be an array of numbers");
        assertThatThrownBy(() -> Examples.of(df.limit(0), ABC)).isInstanceOf(FeedException.class)
                .hasMessageMatching("Examples.of: no examples: all \\d+ partitions are empty");
    }

    @Test
    void arraysOfTheWrongLengthAreNamed() {
        StructType schema = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType))
                .add("y", DataTypes.IntegerType);
        List<Row> rows = List.of(RowFactory.create(List.of(1f, 2f, 3f), 0), RowFactory.create(List.of(1f, 2f), 1));
        Dataset<Row> df = TestSpark.session().createDataFrame(rows, schema).repartition(1);
        assertThatThrownBy(() -> Examples.of(df, Columns.array("x", 3, "y"))).isInstanceOf(FeedException.class)
                .hasMessageContaining("partition 0, row 1 [ArraySeq(1.0, 2.0),1]: column 'x' holds 2 features;"
                        + " expected 3");
    }

    @Test
    void parametersThatDoNotFitTheExecutorsModelAreNamed() {
        // A factory that builds another model on executors than on the driver.
        ModelFactory drifting = g -> Model.create(g, new Linear(3, TaskContext.get() == null ? 2 : 4), 1);
        try (Examples data = Examples.of(frame(RowFactory.create(0.5f, 1f, 1.0, 1)), ABC);
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.session(), drifting, ExampleLosses::crossEntropy)
                     .optimizer(Optimizers.sgd(0.1)).batchSize(4).build()) {
            assertThatThrownBy(() -> trainer.step(data)).isInstanceOf(FeedException.class)
                    .hasMessageStartingWith("step 0 (epoch 0, batch 0), partition 0: the parameters broadcast for this"
                            + " step do not fit the model the factory built on this executor")
                    .hasMessageContaining("'weight' is f32[4,3] in the model, but");
        }
    }

    @Test
    void aLabelPastTheOutputsFailsTheStepNamingThePartition() {
        try (Examples data = Examples.of(frame(RowFactory.create(0.5f, 1f, 1.0, 7)), ABC);
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.session(), TINY, ExampleLosses::crossEntropy)
                     .optimizer(Optimizers.sgd(0.1)).batchSize(8).build()) {
            assertThatThrownBy(() -> trainer.step(data)).isInstanceOf(IndexException.class)
                    .hasMessageStartingWith("step 0 (epoch 0, batch 0), partition 0: ")
                    .hasMessageContaining("7");
            // Nothing moved: the next step is still step 0.
            org.junit.jupiter.api.Assertions.assertEquals(0, trainer.steps());
        }
    }

    @Test
    void aLossThatIsNotFiniteStopsTrainingBeforeTheUpdate() {
        // The log of a negative number: a loss that is NaN for every example.
        ExampleLoss broken = (m, x, y) -> ExampleLosses.crossEntropy(m, x, y).neg().log();
        try (Examples data = Examples.of(frame(RowFactory.create(0.5f, 1f, 1.0, 1)), ABC);
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.session(), TINY, broken)
                     .optimizer(Optimizers.sgd(0.1)).batchSize(8).build()) {
            var before = trainer.modelValues();
            assertThatThrownBy(() -> trainer.step(data)).isInstanceOf(NablaException.class)
                    .hasMessageStartingWith("step 0 (epoch 0, batch 0): the loss or its gradient is not finite on"
                            + " partition [0]; the parameters were not updated");
            DataParallelTrainingTest.assertClose(before, trainer.modelValues(), 0);
        }
    }

    @Test
    void modelsAndLossesSparkCannotTrainAreRefusedOnTheDriver() {
        try (Examples data = Examples.of(frame(RowFactory.create(0.5f, 1f, 1.0, 1)), ABC)) {
            assertRefused(data, g -> Model.create(g, Sequential.of(new Linear(3, 4), new BatchNorm1d(4), new Linear(4, 2)), 1),
                    ExampleLosses::crossEntropy, "has buffers [1.running_mean, 1.running_var, 1.num_batches_tracked]");
            assertRefused(data, g -> Model.create(g, Sequential.of(new Linear(3, 4), new Dropout(0.5), new Linear(4, 2)), 1),
                    ExampleLosses::crossEntropy, "the loss draws random numbers (dropout?)");
            assertRefused(data, TINY, (m, x, y) -> Nabla.crossEntropy(m.forward(x), y),
                    "the loss must give one f32 value per example, f32[32] for 32 examples; got %");
            assertRefused(data, g -> null, ExampleLosses::crossEntropy,
                    "the model factory must return a Model created in the graph it is given, got null");
        }
    }

    private static void assertRefused(Examples data, ModelFactory model, ExampleLoss loss, String message) {
        assertThatThrownBy(() -> {
            try (SparkTrainer t = SparkTrainer.builder(TestSpark.session(), model, loss).optimizer(Optimizers.sgd(0.1))
                    .build()) {
                t.step(data);
            }
        }).isInstanceOf(NablaException.class).hasMessageContaining(message);
    }
}

package dev.nabla.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.Graph;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Batch inference gives each row the outputs the model gives it on one JVM, whatever the
 * partitions and however the batches fall, keeps the row's own columns, and names bad rows.
 */
class BatchInferenceTest {
    private static final int ROWS = 300;

    private static List<String> pixels() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            names.add("p" + i);
        }
        return names;
    }

    private static StructType schema() {
        StructType s = new StructType();
        for (String p : pixels()) {
            s = s.add(p, DataTypes.FloatType);
        }
        return s.add("label", DataTypes.IntegerType);
    }

    /** The digits in partitions of 120, 0 and 180 rows. */
    private static Dataset<Row> digits() {
        return TestSpark.session().createDataFrame(TestSpark.partitioned(TestSpark.digits(ROWS), 120, 0, 180), schema());
    }

    /** The MLP with its parameters moved off their initial values, so that nothing matches by accident. */
    private static Map<String, NDArray> state() {
        try (Graph g = Graph.create()) {
            Map<String, NDArray> values = TestSpark.MLP.create(g).values();
            values.replaceAll((name, v) -> {
                double[] d = v.toDoubleArray();
                for (int i = 0; i < d.length; i++) {
                    d[i] += 0.05 * Math.sin(i + name.length());
                }
                return NDArray.fromDoubles(v.dtype(), v.shape(), d);
            });
            return values;
        }
    }

    private static float[] local(Map<String, NDArray> state, List<Row> rows) {
        try (Graph g = Graph.create()) {
            Model model = TestSpark.MLP.create(g);
            model.load(state);
            return g.compile().eval(Map.of(), model.evaluate(g.constant(TestSpark.features(rows)))).get(0).toFloatArray();
        }
    }

    @Test
    void scoresEqualTheModelOnOneJvm() {
        Map<String, NDArray> state = state();
        Scorer scorer = Scorer.of(TestSpark.MLP, state).batchSize(64).predictionColumn("digit");
        List<Row> scored = scorer.transform(digits(), Columns.features(pixels())).collectAsList();
        float[] expected = local(state, TestSpark.digits(ROWS));
        assertEquals(ROWS, scored.size());
        for (int i = 0; i < ROWS; i++) {
            Row row = scored.get(i);
            assertEquals(TestSpark.digits(ROWS).get(i).get(64), row.getAs("label"), "the row's own columns stay");
            List<Float> scores = row.getList(row.fieldIndex("scores"));
            float[] actual = new float[10];
            for (int c = 0; c < 10; c++) {
                actual[c] = scores.get(c);
            }
            float[] want = java.util.Arrays.copyOfRange(expected, i * 10, i * 10 + 10);
            // Batches of 64 here, all 300 rows at once there: each row's outputs alike bit for bit.
            assertArrayEquals(want, actual, 0f, "row " + i);
            int best = 0;
            for (int c = 1; c < 10; c++) {
                best = want[c] > want[best] ? c : best;
            }
            assertEquals(best, row.<Integer>getAs("digit"), "row " + i);
        }
    }

    @Test
    void aModelWithOneOutputPerRowGivesAFloatColumn() {
        // A regression model whose output is [n]: a linear layer, then the column taken out.
        ModelFactory line = g -> Model.create(g, Sequential.of(new Linear(64, 1),
                (Layer) (x, scope) -> x.reshape(x.shape().dim(0))), 3);
        Map<String, NDArray> state;
        float[] expected;
        try (Graph g = Graph.create()) {
            Model m = line.create(g);
            state = m.values();
            expected = g.compile().eval(m.evaluate(g.constant(TestSpark.features(TestSpark.digits(ROWS))))).toFloatArray();
        }
        Dataset<Row> out = Scorer.of(line, state).outputColumn("y").batchSize(100)
                .transform(digits(), Columns.features(pixels()));
        assertEquals(DataTypes.FloatType, out.schema().apply("y").dataType());
        List<Row> rows = out.collectAsList();
        for (int i = 0; i < ROWS; i++) {
            assertEquals(expected[i], rows.get(i).<Float>getAs("y"), 0f, "row " + i);
        }
        assertThatThrownBy(() -> Scorer.of(line, state).predictionColumn("p").transform(digits(), Columns.features(pixels())))
                .isInstanceOf(FeedException.class).hasMessageContaining("an arg max needs outputs [n, C]");
    }

    @Test
    void badRowsAndStatesAreNamed() {
        Map<String, NDArray> state = state();
        List<Row> rows = new ArrayList<>(TestSpark.digits(10));
        Object[] values = new Object[65];
        java.util.Arrays.fill(values, 0.25f);
        values[5] = null;
        values[64] = 3;
        rows.set(7, RowFactory.create(values));
        Dataset<Row> df = TestSpark.session().createDataFrame(TestSpark.partitioned(rows, 4, 6), schema());
        Dataset<Row> scored = Scorer.of(TestSpark.MLP, state).transform(df, Columns.features(pixels()));
        // The rows are read when an action runs: Spark's SparkException then carries the cause.
        assertThatThrownBy(scored::collectAsList).rootCause().isInstanceOf(FeedException.class)
                .hasMessageStartingWith("Scorer: partition 1, row 3 [0.25,0.25,0.25,0.25,0.25,null,")
                .hasMessageEndingWith(": column 'p5' is null");

        Map<String, NDArray> partial = new java.util.LinkedHashMap<>(state);
        partial.remove("2.bias");
        assertThatThrownBy(() -> Scorer.of(TestSpark.MLP, partial).transform(df, Columns.features(pixels())))
                .isInstanceOf(FeedException.class).hasMessageContaining("missing: [2.bias]");
        assertThatThrownBy(() -> Scorer.of(TestSpark.MLP, state).outputColumn("label")
                .transform(df, Columns.features(pixels())))
                .hasMessage("Scorer: the data already has a column 'label'; choose another name");
        assertThatThrownBy(() -> Scorer.of(TestSpark.MLP, state).transform(df, Columns.features(List.of("p0", "p1"))))
                .hasMessageContaining("matmul");
    }
}

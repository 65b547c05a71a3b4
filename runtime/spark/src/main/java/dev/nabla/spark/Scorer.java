package dev.nabla.spark;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.nn.Model;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference: a trained model's outputs (evaluation mode) for every row of a DataFrame,
 * appended as a column, with the arg max if asked. Each executor builds and compiles the model
 * once and scores its partitions lazily in batches, so nothing but a batch of rows is held.
 *
 * <pre>{@code
 * Scorer scorer = Scorer.load(spark, mlp, "hdfs:///models/digits.safetensors").predictionColumn("digit");
 * Dataset<Row> scored = scorer.transform(images, Columns.features(pixelColumns));
 * }</pre>
 */
public final class Scorer {
    private final String id;
    private final ModelFactory factory;
    private final Map<String, NDArray> state;
    private final int batchSize;
    private final String output;
    private final String prediction;

    private Scorer(String id, ModelFactory factory, Map<String, NDArray> state, int batchSize, String output,
                   String prediction) {
        this.id = id;
        this.factory = factory;
        this.state = state;
        this.batchSize = batchSize;
        this.output = output;
        this.prediction = prediction;
    }

    /** Scores with {@code factory}'s model holding {@code state} (a state dict, as {@link SparkTrainer#modelValues} gives). */
    public static Scorer of(ModelFactory factory, Map<String, NDArray> state) {
        if (factory == null || state == null) {
            throw new NablaException("Scorer.of: needs a model factory and its state dict");
        }
        return new Scorer(UUID.randomUUID().toString(), factory, new LinkedHashMap<>(state), 256, "scores", null);
    }

    /** Scores with the state dict in a safetensors file on any Hadoop file system ({@link SparkTrainer#saveModel}). */
    public static Scorer load(org.apache.spark.sql.SparkSession spark, ModelFactory factory, String path)
            throws IOException {
        return of(factory, HadoopFiles.read(spark.sparkContext().hadoopConfiguration(), path).tensors());
    }

    /** Rows per evaluation (default 256): the compiled batch size. */
    public Scorer batchSize(int rows) {
        if (rows < 1) {
            throw new NablaException("Scorer.batchSize: needs at least 1 row, got " + rows);
        }
        return new Scorer(id, factory, state, rows, output, prediction);
    }

    /** The name of the appended output column (default "scores"). */
    public Scorer outputColumn(String name) {
        return new Scorer(id, factory, state, batchSize, name, prediction);
    }

    /** Also appends each row's arg max, an int column of this name (for classifiers). */
    public Scorer predictionColumn(String name) {
        return new Scorer(id, factory, state, batchSize, output, name);
    }

    /**
     * {@code data} with the model's output for each row appended: an array of floats for a model
     * with outputs [n, C], a float for one with outputs [n]. Lazy, as Spark's transformations are:
     * the model, its state and the columns are checked here; each row when an action scores it,
     * where a bad row fails the action with Spark's exception caused by a {@code FeedException}
     * that names the partition, the row and the column.
     */
    public Dataset<Row> transform(Dataset<Row> data, Columns columns) {
        RowReader reader = RowReader.of("Scorer", data.schema(), columns, false);
        int outputs = checkedOutputs(reader.features());
        StructType schema = data.schema();
        for (String name : prediction == null ? List.of(output) : List.of(output, prediction)) {
            if (List.of(schema.fieldNames()).contains(name)) {
                throw new FeedException("Scorer: the data already has a column '" + name + "'; choose another name");
            }
        }
        schema = schema.add(output, outputs == 0 ? DataTypes.FloatType
                : DataTypes.createArrayType(DataTypes.FloatType, false), false);
        if (prediction != null) {
            if (outputs == 0) {
                throw new FeedException("Scorer: the model gives one value per row; an arg max needs outputs [n, C]");
            }
            schema = schema.add(prediction, DataTypes.IntegerType, false);
        }
        JavaSparkContext context = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
        Broadcast<Weights> weights = context.broadcast(Weights.of(0, state));
        ScoreTask task = new ScoreTask(id, factory, weights, reader, batchSize, outputs, prediction != null);
        return data.mapPartitions(task, Encoders.row(schema));
    }

    /** Builds the model here once: the state must fit it, and its output be [n, C] or [n]. */
    private int checkedOutputs(int features) {
        try (Graph g = Graph.create()) {
            Model model = TrainingRecipe.build(factory, g);
            model.load(state);
            Tensor out = model.evaluate(g.input("features", batchSize, features));
            if (out.rank() == 1 && out.shape().dim(0) == batchSize) {
                return 0;
            }
            if (out.rank() == 2 && out.shape().dim(0) == batchSize) {
                return out.shape().dim(1);
            }
            throw new FeedException("Scorer: the model's output is " + out.node().describe() + " for " + batchSize
                    + " rows; scoring takes outputs [n] or [n, C]");
        }
    }
}

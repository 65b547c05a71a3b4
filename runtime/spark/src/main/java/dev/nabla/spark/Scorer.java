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

    /**
     * {@return a scorer of {@code factory}'s model holding {@code state}, in batches of 256 rows,
     * with an output column "scores" and no prediction column} The state is checked against the
     * model by {@link #transform}.
     *
     * @param factory builds the model, on the driver and on each executor
     * @param state   the model's state dict by PyTorch's names, as {@link SparkTrainer#modelValues}
     *                gives it (copied)
     * @throws NablaException if either is null
     */
    public static Scorer of(ModelFactory factory, Map<String, NDArray> state) {
        if (factory == null || state == null) {
            throw new NablaException("Scorer.of: needs a model factory and its state dict");
        }
        return new Scorer(UUID.randomUUID().toString(), factory, new LinkedHashMap<>(state), 256, "scores", null);
    }

    /**
     * {@return a scorer of {@code factory}'s model holding the state dict in a safetensors file on
     * any Hadoop file system} The file is what {@link SparkTrainer#saveModel} writes (or PyTorch's
     * {@code save_file}); the settings are those of {@link #of}.
     *
     * @param spark   the session whose Hadoop configuration reaches the file
     * @param factory builds the model, on the driver and on each executor
     * @param path    the file, e.g. {@code hdfs:///models/digits.safetensors}
     * @throws IOException if the file cannot be read
     * @throws NablaException if it is not a safetensors file
     */
    public static Scorer load(org.apache.spark.sql.SparkSession spark, ModelFactory factory, String path)
            throws IOException {
        return of(factory, HadoopFiles.read(spark.sparkContext().hadoopConfiguration(), path).tensors());
    }

    /**
     * {@return a copy that evaluates {@code rows} rows at a time (default 256)} This is the
     * compiled batch size, to which a partition's last batch is padded.
     *
     * @param rows the rows per evaluation, at least 1
     * @throws NablaException if {@code rows} is below 1
     */
    public Scorer batchSize(int rows) {
        if (rows < 1) {
            throw new NablaException("Scorer.batchSize: needs at least 1 row, got " + rows);
        }
        return new Scorer(id, factory, state, rows, output, prediction);
    }

    /**
     * {@return a copy that appends the model's output as a column of this name (default "scores")}
     *
     * @param name the output column's name
     */
    public Scorer outputColumn(String name) {
        return new Scorer(id, factory, state, batchSize, name, prediction);
    }

    /**
     * {@return a copy that also appends each row's arg max, an int column of this name} For
     * classifiers: the model's outputs must be [n, C].
     *
     * @param name the prediction column's name
     */
    public Scorer predictionColumn(String name) {
        return new Scorer(id, factory, state, batchSize, output, name);
    }

    /**
     * {@code data} with the model's output for each row appended: an array of floats for a model
     * with outputs [n, C], a float for one with outputs [n]. Lazy, as Spark's transformations are:
     * the model, its state and the columns are checked here; each row when an action scores it,
     * where a bad row fails the action with Spark's exception caused by a {@code FeedException}
     * that names the partition, the row and the column.
     *
     * @param data    the rows to score
     * @param columns which columns hold the features (a label named there is not read)
     * @return {@code data} with the output column (and the prediction column) appended
     * @throws FeedException if a feature column is missing or not numeric, the state does not fit
     *         the model, the model's output is neither [n] nor [n, C], a column to append already
     *         exists, or a prediction column is asked of a model with outputs [n]
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

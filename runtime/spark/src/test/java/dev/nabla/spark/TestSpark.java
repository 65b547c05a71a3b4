package dev.nabla.spark;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.core.NDArray;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * One local Spark for every test class of the module (starting one costs seconds): two task
 * threads, and a task may fail twice before its job does, so that a failure injected once is
 * retried. And the digits the tests train on, as rows of 64 pixels in [0, 1] and a label.
 */
final class TestSpark {
    static final String MASTER = "local[2,2]";
    /** The digits of the examples module (8x8 images, pixels 0..16, then the label; no header). */
    static final Path DIGITS = Path.of("../../examples/src/main/resources/data/digits.csv.gz");
    /** The model every training test uses: a small MLP for the 8x8 digits. */
    static final ModelFactory MLP = g -> Model.create(g, Sequential.of(new Linear(64, 32), Layers.tanh(),
            new Linear(32, 10)), 42);
    private static SparkSession session;
    private static List<Row> digits;

    private TestSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master(MASTER).appName("nabla-spark-tests")
                    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        }
        return session;
    }

    static JavaSparkContext context() {
        return JavaSparkContext.fromSparkContext(session().sparkContext());
    }

    /** The first {@code n} digits as rows of 64 floats and an int label. */
    static synchronized List<Row> digits(int n) {
        if (digits == null) {
            List<Row> rows = new ArrayList<>();
            try (var in = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(DIGITS)),
                    StandardCharsets.US_ASCII))) {
                for (String line; (line = in.readLine()) != null; ) {
                    String[] f = line.split(",");
                    Object[] values = new Object[65];
                    for (int i = 0; i < 64; i++) {
                        values[i] = Float.parseFloat(f[i]) / 16f;
                    }
                    values[64] = Integer.parseInt(f[64].trim());
                    rows.add(RowFactory.create(values));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            digits = List.copyOf(rows);
        }
        return digits.subList(0, n);
    }

    /** The rows split into partitions of these sizes, in order (a size of 0 makes an empty partition). */
    static JavaRDD<Row> partitioned(List<Row> rows, int... sizes) {
        JavaRDD<Row> out = null;
        int from = 0;
        for (int size : sizes) {
            JavaRDD<Row> part = context().parallelize(rows.subList(from, from + size), 1);
            out = out == null ? part : out.union(part);
            from += size;
        }
        if (from != rows.size()) {
            throw new IllegalArgumentException("sizes cover " + from + " of " + rows.size() + " rows");
        }
        return out;
    }

    /** Features f32 [n, 64] of the given rows. */
    static NDArray features(List<Row> rows) {
        float[] x = new float[rows.size() * 64];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < 64; j++) {
                x[i * 64 + j] = ((Number) rows.get(i).get(j)).floatValue();
            }
        }
        return NDArray.of(x, rows.size(), 64);
    }

    /** Labels i32 [n] of the given rows. */
    static NDArray labels(List<Row> rows) {
        double[] y = new double[rows.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = ((Number) rows.get(i).get(64)).doubleValue();
        }
        return NDArray.fromDoubles(DType.I32, Shape.of(rows.size()), y);
    }
}

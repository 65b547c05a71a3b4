package dev.nabla.spark;

import dev.nabla.Graph;
import dev.nabla.InputSpec;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Model;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Steps per second of the digits MLP (64-64-10, ReLU, Adam) trained on Spark and on one JVM
 * without Spark, at several global batch sizes, on the digits repeated 10 times (17,970 examples).
 * A plain main, not a test: run it as bench/RESULTS.md says, with the master in -Dspark.master and
 * the number of partitions as the argument. Each figure is the median (and the fastest) of 5 timed
 * runs of STEPS steps after WARMUP steps (every share size compiled, the JIT warm): the machines
 * this was measured on were shared, and the median resists a neighbour's burst.
 */
public final class SparkTrainingBenchmark {
    private static final int[] BATCHES = {1024, 4096, 16384};
    private static final int WARMUP = 30;
    private static final int STEPS = 100;
    private static final int REPEATS = 5;
    private static final int COPIES = 10;
    private static final ModelFactory MLP = g -> Model.create(g, Sequential.of(new Linear(64, 64), Layers.relu(),
            new Linear(64, 10)), 42);

    private SparkTrainingBenchmark() {}

    public static void main(String[] args) {
        int partitions = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        SparkSession spark = SparkSession.builder().appName("nabla-spark-bench").config("spark.ui.enabled", "false")
                .getOrCreate();
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Row> rows = copies(0, COPIES * 1797);
        String master = spark.sparkContext().master();
        System.out.printf("%s, %d partitions, %d examples, cores %d, nabla.threads %s, java %s%n", master, partitions,
                rows.size(), Runtime.getRuntime().availableProcessors(), System.getProperty("nabla.threads", "default"),
                System.getProperty("java.version"));
        System.out.println("| where | batch | ms/step (median) | fastest | steps/s | examples/s |");
        System.out.println("|---|---|---|---|---|---|");
        // Each task makes its partition's rows itself: a parallelized list would be shipped with
        // every task of every step (its partitions are part of the lineage), as file splits are not.
        int size = rows.size();
        JavaRDD<Row> source = context.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
                .flatMap(p -> copies(size * p / partitions, size * (p + 1) / partitions).iterator());
        local(rows, BATCHES[0]);   // the JIT's warm-up, not reported
        try (Examples data = Examples.of(source, 64, Labels.CLASSES)) {
            for (int batch : BATCHES) {
                report("one JVM", batch, times(() -> local(rows, batch)));
                report(master + " x" + partitions, batch, times(() -> spark(spark, data, batch)));
            }
            double[] floor = times(() -> emptyJob(data));
            System.out.printf("an empty step (broadcast, %d tasks handing in empty sums, treeAggregate): %.1f ms"
                    + " (fastest %.1f)%n", partitions, floor[REPEATS / 2], floor[0]);
        }
        spark.stop();
    }

    /** Rows from..to of the digits repeated {@link #COPIES} times. */
    private static List<Row> copies(int from, int to) {
        List<Row> digits = TestSpark.digits(1797);
        List<Row> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(digits.get(i % digits.size()));
        }
        return out;
    }

    /** Reports the median of the runs' times, the fastest, and the median's rates. */
    private static void report(String where, int batch, double[] ms) {
        double median = ms[REPEATS / 2];
        System.out.printf("| %s | %d | %.1f | %.1f | %.1f | %,.0f |%n", where, batch, median, ms[0], 1000 / median,
                batch * 1000 / median);
    }

    /** Milliseconds per step of each run, sorted. */
    private static double[] times(java.util.function.DoubleSupplier run) {
        double[] t = new double[REPEATS];
        for (int i = 0; i < REPEATS; i++) {
            t[i] = run.getAsDouble();
        }
        Arrays.sort(t);
        return t;
    }

    /** Milliseconds per step on Spark, after the warm-up steps. */
    private static double spark(SparkSession spark, Examples data, int batch) {
        try (SparkTrainer trainer = SparkTrainer.builder(spark, MLP, ExampleLosses::crossEntropy)
                .optimizer(Optimizers.adam(1e-3)).batchSize(batch).seed(1).build()) {
            for (int i = 0; i < WARMUP; i++) {
                trainer.step(data);
            }
            long start = System.nanoTime();
            for (int i = 0; i < STEPS; i++) {
                trainer.step(data);
            }
            return (System.nanoTime() - start) / 1e6 / STEPS;
        }
    }

    /** Milliseconds per step of the same training on this JVM: a Trainer fed the same batches. */
    private static double local(List<Row> rows, int batch) {
        float[] x = TestSpark.features(rows).toFloatArray();
        double[] y = TestSpark.labels(rows).toDoubleArray();
        EpochOrder order = new EpochOrder(rows.size(), batch, 1);
        int[] byPosition = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            byPosition[(int) order.position(0, i)] = i;
        }
        try (Graph g = Graph.create()) {
            Model model = MLP.create(g);
            List<InputSpec> specs = List.of(InputSpec.f32("x", batch, 64).dynamic(0), InputSpec.i32("y", batch).dynamic(0));
            try (Trainer trainer = Trainer.builder(g, specs,
                    in -> ExampleLosses.crossEntropy(model, in.get(0), in.get(1)).mean())
                    .group(Optimizers.adam(1e-3)).build()) {
                long start = 0;
                for (int s = 0; s < WARMUP + STEPS; s++) {
                    if (s == WARMUP) {
                        start = System.nanoTime();
                    }
                    // Batch s of the epoch's order (epoch 0's, over and over: the cost is the same).
                    long b = s % order.batches();
                    int from = (int) order.start(b);
                    int n = (int) (order.end(b) - from);
                    float[] xs = new float[n * 64];
                    double[] ys = new double[n];
                    for (int i = 0; i < n; i++) {
                        int row = byPosition[from + i];
                        System.arraycopy(x, row * 64, xs, i * 64, 64);
                        ys[i] = y[row];
                    }
                    trainer.step(NDArray.of(xs, n, 64), NDArray.fromDoubles(DType.I32, Shape.of(n), ys));
                }
                return (System.nanoTime() - start) / 1e6 / STEPS;
            }
        }
    }

    /** Milliseconds of a step's Spark part alone: a broadcast and a tree aggregation of empty sums. */
    private static double emptyJob(Examples data) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(data.blocks().context());
        for (int i = 0; i < WARMUP; i++) {
            once(context, data);
        }
        long start = System.nanoTime();
        for (int i = 0; i < STEPS; i++) {
            once(context, data);
        }
        return (System.nanoTime() - start) / 1e6 / STEPS;
    }

    private static void once(JavaSparkContext context, Examples data) {
        var weights = context.broadcast(new float[64 * 64 + 64 + 64 * 10 + 10]);
        data.blocks().mapPartitions(it -> {
            weights.value();
            return List.of(PartialGradients.empty()).iterator();
        }).treeAggregate(PartialGradients.empty(), PartialGradients::add, PartialGradients::add, 2);
        weights.destroy();
    }
}

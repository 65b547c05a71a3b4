package dev.nabla.spark;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.nn.Model;
import dev.nabla.optim.GradientStep;
import dev.nabla.optim.Optimizer;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Synchronous data-parallel training on Spark. Each step broadcasts the parameters, every
 * partition sums the loss's gradient over its share of the global batch with a program compiled
 * once per executor, the sums are tree-aggregated to the driver, and the driver applies the
 * optimizer's compiled update ({@link GradientStep}) to their mean: PyTorch's step on the mean
 * loss of the batch, so with the same batches the result equals training on one JVM up to the
 * order of summation.
 *
 * <pre>{@code
 * try (SparkTrainer trainer = SparkTrainer.builder(spark, mlp, ExampleLosses::crossEntropy)
 *         .optimizer(Optimizers.adam(0.01)).batchSize(256).seed(7)
 *         .checkpoints("hdfs:///models/digits", 50).build()) {
 *     trainer.resume();                    // from the newest checkpoint, if any
 *     trainer.fit(examples, 10, r -> System.out.println(r));
 *     trainer.saveModel("hdfs:///models/digits.safetensors");
 * }
 * }</pre>
 *
 * <p>Batches: step s is batch s mod B of epoch s div B ({@link EpochOrder}, B batches per epoch),
 * so the step count alone says where training stands and a resumed trainer goes on with the same
 * batches. Steps are taken one at a time (this class is for one driver thread).
 */
public final class SparkTrainer implements AutoCloseable {
    private final String id = UUID.randomUUID().toString();
    private final JavaSparkContext context;
    private final ModelFactory factory;
    private final ExampleLoss loss;
    private final int batchSize;
    private final long seed;
    private final int padTo;
    private final int depth;
    private final Graph graph;
    private final Model model;
    private final GradientStep update;
    private final List<DType> dtypes = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private final Checkpoints checkpoints;
    /** Made at the first step, when the examples' width and labels are known. */
    private TrainingRecipe recipe;
    /** The order a checkpoint was written with: the examples must give the same one. */
    private EpochOrder resumedOrder;
    private long steps;
    private boolean closed;

    private SparkTrainer(Builder b) {
        this.context = JavaSparkContext.fromSparkContext(b.spark.sparkContext());
        this.factory = b.factory;
        this.loss = b.loss;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.padTo = b.padTo;
        this.depth = b.depth;
        this.graph = Graph.create();
        try {
            this.model = TrainingRecipe.build(b.factory, graph);
            TrainingRecipe.checkModel(model);
            model.parameters().values().forEach(p -> {
                dtypes.add(p.dtype());
                shapes.add(p.shape());
            });
            this.update = GradientStep.of(b.optimizer, List.copyOf(model.parameters().values()));
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
        this.checkpoints = b.folder == null ? null
                : new Checkpoints(context.hadoopConfiguration(), b.folder, b.every, b.keep);
    }

    /**
     * {@return a builder of a trainer with batches of 64, seed 0 and no checkpoints; choose an
     * optimizer}
     *
     * @param spark the session whose cluster trains
     * @param model builds the model, on the driver and on every executor
     * @param loss  the loss of each example, whose mean over the batch is minimized
     * @throws NablaException if one of them is null
     */
    public static Builder builder(SparkSession spark, ModelFactory model, ExampleLoss loss) {
        return new Builder(spark, model, loss);
    }

    /**
     * Takes one step on the next global batch of {@code data}: one Spark job, then the update on
     * the driver, then a checkpoint when one is due. The first step also checks the loss.
     *
     * @param data the examples, the same at every step (their count fixes the batches)
     * @return what the step did
     * @throws FeedException if the examples' width or labels differ from earlier steps', they give
     *         other batches than the checkpoint resumed from, or the partitions give another
     *         number of examples than the batch has (a source that changed)
     * @throws NablaException if the trainer is closed, the loss is not one f32 value per example
     *         or draws random numbers, the loss or a gradient is not finite (the parameters are
     *         then not updated), or a task fails with Nabla's error (rethrown with the step and
     *         partition in its message)
     * @throws UncheckedIOException if writing a checkpoint fails
     */
    public synchronized StepResult step(Examples data) {
        requireOpen("step");
        long start = System.nanoTime();
        TrainingRecipe r = recipeFor(data);
        EpochOrder order = new EpochOrder(data.count(), batchSize, seed);
        if (resumedOrder != null && !resumedOrder.equals(order)) {
            throw new FeedException("step: the checkpoint resumed from was written for " + describe(resumedOrder)
                    + "; these examples give " + describe(order) + ": train on the same data with the same settings");
        }
        long epoch = steps / order.batches();
        long batch = steps % order.batches();
        long expected = order.end(batch) - order.start(batch);
        Broadcast<Weights> weights = context.broadcast(Weights.of(steps, parameters()));
        PartialGradients total;
        try {
            GradientTask task = new GradientTask(id, r, weights, data.id(), data.offsets(), order, epoch, batch, steps);
            total = Failures.unwrapping(() -> data.blocks().mapPartitionsWithIndex(task, true)
                    .treeAggregate(PartialGradients.empty(), PartialGradients::add, PartialGradients::add,
                            depth));
        } finally {
            weights.destroy();
        }
        String where = "step " + steps + " (epoch " + epoch + ", batch " + batch + ")";
        if (total.examples() != expected) {
            throw new FeedException(where + ": the partitions gave " + total.examples() + " examples, the batch has "
                    + expected + "; does the examples' source give other rows when Spark computes it again? Cache it");
        }
        if (total.nonFinite().length > 0) {
            throw new NablaException(where + ": the loss or its gradient is not finite on partition"
                    + (total.nonFinite().length > 1 ? "s " : " ") + Arrays.toString(total.nonFinite())
                    + "; the parameters were not updated (are the features scaled, the learning rate small enough?)");
        }
        update.step(total.means(dtypes, shapes));
        steps++;
        if (checkpoints != null && checkpoints.due(steps)) {
            try {
                checkpoints.save(steps, order, update.state());
            } catch (IOException e) {
                throw new UncheckedIOException("step " + steps + ": writing a checkpoint failed", e);
            }
        }
        return new StepResult(steps, epoch, batch, expected, total.meanLoss(), (System.nanoTime() - start) / 1e9);
    }

    /**
     * Trains until {@code epochs} epochs of {@code data} are done, counting the steps already
     * taken (resumed ones included), so that after a restart it only finishes the run.
     *
     * @param data   the examples
     * @param epochs the epochs the run has in all
     * @param onStep called with each step's result, on this thread
     * @throws NablaException as {@link #step}, which stops the run
     */
    public void fit(Examples data, int epochs, Consumer<StepResult> onStep) {
        long total = epochs * new EpochOrder(data.count(), batchSize, seed).batches();
        while (steps() < total) {
            onStep.accept(step(data));
        }
    }

    /**
     * {@return the results of the steps taken} As {@link #fit(Examples, int, Consumer)}.
     *
     * @param data   the examples
     * @param epochs the epochs the run has in all
     * @throws NablaException as {@link #step}
     */
    public List<StepResult> fit(Examples data, int epochs) {
        List<StepResult> results = new ArrayList<>();
        fit(data, epochs, results::add);
        return results;
    }

    /** {@return how many steps have been taken, resumed ones included} */
    public synchronized long steps() {
        return steps;
    }

    /**
     * Loads the newest checkpoint in the folder given to {@link Builder#checkpoints}: the parameters,
     * the optimizer's state and the step count, after a driver restart say.
     *
     * @return the step it resumes after; with no checkpoint in the folder, the steps taken so far
     *         (0 for a new trainer)
     * @throws IOException if the folder or the checkpoint cannot be read
     * @throws NablaException if the trainer is closed or has no checkpoint folder, or the newest
     *         checkpoint is not a trainer's or of a newer version
     * @throws FeedException if the checkpoint was written with another batch size or seed, or its
     *         state does not fit the model and optimizer
     */
    public synchronized long resume() throws IOException {
        requireOpen("resume");
        if (checkpoints == null) {
            throw new NablaException("resume: this trainer has no checkpoint folder; set one with"
                    + " builder.checkpoints(folder, everySteps)");
        }
        Optional<Checkpoints.Saved> saved = checkpoints.latest();
        if (saved.isEmpty()) {
            return steps;
        }
        Checkpoints.Saved s = saved.get();
        if (s.order().batchSize() != batchSize || s.order().seed() != seed) {
            throw new FeedException("resume: " + s.path() + " was written with batches of " + s.order().batchSize()
                    + " and seed " + s.order().seed() + "; this trainer has " + batchSize + " and "
                    + seed);
        }
        try {
            update.load(s.state());
        } catch (FeedException e) {
            throw Failures.at("resume: " + s.path(), e);
        }
        steps = s.step();
        resumedOrder = s.order();
        return steps;
    }

    /**
     * {@return the model's current parameters by PyTorch's names: its state dict}
     *
     * @throws NablaException if the trainer is closed
     */
    public synchronized Map<String, NDArray> modelValues() {
        requireOpen("modelValues");
        return model.values();
    }

    /**
     * Writes the model's state dict as safetensors to a path of any Hadoop file system; it loads
     * with {@code Model.load} or {@link Scorer#load}, and in PyTorch with {@code safetensors.torch.load_file}.
     *
     * @param path the file, e.g. {@code hdfs:///models/digits.safetensors}; one already there is
     *             replaced
     * @throws IOException if writing fails
     * @throws NablaException if the trainer is closed
     */
    public void saveModel(String path) throws IOException {
        HadoopFiles.write(context.hadoopConfiguration(), path, modelValues(), Map.of("format", "pt"));
    }

    /** Frees the driver's copy of the model and the optimizer's state. */
    @Override
    public synchronized void close() {
        closed = true;
        update.close();
        graph.close();
    }

    private Map<String, NDArray> parameters() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> out.put(name, update.parameter(p)));
        return out;
    }

    /** The recipe for examples of this width and label kind, checked once on the driver. */
    private TrainingRecipe recipeFor(Examples data) {
        if (recipe == null) {
            TrainingRecipe r = new TrainingRecipe(factory, loss, data.features(), data.labels(), padTo);
            r.checkLoss(model);
            recipe = r;
        } else if (recipe.features() != data.features() || recipe.labels() != data.labels()) {
            throw new FeedException("step: these examples have " + data.features() + " features and " + data.labels()
                    + " labels; this trainer has trained on " + recipe.features() + " and " + recipe.labels());
        }
        return recipe;
    }

    private static String describe(EpochOrder o) {
        return o.examples() + " examples in batches of " + o.batchSize() + " (seed " + o.seed() + ")";
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new NablaException(op + ": this trainer is closed; build a new one (and resume) to train again");
        }
    }

    /** The optimizer, batch size, seed, checkpoints and aggregation of a {@link SparkTrainer}. */
    public static final class Builder {
        private final SparkSession spark;
        private final ModelFactory factory;
        private final ExampleLoss loss;
        private Optimizer optimizer;
        private int batchSize = 64;
        private long seed;
        private int padTo = 32;
        private int depth = 2;
        private String folder;
        private int every;
        private int keep = 2;

        private Builder(SparkSession spark, ModelFactory factory, ExampleLoss loss) {
            if (spark == null || factory == null || loss == null) {
                throw new NablaException("SparkTrainer.builder: needs a Spark session, a model factory and a loss");
            }
            this.spark = spark;
            this.factory = factory;
            this.loss = loss;
        }

        /**
         * Sets the optimizer whose update the driver applies (required).
         *
         * @param optimizer the optimizer, e.g. {@code Optimizers.adam(1e-3)}
         * @return this builder
         */
        public Builder optimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /**
         * Sets the examples per global batch, over all partitions (default 64).
         *
         * @param size the batch size, at least 1
         * @return this builder
         * @throws NablaException if {@code size} is below 1
         */
        public Builder batchSize(int size) {
            this.batchSize = atLeast("batchSize", size, 1);
            return this;
        }

        /**
         * Sets the seed of every epoch's order (default 0).
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * A partition's share is padded to a multiple of {@code rows} (default 32), so that the few
         * sizes shares take reuse compiled programs; padding rows weigh 0 but cost compute.
         *
         * @param rows the multiple, at least 1
         * @return this builder
         * @throws NablaException if {@code rows} is below 1
         */
        public Builder padTo(int rows) {
            this.padTo = atLeast("padTo", rows, 1);
            return this;
        }

        /**
         * Sets the depth of the gradients' tree aggregation (default 2, as Spark's).
         *
         * @param depth the depth, at least 1
         * @return this builder
         * @throws NablaException if {@code depth} is below 1
         */
        public Builder treeDepth(int depth) {
            this.depth = atLeast("treeDepth", depth, 1);
            return this;
        }

        /**
         * Writes a checkpoint to {@code folder} every {@code everySteps} steps (default: none),
         * which {@link SparkTrainer#resume} reads back.
         *
         * @param folder     a folder of any Hadoop file system, e.g. {@code hdfs:///models/run1}
         * @param everySteps the steps between checkpoints, at least 1
         * @return this builder
         * @throws NablaException if the folder is blank or {@code everySteps} below 1
         */
        public Builder checkpoints(String folder, int everySteps) {
            if (folder == null || folder.isBlank()) {
                throw new NablaException("checkpoints: name a folder, e.g. hdfs:///models/run1 or file:/tmp/run1");
            }
            this.folder = folder;
            this.every = atLeast("checkpoints", everySteps, 1);
            return this;
        }

        /**
         * Sets how many of the newest checkpoints to keep (default 2); older ones are deleted.
         *
         * @param count the checkpoints kept, at least 1
         * @return this builder
         * @throws NablaException if {@code count} is below 1
         */
        public Builder keepCheckpoints(int count) {
            this.keep = atLeast("keepCheckpoints", count, 1);
            return this;
        }

        /**
         * {@return a trainer} Builds the model on the driver from the factory and checks it.
         *
         * @throws NablaException if no optimizer was chosen, or the factory's model is of another
         *         graph, has no parameters, has a parameter that is not f32, or has buffers (batch
         *         norm)
         */
        public SparkTrainer build() {
            if (optimizer == null) {
                throw new NablaException("SparkTrainer.build: choose an optimizer, e.g. .optimizer(Optimizers.adam(1e-3))");
            }
            return new SparkTrainer(this);
        }

        private static int atLeast(String what, int value, int min) {
            if (value < min) {
                throw new NablaException(what + ": needs at least " + min + ", got " + value);
            }
            return value;
        }
    }
}

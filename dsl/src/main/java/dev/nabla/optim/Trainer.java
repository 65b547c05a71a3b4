package dev.nabla.optim;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.InputSpec;
import dev.nabla.Traced;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A compiled training step: one program computes the loss, its gradients and every parameter's
 * update, and the new parameters and optimizer state stay in the backend between steps. Read a
 * parameter with {@link #parameter}; evaluate anything else with the trained values through
 * {@link #compiled()}.
 *
 * <p>Threads: steps from several threads are serialized (each step reads the parameters of the
 * one before and commits its updates alone); evaluations through {@link #compiled()} may run
 * beside them and see the parameters of one step. The optimizer's state (moments, step counts,
 * learning rates) belongs to the trainer: closing it frees that state and the trained values, and
 * a closed trainer refuses every call.
 *
 * <p>Randomness: every {@link Graph#keyState} the loss reads (the key of a dropout, say) is
 * replaced after each step by a key derived from it, inside the step program, so each step draws
 * afresh without recompiling. A key fed as an input is the caller's to change at every step.
 */
public final class Trainer implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** A group of parameters sharing one optimizer (before their learning-rate tensors exist). */
    private record GroupSpec(Optimizer optimizer, List<Tensor> params) {}

    private final List<StepPrograms.Group> groups;
    private final LrSchedule schedule;
    private final CompiledGraph compiled;
    private final StepPrograms programs;
    /** Everything a checkpoint holds: each parameter the step reads or writes, by its name in a checkpoint. */
    private final Map<String, Tensor> state;
    /** The step program of a trainer built from one loss tensor; null for one over traced inputs. */
    private final CompiledGraph.PreparedRun step;
    /** The losses for each combination of input shapes, for a trainer over traced inputs; else null. */
    private final Traced<Tensor> traced;
    /** The step program of each traced variant built so far. */
    private final Map<Traced.Variant<Tensor>, CompiledGraph.PreparedRun> steps = new IdentityHashMap<>();
    private int epoch;
    private volatile boolean closed;

    private Trainer(Builder b) {
        this.schedule = b.schedule;
        this.traced = b.traced;
        Graph graph = b.loss.graph();
        String prefix = "optim" + INSTANCES.incrementAndGet();
        this.groups = new ArrayList<>();
        for (int gi = 0; gi < b.groups.size(); gi++) {
            GroupSpec spec = b.groups.get(gi);
            List<Tensor> lrs = new ArrayList<>();
            for (Tensor p : spec.params()) {
                String name = prefix + "/group" + gi + "/" + p.node().variableName();
                lrs.add(graph.parameter(name + "/lr", NDArray.scalar(spec.optimizer().lr())));
            }
            groups.add(new StepPrograms.Group(spec.optimizer(), spec.params(), lrs));
        }
        this.programs = new StepPrograms(graph, prefix, groups, b.clipNorm, b.clipValue);
        Map<Tensor, Tensor> assignments = programs.assignments(b.loss);
        this.compiled = graph.compile(b.device);
        CompiledGraph.PreparedRun first = compiled.prepare(List.of(b.loss), assignments);
        if (traced == null) {
            this.step = first;
        } else {
            this.step = null;
            steps.put(traced.first(), first);
        }
        this.state = TrainerCheckpoints.stateOf(graph, b.loss, assignments, prefix);
        if (schedule != null) {
            applySchedule();
        }
    }

    /**
     * {@return a builder of a trainer minimizing {@code loss}; add at least one parameter group}
     *
     * @param loss a floating scalar
     * @throws dev.nabla.core.NablaException if the loss is not a floating scalar
     */
    public static Builder builder(Tensor loss) {
        return new Builder(loss, null);
    }

    /**
     * A trainer whose inputs may change shape from step to step (the last, partial batch of an
     * epoch, say): {@code loss} builds the loss from inputs of the specs, once per combination of
     * shapes (see {@link Traced}: one step program each, all sharing the parameters and the
     * optimizer's state). Feed it with {@link #step(NDArray...)}.
     *
     * <pre>{@code
     * Trainer t = Trainer.builder(g, List.of(InputSpec.f32("x", 64, 784).dynamic(0), InputSpec.i32("y", 64).dynamic(0)),
     *         in -> Nabla.crossEntropy(net.forward(in.get(0)), in.get(1))).group(Optimizers.adam(1e-3)).build();
     * t.step(images, labels);   // any number of rows
     * }</pre>
     *
     * @param graph  the graph the inputs and loss are built in
     * @param inputs the inputs' names, dtypes and shapes, with the axes that may vary
     * @param loss   builds a floating scalar loss from one input per spec, in order
     * @return a builder; add at least one parameter group
     * @throws dev.nabla.core.NablaException if the loss built is not a floating scalar
     */
    public static Builder builder(Graph graph, List<InputSpec> inputs, Function<List<Tensor>, Tensor> loss) {
        Traced<Tensor> traced = Traced.of(graph, inputs, in -> requireScalarLoss(loss.apply(in)));
        return new Builder(traced.first().result(), traced);
    }

    private static Tensor requireScalarLoss(Tensor loss) {
        if (loss == null || loss.shape().size() != 1 || !loss.dtype().isFloating()) {
            throw new NablaException("minimize: the loss must be a floating scalar, got "
                    + (loss == null ? "null" : loss.node().describe()) + "; reduce it first, e.g. with mean()");
        }
        return loss;
    }

    /**
     * One step on a graph that needs no fed inputs.
     *
     * @return the loss before the update
     */
    public NDArray step() {
        return step(Map.of());
    }

    /**
     * One step of a trainer over traced inputs ({@link #builder(Graph, List, Function)}), with a
     * value for each input in the specs' order; a new combination of shapes builds and compiles its
     * step program first.
     *
     * @param values one value per input spec, in order
     * @return the loss before the update
     * @throws dev.nabla.core.NablaException if this trainer was built from a loss tensor, or the
     *         values do not fit the specs
     */
    public NDArray step(NDArray... values) {
        requireOpen("step");
        if (traced == null) {
            throw new NablaException("step: this trainer was built from a loss tensor; feed it by tensor with"
                    + " step(Map.of(x, value, ...)), or build it over input specs to feed values in order");
        }
        Traced.Variant<Tensor> v = traced.variant(values);
        CompiledGraph.PreparedRun run;
        synchronized (steps) {
            run = steps.get(v);
            if (run == null) {
                run = compiled.prepare(List.of(v.result()), programs.assignments(v.result()));
                steps.put(v, run);
            }
        }
        return run.run(v.feeds(values)).get(0);
    }

    /** {@return how many step programs this trainer has: one per combination of input shapes it was fed} */
    public int stepPrograms() {
        if (traced == null) {
            return 1;
        }
        synchronized (steps) {
            return steps.size();
        }
    }

    /**
     * One step with a value for each input the loss needs.
     *
     * @param feeds a value for each input the loss needs
     * @return the loss before the update
     * @throws dev.nabla.core.NablaException if this trainer's inputs are traced from specs, or a
     *         feed is missing or does not fit
     */
    public NDArray step(Map<Tensor, NDArray> feeds) {
        requireOpen("step");
        if (step == null) {
            throw new NablaException("step: this trainer's inputs are traced from specs; pass their values in order"
                    + " with step(x, y, ...)");
        }
        return step.run(feeds).get(0);
    }

    /**
     * Advances the learning-rate schedule by one epoch (PyTorch's scheduler.step()).
     *
     * @throws dev.nabla.core.NablaException if this trainer has no schedule
     */
    public void scheduleStep() {
        requireOpen("scheduleStep");
        if (schedule == null) {
            throw new NablaException("scheduleStep: this trainer has no learning-rate schedule; set one with"
                    + " Trainer.builder(loss).schedule(...)");
        }
        epoch++;
        applySchedule();
    }

    private void applySchedule() {
        for (StepPrograms.Group g : groups) {
            NDArray lr = NDArray.scalar(schedule.lr(g.optimizer().lr(), epoch));
            g.lrs().forEach(t -> compiled.setParameter(t, lr));
        }
    }

    /**
     * {@return the learning rate group {@code index} uses for the next step}
     *
     * @param index the group, from 0 in the order they were added
     * @throws dev.nabla.core.NablaException if there is no such group
     */
    public double lr(int index) {
        requireOpen("lr");
        if (index < 0 || index >= groups.size()) {
            throw new NablaException("lr: group " + index + " does not exist; this trainer has " + groups.size()
                    + " parameter group" + (groups.size() == 1 ? "" : "s"));
        }
        StepPrograms.Group g = groups.get(index);
        return g.lrs().isEmpty() ? g.optimizer().lr() : compiled.parameter(g.lrs().get(0)).item();
    }

    /**
     * {@return a parameter's current (trained) value}
     *
     * @param p a parameter of the loss's graph
     */
    public NDArray parameter(Tensor p) {
        requireOpen("parameter");
        return compiled.parameter(p);
    }

    /**
     * Writes everything the next step depends on (parameters, buffers, the optimizer's moments,
     * step counts and learning rates, random keys, the schedule's epoch) to a safetensors file, with
     * {@code metadata} of your own (where the data loader stands, say). Loading it into a trainer
     * built the same way, in this JVM or another, continues bit for bit as if never interrupted.
     *
     * @param path     the file to write
     * @param metadata your own entries; keys must not start with {@code nabla.}
     * @throws IOException if the file cannot be written
     * @throws dev.nabla.core.NablaException.FormatException if a metadata key starts with
     *         {@code nabla.}
     */
    public void save(Path path, Map<String, String> metadata) throws IOException {
        requireOpen("save");
        TrainerCheckpoints.save(path, compiled, state, epoch, metadata);
    }

    /**
     * Writes everything the next step depends on to a safetensors file: {@link #save(Path, Map)}
     * without metadata of your own.
     *
     * @param path the file to write
     * @throws IOException if the file cannot be written
     */
    public void save(Path path) throws IOException {
        save(path, Map.of());
    }

    /**
     * Restores what {@link #save} wrote into this trainer (built the same way: same model, same
     * optimizers and groups). Names, shapes and dtypes must match exactly, or nothing is changed and
     * the error lists the differences.
     *
     * @param path a file {@link #save} wrote
     * @return the metadata saved with it
     * @throws IOException if the file cannot be read
     * @throws dev.nabla.core.NablaException.FormatException if it is not a trainer checkpoint, is of
     *         a newer version, or does not fit this trainer
     */
    public Map<String, String> load(Path path) throws IOException {
        requireOpen("load");
        TrainerCheckpoints.Loaded loaded = TrainerCheckpoints.load(path, compiled, state);
        epoch = loaded.epoch();
        return loaded.metadata();
    }

    /** {@return the session holding the trained parameters: evaluate any tensor of the graph with them} */
    public CompiledGraph compiled() {
        requireOpen("compiled");
        return compiled;
    }

    /** Frees the trained values and the optimizer's state; later calls are errors. */
    @Override
    public void close() {
        closed = true;
        compiled.close();
    }

    private void requireOpen(String op) {
        if (closed) {
            throw new NablaException(op + ": this trainer is closed; build a new one to train again");
        }
    }

    /** Chooses parameter groups, gradient clipping, a schedule and the device. */
    public static final class Builder {
        private final Tensor loss;
        private final Traced<Tensor> traced;
        private final List<GroupSpec> groups = new ArrayList<>();
        private final Set<Tensor> claimed = new LinkedHashSet<>();
        /** The parameters the loss depends on, in graph order. */
        private final List<Node> reachable;
        private Double clipNorm;
        private Double clipValue;
        private LrSchedule schedule;
        private Device device;

        private Builder(Tensor loss, Traced<Tensor> traced) {
            this.loss = requireScalarLoss(loss);
            this.traced = traced;
            // Only floating parameters have gradients: key states and other integer state are not trained.
            this.reachable = Program.of(List.of(loss.node())).parameters().stream()
                    .filter(p -> p.dtype().isFloating()).toList();
        }

        /**
         * Adds a group of every parameter the loss depends on that no earlier group claimed, except
         * state the graph assigns at each step ({@link Graph#assignOnStep}).
         *
         * @param optimizer the rule that updates them
         * @return this builder
         */
        public Builder group(Optimizer optimizer) {
            Set<Tensor> assigned = new HashSet<>();
            loss.graph().stepAssignments().forEach(a -> assigned.add(a.state()));
            List<Tensor> rest = reachable.stream()
                    .map(n -> new Tensor(loss.graph(), n))
                    .filter(t -> !claimed.contains(t))
                    .filter(t -> !assigned.contains(t))
                    .toList();
            return group(optimizer, rest);
        }

        /**
         * Adds a parameter group with its own optimizer and hyper-parameters. As in PyTorch, a listed
         * parameter the loss does not reach gets no update.
         *
         * @param optimizer  the rule that updates them
         * @param parameters floating parameters of the loss's graph, in no other group
         * @return this builder
         * @throws dev.nabla.core.NablaException if a parameter is listed twice, is in another group,
         *         belongs to another graph or is not a floating parameter
         */
        public Builder group(Optimizer optimizer, List<Tensor> parameters) {
            Set<Node> used = new HashSet<>(reachable);
            List<Tensor> kept = new ArrayList<>();
            Set<Tensor> listed = new HashSet<>();
            for (Tensor p : parameters) {
                if (!listed.add(p)) {
                    throw new NablaException("minimize: " + p.node().describe() + " is listed twice in one group");
                }
                if (p.graph() != loss.graph()) {
                    throw new NablaException("minimize: " + p.node().describe() + " belongs to another graph than the loss");
                }
                if (!(p.node().op() instanceof Op.Parameter)) {
                    throw new NablaException("minimize: " + p.node().describe() + " is not a parameter; only"
                            + " parameters (Graph.parameter) can be trained");
                }
                if (!p.dtype().isFloating()) {
                    throw new NablaException("minimize: " + p.node().describe() + " is not floating; only f32 and"
                            + " f64 parameters have gradients to train with");
                }
                if (!claimed.add(p)) {
                    throw new NablaException("minimize: " + p.node().describe() + " is in two parameter groups");
                }
                // As in PyTorch, a parameter the loss does not reach gets no gradient and no update.
                if (used.contains(p.node())) {
                    kept.add(p);
                }
            }
            groups.add(new GroupSpec(optimizer, List.copyOf(kept)));
            return this;
        }

        /**
         * Scales all gradients together so that their joint 2-norm is at most {@code maxNorm}.
         *
         * @param maxNorm the largest norm, at least 0
         * @return this builder
         */
        public Builder clipGradNorm(double maxNorm) {
            Checks.nonNegative("clipGradNorm", "max norm", maxNorm);
            this.clipNorm = maxNorm;
            return this;
        }

        /**
         * Clamps every gradient element to [-value, value].
         *
         * @param value the largest magnitude, at least 0
         * @return this builder
         */
        public Builder clipGradValue(double value) {
            Checks.nonNegative("clipGradValue", "clip value", value);
            this.clipValue = value;
            return this;
        }

        /**
         * Sets a learning-rate schedule, applied to every group's base rate from the first step and
         * advanced by {@link Trainer#scheduleStep()}.
         *
         * @param schedule the schedule; null for a constant rate
         * @return this builder
         */
        public Builder schedule(LrSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /**
         * Chooses where the step runs and the trained values live.
         *
         * @param device the device; null (the default) for {@link Device#best()}
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        /**
         * {@return the trainer, its step compiled}
         *
         * @throws dev.nabla.core.NablaException if there is no group, or the loss depends on none of
         *         the groups' parameters
         */
        public Trainer build() {
            if (groups.isEmpty()) {
                throw new NablaException("minimize: add at least one parameter group");
            }
            if (groups.stream().allMatch(g -> g.params().isEmpty())) {
                throw new NablaException("minimize: the loss " + loss.node().describe()
                        + " depends on none of the parameters given");
            }
            if (device == null) {
                device = Device.best();
            }
            return new Trainer(this);
        }
    }
}

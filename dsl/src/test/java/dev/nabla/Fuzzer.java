package dev.nabla;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.AnomalyException;
import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Shape;
import dev.nabla.compiler.text.GraphPrinter;
import dev.nabla.optim.LrSchedule;
import dev.nabla.optim.LrSchedules;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One try of {@link RobustnessFuzzTest}: a sequence of actions over one graph (and a second,
 * foreign one, for mistakes). Building actions apply an op of {@link Tensor}, {@link Nabla} or
 * {@link Graph} to tensors of a pool, with random and sometimes invalid arguments; calling
 * actions compile the graph for the JVM backend and the reference interpreter and make the same
 * call on both (eval, evalInto, run with updates, function and its calls, setParameter and
 * parameter, moving, training, closing), and the try ends by evaluating its newest tensors.
 *
 * <p>What it requires:
 * <ul>
 *   <li>No exception but a {@link NablaException} from any call; anything else fails the try,
 *   with the log of every action up to it.
 *   <li>The same outcome from both backends: values that {@link FuzzOracle} finds equal, or a
 *   NablaException from both (of the same type, or of two types for a call wrong in two ways:
 *   the JVM backend checks sizes when it compiles, the reference when it runs). With anomaly
 *   detection on, an AnomalyException from one backend alone is allowed.
 *   <li>What the fuzzer can predict: a build gives the shape and dtype {@link FuzzShapes}
 *   computes with NumPy's rules, or fails where those rules say the call is invalid (a
 *   ShapeException is also allowed where a tensor involved has more than 2^31-1 elements); a
 *   call it knows to be valid succeeds (an evaluation of this graph's tensors with every input
 *   fed right, a parameter read or set right, a function called with its arity, a training
 *   step); a call on a closed graph, compiled graph or trainer fails.
 * </ul>
 */
final class Fuzzer {
    static final Device JVM = Device.of("jvm:cpu");
    static final Device REFERENCE = Device.of("reference:cpu");

    /**
     * What one evaluation may cost, in elements over all nodes of its program plus multiply-adds
     * of its matrix products; costlier calls are skipped (a program whose size overflows int is
     * always run: it must fail with a NablaException, not run out of memory).
     */
    static final long BUDGET = 3_000_000;

    /** One action: which kind (an index into {@link #TABLE}) and the seed of its random choices. */
    record Act(int kind, long seed) {
        @Override
        public String toString() {
            return TABLE[kind % TABLE.length] + "@" + seed;
        }
    }

    /**
     * A try: options (bits 2-3 both clear: fast math; bits 0-1 both clear: anomaly detection, so a
     * quarter of the tries each), the prelude's seed, the actions.
     */
    record Scenario(int options, long seed, List<Act> acts) {}

    enum Action {
        UNARY(10), BINARY(12), NUMBER_BINARY(5), FMA(2), WHERE(3), REDUCE(6), SOFTMAX(2), RESHAPE(4), PERMUTE(3),
        SQUEEZE(3), SLICE(4), BROADCAST(3), MATMUL(4), CONCAT(3), POOL(2), CAST(3), STOP_GRADIENT(1),
        GATHER(3),
        GRAD(4), VJP(2), JVP(2), JACOBIAN(1), HESSIAN(1), HVP(1), TAYLOR(2), VMAP(2), CHECKPOINT(1), CUSTOM(2),
        FORI(2), SCAN(2), COND(2),
        INPUT(5), PARAMETER(5), CONSTANT(3), PRINT(1), CLOSE_GRAPH(1),
        COMPILE(3), EVAL(14), EVAL_INTO(3), RUN_UPDATES(3), FUNCTION(4), APPLY(2), SET_PARAMETER(3),
        READ_PARAMETER(2), MOVE(1), CLOSE_COMPILED(1), TRAINER(3), TRAINER_STEP(4), TRAINER_OTHER(2);

        final int weight;

        Action(int weight) {
            this.weight = weight;
        }
    }

    /** Each action repeated by its weight; an {@link Act}'s kind indexes it. */
    static final Action[] TABLE = Arrays.stream(Action.values())
            .flatMap(a -> Collections.nCopies(a.weight, a).stream()).toArray(Action[]::new);

    /** A tensor of the pool: its name in the log and its order of differentiation. */
    record Val(Tensor t, String name, int order) {
        @Override
        public String toString() {
            return name + ":" + t.dtype() + t.shape();
        }
    }

    private record Outcome<T>(T value, NablaException error) {}

    /** One compiled graph on each backend. */
    private static final class Pair {
        final CompiledGraph jvm;
        final CompiledGraph ref;
        final String name;
        final boolean checkFinite;
        boolean closed;

        Pair(CompiledGraph jvm, CompiledGraph ref, String name, boolean checkFinite) {
            this.jvm = jvm;
            this.ref = ref;
            this.name = name;
            this.checkFinite = checkFinite;
        }
    }

    /** One trainer on each backend. */
    private static final class Trainers {
        final Trainer jvm;
        final Trainer ref;
        final Val loss;
        final String name;
        /** For plain SGD on every parameter (no momentum, decay, clipping or schedule): its rate; else NaN. */
        final double sgdRate;
        boolean closed;

        Trainers(Trainer jvm, Trainer ref, Val loss, String name, double sgdRate) {
            this.jvm = jvm;
            this.ref = ref;
            this.loss = loss;
            this.name = name;
            this.sgdRate = sgdRate;
        }
    }

    private record Functions(ScalarFunction jvm, ScalarFunction ref, int arity, String name, Pair pair) {}

    private final Scenario scenario;
    private final FuzzStats stats;
    private final boolean detectAnomalies;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private Random rnd;
    private Graph g;
    private Graph foreign;
    private final List<Val> pool = new ArrayList<>();
    private final List<Val> foreignPool = new ArrayList<>();
    private final Map<Tensor, NDArray> inputValues = new LinkedHashMap<>();
    private final List<Pair> pairs = new ArrayList<>();
    private final List<Trainers> trainers = new ArrayList<>();
    private final List<Functions> functions = new ArrayList<>();
    private int counter;
    private boolean closed;

    Fuzzer(Scenario scenario, FuzzStats stats) {
        this.scenario = scenario;
        this.stats = stats;
        this.detectAnomalies = (scenario.options() & 3) == 0;
    }

    /** The scenario and everything done so far, for a failure message. */
    String report() {
        List<String> lines;
        synchronized (log) {
            lines = new ArrayList<>(log);
        }
        return "scenario: options " + scenario.options() + " (fast math " + ((scenario.options() & 12) == 0)
                + ", anomaly detection " + detectAnomalies + "), seed " + scenario.seed() + ", "
                + scenario.acts().size() + " actions " + scenario.acts() + "\nlog:\n  " + String.join("\n  ", lines);
    }

    void run() {
        try {
            rnd = new Random(scenario.seed());
            prelude();
            int i = 0;
            for (; i < scenario.acts().size(); i++) {
                Act act = scenario.acts().get(i);
                rnd = new Random(act.seed());
                Action a = TABLE[act.kind() % TABLE.length];
                log("#" + i + " " + a);
                stats.count("actions");
                try {
                    act(a);
                } catch (AssertionError e) {
                    throw e;
                } catch (NablaException e) {
                    throw new AssertionError("action #" + i + " (" + a + ") let a NablaException escape the fuzzer's"
                            + " own handling: " + e, e);
                } catch (Throwable e) {
                    throw new AssertionError("action #" + i + " (" + a + ") threw " + e + "; only NablaException may"
                            + " escape Nabla", e);
                }
            }
            rnd = new Random(scenario.seed() + i);
            try {
                finalEval();
            } catch (AssertionError e) {
                throw e;
            } catch (Throwable e) {
                throw new AssertionError("the final eval threw " + e + "; only NablaException may escape Nabla", e);
            }
        } finally {
            closeAll();
        }
    }

    private void closeAll() {
        for (Trainers t : trainers) {
            t.jvm.close();
            t.ref.close();
        }
        for (Pair p : pairs) {
            p.jvm.close();
            p.ref.close();
        }
        if (g != null) {
            g.close();
        }
        if (foreign != null) {
            foreign.close();
        }
    }

    private void log(String line) {
        log.add(line.length() > 400 ? line.substring(0, 400) + "..." : line);
    }

    // ---- the prelude: a graph, a few leaves, one compiled pair ----

    private void prelude() {
        boolean fastMath = (scenario.options() & 12) == 0;
        g = Graph.create(GraphOptions.defaults().withFastMath(fastMath).withAnomalyDetection(detectAnomalies));
        stats.count("graphs");
        int leaves = 1 + rnd.nextInt(3);
        for (int i = 0; i < leaves; i++) {
            DType d = rnd.nextInt(4) == 0 ? DType.F64 : DType.F32;
            int[] dims = preludeDims();
            if (i == 0 || rnd.nextBoolean()) {
                Tensor x = g.input("x" + counter++, d, dims);
                add(x, 0);
                inputValues.put(x, values(d, dims));
            } else {
                add(g.parameter("p" + counter++, values(d, dims)), 0);
            }
        }
        pairs.add(new Pair(g.compile(JVM), g.compile(REFERENCE), "c0", false));
        log("prelude: " + pool + ", compiled c0");
    }

    // ---- dispatch ----

    private void act(Action a) {
        switch (a) {
            case UNARY -> unary();
            case BINARY -> binary();
            case NUMBER_BINARY -> numberBinary();
            case FMA -> fma();
            case WHERE -> where();
            case REDUCE -> reduce();
            case SOFTMAX -> softmax();
            case RESHAPE -> reshape();
            case PERMUTE -> permute();
            case SQUEEZE -> squeeze();
            case SLICE -> slice();
            case BROADCAST -> broadcast();
            case MATMUL -> matmul();
            case CONCAT -> concat();
            case POOL -> pool();
            case GATHER -> gather();
            case CAST -> cast();
            case STOP_GRADIENT -> stopGradient();
            case GRAD -> grad();
            case VJP -> vjp();
            case JVP -> jvp();
            case JACOBIAN -> jacobian();
            case HESSIAN -> hessian();
            case HVP -> hvp();
            case TAYLOR -> taylor();
            case VMAP -> vmap();
            case CHECKPOINT -> checkpoint();
            case FORI -> fori();
            case SCAN -> scan();
            case COND -> cond();
            case CUSTOM -> custom();
            case INPUT -> input();
            case PARAMETER -> parameter();
            case CONSTANT -> constant();
            case PRINT -> print();
            case CLOSE_GRAPH -> {
                // Rare, and late: everything after it must fail with NablaExceptions.
                if (rnd.nextInt(4) == 0) {
                    log("  close the graph");
                    g.close();
                    closed = true;
                }
            }
            case COMPILE -> compile();
            case EVAL -> eval();
            case EVAL_INTO -> evalInto();
            case RUN_UPDATES -> runUpdates();
            case FUNCTION -> function();
            case APPLY -> apply();
            case SET_PARAMETER -> setParameter();
            case READ_PARAMETER -> readParameter();
            case MOVE -> move();
            case CLOSE_COMPILED -> closeCompiled();
            case TRAINER -> trainer();
            case TRAINER_STEP -> trainerStep();
            case TRAINER_OTHER -> trainerOther();
        }
    }

    // ---- random choices ----

    private static final double[] NUMBERS = {0.0, -0.0, 1, -1, 2, 0.5, 3, -2.5, 1e-3, 1e30, -1e30, 1e-42, 65504,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Float.MAX_VALUE, 1e300};

    private double number() {
        return rnd.nextInt(3) == 0 ? NUMBERS[rnd.nextInt(NUMBERS.length)] : Math.round(rnd.nextGaussian() * 8) / 4.0;
    }

    private int[] smallDims() {
        int rank = new int[] {0, 1, 1, 2, 2, 2, 3, 3, 4}[rnd.nextInt(9)];
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = new int[] {1, 1, 2, 2, 3, 3, 4, 5, 7}[rnd.nextInt(9)];
        }
        return dims;
    }

    /** Shapes for the first leaves: mostly small, a quarter 64 to 1025 elements, one in ten above 32K. */
    private int[] preludeDims() {
        int r = rnd.nextInt(20);
        return r < 13 ? smallDims() : r < 18 ? mediumDims() : largeDims();
    }

    private int[] mediumDims() {
        int[][] medium = {{64}, {65, 3}, {2, 100}, {127, 1}, {1025}, {8, 130}, {3, 5, 67}, {33, 1, 31}, {17, 64}};
        return medium[rnd.nextInt(medium.length)];
    }

    private int[] largeDims() {
        int[][] large = {{33000}, {40000, 1}, {2, 17000}, {257, 130}, {65537}, {3, 11, 1025}, {181, 181}};
        return large[rnd.nextInt(large.length)];
    }

    /** Shapes for declarations: mostly small, some of 64 to 1025 elements, a few above 32K, empty, huge or negative. */
    private int[] declaredDims() {
        int r = rnd.nextInt(100);
        if (r < 68) {
            return smallDims();
        }
        if (r < 80) {
            return mediumDims();
        }
        if (r < 85) {
            return largeDims();
        }
        if (r < 91) {
            int[] dims = smallDims();
            if (dims.length == 0) {
                return new int[] {0};
            }
            dims[rnd.nextInt(dims.length)] = 0;
            return dims;
        }
        if (r < 97) {
            int[][] huge = {{100000, 100000}, {70000, 40000}, {46341, 46341}, {0, 100000, 100000}, {1 << 16, 1 << 16},
                {3, 1 << 30}, {Integer.MAX_VALUE, 2}, {1 << 20, 1, 1 << 12}};
            return huge[rnd.nextInt(huge.length)];
        }
        return rnd.nextBoolean() ? new int[] {-1} : new int[] {2, -3};
    }

    private static long size(Val v) {
        return FuzzShapes.size(v.t().shape().dims());
    }

    private DType floatingType() {
        return rnd.nextInt(3) == 0 ? DType.F64 : DType.F32;
    }

    private DType anyType() {
        int r = rnd.nextInt(10);
        return r < 5 ? DType.F32 : r < 8 ? DType.F64 : r < 9 ? DType.I32 : DType.BOOL;
    }

    /** Random values of a dtype and shape: order one, sometimes with NaN, infinities, zeros and extremes. */
    private NDArray values(DType d, int[] dims) {
        long n = FuzzShapes.size(dims);
        if (n > 200_000) {
            return null;
        }
        double[] v = new double[(int) n];
        boolean positive = rnd.nextInt(4) == 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (d) {
                case I32 -> rnd.nextInt(9) - 4;
                case BOOL -> rnd.nextInt(2);
                default -> positive ? 0.05 + 3 * rnd.nextDouble() : 4 * rnd.nextDouble() - 2;
            };
        }
        if (d.isFloating() && rnd.nextInt(6) == 0 && n > 0) {
            double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 64, -64,
                1e30, 1e-42, Float.MAX_VALUE, 1e300};
            for (int k = 0; k < Math.max(1, n / 40); k++) {
                v[rnd.nextInt(v.length)] = specials[rnd.nextInt(specials.length)];
            }
        }
        if (d == DType.I32 && rnd.nextInt(8) == 0 && n > 0) {
            v[rnd.nextInt(v.length)] = rnd.nextBoolean() ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        }
        return NDArray.fromDoubles(d, new Shape(dims), v);
    }

    private Val foreignVal() {
        if (foreign == null) {
            foreign = Graph.create();
            Tensor x = foreign.input("x0", DType.F32, 2, 3);
            Tensor p = foreign.parameter("p0", NDArray.of(new float[] {1, 2, 3}, 3));
            foreignPool.add(new Val(x, "foreign x0", 0));
            foreignPool.add(new Val(p, "foreign p0", 0));
            foreignPool.add(new Val(x.sin().mul(p), "foreign sin(x0)*p0", 0));
            foreignPool.add(new Val(x.sum(), "foreign sum(x0)", 0));
        }
        return foreignPool.get(rnd.nextInt(foreignPool.size()));
    }

    /** A tensor of the pool: often one of the newest, now and then one of the foreign graph. */
    private Val pick() {
        if (rnd.nextInt(100) < 3 || pool.isEmpty()) {
            return foreignVal();
        }
        if (rnd.nextBoolean()) {
            return pool.get(pool.size() - 1 - rnd.nextInt(Math.min(4, pool.size())));
        }
        return pool.get(rnd.nextInt(pool.size()));
    }

    /** With probability percent/100 a tensor of the pool that matches, if there is one; else any. */
    private Val pickWhere(Predicate<Val> match, int percent) {
        if (rnd.nextInt(100) < percent) {
            List<Val> matching = pool.stream().filter(match).toList();
            if (!matching.isEmpty()) {
                // Newer tensors first: they are the ones not evaluated yet.
                int n = matching.size();
                return matching.get(rnd.nextBoolean() ? n - 1 - rnd.nextInt(Math.min(3, n)) : rnd.nextInt(n));
            }
        }
        return pick();
    }

    private static boolean broadcastable(Val a, Val b) {
        int[] x = a.t().shape().dims();
        int[] y = b.t().shape().dims();
        for (int i = 1; i <= Math.min(x.length, y.length); i++) {
            int p = x[x.length - i];
            int q = y[y.length - i];
            if (p != q && p != 1 && q != 1) {
                return false;
            }
        }
        return true;
    }

    private Val partner(Val a) {
        return pickWhere(b -> b.t().dtype() == a.t().dtype() && broadcastable(a, b), 85);
    }

    private Val floating() {
        return pickWhere(v -> v.t().dtype().isFloating(), 85);
    }

    private Val variable() {
        return pickWhere(v -> v.t().node().isVariable() && v.t().dtype().isFloating(), 85);
    }

    /** A floating scalar, often: from the pool, or the sum or mean of a floating tensor. */
    private Val scalarLoss() {
        Predicate<Val> scalar = v -> v.t().dtype().isFloating() && size(v) == 1 && v.order() < 2 && v.t().graph() == g;
        Val v = pickWhere(scalar, 60);
        if (!scalar.test(v) && rnd.nextInt(10) < 7) {
            Val a = pickWhere(w -> w.t().dtype().isFloating() && w.order() < 2 && w.t().graph() == g, 100);
            boolean mean = rnd.nextBoolean();
            Val reduced = build((mean ? "mean(" : "sum(") + a + ")", a.order(), Expect.NONE,
                    () -> mean ? a.t().mean() : a.t().sum());
            if (reduced != null) {
                return reduced;
            }
        }
        return v;
    }

    /** A bool mask, often: from the pool, or a comparison of two tensors. */
    private Val mask() {
        Predicate<Val> bool = v -> v.t().dtype() == DType.BOOL;
        Val v = pickWhere(bool, 60);
        if (!bool.test(v) && rnd.nextInt(10) < 8) {
            Val a = floating();
            Val b = partner(a);
            Val compared = build("gt(" + a + ", " + b + ")", Math.max(a.order(), b.order()), Expect.NONE,
                    () -> a.t().gt(b.t()));
            if (compared != null) {
                return compared;
            }
        }
        return v;
    }

    private int axis(int rank) {
        if (rnd.nextInt(100) < 85 && rank > 0) {
            int a = rnd.nextInt(rank);
            return rnd.nextBoolean() ? a : a - rank;
        }
        return rnd.nextInt(2 * rank + 7) - rank - 3;
    }

    private int[] axes(int rank) {
        int count = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt(Math.max(1, Math.min(3, rank)));
        int[] axes = new int[count];
        for (int i = 0; i < count; i++) {
            axes[i] = axis(rank);
        }
        return axes;
    }

    // ---- building ----

    private Val add(Tensor t, int order) {
        Val v = new Val(t, "v" + pool.size(), order);
        pool.add(v);
        return v;
    }

    /**
     * What a build must give, by {@link FuzzShapes}: a shape (and dtype, when not null), or a
     * failure (dims null); {@link #NONE} predicts nothing.
     */
    private record Expect(boolean predicted, List<int[]> dims, DType dtype, boolean mayBeTooLarge) {
        static final Expect NONE = new Expect(false, null, null, false);
        static final Expect FAILS = new Expect(true, null, null, false);

        Expect(boolean predicted, List<int[]> dims, DType dtype) {
            this(predicted, dims, dtype, dims != null && dims.stream().anyMatch(FuzzShapes::tooLarge));
        }

        static Expect of(int[] dims, DType dtype) {
            return dims == null ? FAILS : new Expect(true, List.of(dims), dtype);
        }

        /** The same prediction, where a ShapeException is also allowed: a size overflows int. */
        Expect tooLarge() {
            return new Expect(predicted, dims, dtype, true);
        }

        static Expect when(boolean valid, Supplier<Expect> then) {
            return valid ? then.get() : FAILS;
        }
    }

    private static int[] dims(Val v) {
        return v.t().shape().dims();
    }

    private static DType type(Val v) {
        return v.t().dtype();
    }

    private static boolean isFloating(Val v) {
        return v.t().dtype().isFloating();
    }

    /**
     * The prediction for an op on these operands: none on a closed graph (whose simplifier may
     * still hand back an existing node), a failure for operands of two graphs, else {@code rule}'s.
     */
    private Expect predict(List<Val> operands, Supplier<Expect> rule) {
        if (operands.stream().anyMatch(v -> v.t().graph() == g && closed)) {
            return Expect.NONE;
        }
        if (operands.stream().anyMatch(v -> v.t().graph() != operands.get(0).t().graph())) {
            return Expect.FAILS;
        }
        Expect e = rule.get();
        // A tensor of more than 2^31-1 elements can be declared and built on, but never evaluated;
        // an op may refuse it at once (constant folding, say), or one of the intermediates a
        // composite op builds (softmax's maximum over an empty axis of [0, 100000, 100000]).
        return operands.stream().anyMatch(v -> FuzzShapes.tooLarge(dims(v))) ? e.tooLarge() : e;
    }

    private Expect predict(Val a, Supplier<Expect> rule) {
        return predict(List.of(a), rule);
    }

    /** Builds one tensor; a NablaException is counted and logged, anything else fails the try. */
    private Val build(String what, int order, Expect expect, Supplier<Tensor> op) {
        Outcome<Tensor> o = attempt(op);
        check(what, expect, o.error(), o.error() == null ? List.of(o.value()) : null);
        if (o.error() == null) {
            Val v = add(o.value(), order);
            stats.count("tensors");
            log("  " + v + " = " + what);
            return v;
        }
        stats.exception(o.error());
        log("  " + what + " -> " + o.error());
        return null;
    }

    /** Builds several tensors at once (a derivative with respect to several variables). */
    private void buildAll(String what, int order, Expect expect, Supplier<List<Tensor>> op) {
        Outcome<List<Tensor>> o = attempt(op);
        check(what, expect, o.error(), o.value());
        if (o.error() == null) {
            List<Val> added = new ArrayList<>();
            for (Tensor t : o.value()) {
                added.add(add(t, order));
            }
            stats.count("tensors");
            log("  " + added + " = " + what);
        } else {
            stats.exception(o.error());
            log("  " + what + " -> " + o.error());
        }
    }

    /** Holds a build's outcome to its prediction: refused, accepted, shapes and dtypes. */
    private void check(String what, Expect expect, NablaException error, List<Tensor> built) {
        if (!expect.predicted()) {
            return;
        }
        stats.count("predicted");
        if (expect.dims() == null) {
            if (error == null) {
                throw new AssertionError(what + ": accepted an invalid call, giving "
                        + built.stream().map(t -> t.dtype() + "" + t.shape()).toList());
            }
            return;
        }
        if (error instanceof NablaException.ShapeException && expect.mayBeTooLarge()) {
            stats.count("refused for size");
            return;
        }
        if (error != null) {
            throw new AssertionError(what + ": refused a valid call that should give "
                    + expect.dims().stream().map(Arrays::toString).toList() + ": " + error);
        }
        if (built.size() != expect.dims().size()) {
            throw new AssertionError(what + ": gave " + built.size() + " tensors, expected " + expect.dims().size());
        }
        for (int i = 0; i < built.size(); i++) {
            Tensor t = built.get(i);
            int[] d = expect.dims().get(i);
            if (!Arrays.equals(t.shape().dims(), d) || (expect.dtype() != null && t.dtype() != expect.dtype())) {
                throw new AssertionError(what + ": gave " + t.dtype() + t.shape() + ", expected "
                        + (expect.dtype() == null ? "" : expect.dtype()) + Arrays.toString(d));
            }
        }
    }

    private static <T> Outcome<T> attempt(Supplier<T> call) {
        try {
            return new Outcome<>(call.get(), null);
        } catch (NablaException e) {
            return new Outcome<>(null, e);
        }
    }

    private static Outcome<Object> attempt(Runnable call) {
        return attempt(() -> {
            call.run();
            return Boolean.TRUE;
        });
    }

    private void unary() {
        Val a = floating();
        String[] fns = {"neg", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "abs", "sign", "sin", "cos", "tan",
            "tanh", "sigmoid", "relu", "softplus"};
        String fn = fns[rnd.nextInt(fns.length)];
        Tensor x = a.t();
        Expect e = predict(a, () -> Expect.when(isFloating(a), () -> Expect.of(dims(a), type(a))));
        build(fn + "(" + a + ")", a.order(), e, () -> switch (fn) {
            case "neg" -> x.neg();
            case "exp" -> x.exp();
            case "log" -> x.log();
            case "log1p" -> x.log1p();
            case "expm1" -> x.expm1();
            case "sqrt" -> x.sqrt();
            case "rsqrt" -> x.rsqrt();
            case "abs" -> x.abs();
            case "sign" -> x.sign();
            case "sin" -> x.sin();
            case "cos" -> x.cos();
            case "tan" -> x.tan();
            case "tanh" -> x.tanh();
            case "sigmoid" -> x.sigmoid();
            case "relu" -> x.relu();
            default -> x.softplus();
        });
    }

    private void binary() {
        Val a = rnd.nextInt(10) == 0 ? pick() : floating();
        Val b = partner(a);
        String[] ops = {"add", "sub", "mul", "div", "pow", "minimum", "maximum", "lt", "le", "gt", "ge", "eq",
            "Nabla.minimum", "Nabla.maximum"};
        String op = ops[rnd.nextInt(ops.length)];
        Tensor x = a.t();
        Tensor y = b.t();
        boolean comparison = op.length() == 2;
        Expect e = predict(List.of(a, b), () -> Expect.when(type(a) == type(b) && (comparison || isFloating(a)),
                () -> Expect.of(FuzzShapes.broadcast(dims(a), dims(b)), comparison ? DType.BOOL : type(a))));
        build(op + "(" + a + ", " + b + ")", Math.max(a.order(), b.order()), e, () -> switch (op) {
            case "add" -> x.add(y);
            case "sub" -> x.sub(y);
            case "mul" -> x.mul(y);
            case "div" -> x.div(y);
            case "pow" -> x.pow(y);
            case "minimum" -> x.minimum(y);
            case "maximum" -> x.maximum(y);
            case "lt" -> x.lt(y);
            case "le" -> x.le(y);
            case "gt" -> x.gt(y);
            case "ge" -> x.ge(y);
            case "eq" -> x.eq(y);
            case "Nabla.minimum" -> Nabla.minimum(x, y);
            default -> Nabla.maximum(x, y);
        });
    }

    private void numberBinary() {
        Val a = rnd.nextInt(10) == 0 ? pick() : floating();
        double c = number();
        String[] ops = {"add", "sub", "rsub", "mul", "div", "rdiv", "pow", "lt", "le", "gt", "ge", "eq"};
        String op = ops[rnd.nextInt(ops.length)];
        Tensor x = a.t();
        boolean comparison = op.length() == 2;
        Expect e = predict(a, () -> Expect.when(comparison || isFloating(a),
                () -> Expect.of(dims(a), comparison ? DType.BOOL : type(a))));
        build(op + "(" + a + ", " + c + ")", a.order(), e, () -> switch (op) {
            case "add" -> x.add(c);
            case "sub" -> x.sub(c);
            case "rsub" -> x.rsub(c);
            case "mul" -> x.mul(c);
            case "div" -> x.div(c);
            case "rdiv" -> x.rdiv(c);
            case "pow" -> x.pow(c);
            case "lt" -> x.lt(c);
            case "le" -> x.le(c);
            case "gt" -> x.gt(c);
            case "ge" -> x.ge(c);
            default -> x.eq(c);
        });
    }

    private void fma() {
        Val a = floating();
        Val b = partner(a);
        Val c = partner(a);
        int order = Math.max(a.order(), Math.max(b.order(), c.order()));
        if (rnd.nextBoolean()) {
            Expect e = predict(List.of(a, b, c), () -> Expect.when(type(a) == type(b) && type(a) == type(c)
                    && isFloating(a), () -> Expect.of(FuzzShapes.broadcast(dims(a), dims(b), dims(c)), type(a))));
            build("fma(" + a + ", " + b + ", " + c + ")", order, e, () -> a.t().fma(b.t(), c.t()));
        } else {
            double k = number();
            Expect e = predict(List.of(a, c), () -> Expect.when(type(a) == type(c) && isFloating(a),
                    () -> Expect.of(FuzzShapes.broadcast(dims(a), dims(c)), type(a))));
            build("fma(" + a + ", " + k + ", " + c + ")", order, e, () -> a.t().fma(k, c.t()));
        }
    }

    private void where() {
        Val cond = mask();
        Val a = rnd.nextInt(5) == 0 ? pick() : partner(type(cond) == DType.BOOL ? floating() : cond);
        Val b = partner(a);
        int order = Math.max(cond.order(), Math.max(a.order(), b.order()));
        double k = number();
        boolean bool = type(cond) == DType.BOOL;
        switch (rnd.nextInt(3)) {
            case 0 -> build("where(" + cond + ", " + a + ", " + b + ")", order,
                    predict(List.of(cond, a, b), () -> Expect.when(bool && type(a) == type(b),
                            () -> Expect.of(FuzzShapes.broadcast(dims(cond), dims(a), dims(b)), type(a)))),
                    () -> Nabla.where(cond.t(), a.t(), b.t()));
            case 1 -> build("where(" + cond + ", " + a + ", " + k + ")", order,
                    predict(List.of(cond, a), () -> Expect.when(bool,
                            () -> Expect.of(FuzzShapes.broadcast(dims(cond), dims(a)), type(a)))),
                    () -> Nabla.where(cond.t(), a.t(), k));
            default -> build("where(" + cond + ", " + k + ", " + b + ")", order,
                    predict(List.of(cond, b), () -> Expect.when(bool,
                            () -> Expect.of(FuzzShapes.broadcast(dims(cond), dims(b)), type(b)))),
                    () -> Nabla.where(cond.t(), k, b.t()));
        }
    }

    private void reduce() {
        Val a = floating();
        Tensor x = a.t();
        int[] ax = axes(x.rank());
        boolean keep = rnd.nextBoolean();
        String[] fns = {"sum", "mean", "max", "min", "prod", "logSumExp"};
        String fn = fns[rnd.nextInt(fns.length)];
        Expect e = predict(a, () -> Expect.when(isFloating(a), () -> Expect.of(FuzzShapes.reduce(dims(a), ax, keep),
                type(a))));
        build(fn + (keep ? "KeepDims" : "") + "(" + a + ", " + Arrays.toString(ax) + ")", a.order(), e, () -> switch (fn) {
            case "sum" -> keep ? x.sumKeepDims(ax) : x.sum(ax);
            case "mean" -> keep ? x.meanKeepDims(ax) : x.mean(ax);
            case "max" -> keep ? x.maxKeepDims(ax) : x.max(ax);
            case "min" -> keep ? x.minKeepDims(ax) : x.min(ax);
            case "prod" -> keep ? x.prodKeepDims(ax) : x.prod(ax);
            default -> keep ? x.logSumExpKeepDims(ax) : x.logSumExp(ax);
        });
    }

    private void softmax() {
        Val a = floating();
        int axis = axis(a.t().rank());
        boolean log = rnd.nextBoolean();
        Expect e = predict(a, () -> Expect.when(isFloating(a) && FuzzShapes.axis(axis, a.t().rank()) >= 0,
                () -> Expect.of(dims(a), type(a))));
        build((log ? "logSoftmax(" : "softmax(") + a + ", " + axis + ")", a.order(), e,
                () -> log ? a.t().logSoftmax(axis) : a.t().softmax(axis));
    }

    /**
     * Max or average pooling over the last axis (sliding windows and, in derivatives, their
     * adjoint): mostly windows that fit, sometimes a kernel past the padded input.
     */
    private void pool() {
        Val a = floating();
        int rank = a.t().rank();
        int n = rank > 0 ? a.t().shape().dim(rank - 1) : 0;
        int kernel = 1 + rnd.nextInt(Math.max(1, Math.min(n + 1, 5)));
        int stride = 1 + rnd.nextInt(3);
        int padding = rnd.nextInt(kernel / 2 + 1);
        boolean max = rnd.nextBoolean();
        int out = (n + 2 * padding - kernel) / stride + 1;
        boolean valid = isFloating(a) && rank >= 2 && n + 2 * padding >= kernel;
        int[] shape = dims(a).clone();
        if (rank > 0) {
            shape[rank - 1] = out;
        }
        build((max ? "maxPool1d(" : "avgPool1d(") + a + ", " + kernel + ", " + stride + ", " + padding + ")", a.order(),
                predict(a, () -> Expect.when(valid, () -> Expect.of(shape, type(a)))),
                () -> max ? Nabla.maxPool1d(a.t(), kernel, stride, padding) : Nabla.avgPool1d(a.t(), kernel, stride, padding));
    }

    private void reshape() {
        Val a = pick();
        int[] dims = reshapeDims(dims(a));
        build("reshape(" + a + ", " + Arrays.toString(dims) + ")", a.order(),
                predict(a, () -> Expect.of(FuzzShapes.reshape(dims(a), dims), type(a))), () -> a.t().reshape(dims));
    }

    private int[] reshapeDims(int[] from) {
        long n = FuzzShapes.size(from);
        int r = rnd.nextInt(100);
        if (r < 65 && n <= Integer.MAX_VALUE) {
            List<Integer> dims = factorization((int) n);
            if (rnd.nextInt(3) == 0 && !dims.isEmpty()) {
                dims.set(rnd.nextInt(dims.size()), -1);
            }
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }
        if (r < 78) {
            return smallDims();
        }
        if (r < 86) {
            return new int[] {-1, 2, -1};
        }
        if (r < 92) {
            return new int[] {2, -2};
        }
        return rnd.nextBoolean() ? new int[] {100000, 100000} : new int[] {Integer.MAX_VALUE, 4, -1};
    }

    /** A random shape of n elements: its factors grouped, size-1 axes mixed in; for 0, a zero among them. */
    private List<Integer> factorization(int n) {
        List<Integer> factors = new ArrayList<>();
        if (n == 0) {
            factors.add(0);
            factors.add(1 + rnd.nextInt(3));
        } else {
            int rest = n;
            for (int f = 2; (long) f * f <= rest; f++) {
                while (rest % f == 0) {
                    factors.add(f);
                    rest /= f;
                }
            }
            if (rest > 1) {
                factors.add(rest);
            }
        }
        Collections.shuffle(factors, rnd);
        List<Integer> dims = new ArrayList<>();
        long acc = 1;
        for (int f : factors) {
            acc *= f;
            if (rnd.nextBoolean()) {
                dims.add((int) acc);
                acc = 1;
            }
        }
        if (acc != 1 || (n == 0 && dims.stream().noneMatch(d -> d == 0))) {
            dims.add((int) acc);
        }
        if (rnd.nextInt(3) == 0) {
            dims.add(rnd.nextInt(dims.size() + 1), 1);
        }
        return dims;
    }

    private void permute() {
        Val a = pick();
        int rank = a.t().rank();
        switch (rnd.nextInt(3)) {
            case 0 -> {
                int[] perm = permutation(rank);
                build("permute(" + a + ", " + Arrays.toString(perm) + ")", a.order(),
                        predict(a, () -> Expect.of(FuzzShapes.permute(dims(a), perm), type(a))),
                        () -> a.t().permute(perm));
            }
            case 1 -> {
                int i = axis(rank);
                int j = axis(rank);
                build("transpose(" + a + ", " + i + ", " + j + ")", a.order(),
                        predict(a, () -> Expect.of(FuzzShapes.transpose(dims(a), i, j), type(a))),
                        () -> a.t().transpose(i, j));
            }
            default -> build("transpose(" + a + ")", a.order(),
                    predict(a, () -> Expect.of(FuzzShapes.transpose(dims(a), -1, -2), type(a))),
                    () -> a.t().transpose());
        }
    }

    private int[] permutation(int rank) {
        List<Integer> p = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            p.add(i);
        }
        Collections.shuffle(p, rnd);
        int[] perm = p.stream().mapToInt(i -> rnd.nextInt(4) == 0 ? i - rank : i).toArray();
        switch (rnd.nextInt(8)) {
            case 0 -> perm = Arrays.copyOf(perm, rank + 1);
            case 1 -> perm = Arrays.copyOf(perm, Math.max(0, rank - 1));
            case 2 -> {
                if (rank > 1) {
                    perm[0] = perm[1];
                }
            }
            case 3 -> {
                if (rank > 0) {
                    perm[rnd.nextInt(rank)] = rank + rnd.nextInt(3);
                }
            }
            default -> { }
        }
        return perm;
    }

    private void squeeze() {
        Val a = pick();
        int rank = a.t().rank();
        if (rnd.nextBoolean()) {
            int axis = rnd.nextInt(2 * rank + 5) - rank - 2;
            build("unsqueeze(" + a + ", " + axis + ")", a.order(),
                    predict(a, () -> Expect.of(FuzzShapes.unsqueeze(dims(a), axis), type(a))),
                    () -> a.t().unsqueeze(axis));
        } else {
            int[] dims = a.t().shape().dims();
            int[] ax;
            if (rnd.nextInt(3) == 0) {
                ax = new int[0];
            } else {
                List<Integer> ones = new ArrayList<>();
                for (int i = 0; i < rank; i++) {
                    if (dims[i] == 1 && rnd.nextInt(3) > 0) {
                        ones.add(rnd.nextBoolean() ? i : i - rank);
                    }
                }
                if (ones.isEmpty() || rnd.nextInt(5) == 0) {
                    ones.add(axis(rank));
                }
                ax = ones.stream().mapToInt(Integer::intValue).toArray();
            }
            build("squeeze(" + a + ", " + Arrays.toString(ax) + ")", a.order(),
                    predict(a, () -> Expect.of(FuzzShapes.squeeze(dims, ax), type(a))), () -> a.t().squeeze(ax));
        }
    }

    private int index(int n) {
        return switch (rnd.nextInt(12)) {
            case 0 -> Integer.MIN_VALUE;
            case 1 -> Integer.MAX_VALUE;
            case 2 -> -n - 1 - rnd.nextInt(3);
            case 3 -> n + rnd.nextInt(3);
            default -> (int) (rnd.nextLong(2L * n + 1) - n);
        };
    }

    private void slice() {
        Val a = pickWhere(v -> v.t().rank() > 0, 90);
        int rank = a.t().rank();
        boolean sane = rank > 0 && rnd.nextInt(4) > 0;
        int axis = sane ? rnd.nextInt(rank) - (rnd.nextBoolean() ? rank : 0) : axis(rank);
        int resolved = FuzzShapes.axis(axis, rank);
        int n = resolved >= 0 ? a.t().shape().dim(resolved) : 3;
        // Sane: bounds within [-n, n] (or the end at Integer.MAX_VALUE, as x[i:] is written), steps of 1 to 4.
        int start = sane ? (int) (rnd.nextLong(n + 1L) - (rnd.nextBoolean() ? n : 0)) : index(n);
        int end = sane ? (rnd.nextInt(4) == 0 ? Integer.MAX_VALUE
                : (int) (rnd.nextLong(n + 1L) - (rnd.nextInt(3) == 0 ? n : 0))) : index(n);
        if (sane && rnd.nextBoolean()) {
            int step = 1 + rnd.nextInt(4);
            build("slice(" + a + ", " + axis + ", " + start + ", " + end + ", " + step + ")", a.order(),
                    predict(a, () -> Expect.of(FuzzShapes.slice(dims(a), axis, start, end, step), type(a))),
                    () -> a.t().slice(axis, start, end, step));
        } else if (rnd.nextBoolean()) {
            build("slice(" + a + ", " + axis + ", " + start + ", " + end + ")", a.order(),
                    predict(a, () -> Expect.of(FuzzShapes.slice(dims(a), axis, start, end, 1), type(a))),
                    () -> a.t().slice(axis, start, end));
        } else {
            int[] steps = {1, 1, 2, 2, 3, 7, 0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, n + 1, 1 << 30};
            int step = steps[rnd.nextInt(steps.length)];
            build("slice(" + a + ", " + axis + ", " + start + ", " + end + ", " + step + ")", a.order(),
                    predict(a, () -> Expect.of(FuzzShapes.slice(dims(a), axis, start, end, step), type(a))),
                    () -> a.t().slice(axis, start, end, step));
        }
    }

    private void broadcast() {
        Val a = pick();
        int[] from = a.t().shape().dims();
        int[] dims;
        int r = rnd.nextInt(100);
        if (r < 80) {
            int extra = new int[] {0, 0, 1, 2}[rnd.nextInt(4)];
            dims = new int[from.length + extra];
            for (int i = 0; i < extra; i++) {
                dims[i] = 1 + rnd.nextInt(4);
            }
            for (int i = 0; i < from.length; i++) {
                dims[extra + i] = from[i] == 1 && rnd.nextBoolean() ? new int[] {0, 2, 3, 5, 64}[rnd.nextInt(5)] : from[i];
            }
        } else if (r < 90) {
            dims = smallDims();
        } else if (r < 95) {
            dims = new int[from.length + 2];
            dims[0] = 100000;
            dims[1] = 100000;
            System.arraycopy(from, 0, dims, 2, from.length);
        } else {
            dims = new int[] {-2, 3};
        }
        build("broadcastTo(" + a + ", " + Arrays.toString(dims) + ")", a.order(),
                predict(a, () -> Expect.of(FuzzShapes.broadcastTo(from, dims), type(a))), () -> a.t().broadcastTo(dims));
    }

    private static int inner(Val v, boolean left) {
        int[] d = v.t().shape().dims();
        if (d.length == 0) {
            return -1;
        }
        return left || d.length == 1 ? d[d.length - 1] : d[d.length - 2];
    }

    private void matmul() {
        Val a = floating();
        switch (rnd.nextInt(4)) {
            case 0, 1 -> {
                int k = inner(a, true);
                Val b = pickWhere(v -> type(v) == type(a) && inner(v, false) == k, 80);
                boolean method = rnd.nextBoolean();
                build("matmul(" + a + ", " + b + ")", Math.max(a.order(), b.order()),
                        predict(List.of(a, b), () -> Expect.when(type(a) == type(b) && isFloating(a),
                                () -> Expect.of(FuzzShapes.matmul(dims(a), dims(b)), type(a)))),
                        () -> method ? a.t().matmul(b.t()) : Nabla.matmul(a.t(), b.t()));
            }
            case 2 -> build("matmul(" + a + ", transpose(" + a + "))", a.order(),
                    predict(a, () -> Expect.when(isFloating(a) && a.t().rank() >= 2,
                            () -> Expect.of(FuzzShapes.matmul(dims(a), FuzzShapes.transpose(dims(a), -1, -2)), type(a)))),
                    () -> a.t().matmul(a.t().transpose()));
            default -> {
                Val b = pickWhere(v -> v.t().rank() == 1 && v.t().shape().equals(a.t().shape()), 70);
                build("dot(" + a + ", " + b + ")", Math.max(a.order(), b.order()),
                        predict(List.of(a, b), () -> Expect.when(a.t().rank() == 1 && Arrays.equals(dims(a), dims(b))
                                && type(a) == type(b) && isFloating(a), () -> Expect.of(new int[0], type(a)))),
                        () -> a.t().dot(b.t()));
            }
        }
    }

    private void concat() {
        Val a = pick();
        int parts = rnd.nextInt(4);
        List<Val> all = new ArrayList<>();
        if (parts > 0 || rnd.nextBoolean()) {
            all.add(a);
        }
        int[] dims = a.t().shape().dims();
        boolean stack = rnd.nextBoolean();
        int rank = a.t().rank();
        int axis = stack ? rnd.nextInt(2 * rank + 5) - rank - 2 : axis(rank);
        int resolved = axis < 0 ? axis + rank : axis;
        for (int i = 0; i < parts; i++) {
            all.add(pickWhere(v -> {
                int[] d = v.t().shape().dims();
                if (v.t().dtype() != a.t().dtype() || d.length != dims.length) {
                    return false;
                }
                for (int k = 0; k < d.length; k++) {
                    if (d[k] != dims[k] && (stack || k != resolved)) {
                        return false;
                    }
                }
                return true;
            }, 85));
        }
        Tensor[] ts = all.stream().map(Val::t).toArray(Tensor[]::new);
        int[][] shapes = all.stream().map(Fuzzer::dims).toArray(int[][]::new);
        int order = all.stream().mapToInt(Val::order).max().orElse(0);
        Expect e = all.isEmpty() ? Expect.FAILS : predict(all, () -> Expect.when(
                all.stream().allMatch(v -> type(v) == type(all.get(0))),
                () -> Expect.of(stack ? FuzzShapes.stack(axis, shapes) : FuzzShapes.concat(axis, shapes),
                        type(all.get(0)))));
        build((stack ? "stack(" : "concat(") + axis + ", " + all + ")", order, e,
                () -> stack ? Nabla.stack(axis, ts) : Nabla.concat(axis, ts));
    }

    /**
     * gather, indexSelect, embedding or scatterAdd of a pool tensor at constant i32 indices, all
     * in range (an index out of range is a run-time error, tested on its own in GatherTest).
     */
    private void gather() {
        Val a = pickWhere(v -> v.t().rank() > 0 && v.t().graph() == g && size(v) <= 4096, 95);
        int rank = a.t().rank();
        if (rank == 0 || size(a) > 4096 || a.t().graph() != g) {
            return;
        }
        int kind = rnd.nextInt(4);
        int axis = kind == 3 ? 0 : rnd.nextInt(rank);
        int n = a.t().shape().dim(axis);
        int m = n == 0 ? 0 : rnd.nextInt(5);
        int[] idxDims = dims(a);
        idxDims[axis] = m;
        if (kind == 1) {
            idxDims = new int[] {m};
        } else if (kind == 3) {
            idxDims = new int[] {m, 1 + rnd.nextInt(2)};
        }
        double[] values = new double[Shape.of(idxDims).size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = rnd.nextInt(n);
        }
        NDArray idx = NDArray.fromDoubles(DType.I32, Shape.of(idxDims), values);
        int[] shape = idxDims;
        String what = switch (kind) {
            case 0 -> "gather(" + a + ", " + axis + ", i32" + Arrays.toString(shape) + ")";
            case 1 -> "indexSelect(" + a + ", " + axis + ", i32" + Arrays.toString(shape) + ")";
            case 2 -> "scatterAdd(" + a + ", " + axis + ", i32" + Arrays.toString(shape) + ", gathered)";
            default -> "embedding(i32" + Arrays.toString(shape) + ", " + a + ")";
        };
        int[] out = switch (kind) {
            case 0 -> shape;
            case 1 -> { int[] d = dims(a); d[axis] = m; yield d; }
            case 2 -> dims(a);
            default -> a.t().rank() == 2 ? new int[] {shape[0], shape[1], a.t().shape().dim(1)} : null;
        };
        boolean valid = out != null && (kind != 2 || isFloating(a));
        Expect e = closed ? Expect.NONE : Expect.when(valid, () -> Expect.of(out, type(a)));
        build(what, a.order(), e, () -> {
            Tensor i = g.constant(idx);
            return switch (kind) {
                case 0 -> a.t().gather(axis, i);
                case 1 -> a.t().indexSelect(axis, i);
                case 2 -> a.t().scatterAdd(axis, i, a.t().gather(axis, i));
                default -> Nabla.embedding(i, a.t());
            };
        });
    }

    private void cast() {
        Val a = pick();
        DType d = DType.values()[rnd.nextInt(4)];
        build("cast(" + a + ", " + d + ")", a.order(), predict(a, () -> Expect.of(dims(a), d)), () -> a.t().cast(d));
    }

    private void stopGradient() {
        Val a = pick();
        build("stopGradient(" + a + ")", a.order(), predict(a, () -> Expect.of(dims(a), type(a))),
                () -> a.t().stopGradient());
    }

    // ---- derivatives ----

    private List<Val> wrt() {
        int n = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 3 : 1);
        List<Val> wrt = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            wrt.add(rnd.nextInt(10) < 8 ? variable() : pick());
        }
        return wrt;
    }

    /**
     * A derivative's prediction: as {@link #predict}, and a ShapeException is also allowed when
     * something the output is computed from has more than 2^31-1 elements (a derivative needs
     * the sizes of the tensors it passes through).
     */
    private Expect predictDerivative(Val y, List<Val> operands, Supplier<Expect> rule) {
        Expect e = predict(operands, rule);
        if (!e.predicted() || e.dims() == null) {
            return e;
        }
        try {
            boolean huge = Program.of(List.of(y.t().node())).nodes().stream()
                    .anyMatch(n -> FuzzShapes.tooLarge(n.shape().dims()));
            return huge ? e.tooLarge() : e;
        } catch (NablaException ex) {
            return e;
        }
    }

    /** Whether every one of wrt is a floating input or parameter (of the output's graph: see predict). */
    private static boolean differentiable(List<Val> wrt) {
        return !wrt.isEmpty() && wrt.stream().allMatch(x -> x.t().node().isVariable() && isFloating(x));
    }

    private static List<Val> with(Val first, List<Val> rest) {
        List<Val> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** Each variable's shape and dtype: what its derivative must have. */
    private static Expect shapesOf(List<Val> wrt) {
        List<int[]> dims = wrt.stream().map(Fuzzer::dims).toList();
        DType d = wrt.stream().map(Fuzzer::type).distinct().count() == 1 ? type(wrt.get(0)) : null;
        return new Expect(true, dims, d);
    }

    private void grad() {
        Val y = scalarLoss();
        List<Val> wrt = wrt();
        List<Tensor> ts = wrt.stream().map(Val::t).toList();
        String what = "grad(" + y + ", " + wrt + ")";
        boolean one = rnd.nextInt(3) == 0;
        List<Val> used = one ? wrt.subList(0, 1) : wrt;
        Expect e = predictDerivative(y, with(y, used), () -> Expect.when(size(y) == 1 && isFloating(y)
                && differentiable(used),
                () -> shapesOf(used)));
        switch (one ? 0 : rnd.nextInt(2)) {
            case 0 -> build(what, y.order() + 1, one ? e : Expect.NONE, () -> y.t().grad(ts.get(0)));
            case 1 -> buildAll(what, y.order() + 1, e, () -> y.t().grad(ts.toArray(Tensor[]::new)));
            default -> buildAll(what, y.order() + 1, e, () -> y.t().grad(ts));
        }
    }

    /** A tensor of v's shape and dtype, mostly: from the pool, or ones. */
    private Val like(Val v) {
        if (rnd.nextInt(10) < 8) {
            if (rnd.nextBoolean()) {
                Val same = pickWhere(w -> w.t().shape().equals(v.t().shape()) && w.t().dtype() == v.t().dtype(), 100);
                if (same.t().shape().equals(v.t().shape())) {
                    return same;
                }
            }
            Outcome<Tensor> ones = attempt(() -> g.ones(v.t().dtype(), v.t().shape().dims()));
            if (ones.error() == null) {
                return new Val(ones.value(), "ones" + v.t().shape(), 0);
            }
        }
        return pick();
    }

    private static boolean sameKind(Val a, Val b) {
        return Arrays.equals(dims(a), dims(b)) && type(a) == type(b);
    }

    private void vjp() {
        Val y = pickWhere(v -> isFloating(v) && v.order() < 2, 85);
        Val cotangent = like(y);
        List<Val> wrt = wrt();
        Tensor[] ts = wrt.stream().map(Val::t).toArray(Tensor[]::new);
        Expect e = !isFloating(y) ? Expect.NONE : predictDerivative(y, with(y, with(cotangent, wrt)),
                () -> Expect.when(differentiable(wrt) && sameKind(y, cotangent), () -> shapesOf(wrt)));
        buildAll("vjp(" + y + ", " + cotangent + ", " + wrt + ")", y.order() + 1, e,
                () -> Nabla.vjp(y.t(), cotangent.t(), ts));
    }

    private void jvp() {
        Val y = pickWhere(v -> isFloating(v) && v.order() < 2, 85);
        List<Val> wrt = wrt();
        Map<Tensor, Tensor> tangents = new LinkedHashMap<>();
        List<String> text = new ArrayList<>();
        List<Val> all = new ArrayList<>(List.of(y));
        boolean fitting = true;
        for (Val x : wrt) {
            Val t = like(x);
            if (tangents.containsKey(x.t())) {
                continue;
            }
            tangents.put(x.t(), t.t());
            text.add(x + " -> " + t);
            all.add(x);
            all.add(t);
            fitting &= sameKind(x, t);
        }
        boolean fit = fitting;
        Expect e = !isFloating(y) ? Expect.NONE : predictDerivative(y, all,
                () -> Expect.when(differentiable(wrt) && fit, () -> Expect.of(dims(y), type(y))));
        build("jvp(" + y + ", " + text + ")", y.order() + 1, e, () -> Nabla.jvp(y.t(), tangents));
    }

    /**
     * Whether a Jacobian of an m-element y with respect to an n-element x is cheap enough to build
     * (one reverse pass per element of y), or so large that its size overflows int and building it
     * must fail at once.
     */
    private boolean jacobianAffordable(long m, long n) {
        if (m == Long.MAX_VALUE || n == Long.MAX_VALUE || m * n > Integer.MAX_VALUE) {
            return true;
        }
        if (m <= 48 && m * n <= 1 << 16) {
            return true;
        }
        stats.count("skipped");
        log("  skipped: a Jacobian of " + m + " x " + n + " elements");
        return false;
    }

    private void jacobian() {
        Val y = pickWhere(v -> isFloating(v) && v.order() < 2 && size(v) <= 48, 85);
        Val x = variable();
        if (jacobianAffordable(size(y), size(x))) {
            Expect e = predictDerivative(y, List.of(y, x), () -> Expect.when(isFloating(y) && differentiable(List.of(x))
                    && size(y) * size(x) <= Integer.MAX_VALUE,
                    () -> Expect.of(FuzzShapes.concatenate(dims(y), dims(x)), null)));
            int mode = rnd.nextInt(3);
            String name = mode == 0 ? "jacobian" : mode == 1 ? "jacrev" : "jacfwd";
            build(name + "(" + y + ", " + x + ")", y.order() + 1, e, () -> mode == 0 ? Nabla.jacobian(y.t(), x.t())
                    : mode == 1 ? Nabla.jacrev(y.t(), x.t()) : Nabla.jacfwd(y.t(), x.t()));
        }
    }

    private void hessian() {
        Val f = pickWhere(v -> isFloating(v) && size(v) == 1 && v.order() == 0, 85);
        Val x = pickWhere(v -> v.t().node().isVariable() && isFloating(v) && size(v) <= 24, 85);
        if (f.order() == 0 && jacobianAffordable(size(x), size(x))) {
            Expect e = predictDerivative(f, List.of(f, x), () -> Expect.when(isFloating(f) && size(f) == 1
                    && differentiable(List.of(x))
                    && size(x) * size(x) <= Integer.MAX_VALUE,
                    () -> Expect.of(FuzzShapes.concatenate(dims(x), dims(x)), null)));
            build("hessian(" + f + ", " + x + ")", f.order() + 2, e, () -> Nabla.hessian(f.t(), x.t()));
        }
    }

    private void hvp() {
        Val f = pickWhere(v -> isFloating(v) && size(v) == 1 && v.order() == 0, 85);
        Val x = variable();
        Val v = like(x);
        if (f.order() == 0) {
            Expect e = predictDerivative(f, List.of(f, x, v), () -> Expect.when(isFloating(f) && size(f) == 1
                    && differentiable(List.of(x)) && sameKind(x, v), () -> Expect.of(dims(x), type(x))));
            build("hvp(" + f + ", " + x + ", " + v + ")", f.order() + 2, e, () -> Nabla.hvp(f.t(), x.t(), v.t()));
        }
    }

    /** A custom function (a primal and a vjp rule) applied to one value, or to two of one shape. */
    private void custom() {
        Val a = pickWhere(v -> v.order() < 2, 85);
        if (rnd.nextBoolean()) {
            Expect e = predict(a, () -> Expect.when(isFloating(a), () -> Expect.of(dims(a), type(a))));
            build("customSoftplus(" + a + ")", a.order(), e, () -> TestCustomFunctions.SOFTPLUS.apply(a.t()));
        } else {
            Val b = rnd.nextInt(4) == 0 ? pick() : like(a);
            // The primal, a * tanh(b), broadcasts as ops do.
            Expect e = predict(List.of(a, b), () -> Expect.when(isFloating(a) && type(a) == type(b),
                    () -> Expect.of(FuzzShapes.broadcast(dims(a), dims(b)), type(a))));
            build("aTanhB(" + a + ", " + b + ")", Math.max(a.order(), b.order()), e,
                    () -> TestCustomFunctions.A_TANH_B.apply(a.t(), b.t()));
        }
    }

    /**
     * vmap: a value batched over a variable (now and then over a computed value) by a fresh batch
     * input, mostly of the right shape and dtype, now and then of one axis too many or of
     * another dtype.
     */
    private void vmap() {
        Val y = pickWhere(v -> v.order() < 2, 85);
        Val x = rnd.nextInt(10) < 8 ? pickWhere(v -> v.t().node().isVariable(), 85) : pick();
        int batch = 1 + rnd.nextInt(3);
        boolean extraAxis = rnd.nextInt(12) == 0;
        int[] rows = FuzzShapes.concatenate(extraAxis ? new int[] {batch, 1} : new int[] {batch}, dims(x));
        DType d = rnd.nextInt(12) == 0 ? anyType() : type(x);
        if (closed || x.t().graph() != g) {
            return;
        }
        Outcome<Tensor> declared = attempt(() -> g.input("batch" + counter++, d, rows));
        if (declared.error() != null) {
            return;
        }
        Tensor xs = declared.value();
        NDArray value = values(d, rows);
        if (value != null) {
            inputValues.put(xs, value);
        }
        Val batchVal = new Val(xs, "batch" + Arrays.toString(rows), 0);
        Expect e = predictDerivative(y, List.of(y, x, batchVal), () -> Expect.when(x.t().node().isVariable()
                && d == type(x) && !extraAxis, () -> Expect.of(FuzzShapes.concatenate(new int[] {batch}, dims(y)),
                type(y))));
        build("vmap(" + y + " over " + x + " by " + batchVal + ")", y.order(), e,
                () -> Nabla.vmap(x.t(), xs).apply(y.t()));
    }

    /** fori: a few steps of x <- x/2 + sin(sum(b)), the body reading a value it captures. */
    private void fori() {
        Val a = pickWhere(v -> v.order() < 2, 85);
        Val b = pick();
        int steps = rnd.nextInt(4);
        Expect e = predict(List.of(a, b), () -> Expect.when(isFloating(a) && isFloating(b) && type(a) == type(b),
                () -> Expect.of(dims(a), type(a))));
        build("fori(" + steps + ", " + a + ", x -> x/2 + sin(sum(" + b + ")))", Math.max(a.order(), b.order()), e,
                () -> Nabla.fori(steps, a.t(), x -> x.mul(0.5).add(b.t().sum().sin())));
    }

    /**
     * scan over the first axis of xs, carrying c: c <- c/2 + tanh(sum(x)), stacking c * sum(x)
     * (the carry and the stacked outputs both join the pool).
     */
    private void scan() {
        Val c = pickWhere(v -> v.order() < 2, 85);
        Val xs = pickWhere(v -> v.t().shape().rank() > 0, 85);
        Expect e = predict(List.of(c, xs), () -> Expect.when(isFloating(c) && isFloating(xs) && type(c) == type(xs)
                && xs.t().shape().rank() > 0, () -> new Expect(true, List.of(dims(c),
                FuzzShapes.concatenate(new int[] {dims(xs).length > 0 ? dims(xs)[0] : 0}, dims(c))), type(c))));
        buildAll("scan(" + c + " over " + xs + ")", Math.max(c.order(), xs.order()), e, () -> {
            Scan.Result r = Nabla.scan(c.t(), xs.t(), (h, x) -> {
                Tensor s = x.sum();
                return Scan.Step.of(h.mul(0.5).add(s.tanh()), h.mul(s));
            });
            return List.of(r.carry(), r.stacked());
        });
    }

    /** cond: tanh(a) where sum(b) > 0, else a * a; only one branch runs. */
    private void cond() {
        Val a = pickWhere(v -> v.order() < 2, 85);
        Val b = pick();
        Expect e = predict(List.of(a, b), () -> Expect.when(isFloating(a) && isFloating(b),
                () -> Expect.of(dims(a), type(a))));
        build("cond(sum(" + b + ") > 0, tanh(" + a + "), " + a + "^2)", Math.max(a.order(), b.order()), e,
                () -> Nabla.cond(b.t().sum().gt(0.0), () -> a.t().tanh(), () -> a.t().mul(a.t())));
    }

    /** checkpoint: tanh(a) * a recomputed in the backward pass; floating operands only. */
    private void checkpoint() {
        Val a = pickWhere(v -> v.order() < 2, 85);
        Expect e = predict(a, () -> Expect.when(isFloating(a), () -> Expect.of(dims(a), type(a))));
        build("checkpoint(tanh(" + a + ") * " + a + ")", a.order(), e,
                () -> Nabla.checkpoint(in -> in.get(0).tanh().mul(in.get(0)), a.t()));
    }

    /**
     * Taylor mode: Nabla.taylor along a direction, or Nabla.derivative(s) with respect to a
     * variable that is mostly a scalar, at small orders and now and then an invalid one.
     */
    private void taylor() {
        Val y = pickWhere(v -> isFloating(v) && v.order() < 2, 85);
        boolean scalar = rnd.nextBoolean();
        Val x = rnd.nextInt(10) < 8 ? pickWhere(v -> v.t().node().isVariable() && isFloating(v)
                && (size(v) == 1 || !scalar), 85) : pick();
        int order = rnd.nextInt(12) == 0 ? rnd.nextInt(400) - 200 : rnd.nextInt(4);
        boolean validOrder = order >= 0 && order <= 170;
        Supplier<Expect> coefficients = () -> new Expect(true, Collections.nCopies(order + 1, dims(y)), type(y));
        switch (rnd.nextInt(3)) {
            case 0 -> {
                Val v = like(x);
                Expect e = !isFloating(y) ? Expect.NONE : predictDerivative(y, List.of(y, x, v),
                        () -> Expect.when(differentiable(List.of(x)) && sameKind(x, v) && validOrder, coefficients));
                buildAll("taylor(" + y + ", " + x + ", " + v + ", " + order + ")", y.order() + 1, e,
                        () -> Nabla.taylor(y.t(), x.t(), v.t(), order));
            }
            case 1 -> {
                Expect e = !isFloating(y) ? Expect.NONE : predictDerivative(y, List.of(y, x),
                        () -> Expect.when(differentiable(List.of(x)) && size(x) == 1 && validOrder,
                                () -> Expect.of(dims(y), type(y))));
                build("derivative(" + y + ", " + x + ", " + order + ")", y.order() + 1, e,
                        () -> Nabla.derivative(y.t(), x.t(), order));
            }
            default -> {
                Expect e = !isFloating(y) ? Expect.NONE : predictDerivative(y, List.of(y, x),
                        () -> Expect.when(differentiable(List.of(x)) && size(x) == 1 && validOrder, coefficients));
                buildAll("derivatives(" + y + ", " + x + ", " + order + ")", y.order() + 1, e,
                        () -> Nabla.derivatives(y.t(), x.t(), order));
            }
        }
    }

    // ---- declarations ----

    private String name(String prefix) {
        int r = rnd.nextInt(100);
        if (r < 86) {
            return prefix + counter++;
        }
        if (r < 94) {
            List<String> used = usedNames();
            return used.isEmpty() ? "x0" : used.get(rnd.nextInt(used.size()));
        }
        return r < 97 ? " " : r < 99 ? "" : null;
    }

    private List<String> usedNames() {
        return pool.stream().filter(v -> v.t().graph() == g).map(v -> v.t().node().variableName())
                .filter(n -> n != null).toList();
    }

    /** The prediction for declaring a variable: a valid name, not in use, and dims of 0 or more. */
    private Expect declaration(String name, int[] dims, DType d) {
        if (closed) {
            return Expect.FAILS;
        }
        boolean valid = name != null && !name.isBlank() && !usedNames().contains(name)
                && Arrays.stream(dims).allMatch(x -> x >= 0);
        return Expect.when(valid, () -> Expect.of(dims, d));
    }

    private void input() {
        String name = name("x");
        DType d = anyType();
        int[] dims = declaredDims();
        boolean plain = d == DType.F32 && rnd.nextBoolean();
        Val v = build("input('" + name + "', " + d + Arrays.toString(dims) + ")", 0, declaration(name, dims, d),
                () -> plain ? g.input(name, dims) : g.input(name, d, dims));
        if (v != null) {
            NDArray value = values(d, dims);
            if (value != null) {
                inputValues.put(v.t(), value);
            }
        }
    }

    private void parameter() {
        String name = name("p");
        int r = rnd.nextInt(10);
        if (r < 7) {
            DType d = rnd.nextInt(8) == 0 ? anyType() : floatingType();
            int[] dims = rnd.nextInt(10) < 8 ? smallDims() : declaredDims();
            boolean none = rnd.nextInt(12) == 0;
            NDArray value = none ? null : values(d, dims);
            if (value == null && !none) {
                return; // too large, or a negative dimension: no array to declare it with
            }
            build("parameter('" + name + "', " + (value == null ? "null" : d + Arrays.toString(dims)) + ")", 0,
                    value == null ? Expect.FAILS : declaration(name, dims, d), () -> g.parameter(name, value));
        } else if (r < 9) {
            float v = (float) number();
            build("scalar('" + name + "', " + v + "f)", 0, declaration(name, new int[0], DType.F32),
                    () -> g.scalar(name, v));
        } else {
            double v = number();
            build("scalar('" + name + "', " + v + ")", 0, declaration(name, new int[0], DType.F64),
                    () -> g.scalar(name, v));
        }
    }

    private void constant() {
        Expect scalar32 = closed ? Expect.FAILS : Expect.of(new int[0], DType.F32);
        switch (rnd.nextInt(5)) {
            case 0 -> {
                float v = (float) number();
                build("constant(" + v + "f)", 0, closed ? Expect.NONE : scalar32, () -> g.constant(v));
            }
            case 1 -> {
                double v = number();
                build("constant(" + v + ")", 0, closed ? Expect.NONE : Expect.of(new int[0], DType.F64),
                        () -> g.constant(v));
            }
            case 2 -> {
                DType d = anyType();
                int[] dims = rnd.nextBoolean() ? smallDims() : declaredDims();
                NDArray value = values(d, dims);
                if (value != null) {
                    build("constant(" + d + Arrays.toString(dims) + ")", 0, closed ? Expect.NONE : Expect.of(dims, d),
                            () -> g.constant(value));
                }
            }
            default -> {
                DType d = anyType();
                int[] dims = declaredDims();
                boolean ones = rnd.nextBoolean();
                Expect e = closed ? Expect.NONE : Expect.when(Arrays.stream(dims).allMatch(x -> x >= 0),
                        () -> Expect.of(dims, d));
                build((ones ? "ones(" : "zeros(") + d + ", " + Arrays.toString(dims) + ")", 0, e,
                        () -> ones ? g.ones(d, dims) : g.zeros(d, dims));
            }
        }
    }

    private void print() {
        List<Val> outs = outputs();
        Tensor[] ts = outs.stream().map(Val::t).toArray(Tensor[]::new);
        boolean dot = rnd.nextBoolean();
        Outcome<String> o = attempt(() -> dot ? g.toDot(ts) : g.print(ts));
        log("  " + (dot ? "toDot" : "print") + outs + (o.error() == null ? "" : " -> " + o.error()));
        if (o.error() != null) {
            stats.exception(o.error());
        }
    }

    // ---- calls ----

    private List<Val> outputs() {
        int n = rnd.nextInt(20) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextInt(3) == 0 ? 3 : 1);
        List<Val> outs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            outs.add(pick());
        }
        return outs;
    }

    private Pair pair() {
        if (pairs.isEmpty() || rnd.nextInt(20) == 0) {
            compile();
        }
        return pairs.isEmpty() ? null : pairs.get(pairs.size() - 1 - rnd.nextInt(Math.min(2, pairs.size())));
    }

    private void compile() {
        boolean checkFinite = rnd.nextInt(5) == 0;
        if (rnd.nextInt(30) == 0) {
            Outcome<Device> o = attempt(() -> Device.of("gpu:" + rnd.nextInt(3)));
            log("  Device.of(gpu) -> " + (o.error() == null ? o.value() : o.error()));
            if (o.error() != null) {
                stats.exception(o.error());
            }
            return;
        }
        boolean best = rnd.nextInt(4) == 0 && !checkFinite;
        Outcome<CompiledGraph> j = attempt(() -> best ? g.compile() : g.compile(JVM, checkFinite));
        Outcome<CompiledGraph> r = attempt(() -> g.compile(REFERENCE, checkFinite));
        String name = "c" + pairs.size();
        if (same("compile " + name + (checkFinite ? " (checking finite values)" : ""), j, r)) {
            pairs.add(new Pair(j.value(), r.value(), name, checkFinite));
            if (best && !j.value().device().equals(JVM)) {
                throw new AssertionError("compile() chose " + j.value().device() + " where only the JVM and the"
                        + " reference are present");
            }
        } else {
            if (j.value() != null) {
                j.value().close();
            }
            if (r.value() != null) {
                r.value().close();
            }
        }
    }

    /**
     * Both backends' outcomes of one call: values from both (true), or a NablaException from both
     * (false). With anomaly detection on, an AnomalyException from one backend only is allowed
     * (false): near the edge of overflow one backend may round to infinity.
     */
    private boolean same(String what, Outcome<?> j, Outcome<?> r) {
        stats.count("calls");
        if (j.error() == null && r.error() == null) {
            log("  " + what + " -> values");
            return true;
        }
        if (j.error() != null && r.error() != null) {
            // A call wrong in two ways may be refused for either: the JVM backend checks sizes when it
            // compiles, the reference only when it runs, after the feeds.
            stats.exception(j.error());
            if (j.error().getClass() != r.error().getClass()) {
                stats.count("threw different types");
                log("  " + what + " -> jvm " + j.error() + ", reference " + r.error());
            } else {
                stats.count("both threw");
                log("  " + what + " -> both " + j.error());
            }
            return false;
        }
        NablaException e = j.error() != null ? j.error() : r.error();
        String who = j.error() != null ? "jvm" : "reference";
        if (e instanceof AnomalyException && detectAnomalies) {
            stats.exception(e);
            stats.count("anomaly on one side");
            log("  " + what + " -> " + who + " only: " + e);
            return false;
        }
        throw new AssertionError(what + ": the backends disagree: " + who + " threw " + e + ", the other returned "
                + describe(j.error() != null ? r.value() : j.value()));
    }

    /** A value for a message: arrays by dtype and shape (some are large), lists of them likewise. */
    private static String describe(Object value) {
        if (value instanceof NDArray a) {
            return a.size() <= 8 ? a.dtype() + "" + a.shape() + " " + a : a.dtype() + "" + a.shape();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(Fuzzer::describe).toList().toString();
        }
        return String.valueOf(value);
    }

    /**
     * Fails when the fuzzer knows a call to be valid and a backend refused it: with anomaly
     * detection on, only an AnomalyException may come instead of values.
     */
    private void mustSucceed(String what, boolean valid, Outcome<?> j, Outcome<?> r) {
        if (!valid) {
            return;
        }
        stats.count("predicted");
        for (Outcome<?> o : List.of(j, r)) {
            if (o.error() != null && !(o.error() instanceof AnomalyException && detectAnomalies)) {
                throw new AssertionError(what + ": refused a valid call: " + o.error());
            }
        }
    }

    /** Fails when the fuzzer knows a call to be invalid (on something closed) and a backend accepted it. */
    private void mustFail(String what, boolean invalid, Outcome<?> j, Outcome<?> r) {
        if (invalid) {
            stats.count("predicted");
            if (j.error() == null || r.error() == null) {
                throw new AssertionError(what + ": accepted a call on a closed graph, compiled graph or trainer");
            }
        }
    }

    /**
     * Whether evaluating a program of this graph must succeed: the graph and the compiled graph
     * open, every input it needs fed right, no size above 2^31-1, and no finite-value checks
     * (values may hold NaN).
     */
    private boolean valid(Pair p, Program program, Map<Tensor, NDArray> feeds) {
        return !p.closed && !p.checkFinite && valid(program, feeds);
    }

    private boolean valid(Program program, Map<Tensor, NDArray> feeds) {
        if (program == null || closed || feeds == null) {
            return false;
        }
        for (var e : feeds.entrySet()) {
            if (e.getValue() == null || !e.getValue().equals(inputValues.get(e.getKey()))) {
                return false;
            }
        }
        return program.inputs().stream().allMatch(n -> feeds.containsKey(new Tensor(g, n)))
                && program.nodes().stream().allMatch(n -> FuzzShapes.size(n.shape().dims()) != Long.MAX_VALUE);
    }

    /** The inputs' values (all of them, whatever the call needs), now and then one wrong, missing or foreign. */
    private Map<Tensor, NDArray> feeds(List<String> notes) {
        if (rnd.nextInt(100) == 0) {
            notes.add("null feeds");
            return null;
        }
        Map<Tensor, NDArray> feeds = new HashMap<>(inputValues);
        List<Tensor> keys = new ArrayList<>(inputValues.keySet());
        int m = rnd.nextInt(100);
        Tensor key = keys.isEmpty() ? null : keys.get(rnd.nextInt(keys.size()));
        if (m < 4 && key != null) {
            feeds.remove(key);
            notes.add("without " + key.node().describe());
        } else if (m < 7 && key != null) {
            int[] dims = key.shape().dims();
            int[] wrong = Arrays.copyOf(dims, dims.length + (rnd.nextBoolean() ? 1 : 0));
            if (wrong.length > dims.length) {
                wrong[dims.length] = 2;
            } else if (wrong.length > 0) {
                wrong[0]++;
            } else {
                wrong = new int[] {2};
            }
            feeds.put(key, values(key.dtype(), wrong));
            notes.add(key.node().describe() + " fed " + Arrays.toString(wrong));
        } else if (m < 10 && key != null) {
            DType other = key.dtype() == DType.F32 ? DType.F64 : DType.F32;
            feeds.put(key, values(other, key.shape().dims()));
            notes.add(key.node().describe() + " fed " + other);
        } else if (m < 12 && key != null) {
            feeds.put(key, null);
            notes.add(key.node().describe() + " fed null");
        } else if (m < 16) {
            Val v = m < 14 ? pickWhere(x -> x.t().node().op() instanceof Op.Parameter, 100) : pick();
            NDArray value = values(v.t().dtype(), v.t().shape().dims());
            if (value != null) {
                feeds.put(v.t(), value);
                notes.add(v + " fed");
            }
        } else if (m < 18) {
            Val v = foreignVal();
            feeds.put(v.t(), values(v.t().dtype(), v.t().shape().dims()));
            notes.add(v + " fed");
        } else if (m < 22 && key != null && key.dtype().isFloating() && key.shape().size() > 0) {
            double[] vs = inputValues.get(key).toDoubleArray();
            vs[rnd.nextInt(vs.length)] = rnd.nextBoolean() ? Double.NaN : Double.NEGATIVE_INFINITY;
            feeds.put(key, NDArray.fromDoubles(key.dtype(), key.shape(), vs));
            notes.add(key.node().describe() + " fed a non-finite value");
        }
        return feeds;
    }

    private Program program(List<Val> outputs, List<Program.Update> updates) {
        try {
            List<Node> nodes = new ArrayList<>();
            for (Val v : outputs) {
                if (v.t().graph() != g) {
                    return null;
                }
                nodes.add(v.t().node());
            }
            return Program.of(nodes, updates);
        } catch (NablaException e) {
            return null;
        }
    }

    /** Whether a call that runs {@code p} is too costly to make (and counts it), see {@link #BUDGET}. */
    private boolean tooCostly(Program p, long factor) {
        if (p == null) {
            return false;
        }
        long cost = 0;
        for (Node n : p.nodes()) {
            long s = FuzzShapes.size(n.shape().dims());
            if (s == Long.MAX_VALUE) {
                return false; // must fail with a ShapeException
            }
            cost += s;
            if (n.op() instanceof Op.Loop(var body, int output) && output == 0) {
                // Every step runs the body: its nodes' sizes, times the steps.
                long step = 0;
                for (Node b : body.program().nodes()) {
                    step += Math.min(FuzzShapes.size(b.shape().dims()), BUDGET);
                }
                cost += Math.min(step * Math.max(body.length(), 1), BUDGET + 1);
            }
            if (n.op() instanceof Op.MatMul) {
                int k = n.input(0).shape().dim(n.input(0).rank() - 1);
                cost += s * k;
            }
        }
        if (cost * factor > BUDGET) {
            stats.count("skipped");
            log("  skipped: costs " + cost * factor + " > " + BUDGET);
            return true;
        }
        return false;
    }

    private NDArray inputValue(Map<Tensor, NDArray> feeds, Node n) {
        return feeds == null ? null : feeds.get(new Tensor(g, n));
    }

    /** Compares the values of a program's results, judged by {@link FuzzOracle}. */
    private void compareValues(String kind, String what, Program program, Map<Tensor, NDArray> feeds,
                               List<NDArray> parameters, List<NDArray> jvm, List<NDArray> ref) {
        List<NDArray> inputs = program.inputs().stream().map(n -> inputValue(feeds, n)).toList();
        FuzzOracle oracle = new FuzzOracle(program, inputs, parameters);
        long[] tally = new long[4];
        String problem = oracle.compare(jvm, ref, tally);
        stats.count("compared");
        stats.count("compared " + kind);
        long largest = program.nodes().stream().mapToLong(n -> FuzzShapes.size(n.shape().dims())).max().orElse(0);
        stats.count(largest < 1024 ? "largest <1K" : largest < 32768 ? "largest <32K" : "largest >=32K");
        stats.add("elements exact", tally[0]);
        stats.add("elements approximate", tally[1]);
        stats.add("elements unstable", tally[2]);
        stats.add("elements unsettled", tally[3]);
        if (problem != null) {
            throw new AssertionError(what + ": the JVM backend's value differs from the reference interpreter's: "
                    + problem + "\nprogram:\n" + GraphPrinter.print(program));
        }
    }

    /** The values of a program's parameters as the reference compiled graph holds them now. */
    private List<NDArray> parameters(CompiledGraph ref, Program program) {
        List<NDArray> values = new ArrayList<>();
        for (Node p : program.parameters()) {
            values.add(ref.parameter(new Tensor(g, p)));
        }
        return values;
    }

    private void eval() {
        Pair p = pair();
        if (p == null) {
            return;
        }
        List<String> notes = new ArrayList<>();
        eval(p, outputs(), feeds(notes), notes);
    }

    /** Every try ends by evaluating its newest tensors, so that what it built is compared. */
    private void finalEval() {
        List<Val> newest = pool.stream().filter(v -> v.t().graph() == g).toList();
        Pair p = pairs.stream().filter(q -> !q.closed).findFirst().orElse(null);
        if (closed || p == null || newest.size() <= 3) {
            return;
        }
        log("final eval");
        eval(p, newest.subList(Math.max(0, newest.size() - 3), newest.size()), new HashMap<>(inputValues), List.of());
    }

    private void eval(Pair p, List<Val> outs, Map<Tensor, NDArray> feeds, List<String> notes) {
        Program program = program(outs, List.of());
        if (tooCostly(program, 1)) {
            return;
        }
        Tensor[] ts = outs.stream().map(Val::t).toArray(Tensor[]::new);
        String what = "eval on " + p.name + " of " + outs + (notes.isEmpty() ? "" : " " + notes);
        int variant = feeds != null && feeds.equals(inputValues) && program != null && program.inputs().isEmpty()
                ? rnd.nextInt(3) : 2;
        Function<CompiledGraph, List<NDArray>> call = c -> switch (variant) {
            case 0 -> ts.length == 1 ? List.of(c.eval(ts[0])) : c.eval(ts);
            case 1 -> c.eval(ts);
            default -> c.eval(feeds, ts);
        };
        Outcome<List<NDArray>> j = attempt(() -> call.apply(p.jvm));
        Outcome<List<NDArray>> r = attempt(() -> call.apply(p.ref));
        boolean same = same(what, j, r);
        mustSucceed(what, valid(p, program, variant == 2 ? feeds : Map.of()), j, r);
        mustFail(what, closed || p.closed, j, r);
        if (same && program != null) {
            compareValues("eval", what, program, feeds, parameters(p.ref, program), j.value(), r.value());
        }
    }

    private void evalInto() {
        Pair p = pair();
        if (p == null) {
            return;
        }
        Val out = pick();
        List<String> notes = new ArrayList<>();
        Map<Tensor, NDArray> feeds = feeds(notes);
        Program program = program(List.of(out), List.of());
        if (tooCostly(program, 1)) {
            return;
        }
        long n = size(out);
        boolean f32 = out.t().dtype() == DType.F32;
        int kind = rnd.nextInt(10);
        int length = n > 1 << 24 ? 3 : (int) n + (kind == 7 ? 1 : kind == 8 ? -1 : 0);
        boolean floats = kind == 6 ? !f32 : f32;
        String dest = kind == 9 ? "null" : (floats ? "float[" : "double[") + length + "]";
        Supplier<Object> destination = () -> kind == 9 ? null
                : floats ? new float[Math.max(0, length)] : new double[Math.max(0, length)];
        Object dj = destination.get();
        Object dr = destination.get();
        String what = "evalInto on " + p.name + " of " + out + " into " + dest + (notes.isEmpty() ? "" : " " + notes);
        Outcome<Object> j = attempt(() -> into(p.jvm, feeds, out.t(), dj, floats));
        Outcome<Object> r = attempt(() -> into(p.ref, feeds, out.t(), dr, floats));
        boolean same = same(what, j, r);
        mustSucceed(what, valid(p, program, feeds) && kind < 6 && floats == (out.t().dtype() == DType.F32), j, r);
        mustFail(what, closed || p.closed, j, r);
        if (same && program != null) {
            Shape s = out.t().shape();
            compareValues("evalInto", what, program, feeds, parameters(p.ref, program),
                    List.of(NDArray.wrap(out.t().dtype(), s, dj)), List.of(NDArray.wrap(out.t().dtype(), s, dr)));
        }
    }

    private static void into(CompiledGraph c, Map<Tensor, NDArray> feeds, Tensor out, Object destination, boolean floats) {
        if (floats) {
            c.evalInto(feeds, out, (float[]) destination);
        } else {
            c.evalInto(feeds, out, (double[]) destination);
        }
    }

    private void runUpdates() {
        Pair p = pair();
        if (p == null) {
            return;
        }
        List<Val> outs = outputs();
        if (outs.size() > 1) {
            outs = outs.subList(0, 1);
        }
        Map<Tensor, Tensor> assignments = new LinkedHashMap<>();
        List<String> text = new ArrayList<>();
        int n = rnd.nextInt(3);
        for (int i = 0; i < n; i++) {
            Val key = rnd.nextInt(10) == 0 ? pick() : pickWhere(v -> v.t().node().op() instanceof Op.Parameter, 100);
            Val value;
            if (rnd.nextInt(10) < 7 && key.t().dtype().isFloating()) {
                Val same = pickWhere(v -> v.t().shape().equals(key.t().shape()) && v.t().dtype() == key.t().dtype(), 100);
                Outcome<Tensor> step = attempt(() -> key.t().sub(same.t().mul(0.25)));
                value = step.error() == null ? new Val(step.value(), key.name() + " - 0.25*" + same.name(), 0) : same;
            } else {
                value = pick();
            }
            assignments.put(key.t(), value.t());
            text.add(key + " := " + value);
        }
        List<String> notes = new ArrayList<>();
        Map<Tensor, NDArray> feeds = feeds(notes);
        List<Program.Update> updates = new ArrayList<>();
        boolean valid = true;
        for (var e : assignments.entrySet()) {
            Outcome<Program.Update> u = attempt(() -> new Program.Update(e.getKey().node(), e.getValue().node()));
            if (u.error() != null || e.getKey().graph() != g || e.getValue().graph() != g) {
                valid = false;
            } else {
                updates.add(u.value());
            }
        }
        Program program = valid ? program(outs, updates) : null;
        if (tooCostly(program, 1)) {
            return;
        }
        List<NDArray> before = null;
        if (program != null) {
            Outcome<List<NDArray>> b = attempt(() -> parameters(p.ref, program));
            before = b.value();
        }
        List<Tensor> ts = outs.stream().map(Val::t).toList();
        String what = "run on " + p.name + " of " + outs + " with " + text + (notes.isEmpty() ? "" : " " + notes);
        Outcome<List<NDArray>> j = attempt(() -> p.jvm.run(feeds, ts, assignments));
        Outcome<List<NDArray>> r = attempt(() -> p.ref.run(feeds, ts, assignments));
        boolean same = same(what, j, r);
        mustSucceed(what, valid && valid(p, program, feeds), j, r);
        mustFail(what, closed || p.closed, j, r);
        if (same && program != null && before != null) {
            List<NDArray> jvm = new ArrayList<>(j.value());
            List<NDArray> ref = new ArrayList<>(r.value());
            for (Program.Update u : program.updates()) {
                jvm.add(p.jvm.parameter(new Tensor(g, u.parameter())));
                ref.add(p.ref.parameter(new Tensor(g, u.parameter())));
            }
            compareValues("run", what, program, feeds, before, jvm, ref);
        }
        // The reference continues from the JVM backend's values, so that later calls compare the same thing.
        for (Tensor key : assignments.keySet()) {
            Outcome<NDArray> v = attempt(() -> p.jvm.parameter(key));
            if (v.error() == null) {
                attempt(() -> p.ref.setParameter(key, v.value()));
            }
        }
    }

    private boolean isParameter(Val v) {
        return v.t().graph() == g && v.t().node().op() instanceof Op.Parameter;
    }

    private double[] arguments(int n) {
        double[] args = new double[n];
        for (int i = 0; i < n; i++) {
            args[i] = number();
        }
        return args;
    }

    private void function() {
        Pair p = pair();
        if (p == null) {
            return;
        }
        Val out = pickWhere(v -> size(v) == 1, 80);
        List<Val> args = new ArrayList<>();
        if (out.t().graph() == g) {
            Program program = program(List.of(out), List.of());
            if (program != null && rnd.nextInt(10) < 8) {
                for (Node n : program.inputs()) {
                    args.add(new Val(new Tensor(g, n), n.variableName(), 0));
                }
                for (Node n : program.parameters()) {
                    if (rnd.nextBoolean()) {
                        args.add(new Val(new Tensor(g, n), n.variableName(), 0));
                    }
                }
                Collections.shuffle(args, rnd);
            }
            if (tooCostly(program, 1)) {
                return;
            }
        }
        int extra = rnd.nextInt(4) == 0 ? 1 : 0;
        for (int i = 0; i < extra; i++) {
            args.add(rnd.nextBoolean() ? pick() : args.isEmpty() ? variable() : args.get(0));
        }
        Tensor[] ts = args.stream().map(Val::t).toArray(Tensor[]::new);
        String name = "f" + functions.size();
        Outcome<ScalarFunction> j = attempt(() -> p.jvm.function(out.t(), ts));
        Outcome<ScalarFunction> r = attempt(() -> p.ref.function(out.t(), ts));
        if (same("function " + name + " on " + p.name + " of " + out + " with arguments " + args, j, r)) {
            Functions f = new Functions(j.value(), r.value(), ts.length, name, p);
            functions.add(f);
            for (int i = rnd.nextInt(3); i >= 0; i--) {
                apply(f);
            }
        }
    }

    private void apply() {
        if (!functions.isEmpty()) {
            apply(functions.get(rnd.nextInt(functions.size())));
        }
    }

    private void apply(Functions f) {
        int n = rnd.nextInt(10) == 0 ? rnd.nextInt(4) : f.arity();
        double[] args = arguments(n);
        int variant = rnd.nextInt(3);
        Function<ScalarFunction, Double> call = s -> switch (n == 1 && variant == 0 ? 1 : n == 2 && variant == 0 ? 2 : 0) {
            case 1 -> s.apply(args[0]);
            case 2 -> s.apply(args[0], args[1]);
            default -> s.apply(args);
        };
        String what = f.name() + Arrays.toString(args);
        Outcome<Double> j = attempt(() -> call.apply(f.jvm()));
        Outcome<Double> r = attempt(() -> call.apply(f.ref()));
        boolean same = same(what, j, r);
        boolean finite = Arrays.stream(args).allMatch(Double::isFinite);
        mustSucceed(what, n == f.arity() && !closed && !f.pair().closed && (finite || !f.pair().checkFinite), j, r);
        mustFail(what, closed || f.pair().closed, j, r);
        if (same) {
            stats.count("compared");
            stats.count("compared function");
            // Scalar programs run as generated code that rounds as the interpreter does: bit for bit.
            if (Double.compare(j.value(), r.value()) != 0) {
                throw new AssertionError(what + ": jvm gives " + j.value() + ", reference " + r.value()
                        + "; scalar functions must agree bit for bit");
            }
            stats.count("elements exact");
        }
    }

    private void setParameter() {
        Pair p = pair();
        if (p == null) {
            return;
        }
        Val key = rnd.nextInt(10) < 8 ? pickWhere(v -> v.t().node().op() instanceof Op.Parameter, 100) : pick();
        int r = rnd.nextInt(10);
        int[] dims = key.t().shape().dims();
        DType d = key.t().dtype();
        NDArray value = r < 7 ? values(d, dims) : r < 8 ? values(d, Arrays.copyOf(dims, dims.length + 1))
                : r < 9 ? values(d == DType.F32 ? DType.F64 : DType.F32, dims) : null;
        String what = "setParameter on " + p.name + " of " + key + " to "
                + (value == null ? "null" : value.dtype() + "" + value.shape());
        Outcome<Object> j = attempt(() -> p.jvm.setParameter(key.t(), value));
        Outcome<Object> o = attempt(() -> p.ref.setParameter(key.t(), value));
        same(what, j, o);
        mustSucceed(what, isParameter(key) && r < 7 && !closed && !p.closed && (!p.checkFinite || value.isFinite()), j, o);
        mustFail(what, closed || p.closed, j, o);
    }

    private void readParameter() {
        Pair p = pair();
        if (p == null) {
            return;
        }
        Val key = rnd.nextInt(10) < 8 ? pickWhere(v -> v.t().node().op() instanceof Op.Parameter, 100) : pick();
        String what = "parameter on " + p.name + " of " + key;
        Outcome<NDArray> j = attempt(() -> p.jvm.parameter(key.t()));
        Outcome<NDArray> r = attempt(() -> p.ref.parameter(key.t()));
        boolean same = same(what, j, r);
        // With finite checks, a parameter declared after compiling is checked when first read.
        mustSucceed(what, isParameter(key) && !closed && !p.closed && !p.checkFinite, j, r);
        mustFail(what, closed || p.closed, j, r);
        if (same) {
            // Both hold the same values: set alike, or the JVM backend's copied to the reference after updates.
            stats.count("compared");
            stats.count("compared parameter");
            if (!j.value().equals(r.value())) {
                throw new AssertionError(what + ": jvm holds " + describe(j.value()) + ", reference "
                        + describe(r.value()) + "; they must hold the same values");
            }
        }
    }

    private void move() {
        Pair p = pair();
        if (p == null) {
            return;
        }
        if (rnd.nextInt(4) == 0) {
            // Across backends: only the outcome's type is checked.
            Outcome<CompiledGraph> o = attempt(() -> p.jvm.to(REFERENCE));
            log("  " + p.name + ".to(reference) -> " + (o.error() == null ? "moved" : o.error()));
            if (o.error() == null) {
                o.value().close();
            } else {
                stats.exception(o.error());
            }
            return;
        }
        String name = "c" + pairs.size();
        Outcome<CompiledGraph> j = attempt(() -> p.jvm.to(JVM));
        Outcome<CompiledGraph> r = attempt(() -> p.ref.to(REFERENCE));
        String what = name + " = " + p.name + ".to(its device)";
        boolean same = same(what, j, r);
        // With finite checks on, moving checks the parameters again, and they may hold NaN.
        mustSucceed(what, !closed && !p.closed && !p.checkFinite, j, r);
        mustFail(what, closed || p.closed, j, r);
        if (same) {
            pairs.add(new Pair(j.value(), r.value(), name, p.checkFinite));
        }
    }

    private void closeCompiled() {
        if (!pairs.isEmpty()) {
            Pair p = pairs.get(rnd.nextInt(pairs.size()));
            log("  close " + p.name);
            p.jvm.close();
            p.ref.close();
            p.closed = true;
        }
        if (!trainers.isEmpty() && rnd.nextBoolean()) {
            Trainers t = trainers.get(rnd.nextInt(trainers.size()));
            log("  close " + t.name);
            t.jvm.close();
            t.ref.close();
            t.closed = true;
        }
    }

    // ---- training ----

    private boolean dependsOnAParameter(Val v) {
        try {
            return v.t().graph() == g && !Program.of(List.of(v.t().node())).parameters().isEmpty();
        } catch (NablaException e) {
            return false;
        }
    }

    /**
     * A scalar loss, mostly one that depends on a parameter (a regularizer is added where none
     * does); now and then a layer for a new weight W, whose gradient is a matrix product:
     * mean(tanh(a @ W)), or sum(y * (a @ W)) for a new input y, whose gradient a^T . y reads no
     * temporary, so that an SGD step on W runs inside that GEMM on the JVM backend (UpdateFusion).
     */
    private Val trainable() {
        if (rnd.nextInt(4) == 0 && !closed) {
            Val a = pickWhere(v -> v.t().graph() == g && isFloating(v) && v.t().rank() >= 1 && v.order() < 2
                    && size(v) <= 1 << 16, 100);
            if (a.t().graph() == g && isFloating(a) && a.t().rank() >= 1) {
                int k = a.t().shape().dim(a.t().rank() - 1);
                int[] wDims = {k, 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 40)};
                DType d = type(a);
                NDArray init = values(d, wDims);
                if (init != null) {
                    Val w = build("parameter('w" + counter + "', " + d + Arrays.toString(wDims) + ")", 0, Expect.NONE,
                            () -> g.parameter("w" + counter++, init));
                    Val layer = null;
                    if (w != null && rnd.nextBoolean()) {
                        layer = build("mean(tanh(" + a + " @ " + w + "))", a.order(), Expect.NONE,
                                () -> a.t().matmul(w.t()).tanh().mean());
                    } else if (w != null) {
                        Outcome<Tensor> product = attempt(() -> a.t().matmul(w.t()));
                        int[] yDims = product.error() == null ? product.value().shape().dims() : new int[0];
                        NDArray yValue = values(d, yDims);
                        Val y = product.error() != null || yValue == null ? null
                                : build("input('y" + counter + "', " + d + Arrays.toString(yDims) + ")", 0, Expect.NONE,
                                        () -> g.input("y" + counter++, d, yDims));
                        if (y != null) {
                            inputValues.put(y.t(), yValue);
                            layer = build("sum(" + y + " * (" + a + " @ " + w + "))", a.order(), Expect.NONE,
                                    () -> product.value().mul(y.t()).sum());
                        }
                    }
                    if (layer != null) {
                        return layer;
                    }
                }
            }
        }
        Val loss = scalarLoss();
        if (rnd.nextInt(10) < 7 && !dependsOnAParameter(loss) && isFloating(loss) && loss.t().graph() == g) {
            Val p = pickWhere(v -> isParameter(v) && isFloating(v), 100);
            if (!isParameter(p) || !isFloating(p)) {
                DType d = type(loss);
                p = build("parameter('p" + counter + "', " + d + ")", 0, Expect.NONE,
                        () -> g.parameter("p" + counter++, values(d, smallDims())));
            }
            Val w = p;
            if (w != null) {
                Val regularized = build("add(" + loss + ", sum(" + w + "^2))", loss.order(), Expect.NONE,
                        () -> loss.t().add(w.t().cast(type(loss)).pow(2).sum()));
                if (regularized != null) {
                    return regularized;
                }
            }
        }
        return loss;
    }

    private void trainer() {
        Val loss = trainable();
        // Four in ten: plain SGD on every parameter, whose updates are compared (compareSgdUpdate).
        boolean plain = rnd.nextInt(10) < 4;
        double[] rates = {0.1, 0.01, 1e-3, 0, -1, Double.NaN, Double.POSITIVE_INFINITY};
        double lr = plain || rnd.nextInt(10) < 8 ? rates[rnd.nextInt(3)] : rates[rnd.nextInt(rates.length)];
        int kind = plain ? 0 : rnd.nextInt(6);
        Outcome<Optimizer> opt = attempt(() -> switch (kind) {
            case 0, 1 -> Optimizers.sgd(lr);
            case 2 -> Optimizers.sgd(lr).withMomentum(0.9).withNesterov(rnd.nextBoolean());
            case 3 -> Optimizers.adam(lr);
            case 4 -> Optimizers.adamW(lr).withAmsgrad(true);
            default -> rnd.nextBoolean() ? Optimizers.rmsprop(lr) : Optimizers.adagrad(lr);
        });
        if (opt.error() != null) {
            stats.exception(opt.error());
            log("  optimizer " + kind + " with lr " + lr + " -> " + opt.error());
            return;
        }
        int groups = plain ? 0 : rnd.nextInt(4);
        List<Tensor> chosen = new ArrayList<>();
        for (int i = rnd.nextInt(3); i >= 0; i--) {
            chosen.add(rnd.nextInt(10) < 7 ? pickWhere(v -> v.t().node().op() instanceof Op.Parameter, 100).t()
                    : pick().t());
        }
        double clip = !plain && rnd.nextInt(5) == 0 ? number() : Double.NaN;
        boolean clipValue = rnd.nextBoolean();
        LrSchedule[] schedule = {null};
        int s = plain ? 7 : rnd.nextInt(8);
        Outcome<Object> made = attempt(() -> {
            schedule[0] = switch (s) {
                case 0 -> LrSchedules.step(rnd.nextInt(3), 0.5);
                case 1 -> LrSchedules.exponential(0.9);
                case 2 -> LrSchedules.cosine(rnd.nextInt(4), 0.001);
                default -> null;
            };
        });
        if (made.error() != null) {
            stats.exception(made.error());
            log("  schedule -> " + made.error());
            return;
        }
        Function<Device, Trainer> build = device -> {
            Trainer.Builder b = Trainer.builder(loss.t());
            switch (groups) {
                case 0 -> b.group(opt.value());
                case 1 -> b.group(opt.value(), chosen);
                case 2 -> b.group(opt.value(), chosen).group(opt.value());
                default -> b.group(opt.value(), List.of());
            }
            if (!Double.isNaN(clip)) {
                if (clipValue) {
                    b.clipGradValue(clip);
                } else {
                    b.clipGradNorm(clip);
                }
            }
            if (schedule[0] != null) {
                b.schedule(schedule[0]);
            }
            return b.device(device).build();
        };
        String name = "t" + trainers.size();
        String what = name + " = trainer of " + loss + " with " + opt.value() + ", groups " + groups + " " + chosen
                + (Double.isNaN(clip) ? "" : clipValue ? ", clip value " + clip : ", clip norm " + clip)
                + (schedule[0] == null ? "" : ", schedule " + s);
        Outcome<Trainer> j = attempt(() -> build.apply(JVM));
        Outcome<Trainer> r = attempt(() -> build.apply(REFERENCE));
        if (same(what, j, r)) {
            boolean sgd = opt.value() instanceof dev.nabla.optim.Sgd o && o.momentum() == 0 && o.weightDecay() == 0
                    && !o.maximize() && groups == 0 && Double.isNaN(clip) && schedule[0] == null;
            trainers.add(new Trainers(j.value(), r.value(), loss, name, sgd ? lr : Double.NaN));
        } else {
            if (j.value() != null) {
                j.value().close();
            }
            if (r.value() != null) {
                r.value().close();
            }
        }
    }

    private void trainerStep() {
        if (trainers.isEmpty()) {
            trainer();
            if (trainers.isEmpty()) {
                return;
            }
        }
        Trainers t = trainers.get(rnd.nextInt(trainers.size()));
        Program program = program(List.of(t.loss), List.of());
        // A step runs the loss, its gradients and the updates: a few times the loss's own cost.
        if (tooCostly(program, 4)) {
            return;
        }
        // The reference continues from the JVM backend's parameters, so that both steps see the
        // same values (their optimizer states may differ by rounding; the loss does not read them).
        List<NDArray> before = null;
        if (program != null) {
            List<NDArray> values = new ArrayList<>();
            for (Node n : program.parameters()) {
                Tensor p = new Tensor(g, n);
                Outcome<NDArray> v = attempt(() -> t.jvm.parameter(p));
                if (v.error() != null || attempt(() -> t.ref.compiled().setParameter(p, v.value())).error() != null) {
                    values = null;
                    break;
                }
                values.add(v.value());
            }
            before = values;
        }
        List<String> notes = new ArrayList<>();
        boolean plain = rnd.nextInt(5) == 0;
        Map<Tensor, NDArray> feeds = plain ? Map.of() : feeds(notes);
        String what = "step of " + t.name + (plain ? "()" : "") + (notes.isEmpty() ? "" : " " + notes);
        Outcome<NDArray> j = attempt(() -> plain ? t.jvm.step() : t.jvm.step(feeds));
        Outcome<NDArray> r = attempt(() -> plain ? t.ref.step() : t.ref.step(feeds));
        boolean same = same(what, j, r);
        mustSucceed(what, !t.closed && valid(program, feeds), j, r);
        mustFail(what, closed || t.closed, j, r);
        if (same && program != null && before != null) {
            compareValues("step", what, program, feeds, before, List.of(j.value()), List.of(r.value()));
            if (!Double.isNaN(t.sgdRate)) {
                compareSgdUpdate(t, what, program, feeds, before);
            }
        }
    }

    /**
     * After a plain SGD step from the same parameters on both backends: each parameter's new value
     * against the update rule, fma(d loss/d p, -lr, p), built here as a program of its own (the
     * trainer's optimizer state is only its rate). Other optimizers' updates are not compared:
     * their state (moments, steps) differs between the backends by rounding after the first step,
     * and Adam's first step is lr * sign(gradient) for gradients far above eps.
     */
    private void compareSgdUpdate(Trainers t, String what, Program lossProgram, Map<Tensor, NDArray> feeds,
                                  List<NDArray> before) {
        List<Tensor> params = lossProgram.parameters().stream().map(n -> new Tensor(g, n)).toList();
        Outcome<List<Tensor>> updates = attempt(() -> {
            List<Tensor> grads = t.loss.t().grad(params);
            List<Tensor> rule = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                rule.add(grads.get(i).fma(g.constant(-t.sgdRate).cast(p.dtype()), p));
            }
            return rule;
        });
        if (params.isEmpty() || updates.error() != null) {
            return;
        }
        Program model = Program.of(updates.value().stream().map(Tensor::node).toList());
        Map<Node, NDArray> held = new HashMap<>();
        for (int i = 0; i < before.size(); i++) {
            held.put(lossProgram.parameters().get(i), before.get(i));
        }
        List<NDArray> jvm = new ArrayList<>();
        List<NDArray> ref = new ArrayList<>();
        for (Tensor p : params) {
            jvm.add(t.jvm.parameter(p));
            ref.add(t.ref.parameter(p));
        }
        compareValues("sgd update", what + ", the parameters it updated", model, feeds,
                model.parameters().stream().map(held::get).toList(), jvm, ref);
    }

    private void trainerOther() {
        if (trainers.isEmpty()) {
            trainer();
            return;
        }
        Trainers t = trainers.get(rnd.nextInt(trainers.size()));
        switch (rnd.nextInt(4)) {
            case 0 -> {
                Outcome<Object> j = attempt(() -> t.jvm.scheduleStep());
                Outcome<Object> r = attempt(() -> t.ref.scheduleStep());
                same("scheduleStep of " + t.name, j, r);
                mustFail("scheduleStep of " + t.name, t.closed, j, r);
            }
            case 1 -> {
                int i = rnd.nextInt(4) - 1;
                Outcome<Double> j = attempt(() -> t.jvm.lr(i));
                Outcome<Double> r = attempt(() -> t.ref.lr(i));
                String what = "lr(" + i + ") of " + t.name;
                boolean same = same(what, j, r);
                mustFail(what, t.closed, j, r);
                if (same && Double.compare(j.value(), r.value()) != 0) {
                    throw new AssertionError(what + ": jvm " + j.value() + ", reference " + r.value());
                }
            }
            case 2 -> {
                Val key = pick();
                String what = "parameter " + key + " of " + t.name;
                Outcome<NDArray> j = attempt(() -> t.jvm.parameter(key.t()));
                Outcome<NDArray> r = attempt(() -> t.ref.parameter(key.t()));
                same(what, j, r);
                mustFail(what, t.closed || closed, j, r);
            }
            default -> {
                Outcome<CompiledGraph> j = attempt(() -> t.jvm.compiled());
                Outcome<CompiledGraph> r = attempt(() -> t.ref.compiled());
                same("compiled() of " + t.name, j, r);
                mustFail("compiled() of " + t.name, t.closed, j, r);
            }
        }
    }
}

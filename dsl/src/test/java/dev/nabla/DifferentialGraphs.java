package dev.nabla;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.reference.ReferenceInterpreter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Random graphs for {@link BackendDifferentialTest}, built from a dtype-free {@link Recipe} so
 * that the same graph can be built in f32 and in f64 (the f32 twin's deviation from the f64
 * twin measures how much each element amplifies rounding errors; see the test).
 *
 * <p>Every value of a graph broadcasts to the recipe's base shape S: leaves have shapes made
 * from S by setting axes to 1 or dropping leading axes ([n,1] and [1,m], [1] and [n], [] and
 * [n,m] all occur), and every op returns to such a shape (a transpose is undone after the
 * computation between, a slice is reduced or concatenated back, a matmul is sandwiched so that
 * it ends in S's last two axes). Values stay of order one: inputs are in [-2, 2] (a few, in one
 * recipe of eight, NaN, infinite, 0 or 64), sums and products are normalized by their length,
 * and functions with a restricted or ill-conditioned domain get safe arguments (log of
 * softplus + 0.5, division by 1 + b^2, tan of 0.5 tanh) unless their operand is exact: then
 * "raw unary" and "raw binary" apply log, sqrt, 1/x, pow, ... as they are, so NaN, infinities
 * and large values arise and must come out the same from both backends.
 *
 * <p>A value is <em>exact</em> when both backends must compute it bit for bit: leaves, and
 * correctly rounded ops of exact values (+ - * / sqrt, pow, minimum, maximum, where, the ops that
 * UnaryFn defines by one rounding of a double formula, views, casts). Transcendental functions
 * (the JVM backend's SIMD math is about 1 ulp), sums, products, matmul and fma (in f32 the
 * reference rounds twice) are not. Ops whose derivative takes a branch on their operand
 * (minimum, maximum, relu, abs, sign, max and min reductions, comparisons) and functions applied
 * without a safe wrapper only ever get exact operands: a 1-ulp difference at a near-tie would
 * otherwise flip a branch in one backend only, which is a legitimate difference, not a bug.
 */
final class DifferentialGraphs {
    private DifferentialGraphs() {}

    /** One op; a, b, c pick operands, p and q parameterize it (axes, slice bounds, ...). */
    record Step(int op, int a, int b, int c, int p, int q) {}

    /** kind: 0 input, 1 parameter, 2 dense constant; variant picks the shape; range the values. */
    record Leaf(int kind, int variant, int range) {}

    /**
     * @param outputs bits choosing extra outputs (intermediate values, a cast, a mask) and
     *                whether parameters are updated
     * @param special whether some leaf elements are NaN, infinite, 0 or 64
     */
    record Recipe(int[] shape, List<Leaf> leaves, List<Step> steps, int outputs, boolean special, long seed) {
        @Override
        public String toString() {
            return "Recipe[shape=" + Arrays.toString(shape) + ", leaves=" + leaves + ", steps=" + steps
                    + ", outputs=" + outputs + ", special=" + special + ", seed=" + seed + "]";
        }
    }

    static final String[] OPS = {
        // smooth unary functions, on any operand
        "sin", "cos", "tanh", "sigmoid", "softplus", "neg", "exp(tanh a)", "exp(-a^2)", "log(softplus a + 0.5)",
        "log1p(a^2)", "expm1(tanh a)", "sqrt(a^2 + 0.25)", "rsqrt(1 + a^2)", "tan(0.5 tanh a)", "pow(a, 2)",
        "pow(a, 3)/(1 + a^2)",
        // functions without safe wrappers, and branching ops: exact operands only
        "raw unary", "raw binary", "minimum", "maximum", "relu", "abs", "sign * a",
        // binary and ternary
        "add", "sub", "mul", "a / (1 + b^2)", "pow(softplus a + 0.5, tanh b)", "a * tanh b", "fma(a, b, c)",
        "fma(a, 0.5, b)", "a * stopGradient(b)", "where", "a + ones",
        // reductions
        "sum", "mean", "max", "min", "prod", "logSumExp", "softmax", "logSoftmax",
        // shapes and views
        "transpose sandwich", "reshape", "permuted reshape", "broadcast reshape", "sliced reshape",
        "rotation", "interleave", "stack", "squeeze", "pad", "cast", "matmul", "matvec", "dot",
    };

    /** Custom functions with the values of softplus and a * tanh b, for the backends to agree on. */
    private static final CustomFunction SOFTPLUS = TestCustomFunctions.SOFTPLUS;
    private static final CustomFunction A_TANH_B = TestCustomFunctions.A_TANH_B;

    /** A graph value: the tensor, a short name for messages and whether it is exact. */
    record Value(Tensor t, String name, boolean exact) {}

    /** A built graph: what to evaluate, with the feeds and the parameter updates. */
    static final class Built implements AutoCloseable {
        final Graph graph;
        final DType dtype;
        final List<Tensor> outputs = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<Boolean> exact = new ArrayList<>();
        /**
         * For each value {@link #run} returns, the magnitude below which its absolute errors are
         * judged: 1 (values are of order one) or more where it sums terms of order one without
         * normalizing: the loss sums sqrt(n) * (its terms / sqrt(n)), and the derivative with
         * respect to a leaf of s elements sums n / s cotangents of order 1 / sqrt(n) each.
         */
        final List<Double> floors = new ArrayList<>();
        final Map<Tensor, NDArray> feeds = new LinkedHashMap<>();
        final Map<Tensor, NDArray> parameterValues = new LinkedHashMap<>();
        final Map<Tensor, Tensor> updates = new LinkedHashMap<>();
        final List<Double> updateFloors = new ArrayList<>();
        final List<String> lines = new ArrayList<>();
        /** The largest number of elements of any value (for the statistics). */
        int maxSize = 1;
        /**
         * Whether part of the graph computes in the other dtype. In an f64 graph an f32 section is
         * exact going forward (exact operands, one rounding each), but its derivative is computed in
         * f32 too, sums included, so outputs are only as accurate as f32.
         */
        boolean mixedPrecision;

        Built(Graph graph, DType dtype) {
            this.graph = graph;
            this.dtype = dtype;
        }

        /** Evaluates the outputs, then (when there are updates) the updated parameters. */
        List<NDArray> run(Device device) {
            CompiledGraph c = graph.compile(device);
            Tensor[] outs = outputs.toArray(Tensor[]::new);
            Map<Tensor, NDArray> placed = new java.util.HashMap<>();
            feeds.forEach((t, v) -> placed.put(t, v.to(device)));
            if (updates.isEmpty()) {
                return c.eval(placed, outs);
            }
            // Each device's run starts from the same values: the graph keeps the latest ones.
            Map<Tensor, NDArray> before = new java.util.HashMap<>();
            updates.keySet().forEach(p -> before.put(p, graph.value(p)));
            List<NDArray> results = new ArrayList<>(c.run(placed, outputs, updates));
            for (Tensor p : updates.keySet()) {
                results.add(c.parameter(p));
            }
            before.forEach(graph::setValue);
            return results;
        }

        /**
         * For each value {@link #run} returns: the most numbers that one reduction or matrix
         * product among its ancestors adds (or multiplies) into one result, 0 if there is none.
         */
        List<Integer> accumulationLengths() {
            List<Tensor> all = new ArrayList<>(outputs);
            all.addAll(updates.values());
            List<Integer> lengths = new ArrayList<>();
            for (Tensor t : all) {
                int longest = 0;
                for (Node n : graph.program("test", t).nodes()) {
                    if (n.op() instanceof Op.Reduce && n.shape().size() > 0) {
                        longest = Math.max(longest, n.input(0).shape().size() / n.shape().size());
                    } else if (n.op() instanceof Op.MatMul) {
                        Shape a = n.input(0).shape();
                        longest = Math.max(longest, a.dim(a.rank() - 1));
                    }
                }
                lengths.add(longest);
            }
            return lengths;
        }

        /** The magnitude floor of everything {@link #run} returns (see {@link #floors}). */
        List<Double> resultFloors() {
            List<Double> all = new ArrayList<>(floors);
            all.addAll(updateFloors);
            return all;
        }

        /**
         * For each value {@link #run} returns: the largest finite magnitude of any value it is
         * computed from (itself included), by the reference interpreter.
         */
        List<Double> ancestorMagnitudes() {
            List<Tensor> all = new ArrayList<>(outputs);
            all.addAll(updates.values());
            Program whole = graph.program("test", all.toArray(Tensor[]::new));
            Program everything = Program.of(whole.nodes());
            Map<Node, NDArray> byNode = new java.util.HashMap<>();
            feeds.forEach((t, v) -> byNode.put(t.node(), v));
            parameterValues.forEach((t, v) -> byNode.put(t.node(), v));
            List<NDArray> values = ReferenceInterpreter.run(everything,
                    everything.inputs().stream().map(byNode::get).toList(),
                    everything.parameters().stream().map(byNode::get).toList());
            Map<Node, Double> magnitude = new java.util.HashMap<>();
            for (int i = 0; i < values.size(); i++) {
                NDArray v = values.get(i);
                double m = 0;
                for (int k = 0; k < v.size(); k++) {
                    double x = Math.abs(v.getDouble(k));
                    if (Double.isFinite(x)) {
                        m = Math.max(m, x);
                    }
                }
                magnitude.put(everything.outputs().get(i), m);
            }
            List<Double> result = new ArrayList<>();
            for (Tensor t : all) {
                double m = 0;
                for (Node n : graph.program("test", t).nodes()) {
                    m = Math.max(m, magnitude.get(n));
                }
                result.add(m);
            }
            return result;
        }

        /** Names of everything {@link #run} returns. */
        List<String> resultNames() {
            List<String> all = new ArrayList<>(names);
            for (Tensor p : updates.keySet()) {
                all.add(p.node().variableName() + " after the update");
            }
            return all;
        }

        /** The recipe as lines "v3 = sin(v1)", for failure messages. */
        String describe() {
            return String.join("\n", lines);
        }

        @Override
        public void close() {
            graph.close();
        }
    }

    // ---- shapes ----

    /** Every shape that S broadcasts from: axes set to 1, leading axes dropped. */
    static List<int[]> variants(int[] s) {
        List<int[]> out = new ArrayList<>();
        for (int drop = 0; drop <= s.length; drop++) {
            int rank = s.length - drop;
            for (int mask = 0; mask < 1 << rank; mask++) {
                int[] dims = Arrays.copyOfRange(s, drop, s.length);
                for (int d = 0; d < rank; d++) {
                    if ((mask >> d & 1) != 0) {
                        dims[d] = 1;
                    }
                }
                if (out.stream().noneMatch(v -> Arrays.equals(v, dims))) {
                    out.add(dims);
                }
            }
        }
        return out;
    }

    private static int size(int[] dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    // ---- building ----

    static Built build(Recipe r, DType dtype) {
        Builder b = new Builder(r, dtype);
        try {
            b.buildAll();
        } catch (RuntimeException e) {
            b.built.close();
            throw new AssertionError("building the graph failed:\n" + b.built.describe(), e);
        }
        return b.built;
    }

    private static final class Builder {
        final Recipe recipe;
        final DType dt;
        final DType other;
        final int[] s;
        final Graph g = Graph.create();
        final Built built;
        final List<Value> pool = new ArrayList<>();
        final List<Value> variables = new ArrayList<>();
        final List<Tensor> masks = new ArrayList<>();

        Builder(Recipe recipe, DType dtype) {
            this.recipe = recipe;
            this.dt = dtype;
            this.other = dtype == DType.F32 ? DType.F64 : DType.F32;
            this.s = recipe.shape();
            this.built = new Built(g, dtype);
        }

        void buildAll() {
            List<int[]> variants = variants(s);
            Random values = new Random(recipe.seed());
            for (int i = 0; i < recipe.leaves().size(); i++) {
                Leaf leaf = recipe.leaves().get(i);
                // The first leaf has the full shape, so that tensors are as large as S.
                int[] dims = i == 0 ? s : variants.get(leaf.variant() % variants.size());
                NDArray value = leafValue(values, dims, leaf.range());
                Value v = switch (leaf.kind() % 3) {
                    case 0 -> {
                        Tensor t = g.input("x" + i, dt, dims);
                        built.feeds.put(t, value);
                        yield new Value(t, "x" + i, true);
                    }
                    case 1 -> {
                        Tensor t = g.parameter("p" + i, value);
                        built.parameterValues.put(t, value);
                        yield new Value(t, "p" + i, true);
                    }
                    default -> new Value(g.constant(value), "c" + i, true);
                };
                if (leaf.kind() % 3 != 2) {
                    variables.add(v);
                }
                add(v, v.name() + ": " + dt + Arrays.toString(dims) + (leaf.kind() % 3 == 2 ? " (constant)" : ""));
            }
            if (variables.isEmpty()) {
                Tensor t = g.input("x", dt, s);
                built.feeds.put(t, leafValue(values, s, 0));
                Value v = new Value(t, "x", true);
                variables.add(v);
                add(v, "x: " + dt + Arrays.toString(s));
            }
            for (Step step : recipe.steps()) {
                apply(step);
            }
            outputs();
        }

        /** Uniform values in [-2, 2] (range 0..1) or (0.05, 3] (range 2) or [-0.2, 0.2] (range 3). */
        NDArray leafValue(Random r, int[] dims, int range) {
            int n = size(dims);
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = switch (range % 4) {
                    case 2 -> 0.05 + 2.95 * r.nextDouble();
                    case 3 -> 0.4 * r.nextDouble() - 0.2;
                    default -> 4 * r.nextDouble() - 2;
                };
            }
            if (recipe.special()) {
                double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, 64.0, -64.0};
                for (int k = 0; k < Math.max(1, n / 50); k++) {
                    v[r.nextInt(n)] = specials[r.nextInt(specials.length)];
                }
            }
            // The f64 twin gets the full doubles, the f32 twin their rounding: the probe sees
            // input rounding too.
            return NDArray.fromDoubles(dt, new Shape(dims), v);
        }

        private void add(Value v, String line) {
            pool.add(v);
            built.lines.add(line);
            built.maxSize = Math.max(built.maxSize, v.t().shape().size());
        }

        private Value pick(int i) {
            return pool.get(i % pool.size());
        }

        /** One of the three most recent values, so that graphs grow deep. */
        private Value recent(int i) {
            return pool.get(pool.size() - 1 - i % Math.min(3, pool.size()));
        }

        /** An exact value: the i-th exact one in the pool (leaves are exact, so there is one). */
        private Value exact(int i) {
            List<Value> exact = pool.stream().filter(Value::exact).toList();
            return exact.get(i % exact.size());
        }

        private Tensor full(Tensor t) {
            return Arrays.equals(t.shape().dims(), s) ? t : t.broadcastTo(s);
        }

        private Tensor scalar(double v) {
            return dt == DType.F32 ? g.constant((float) v) : g.constant(v);
        }

        private static double invSqrt(int n) {
            return 1 / Math.sqrt(Math.max(1, n));
        }

        private static int[] perm(Random rnd, int rank) {
            List<Integer> p = new ArrayList<>();
            for (int d = 0; d < rank; d++) {
                p.add(d);
            }
            Collections.shuffle(p, rnd);
            return p.stream().mapToInt(Integer::intValue).toArray();
        }

        private static int[] inverse(int[] p) {
            int[] inv = new int[p.length];
            for (int d = 0; d < p.length; d++) {
                inv[p[d]] = d;
            }
            return inv;
        }

        /** A random non-empty axis set of a rank-r tensor, sometimes non-contiguous, sometimes negative. */
        private static int[] axes(Random rnd, int rank) {
            List<Integer> axes = new ArrayList<>();
            while (axes.isEmpty()) {
                for (int d = 0; d < rank; d++) {
                    if (rnd.nextBoolean()) {
                        axes.add(rnd.nextInt(3) == 0 ? d - rank : d);
                    }
                }
            }
            return axes.stream().mapToInt(Integer::intValue).toArray();
        }

        private static int count(Tensor t, int[] axes) {
            int n = 1;
            for (int a : axes) {
                n *= t.shape().dim(a < 0 ? a + t.rank() : a);
            }
            return n;
        }

        private static int[] kept(Tensor t, int[] axes) {
            int[] dims = t.shape().dims();
            for (int a : axes) {
                dims[a < 0 ? a + t.rank() : a] = 1;
            }
            return dims;
        }

        /** A random shape with as many elements as S (a factorization with size-1 axes mixed in). */
        private int[] factorization(Random rnd) {
            int n = size(s);
            List<Integer> factors = new ArrayList<>();
            int rest = n;
            for (int f = 2; f <= rest; f++) {
                while (rest % f == 0) {
                    factors.add(f);
                    rest /= f;
                }
            }
            Collections.shuffle(factors, rnd);
            List<Integer> dims = new ArrayList<>();
            int acc = 1;
            for (int f : factors) {
                acc *= f;
                if (rnd.nextBoolean()) {
                    dims.add(acc);
                    acc = 1;
                }
            }
            if (acc > 1) {
                dims.add(acc);
            }
            if (rnd.nextBoolean()) {
                dims.add(rnd.nextInt(dims.size() + 1), 1);
            }
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        /** A smooth function picked by k, for the computations inside shape sandwiches. */
        private static Tensor smooth(int k, Tensor t) {
            return switch (k % 4) {
                case 0 -> t.sin();
                case 1 -> t.tanh();
                case 2 -> t.mul(t).add(1.0).rsqrt();
                default -> t.softplus();
            };
        }

        private static String smoothName(int k) {
            return new String[] {"sin", "tanh", "rsqrt(1+^2)", "softplus"}[k % 4];
        }

        void apply(Step st) {
            Value va = recent(st.a());
            Value vb = pick(st.b());
            Value vc = pick(st.c());
            Tensor a = va.t();
            Tensor b = vb.t();
            Tensor c = vc.t();
            String p = va.name();
            String q = vb.name();
            Random rnd = new Random(st.p() * 31L + st.q());
            String name = OPS[st.op() % OPS.length];
            String out = "v" + pool.size();
            Tensor t;
            String text;
            boolean exact = false;
            int rank = s.length;
            switch (name) {
                case "sin" -> { t = a.sin(); text = "sin(" + p + ")"; }
                case "cos" -> { t = a.cos(); text = "cos(" + p + ")"; }
                case "tanh" -> { t = a.tanh(); text = "tanh(" + p + ")"; }
                case "sigmoid" -> { t = a.sigmoid(); text = "sigmoid(" + p + ")"; }
                // Every other one through a custom function of the same value (whose vjp rule differs).
                case "softplus" -> {
                    t = st.q() % 2 == 0 ? a.softplus() : SOFTPLUS.apply(a);
                    text = (st.q() % 2 == 0 ? "softplus(" : "customSoftplus(") + p + ")";
                }
                case "neg" -> { t = a.neg(); text = "-" + p; exact = va.exact(); }
                case "exp(tanh a)" -> { t = a.tanh().exp(); text = "exp(tanh(" + p + "))"; }
                case "exp(-a^2)" -> { t = a.mul(a).neg().exp(); text = "exp(-" + p + "^2)"; }
                case "log(softplus a + 0.5)" -> { t = a.softplus().add(0.5).log(); text = "log(softplus(" + p + ")+0.5)"; }
                case "log1p(a^2)" -> { t = a.mul(a).log1p(); text = "log1p(" + p + "^2)"; }
                case "expm1(tanh a)" -> { t = a.tanh().expm1(); text = "expm1(tanh(" + p + "))"; }
                case "sqrt(a^2 + 0.25)" -> {
                    t = a.mul(a).add(0.25).sqrt();
                    text = "sqrt(" + p + "^2+0.25)";
                    exact = va.exact();
                }
                case "rsqrt(1 + a^2)" -> {
                    // Not exact: the generated SIMD kernels compute 1/sqrt in the working type.
                    t = a.mul(a).add(1.0).rsqrt();
                    text = "rsqrt(1+" + p + "^2)";
                }
                case "tan(0.5 tanh a)" -> { t = a.tanh().mul(0.5).tan(); text = "tan(0.5*tanh(" + p + "))"; }
                case "pow(a, 2)" -> { t = a.pow(2); text = p + "^2"; exact = va.exact(); }
                case "pow(a, 3)/(1 + a^2)" -> {
                    t = a.pow(3).div(a.pow(2).add(1.0));
                    text = p + "^3/(1+" + p + "^2)";
                    exact = va.exact();
                }
                case "raw unary" -> {
                    Value e = exact(st.a());
                    String[] fns = {"log", "sqrt", "rsqrt", "1/", "exp", "tan", "log1p", "expm1"};
                    String fn = fns[st.p() % fns.length];
                    Tensor x = e.t();
                    t = switch (fn) {
                        case "log" -> x.log();
                        case "sqrt" -> x.sqrt();
                        case "rsqrt" -> x.rsqrt();
                        case "1/" -> x.rdiv(1);
                        case "exp" -> x.exp();
                        case "tan" -> x.tan();
                        case "log1p" -> x.log1p();
                        default -> x.expm1();
                    };
                    text = fn + "(" + e.name() + ")";
                    exact = fn.equals("sqrt") || fn.equals("1/");
                }
                case "raw binary" -> {
                    Value e1 = exact(st.a());
                    Value e2 = exact(st.b());
                    switch (st.p() % 3) {
                        case 0 -> { t = e1.t().div(e2.t()); text = e1.name() + " / " + e2.name(); }
                        case 1 -> { t = e1.t().pow(e2.t()); text = "pow(" + e1.name() + ", " + e2.name() + ")"; }
                        default -> { t = e1.t().pow(-1.5); text = "pow(" + e1.name() + ", -1.5)"; }
                    }
                    exact = true;
                }
                case "minimum", "maximum" -> {
                    Value e1 = exact(st.a());
                    Value e2 = exact(st.b());
                    t = name.equals("minimum") ? e1.t().minimum(e2.t()) : Nabla.maximum(e1.t(), e2.t());
                    text = name + "(" + e1.name() + ", " + e2.name() + ")";
                    exact = true;
                }
                case "relu", "abs" -> {
                    Value e = exact(st.a());
                    t = name.equals("relu") ? e.t().relu() : e.t().abs();
                    text = name + "(" + e.name() + ")";
                    exact = true;
                }
                case "sign * a" -> {
                    Value e = exact(st.b());
                    t = e.t().sign().mul(a);
                    text = "sign(" + e.name() + ") * " + p;
                    exact = va.exact();
                }
                case "add" -> { t = a.add(b); text = p + " + " + q; exact = va.exact() && vb.exact(); }
                case "sub" -> { t = a.sub(b); text = p + " - " + q; exact = va.exact() && vb.exact(); }
                case "mul" -> { t = a.mul(b); text = p + " * " + q; exact = va.exact() && vb.exact(); }
                case "a / (1 + b^2)" -> {
                    t = a.div(b.mul(b).add(1.0));
                    text = p + " / (1+" + q + "^2)";
                    exact = va.exact() && vb.exact();
                }
                case "pow(softplus a + 0.5, tanh b)" -> {
                    t = a.softplus().add(0.5).pow(b.tanh());
                    text = "pow(softplus(" + p + ")+0.5, tanh(" + q + "))";
                }
                // Every other one through a custom function of the same value with a jvp rule alone,
                // which reverse mode transposes.
                case "a * tanh b" -> {
                    t = st.p() % 2 == 0 ? a.mul(b.tanh()) : A_TANH_B.apply(a, b);
                    text = st.p() % 2 == 0 ? p + " * tanh(" + q + ")" : "aTanhB(" + p + ", " + q + ")";
                }
                case "fma(a, b, c)" -> { t = a.fma(b, c); text = "fma(" + p + ", " + q + ", " + vc.name() + ")"; }
                case "fma(a, 0.5, b)" -> { t = a.fma(0.5, b); text = "fma(" + p + ", 0.5, " + q + ")"; }
                case "a * stopGradient(b)" -> {
                    t = a.mul(b.stopGradient());
                    text = p + " * stopGradient(" + q + ")";
                    exact = va.exact() && vb.exact();
                }
                case "where" -> {
                    Value e1 = exact(st.a());
                    Value e2 = exact(st.c());
                    Tensor x = e1.t();
                    String[] cmp = {"lt", "le", "gt", "ge", "eq", "eq-relu", "gt-number", "eq-max"};
                    String kind = cmp[st.p() % cmp.length];
                    Tensor cond = switch (kind) {
                        case "lt" -> x.lt(e2.t());
                        case "le" -> x.le(e2.t());
                        case "gt" -> x.gt(e2.t());
                        case "ge" -> x.ge(e2.t());
                        case "eq" -> x.eq(e2.t());
                        case "eq-relu" -> x.eq(x.relu());
                        case "gt-number" -> x.gt(0.5);
                        default -> x.eq(Nabla.maximum(x, e2.t()));
                    };
                    masks.add(cond);
                    String c2 = kind + "(" + e1.name() + ", " + e2.name() + ")";
                    switch (st.q() % 4) {
                        case 0 -> { t = Nabla.where(cond, a, b); text = "where(" + c2 + ", " + p + ", " + q + ")"; }
                        case 1 -> { t = Nabla.where(cond, a, 0.5); text = "where(" + c2 + ", " + p + ", 0.5)"; }
                        case 2 -> { t = Nabla.where(cond, -1.0, b); text = "where(" + c2 + ", -1, " + q + ")"; }
                        default -> { t = a.mul(cond.cast(dt)); text = p + " * cast(" + c2 + ")"; }
                    }
                    exact = va.exact() && vb.exact();
                }
                case "a + ones" -> {
                    t = a.add(g.ones(dt, s)).sub(g.zeros(dt, s.length == 0 ? new int[0] : new int[] {s[s.length - 1]}));
                    text = p + " + ones" + Arrays.toString(s);
                    exact = va.exact();
                }
                case "sum", "mean", "max", "min", "prod", "logSumExp" -> {
                    boolean branching = name.equals("max") || name.equals("min");
                    Value v = branching ? exact(st.a()) : va;
                    Tensor x = rnd.nextBoolean() ? full(v.t()) : v.t();
                    if (x.rank() == 0) {
                        x = full(x);
                    }
                    if (x.rank() == 0) {
                        t = x.sigmoid();
                        text = "sigmoid(" + v.name() + ")";
                        break;
                    }
                    boolean all = rnd.nextInt(4) == 0;
                    int[] ax = all ? new int[0] : axes(rnd, x.rank());
                    int[] resolved = all ? java.util.stream.IntStream.range(0, x.rank()).toArray() : ax;
                    boolean keep = rnd.nextBoolean();
                    int n = count(x, resolved);
                    int[] keptDims = kept(x, resolved);
                    Tensor y;
                    String how = Arrays.toString(ax) + (keep ? ", keepDims" : "");
                    switch (name) {
                        case "sum" -> {
                            y = keep ? x.sumKeepDims(ax) : x.sum(ax);
                            y = y.mul(1.0 / Math.max(1, n));
                        }
                        case "mean" -> y = keep ? x.meanKeepDims(ax) : x.mean(ax);
                        case "max" -> y = keep ? x.maxKeepDims(ax) : x.max(ax);
                        case "min" -> y = keep ? x.minKeepDims(ax) : x.min(ax);
                        case "prod" -> {
                            if (v.exact() && n <= 64 && rnd.nextBoolean()) {
                                // Raw: zeros (relu) and signs make prod's derivative take its zero branch.
                                Tensor z = rnd.nextBoolean() ? x.relu() : x;
                                y = keep ? z.prodKeepDims(ax) : z.prod(ax);
                                how += ", raw";
                            } else {
                                // Factors within 1/n of 1 keep the product of thousands of them within [1/e, e].
                                Tensor f = x.tanh().mul(1.0 / Math.max(1, n)).add(1.0);
                                y = keep ? f.prodKeepDims(ax) : f.prod(ax);
                            }
                        }
                        default -> y = keep ? x.logSumExpKeepDims(ax) : x.logSumExp(ax);
                    }
                    t = keep ? y : y.reshape(keptDims);
                    text = name + "(" + v.name() + ", " + how + ")";
                    exact = branching;
                }
                case "softmax", "logSoftmax" -> {
                    Tensor x = full(a);
                    if (x.rank() == 0) {
                        t = x.tanh();
                        text = "tanh(" + p + ")";
                        break;
                    }
                    int axis = rnd.nextInt(x.rank()) - (rnd.nextBoolean() ? x.rank() : 0);
                    t = name.equals("softmax") ? x.softmax(axis) : x.logSoftmax(axis);
                    text = name + "(" + p + ", " + axis + ")";
                }
                case "transpose sandwich" -> {
                    if (rank < 2) {
                        t = smooth(st.q(), a);
                        text = smoothName(st.q()) + "(" + p + ")";
                        break;
                    }
                    Tensor x = full(a);
                    Tensor y = full(b);
                    switch (st.q() % 3) {
                        case 0 -> {
                            t = smooth(st.p(), x.transpose()).mul(y.transpose()).transpose();
                            text = "(" + smoothName(st.p()) + "(" + p + "^T) * " + q + "^T)^T";
                        }
                        case 1 -> {
                            int i = rnd.nextInt(rank);
                            int j = rnd.nextInt(rank);
                            t = smooth(st.p(), x.transpose(i, j)).add(y.transpose(i, j)).transpose(j, i);
                            text = "transpose(" + smoothName(st.p()) + "(transpose(" + p + ", " + i + ", " + j + ")) + "
                                    + q + "', " + j + ", " + i + ")";
                        }
                        default -> {
                            int[] perm = perm(rnd, rank);
                            t = smooth(st.p(), x.permute(perm)).mul(y.permute(perm)).permute(inverse(perm));
                            text = "permute(" + smoothName(st.p()) + "(permute(" + p + ", " + Arrays.toString(perm)
                                    + ")) * " + q + "', inverse)";
                        }
                    }
                }
                case "reshape" -> {
                    int[] dims = factorization(rnd);
                    Tensor x = full(a);
                    t = smooth(st.q(), x.reshape(dims)).reshape(s);
                    text = "reshape(" + smoothName(st.q()) + "(reshape(" + p + ", " + Arrays.toString(dims) + ")))";
                }
                case "permuted reshape" -> {
                    if (rank < 2) {
                        t = smooth(st.q(), a);
                        text = smoothName(st.q()) + "(" + p + ")";
                        break;
                    }
                    int[] perm = perm(rnd, rank);
                    Tensor moved = full(a).permute(perm);
                    t = smooth(st.q(), moved.reshape(-1)).reshape(moved.shape().dims()).permute(inverse(perm));
                    text = "permute(reshape(" + smoothName(st.q()) + "(reshape(permute(" + p + ", "
                            + Arrays.toString(perm) + "), -1))), inverse)";
                }
                case "broadcast reshape" -> {
                    Tensor x = full(a);
                    t = smooth(st.q(), x.reshape(-1)).reshape(s).mul(b);
                    text = "reshape(" + smoothName(st.q()) + "(reshape(broadcast(" + p + "), -1))) * " + q;
                    exact = false;
                }
                case "sliced reshape" -> {
                    if (rank == 0) {
                        t = smooth(st.q(), a);
                        text = smoothName(st.q()) + "(" + p + ")";
                        break;
                    }
                    Tensor x = full(a);
                    int axis = rnd.nextInt(rank);
                    int n = s[axis];
                    int step = 1 + rnd.nextInt(3);
                    int start;
                    int end;
                    switch (rnd.nextInt(5)) {
                        case 0 -> { start = -1 - rnd.nextInt(n); end = n; }
                        case 1 -> { start = rnd.nextInt(n); end = -rnd.nextInt(n); }
                        case 2 -> { start = n - 1; end = 0; } // empty
                        case 3 -> { start = -n - 3; end = n + 5; } // clamped at both ends
                        default -> { start = rnd.nextInt(n); end = start + 1 + rnd.nextInt(n - start); }
                    }
                    Tensor sliced = x.slice(axis, start, end, step);
                    Tensor y = smooth(st.q(), sliced.reshape(-1)).reshape(sliced.shape().dims());
                    int m = sliced.shape().dim(axis);
                    if (rnd.nextBoolean()) {
                        t = y.sumKeepDims(axis).mul(1.0 / Math.max(1, m));
                        text = "sum(";
                    } else {
                        t = y.logSumExpKeepDims(axis);
                        text = "logSumExp(";
                    }
                    text += smoothName(st.q()) + "(reshape(" + p + "[" + start + ":" + end + ":" + step + " on axis "
                            + axis + "], -1)), keepDims)";
                }
                case "rotation" -> {
                    if (rank == 0) {
                        t = smooth(st.q(), a);
                        text = smoothName(st.q()) + "(" + p + ")";
                        break;
                    }
                    Tensor x = full(a);
                    int axis = rnd.nextInt(rank);
                    int n = s[axis];
                    int k = n < 2 ? 1 : 1 + rnd.nextInt(n - 1);
                    // The last k elements first (negative start, end beyond the axis), then the rest.
                    t = Nabla.concat(axis, x.slice(axis, -k, Integer.MAX_VALUE), smooth(st.q(), x.slice(axis, 0, -k)));
                    text = "concat(" + p + "[-" + k + ":], " + smoothName(st.q()) + "(" + p + "[:-" + k + "]), axis "
                            + axis + ")";
                    exact = false;
                }
                case "interleave" -> {
                    if (rank == 0) {
                        t = smooth(st.q(), a);
                        text = smoothName(st.q()) + "(" + p + ")";
                        break;
                    }
                    Tensor x = full(a);
                    int axis = rnd.nextInt(rank);
                    int n = s[axis];
                    t = Nabla.concat(axis, x.slice(axis, 0, n, 2), smooth(st.q(), x.slice(axis, 1, n, 2)));
                    text = "concat(" + p + "[0::2], " + smoothName(st.q()) + "(" + p + "[1::2]), axis " + axis + ")";
                }
                case "stack" -> {
                    Tensor x = full(a);
                    Tensor y = smooth(st.q(), full(b));
                    int axis = rnd.nextInt(rank + 1);
                    Tensor stacked = Nabla.stack(axis, x, y);
                    switch (rnd.nextInt(3)) {
                        case 0 -> { t = stacked.sum(axis).mul(0.5); text = "0.5*sum("; }
                        case 1 -> { t = stacked.logSumExp(axis); text = "logSumExp("; }
                        default -> { t = stacked.slice(axis, 1, 2).squeeze(axis); text = "index1("; }
                    }
                    text += "stack(" + p + ", " + smoothName(st.q()) + "(" + q + "), axis " + axis + "))";
                }
                case "squeeze" -> {
                    int[] dims = a.shape().dims();
                    int one = -1;
                    for (int d = 0; d < dims.length; d++) {
                        if (dims[d] == 1) {
                            one = d;
                        }
                    }
                    if (one >= 0 && rnd.nextBoolean()) {
                        t = smooth(st.q(), a.squeeze()).reshape(dims);
                        text = "reshape(" + smoothName(st.q()) + "(squeeze(" + p + ")))";
                    } else if (one >= 0) {
                        t = smooth(st.q(), a.squeeze(one)).unsqueeze(one);
                        text = "unsqueeze(" + smoothName(st.q()) + "(squeeze(" + p + ", " + one + ")), " + one + ")";
                    } else {
                        int axis = rnd.nextInt(dims.length + 1);
                        t = smooth(st.q(), a.unsqueeze(axis)).squeeze(axis);
                        text = "squeeze(" + smoothName(st.q()) + "(unsqueeze(" + p + ", " + axis + ")), " + axis + ")";
                    }
                }
                case "pad" -> {
                    // The derivative of a slice is a pad: d/dv sum(tanh(v[slice]) * k) puts
                    // (1 - tanh^2) * k into zeros of v's shape.
                    Value v = variables.get(st.a() % variables.size());
                    Tensor x = v.t();
                    if (x.rank() == 0) {
                        t = x.mul(b);
                        text = v.name() + " * " + q;
                        break;
                    }
                    int axis = rnd.nextInt(x.rank());
                    int n = x.shape().dim(axis);
                    int start = rnd.nextBoolean() ? rnd.nextInt(n) : -1 - rnd.nextInt(n);
                    int step = 1 + rnd.nextInt(3);
                    Tensor k = b.sum().mul(invSqrt(b.shape().size())).tanh();
                    Tensor loss = x.slice(axis, start, n, step).tanh().mul(k).sum();
                    t = loss.grad(x);
                    text = "d/d" + v.name() + " sum(tanh(" + v.name() + "[" + start + "::" + step + " on axis " + axis
                            + "]) * tanh(sum(" + q + ")))";
                }
                case "cast" -> {
                    Value e1 = exact(st.a());
                    Value e2 = exact(st.b());
                    t = e1.t().cast(other).mul(e2.t().cast(other)).add(0.25).cast(dt);
                    text = "cast(cast(" + e1.name() + ", " + other + ") * cast(" + e2.name() + ", " + other + ") + 0.25, "
                            + dt + ")";
                    exact = true;
                    built.mixedPrecision = true;
                }
                case "matmul" -> {
                    if (rank == 0) {
                        t = a.mul(b);
                        text = p + " * " + q;
                        exact = va.exact() && vb.exact();
                        break;
                    }
                    if (rank == 1) {
                        // Vectors on both sides: [n] @ [n, 2] -> [2], then [2] @ [2, n] -> [n].
                        int n = s[0];
                        Tensor m = Nabla.stack(1, full(b), smooth(st.q(), full(c)));
                        t = full(a).matmul(m).mul(1.0 / n).matmul(m.transpose());
                        text = "(" + p + " @ M) @ M^T / n, M = stack(" + q + ", " + smoothName(st.q()) + "(" + vc.name()
                                + "), axis 1)";
                        break;
                    }
                    t = sandwich(a, b, c, rnd);
                    text = "matmul sandwich of " + p + ", " + q + ", " + vc.name();
                }
                case "matvec" -> {
                    if (rank < 2) {
                        t = a.mul(b.tanh());
                        text = p + " * tanh(" + q + ")";
                        break;
                    }
                    Tensor x = full(a);
                    int[] leading = java.util.stream.IntStream.range(0, rank - 1).toArray();
                    int m = s[rank - 2];
                    int n = s[rank - 1];
                    if (rnd.nextBoolean()) {
                        // [..., m, n] @ [n] -> [..., m], back to [..., m, 1]
                        Tensor v = full(b).mean(leading);
                        t = x.matmul(v).mul(1.0 / n).unsqueeze(-1);
                        text = "unsqueeze(" + p + " @ mean(" + q + ", leading axes) / n, -1)";
                    } else {
                        // [m] @ [..., m, n] -> [..., n], back to [..., 1, n]
                        int[] allButSecondLast = java.util.stream.IntStream.range(0, rank)
                                .filter(d -> d != rank - 2).toArray();
                        Tensor u = full(b).mean(allButSecondLast);
                        t = u.matmul(x).mul(1.0 / m).unsqueeze(-2);
                        text = "unsqueeze(mean(" + q + ", all but axis -2) @ " + p + " / m, -2)";
                    }
                }
                case "dot" -> {
                    Tensor u = full(a).reshape(-1);
                    Tensor v = full(b).reshape(-1);
                    int n = u.shape().dim(0);
                    String how = "";
                    if (n > 2 && rnd.nextBoolean()) {
                        // Strided vectors: the even elements of one, the odd ones of the other.
                        int half = n / 2;
                        u = u.slice(0, 0, 2 * half, 2);
                        v = v.slice(0, 1, n, 2);
                        n = half;
                        how = " (even and odd elements)";
                    }
                    t = u.dot(v).mul(1.0 / n).mul(c);
                    text = "dot(" + p + ", " + q + ")" + how + " / n * " + vc.name();
                }
                default -> throw new IllegalStateException(name);
            }
            add(new Value(t, out, exact), out + " = " + text + "  : " + t.dtype() + t.shape());
        }

        /**
         * A product that ends in S's last two axes [m, n]: (x @ y^T / n) @ z / m or
         * x @ (y^T @ z / m) / n, whichever multiplies fewer numbers. The operands keep their own
         * batch axes (missing or 1 where they are broadcast), so batch broadcasting occurs.
         */
        private Tensor sandwich(Tensor a, Tensor b, Tensor c, Random rnd) {
            int rank = s.length;
            int m = s[rank - 2];
            int n = s[rank - 1];
            UnaryOperator<Tensor> lastTwo = t -> {
                int[] dims = t.shape().dims();
                if (dims.length < 2) {
                    int[] grown = new int[2];
                    grown[0] = 1;
                    grown[1] = dims.length == 1 ? dims[0] : 1;
                    t = t.reshape(grown);
                    dims = grown;
                }
                dims[dims.length - 2] = m;
                dims[dims.length - 1] = n;
                return t.broadcastTo(dims);
            };
            Tensor x = lastTwo.apply(a);
            Tensor y = lastTwo.apply(rnd.nextBoolean() ? b : full(b));
            Tensor z = lastTwo.apply(c);
            if (m <= n) {
                return x.matmul(y.transpose()).mul(1.0 / n).matmul(z).mul(1.0 / Math.max(1, m));
            }
            return x.matmul(y.transpose().matmul(z).mul(1.0 / m)).mul(1.0 / n);
        }

        void outputs() {
            Value last = pool.get(pool.size() - 1);
            int bits = recipe.outputs();
            output(last.t(), last.name(), last.exact(), 1);
            for (int i = 0; i < pool.size() - 1; i++) {
                Value v = pool.get(i);
                if (!v.t().node().isVariable() && (bits >> (i % 8) & 1) != 0 && (bits >> 8 & 3) == 0) {
                    output(v.t(), v.name(), v.exact(), 1);
                }
            }
            if ((bits >> 10 & 1) != 0) {
                output(last.t().cast(other), "cast(" + last.name() + ", " + other + ")", last.exact(), 1);
            }
            if ((bits >> 14 & 1) != 0) {
                // Results that are views of leaves: copied out of input, parameter or constant storage.
                Value leaf = pool.get((bits >> 3) % recipe.leaves().size());
                Tensor x = leaf.t();
                if (x.rank() >= 2) {
                    output(x.transpose(), leaf.name() + "^T", true, 1);
                }
                if (x.rank() >= 1) {
                    int n = x.shape().dim(0);
                    output(x.slice(0, -1, -n - 1, 1), leaf.name() + "[-1:-n-1] (empty)", true, 1);
                    output(x.slice(0, n / 2, n, 2), leaf.name() + "[n/2::2]", true, 1);
                }
                output(x.unsqueeze(0), "unsqueeze(" + leaf.name() + ", 0)", true, 1);
                output(x, leaf.name(), true, 1);
            }
            if ((bits >> 15 & 1) != 0) {
                output(last.t(), last.name() + " again", last.exact(), 1);
                output(g.ones(dt, s).mul(0.75), "0.75 * ones", true, 1);
                Value e = exact(bits);
                output(e.t().cast(DType.I32), "cast(" + e.name() + ", i32)", true, 1);
                output(e.t().cast(DType.BOOL), "cast(" + e.name() + ", bool)", true, 1);
            }
            if ((bits >> 11 & 1) != 0 && !masks.isEmpty()) {
                output(masks.get(0), "the first mask", true, 1);
            }
            // Gradients of a scalar that depends on the last value and one more.
            Value extra = pool.get((bits >> 12) % pool.size());
            Tensor loss = last.t().sum().mul(invSqrt(last.t().shape().size()))
                    .add(extra.t().tanh().sum().mul(0.5 * invSqrt(extra.t().shape().size())));
            List<Tensor> wrt = variables.stream().map(Value::t).toList();
            List<Tensor> grads = loss.grad(wrt);
            double terms = Math.sqrt(Math.max(last.t().shape().size(), extra.t().shape().size()));
            output(loss, "loss = sum(" + last.name() + ")/sqrt(n) + 0.5*sum(tanh(" + extra.name() + "))/sqrt(n)", false,
                    Math.max(1, terms));
            for (int i = 0; i < grads.size(); i++) {
                output(grads.get(i), "d loss/d " + variables.get(i).name(), false,
                        Math.max(1, terms / grads.get(i).shape().size()));
            }
            if ((bits >> 13 & 1) != 0) {
                for (int i = 0; i < variables.size(); i++) {
                    Tensor v = variables.get(i).t();
                    if (v.node().op() instanceof Op.Parameter) {
                        built.updates.put(v, v.sub(grads.get(i).mul(0.25)));
                        built.updateFloors.add(built.floors.get(built.floors.size() - grads.size() + i));
                    }
                }
            }
        }

        private void output(Tensor t, String name, boolean exact, double floor) {
            built.outputs.add(t);
            built.names.add(name);
            built.exact.add(exact);
            built.floors.add(floor);
            built.maxSize = Math.max(built.maxSize, t.shape().size());
        }
    }
}

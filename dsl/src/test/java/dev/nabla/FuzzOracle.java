package dev.nabla;

import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.BinaryFn;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.NodeTable;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.ReduceFn;
import dev.nabla.compiler.ir.UnaryFn;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.reference.ReferenceInterpreter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges whether values the JVM backend computed for a program equal the reference
 * interpreter's, for {@link RobustnessFuzzTest}'s random graphs, with the accuracy model of
 * {@link BackendDifferentialTest} (whose tolerance formula and constants it uses). Each result
 * of the program is one of three kinds, decided from the program's structure alone:
 *
 * <ul>
 *   <li><b>exact</b>: both backends must give the same bits (NaN matches any NaN; signed zeros
 *   must agree). Leaves, and ops that round once from exact operands: + - * / sqrt pow minimum
 *   maximum, neg abs sign relu, comparisons, where, max and min reductions, views, pads,
 *   concatenations, casts, stopGradient, and fma in f64. So is every result of a program whose
 *   nodes all hold one element and that has no matmul, concat, pad, gather, scatter-add, windows,
 *   loop or conditional: the JVM backend runs those as generated scalar code that rounds as the
 *   interpreter does, bit for bit (documented in ARCHITECTURE.md). (Scalar code takes a loop only
 *   when its body has a scalar form, which this does not mirror: a program with a loop is judged
 *   op by op. The others run as tensors, whose transcendental functions are approximate.)
 *   <li><b>approximate</b>: transcendental functions (about an ulp apart), sigmoid, softplus and
 *   rsqrt (built from those in the working type), sums, products and matmul (another order of
 *   summation, in float for f32) and f32 fma (rounded twice by the reference), and anything
 *   computed from such a value by a continuous op. Compared within
 *   {@link BackendDifferentialTest#tolerance}, with the probe |ref32 - ref64| taken from two
 *   twins of the program that the reference interpreter evaluates with every floating node
 *   retyped to f32 and to f64.
 *   <li><b>unstable</b>: a comparison, sign, or cast to i32 or bool of an approximate value, a
 *   pow with an approximate exponent, and everything computed from one. A difference of an ulp
 *   flips such a decision at a near-tie, which legitimately changes results by any amount (a
 *   where picks the other side, a cast to i32 rounds to the other integer, relu's derivative
 *   switches branch, pow(-1, y) is 1 for y = 264.0 and NaN for y = 264.00003). Their values are
 *   not compared (only dtype and shape); the fuzzer counts them.
 * </ul>
 *
 * Approximate elements where tiny differences decide the result are not held to the tolerance
 * either, and are counted as unsettled: where the f32 and f64 twins disagree on whether the
 * element is NaN, infinite or finite, where either backend's value or a value it is computed from
 * is within a factor 16 of the dtype's overflow threshold (one backend's exp may overflow an ulp
 * earlier), and, checked only for an element that fails the tolerance: where a sum, product or
 * matrix product it is computed from has a slice whose accumulation can leave the dtype's range
 * in some order (a product of 65537 factors between 0.1 and 100 underflows or overflows by the
 * order it multiplies them in, and an f32 lane that reached infinity times one that reached zero
 * is NaN, where the reference multiplies in double); and where the JVM backend's
 * value is explained by rounding: the reference is run again {@link #NOISY_RUNS} times with its
 * inexact operations perturbed as the JVM backend's rounding differs from it (every
 * transcendental result moved by up to 8 ulps, every term of a sum, product or matrix product by
 * up to 8 sqrt(L) ulps, a backward-error model of another summation order; see {@link #scaled}),
 * and the element is unsettled if those runs disagree on its category, spread over more than a
 * thousandth of its magnitude, or give the JVM backend's value. That is a cancellation whose sign
 * is rounding noise feeding a log, sqrt or division (the derivative of sum(softmax(x)) is 0 up to
 * rounding, and its rsqrt is NaN or large by the sign of that noise), or a similarly ill-conditioned
 * element; a wrong index, stride or broadcast moves a well-conditioned element far outside what
 * perturbed runs give.
 */
final class FuzzOracle {
    enum Kind { EXACT, APPROX, UNSTABLE }

    private final Program program;
    private final List<NDArray> inputs;
    private final List<NDArray> parameters;
    private final Map<Node, Kind> kinds;
    // Computed on the first element that differs: most results agree bit for bit.
    private Map<Node, double[]> values;
    private Map<Node, Integer> lengths;
    private Map<Node, Double> magnitudes;
    private Map<Node, Boolean> touchesF32;
    /** Whether an accumulation among the node's ancestors can leave its dtype's range (see rangeRisk). */
    private Map<Node, Boolean> rangeRisk;
    private List<NDArray> twin32;
    private List<NDArray> twin64;
    /** The reference's results with its inexact operations perturbed, on demand. */
    private List<List<NDArray>> noisy;

    static final int NOISY_RUNS = 8;

    /**
     * @param inputs     values of {@code program.inputs()}, in order, as fed
     * @param parameters values of {@code program.parameters()} before the run
     */
    FuzzOracle(Program program, List<NDArray> inputs, List<NDArray> parameters) {
        this.program = program;
        this.inputs = inputs;
        this.parameters = parameters;
        this.kinds = classify(program);
    }

    /**
     * Compares the backends' values of every result of the program; returns null when they agree
     * as the class comment requires, else what differs. Adds to {@code tally} the elements found
     * exact, within tolerance, unstable and unsettled.
     */
    String compare(List<NDArray> jvm, List<NDArray> ref, long[] tally) {
        List<Node> results = program.results();
        if (jvm.size() != results.size() || ref.size() != results.size()) {
            return "the program has " + results.size() + " results; jvm returned " + jvm.size() + ", reference "
                    + ref.size();
        }
        for (int i = 0; i < results.size(); i++) {
            Node node = results.get(i);
            NDArray j = jvm.get(i);
            NDArray r = ref.get(i);
            if (j.dtype() != node.dtype() || r.dtype() != node.dtype() || !j.shape().equals(node.shape())
                    || !r.shape().equals(node.shape())) {
                return "result " + i + " " + node.describe() + ": jvm gives " + j.dtype() + j.shape() + ", reference "
                        + r.dtype() + r.shape();
            }
            Kind kind = kinds.get(node);
            if (kind == Kind.UNSTABLE) {
                tally[2] += r.size();
                continue;
            }
            for (int k = 0; k < r.size(); k++) {
                double rv = r.getDouble(k);
                double jv = j.getDouble(k);
                if (Double.compare(rv, jv) == 0) {
                    tally[kind == Kind.EXACT ? 0 : 1]++;
                    continue;
                }
                if (kind == Kind.EXACT) {
                    return "result " + i + " " + node.describe() + " (exact: both backends must give the same bits),"
                            + " element " + k + ": reference " + rv + ", jvm " + jv;
                }
                String problem = approximate(i, node, k, rv, jv);
                if (problem != null && problem != UNSETTLED
                        && (rangeRisk.get(node) || explainedByRounding(i, k, rv, jv))) {
                    problem = UNSETTLED;
                }
                if (problem == UNSETTLED) {
                    tally[3]++;
                } else if (problem != null) {
                    return "result " + i + " " + node.describe() + " (approximate), element " + k + ": reference " + rv
                            + ", jvm " + jv + "; " + problem;
                } else {
                    tally[1]++;
                }
            }
        }
        return null;
    }

    private static final String UNSETTLED = "unsettled";

    private String approximate(int result, Node node, int k, double rv, double jv) {
        if (rv == jv) {
            return null; // 0.0 and -0.0: signs of zero may differ after a different summation order
        }
        model();
        double t32 = twin32.get(result).getDouble(k);
        double t64 = twin64.get(result).getDouble(k);
        if (category(t32) != category(t64)) {
            return UNSETTLED;
        }
        double max = node.dtype() == DType.F32 || touchesF32.get(node) ? Float.MAX_VALUE : Double.MAX_VALUE;
        double scale = Math.max(1, magnitudes.get(node));
        boolean nearOverflow = scale >= max / 16 || Math.abs(rv) >= max / 16 || Math.abs(jv) >= max / 16;
        if (!Double.isFinite(rv) || !Double.isFinite(jv)) {
            if (Double.isNaN(rv) && Double.isNaN(jv)) {
                return null;
            }
            return nearOverflow ? UNSETTLED : "one is not finite and the twins agree on the element's regime";
        }
        if (nearOverflow) {
            return UNSETTLED;
        }
        double u = touchesF32.get(node) ? BackendDifferentialTest.roundoff(DType.F32)
                : BackendDifferentialTest.roundoff(DType.F64);
        double probe = Math.abs(t32 - t64);
        if (!Double.isFinite(probe)) {
            return UNSETTLED;
        }
        int length = lengths.get(node);
        double tol = BackendDifferentialTest.tolerance(probe, u, length, rv, scale);
        double err = Math.abs(jv - rv);
        return err <= tol ? null : "error " + err + " exceeds the tolerance " + tol + " (probe " + probe + ", scale "
                + scale + ", longest accumulation " + length + ")";
    }

    /**
     * Whether rounding decides this element: perturbed reference runs disagree on whether it is
     * NaN, infinite or finite, or spread over more than a thousandth of its magnitude (a
     * condition number above about 1000), or give the JVM backend's value (within a few ulps of
     * their range).
     */
    private boolean explainedByRounding(int result, int k, double rv, double jv) {
        if (noisy == null) {
            noisy = new ArrayList<>();
            for (int run = 0; run < NOISY_RUNS; run++) {
                noisy.add(perturbed(new java.util.Random(run * 7919L + 17)));
            }
        }
        double lo = rv;
        double hi = rv;
        for (List<NDArray> run : noisy) {
            double v = run.get(result).getDouble(k);
            if (category(v) != category(rv)) {
                return true;
            }
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (!Double.isFinite(rv) || !Double.isFinite(jv)) {
            return false; // every run agrees with the reference on a category the JVM backend's value lacks
        }
        double magnitude = Math.max(Math.abs(lo), Math.abs(hi));
        double slack = 16 * Math.ulp((float) magnitude);
        return hi - lo > 1e-3 * magnitude || (jv >= lo - slack && jv <= hi + slack);
    }

    private static int category(double v) {
        return Double.isNaN(v) ? 0 : v == Double.POSITIVE_INFINITY ? 1 : v == Double.NEGATIVE_INFINITY ? 2 : 3;
    }

    // ---- classification ----

    static Map<Node, Kind> classify(Program program) {
        boolean scalar = program.nodes().stream().allMatch(n -> n.shape().size() == 1
                && !(n.op() instanceof Op.MatMul || n.op() instanceof Op.Concat || n.op() instanceof Op.Pad
                || n.op() instanceof Op.Gather || n.op() instanceof Op.ScatterAdd || n.op() instanceof Op.Windows
                || n.op() instanceof Op.WindowsSum || n.op() instanceof Op.Loop || n.op() instanceof Op.Cond));
        Map<Node, Kind> kinds = new HashMap<>();
        for (Node n : program.nodes()) {
            Kind in = Kind.EXACT;
            for (Node i : n.inputs()) {
                Kind k = kinds.get(i);
                if (k.compareTo(in) > 0) {
                    in = k;
                }
            }
            Kind own;
            if (scalar) {
                own = Kind.EXACT;
            } else if (in == Kind.UNSTABLE || (in == Kind.APPROX && discontinuous(n, kinds))) {
                own = Kind.UNSTABLE;
            } else if (in == Kind.EXACT && exactOp(n)) {
                own = Kind.EXACT;
            } else {
                own = Kind.APPROX;
            }
            kinds.put(n, own);
        }
        return kinds;
    }

    /** Ops that both backends compute with one rounding of the same operands. */
    private static boolean exactOp(Node n) {
        return switch (n.op()) {
            case Op.Unary(UnaryFn fn) -> switch (fn) {
                case NEG, ABS, SIGN, RELU, SQRT -> true;
                default -> false;
            };
            case Op.Binary(BinaryFn fn) -> true;
            case Op.Reduce r -> switch (r.fn()) {
                case MAX, MIN -> true;
                default -> false;
            };
            case Op.Fma f -> n.dtype() == DType.F64;
            case Op.MatMul m -> false;
            // A body or branch computes many ops, some of them rounded differently by each backend.
            case Op.Loop l -> false;
            case Op.Cond c -> false;
            // Every backend runs the same integer Philox code: the same bits from the same key.
            case Op.Random r -> true;
            default -> true; // leaves, compare, where, views, pad, concat, cast, stopGradient
        };
    }

    /**
     * Ops whose result jumps when an (approximate) operand moves across a threshold; for pow, the
     * exponent: a negative base has a power only at whole exponents.
     */
    private static boolean discontinuous(Node n, Map<Node, Kind> kinds) {
        return switch (n.op()) {
            case Op.Compare c -> true;
            case Op.Cond c -> true;
            case Op.Random r -> true;
            case Op.Unary(UnaryFn fn) -> fn == UnaryFn.SIGN;
            case Op.Cast c -> !n.dtype().isFloating();
            case Op.Binary(BinaryFn fn) -> fn == BinaryFn.POW && kinds.get(n.input(1)) != Kind.EXACT;
            default -> false;
        };
    }

    // ---- the accuracy model, on demand ----

    private void model() {
        if (values != null) {
            return;
        }
        values = ReferenceInterpreter.values(program, inputs, parameters);
        lengths = new HashMap<>();
        magnitudes = new HashMap<>();
        touchesF32 = new HashMap<>();
        rangeRisk = new HashMap<>();
        for (Node n : program.nodes()) {
            int length = (int) accumulation(n);
            double magnitude = 0;
            for (double v : values.get(n)) {
                if (Double.isFinite(v)) {
                    magnitude = Math.max(magnitude, Math.abs(v));
                }
            }
            boolean f32 = n.dtype() == DType.F32;
            boolean risk = rangeRisk(n);
            for (Node i : n.inputs()) {
                length = Math.max(length, lengths.get(i));
                magnitude = Math.max(magnitude, magnitudes.get(i));
                f32 |= touchesF32.get(i);
                risk |= rangeRisk.get(i);
            }
            lengths.put(n, length);
            magnitudes.put(n, magnitude);
            touchesF32.put(n, f32);
            rangeRisk.put(n, risk);
        }
        twin32 = twin(DType.F32);
        twin64 = twin(DType.F64);
    }

    /**
     * Whether this sum, product or matrix product has an output element whose accumulation can
     * leave the range of its dtype in some order: a sum of magnitudes above a quarter of the largest
     * finite value, or factors whose binary exponents add up, among those above 1 or among those
     * below 1, to beyond the dtype's exponent range.
     */
    private boolean rangeRisk(Node n) {
        boolean f32 = n.dtype() == DType.F32;
        double max = f32 ? Float.MAX_VALUE : Double.MAX_VALUE;
        int maxExponent = f32 ? Float.MAX_EXPONENT : Double.MAX_EXPONENT;
        int minExponent = f32 ? Float.MIN_EXPONENT : Double.MIN_EXPONENT;
        if (n.op() instanceof Op.MatMul) {
            double a = magnitudes.get(n.input(0));
            double b = magnitudes.get(n.input(1));
            return a * b * n.input(0).shape().dim(n.input(0).rank() - 1) >= max / 4;
        }
        if (!(n.op() instanceof Op.Reduce r) || !(r.fn() == ReduceFn.SUM || r.fn() == ReduceFn.PROD)
                || !n.dtype().isFloating()) {
            return false;
        }
        double[] x = values.get(n.input(0));
        int[] slot = slots(n.input(0).shape().dims(), r.axes());
        double[] up = new double[n.shape().size()];
        double[] down = new double[n.shape().size()];
        for (int i = 0; i < x.length; i++) {
            double v = Math.abs(x[i]);
            if (!Double.isFinite(v) || v == 0) {
                continue;
            }
            if (r.fn() == ReduceFn.SUM) {
                up[slot[i]] += v;
            } else if (v > 1) {
                up[slot[i]] += Math.getExponent(v) + 1;
            } else {
                down[slot[i]] += Math.getExponent(v);
            }
        }
        for (int o = 0; o < up.length; o++) {
            if (r.fn() == ReduceFn.SUM ? up[o] >= max / 4 : up[o] >= maxExponent || down[o] <= minExponent) {
                return true;
            }
        }
        return false;
    }

    /** For each element of a tensor of {@code dims}, the flat index of its slice once {@code axes} are reduced. */
    private static int[] slots(int[] dims, List<Integer> axes) {
        int size = 1;
        for (int d : dims) {
            size *= d;
        }
        int[] stride = new int[dims.length];
        int acc = 1;
        for (int a = dims.length - 1; a >= 0; a--) {
            stride[a] = axes.contains(a) ? 0 : acc;
            acc *= axes.contains(a) ? 1 : dims[a];
        }
        int[] slot = new int[size];
        int[] index = new int[dims.length];
        for (int i = 0; i < size; i++) {
            int at = 0;
            for (int a = 0; a < dims.length; a++) {
                at += index[a] * stride[a];
            }
            slot[i] = at;
            for (int a = dims.length - 1; a >= 0 && ++index[a] == dims[a]; a--) {
                index[a] = 0;
            }
        }
        return slot;
    }

    /** The program with every floating node retyped to {@code floating}, run by the reference. */
    private List<NDArray> twin(DType floating) {
        NodeTable table = new NodeTable();
        Map<Node, Node> twin = new HashMap<>();
        List<Node> nodes = new ArrayList<>();
        Map<Object, Object> bodies = new HashMap<>();
        for (Node n : program.nodes()) {
            DType d = n.dtype().isFloating() ? floating : n.dtype();
            Node t = n.isVariable() ? table.declare(n.op(), n.shape(), d)
                    : table.intern(twinOp(n.op(), floating, table, bodies), n.inputs().stream().map(twin::get).toList(),
                    n.shape(), d);
            twin.put(n, t);
            nodes.add(t);
        }
        List<Program.Update> updates = program.updates().stream()
                .map(u -> new Program.Update(twin.get(u.parameter()), twin.get(u.value()))).toList();
        Program p = new Program(program.outputs().stream().map(twin::get).toList(), updates, nodes,
                program.inputs().stream().map(twin::get).toList(), program.parameters().stream().map(twin::get).toList());
        return ReferenceInterpreter.run(p, retyped(inputs, floating), retyped(parameters, floating));
    }

    /** How many terms n's value accumulates: a reduction's or product's length, a loop's (below); else 0. */
    private static long accumulation(Node n) {
        if (n.op() instanceof Op.Reduce && n.shape().size() > 0) {
            return n.input(0).shape().size() / n.shape().size();
        } else if (n.op() instanceof Op.MatMul) {
            return n.input(0).shape().dim(n.input(0).rank() - 1);
        } else if (n.op() instanceof Op.Loop || n.op() instanceof Op.Cond) {
            return innerAccumulation(n.op());
        }
        return 0;
    }

    /**
     * The longest accumulation a loop's or conditional's run may compound: its body's longest,
     * once per step (a carry takes each step's rounding into the next).
     */
    private static int innerAccumulation(Op op) {
        List<Program> programs = switch (op) {
            case Op.Loop(var body, int output) -> body.isWhile() ? List.of(body.program(), body.conditionProgram())
                    : List.of(body.program());
            case Op.Cond(var branches, int output) -> branches.programs();
            default -> List.of();
        };
        long longest = 0;
        for (Program p : programs) {
            for (Node n : p.nodes()) {
                longest = Math.max(longest, accumulation(n));
            }
        }
        int steps = op instanceof Op.Loop(var body, int output) ? Math.max(1, body.length()) : 1;
        return (int) Math.min(Integer.MAX_VALUE, longest * steps);
    }

    /** A loop's or conditional's op with its body retyped too (one twin per body); other ops as they are. */
    private static Op twinOp(Op op, DType floating, NodeTable table, Map<Object, Object> bodies) {
        return withCopiedBodies(op, bodies, (params, nodes, known) -> twinNodes(params, nodes, floating, table, known));
    }

    /** Copies a body's nodes (its parameters as fresh placeholders) on top of {@code known}. */
    private interface BodyCopier {
        Map<Node, Node> copy(List<Node> params, List<Node> nodes, Map<Node, Node> known);
    }

    /** A loop's or conditional's op over copies of its bodies (one copy per body); other ops as they are. */
    private static Op withCopiedBodies(Op op, Map<Object, Object> bodies, BodyCopier copier) {
        return switch (op) {
            case Op.Loop(var body, int output) -> new Op.Loop((dev.nabla.compiler.ir.LoopBody) bodies.computeIfAbsent(body,
                    b -> copiedBody(body, copier)), output);
            case Op.Cond(var branches, int output) -> new Op.Cond((dev.nabla.compiler.ir.CondBranches)
                    bodies.computeIfAbsent(branches, b -> copiedBranches(branches, copier)), output);
            default -> op;
        };
    }

    private static dev.nabla.compiler.ir.LoopBody copiedBody(dev.nabla.compiler.ir.LoopBody b, BodyCopier copier) {
        Map<Node, Node> copy = copier.copy(b.params(), b.program().nodes(), new HashMap<>());
        if (b.isWhile()) {
            copy = copier.copy(b.params(), b.conditionProgram().nodes(), copy);
        }
        Map<Node, Node> done = copy;
        java.util.function.Function<List<Node>, List<Node>> map = l -> l.stream().map(done::get).toList();
        return new dev.nabla.compiler.ir.LoopBody(done.get(b.index()), map.apply(b.carries()), map.apply(b.xs()),
                map.apply(b.captured()), map.apply(b.newCarries()), map.apply(b.ys()),
                b.isWhile() ? done.get(b.condition()) : null, b.length(), b.reverse());
    }

    private static dev.nabla.compiler.ir.CondBranches copiedBranches(dev.nabla.compiler.ir.CondBranches b,
                                                                    BodyCopier copier) {
        Map<Node, Node> copy = new HashMap<>();
        List<List<Node>> results = new ArrayList<>();
        for (int br = 0; br < b.branchCount(); br++) {
            copy = copier.copy(b.captured(), b.programs().get(br).nodes(), copy);
            Map<Node, Node> done = copy;
            results.add(b.results(br).stream().map(done::get).toList());
        }
        Map<Node, Node> done = copy;
        return new dev.nabla.compiler.ir.CondBranches(b.captured().stream().map(done::get).toList(), results);
    }

    /** Every node retyped into {@code table}: parameters as fresh inputs, the rest by their ops. */
    private static Map<Node, Node> twinNodes(List<Node> params, List<Node> nodes, DType floating, NodeTable table,
                                             Map<Node, Node> known) {
        Map<Node, Node> twin = new HashMap<>(known);
        Map<Object, Object> bodies = new HashMap<>();
        for (Node n : nodes) {
            if (twin.containsKey(n)) {
                continue;
            }
            DType d = n.dtype().isFloating() ? floating : n.dtype();
            Node t = params.contains(n) ? dev.nabla.compiler.ir.Ops.placeholder(table, "twin", n.shape(), d)
                    : table.intern(twinOp(n.op(), floating, table, bodies), n.inputs().stream().map(twin::get).toList(),
                    n.shape(), d);
            twin.put(n, t);
        }
        return twin;
    }

    /**
     * The program run by the reference with its inexact operations perturbed: each result of a
     * transcendental function, sigmoid, softplus, rsqrt or f32 fma times (1 + d), |d| <= 8 ulps of
     * 1, and each operand element of a sum, product or matrix product of length L times
     * (1 + d), |d| <= 8 ceil(sqrt(L)) ulps (half of it common to all elements of the node).
     */
    private List<NDArray> perturbed(java.util.Random rnd) {
        NodeTable table = new NodeTable();
        List<Node> nodes = new ArrayList<>();
        Map<Node, Node> copy = perturbNodes(List.of(), program.nodes(), table, rnd, nodes, new HashMap<>());
        List<Program.Update> updates = program.updates().stream()
                .map(u -> new Program.Update(copy.get(u.parameter()), copy.get(u.value()))).toList();
        Program p = new Program(program.outputs().stream().map(copy::get).toList(), updates, nodes,
                program.inputs().stream().map(copy::get).toList(), program.parameters().stream().map(copy::get).toList());
        return ReferenceInterpreter.run(p, inputs, parameters);
    }

    /**
     * The nodes copied into {@code table} with their inexact operations perturbed, loop and
     * conditional bodies included (a sum inside a scan's body rounds in another order on the JVM
     * backend too); parameters of a body become fresh placeholders. New nodes go to {@code nodes}.
     */
    private static Map<Node, Node> perturbNodes(List<Node> params, List<Node> source, NodeTable table,
                                                java.util.Random rnd, List<Node> nodes, Map<Node, Node> known) {
        Map<Node, Node> copy = new HashMap<>(known);
        Map<Object, Object> bodies = new HashMap<>();
        for (Node n : source) {
            if (copy.containsKey(n)) {
                continue;
            }
            Node t;
            if (params.contains(n)) {
                t = dev.nabla.compiler.ir.Ops.placeholder(table, "noisy", n.shape(), n.dtype());
            } else if (n.isVariable()) {
                t = table.declare(n.op(), n.shape(), n.dtype());
            } else {
                List<Node> inputs = new ArrayList<>();
                boolean accumulates = n.op() instanceof Op.MatMul || n.op() instanceof Op.Reduce r
                        && (r.fn() == ReduceFn.SUM || r.fn() == ReduceFn.PROD);
                int length = !accumulates || n.shape().size() == 0 ? 0 : n.op() instanceof Op.MatMul
                        ? n.input(0).shape().dim(n.input(0).rank() - 1) : n.input(0).shape().size() / n.shape().size();
                for (Node in : n.inputs()) {
                    Node c = copy.get(in);
                    inputs.add(accumulates && in.dtype().isFloating()
                            ? scaled(table, c, nodes, rnd, 4 * (int) Math.ceil(Math.sqrt(length))) : c);
                }
                t = table.intern(noisyOp(n.op(), table, rnd, bodies), inputs, n.shape(), n.dtype());
                if (!accumulates && n.dtype().isFloating() && !exactOp(n)) {
                    nodes.add(t);
                    t = scaled(table, t, nodes, rnd, 4); // adds itself
                    copy.put(n, t);
                    continue;
                }
            }
            copy.put(n, t);
            nodes.add(t);
        }
        return copy;
    }

    /** A loop's or conditional's op with its bodies perturbed too (once per body); other ops as they are. */
    private static Op noisyOp(Op op, NodeTable table, java.util.Random rnd, Map<Object, Object> bodies) {
        return withCopiedBodies(op, bodies,
                (params, nodes, known) -> perturbNodes(params, nodes, table, rnd, new ArrayList<>(), known));
    }

    /**
     * x times a constant of factors 1 + (c + k) ulps of 1, elementwise (adds the new nodes): k
     * random in [-ulps, ulps] for each element, c one of -ulps, 0, ulps for all of them, since
     * rounding errors of one summation order are correlated, not independent.
     */
    private static Node scaled(NodeTable table, Node x, List<Node> nodes, java.util.Random rnd, int ulps) {
        double ulp = x.dtype() == DType.F32 ? Math.ulp(1f) : Math.ulp(1.0);
        double[] factors = new double[x.shape().size()];
        int common = (rnd.nextInt(3) - 1) * ulps;
        for (int i = 0; i < factors.length; i++) {
            factors[i] = 1 + (common + rnd.nextInt(2 * ulps + 1) - ulps) * ulp;
        }
        Node c = table.intern(new Op.Constant(new Literal.Dense(factors)), List.of(), x.shape(), x.dtype());
        Node product = table.intern(new Op.Binary(BinaryFn.MUL), List.of(x, c), x.shape(), x.dtype());
        nodes.add(c);
        nodes.add(product);
        return product;
    }

    private static List<NDArray> retyped(List<NDArray> values, DType floating) {
        return values.stream()
                .map(v -> v.dtype().isFloating() ? NDArray.fromDoubles(floating, v.shape(), v.toDoubleArray()) : v)
                .toList();
    }
}

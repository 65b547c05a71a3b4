package dev.nabla;

import static dev.nabla.GradCheck.uniform;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random expression DAGs over one to three f64 inputs of small, mutually broadcastable shapes,
 * checked by {@link GradCheck} in reverse and forward mode to third order.
 *
 * <p>A graph is a list of steps; each step applies one op to earlier values (inputs or results
 * of earlier steps, so values are shared: a DAG), keeping the depth at most {@value #MAX_DEPTH}
 * steps. The smooth ops stay on safe domains (log of softplus(x) + 0.5, division by 1 + x^2,
 * pow of a positive base, ...); the shape ops (reductions with keepDims, softmax, transposes,
 * permutes, squeeze and unsqueeze, reshapes, slices with steps, concat, stack, matmul, dot) keep
 * every value broadcastable with every other.
 *
 * <p>The piecewise ops (abs, sign, relu, minimum, maximum, where over comparisons, max and min
 * reductions, a mask cast to f64) are smooth between their kinks: each registers the tensor whose
 * sign marks its piece with {@link GradCheck#kinks}, and a sample whose difference steps cross a
 * kink is drawn again (up to {@value #ATTEMPTS} times, else the try is discarded). Ties that hold
 * at every point (maximum(a, a), a max over broadcast copies) are exact zeros, which stay zeros;
 * the conventions there (half to each side, an even share) still sum to the true derivative.
 * stopGradient appears where the function does not depend on the detached value (a shift held
 * constant), a cast to f32 and back with the noise of f32 values.
 *
 * <p>Runs are reproducible: the seed is fixed, and a failure shrinks to a small graph whose formula
 * is the name of the failing check.
 */
class RandomGraphGradTest {
    static final int MAX_DEPTH = 5;
    static final int ATTEMPTS = 10;
    static final int[][] SHAPES = {{2, 3}, {3}, {2, 1}, {}};

    /** One op applied to earlier values a and b (indices taken modulo what is there). */
    record Step(int op, int a, int b, int axis) {}

    record Value(Tensor t, String text, int depth) {}

    /** What a graph needs besides its values: kink tensors, and whether a value went through f32. */
    static final class Extras {
        final List<Tensor> kinks = new ArrayList<>();
        /** For each kink, the result of the op it belongs to. */
        final List<Tensor> owners = new ArrayList<>();
        boolean throughF32;
        /** Results of casts to f32 and back. */
        final List<Tensor> f32 = new ArrayList<>();
        /** The op being applied: the owner of the kinks it adds. */
        private final List<Tensor> pending = new ArrayList<>();

        void kink(Tensor k) {
            pending.add(k);
        }

        void owned(Tensor result) {
            for (Tensor k : pending) {
                kinks.add(k);
                owners.add(result);
            }
            pending.clear();
        }

        /** Keeps the kinks of ops the output depends on: the others cannot spoil its differences. */
        void keepThoseOf(Tensor output) {
            java.util.Set<dev.nabla.compiler.ir.Node> ancestors = new java.util.HashSet<>();
            java.util.ArrayDeque<dev.nabla.compiler.ir.Node> todo = new java.util.ArrayDeque<>(List.of(output.node()));
            while (!todo.isEmpty()) {
                dev.nabla.compiler.ir.Node n = todo.pop();
                if (ancestors.add(n)) {
                    todo.addAll(n.inputs());
                }
            }
            throughF32 = f32.stream().anyMatch(t -> ancestors.contains(t.node()));
            for (int i = kinks.size() - 1; i >= 0; i--) {
                if (!ancestors.contains(owners.get(i).node())) {
                    kinks.remove(i);
                    owners.remove(i);
                }
            }
        }
    }

    static final String[] OPS = {
        "sin", "cos", "tanh", "sigmoid", "softplus", "exp∘tanh", "log(softplus+0.5)", "sqrt(softplus+0.25)",
        "rsqrt(1+a^2)", "log1p(a^2)", "expm1∘tanh", "tan(0.5 tanh)", "neg", "square", "a^3/(1+a^2)",
        "add", "sub", "mul", "a*tanh(b)", "a/(1+b^2)", "pow(softplus(a)+0.5, tanh b)",
        "sumKeepDims", "meanKeepDims", "prodKeepDims", "logSumExpKeepDims", "softmax", "logSoftmax",
        "transpose sandwich", "reshape round trip", "slice/concat rotation", "strided slice permutation",
        "stack-sum", "matmul sandwich", "average pooling", "gather",
        // Piecewise ops, each registering its kink.
        "abs", "sign(a)*b", "relu", "maximum", "minimum", "where(a<b)", "where(a>=b)", "where(a>0)",
        "where(sign a == sign b)", "maxKeepDims", "minKeepDims", "max all", "a*cast(b>0)",
        // Smooth ops not covered above.
        "fma", "permute round trip", "unsqueeze-squeeze", "dot", "f32 round trip",
        "softmax, stopGradient(max) shift", "logSumExp by hand, stopGradient(mean) shift",
        // A random mask of a fixed key: a constant factor to every derivative.
        "dropout",
        // Custom derivative rules: a vjp, a jvp alone (reverse mode transposes it), a vjp using the output.
        "custom softplus", "custom a*tanh(b), jvp only", "custom a/(1+b^2), vjp of y",
    };

    private static final CustomFunction SOFTPLUS = TestCustomFunctions.SOFTPLUS;
    private static final CustomFunction A_TANH_B = TestCustomFunctions.A_TANH_B;
    /** Cotangents of the broadcast shape, summed back to each argument's shape by the transforms. */
    private static final CustomFunction A_OVER = TestCustomFunctions.A_OVER_1_PLUS_B2;

    @Provide
    Arbitrary<List<Step>> programs() {
        Arbitrary<Step> step = Combinators.combine(
                Arbitraries.integers().between(0, OPS.length - 1),
                Arbitraries.integers().between(0, 63),
                Arbitraries.integers().between(0, 63),
                Arbitraries.integers().between(0, 1)).as(Step::new);
        return step.list().ofMinSize(2).ofMaxSize(10);
    }

    // Edge cases off: they are the smallest programs (sin(x0) again and again).
    @net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true)
    @Property(tries = 150, seed = "4711", edgeCases = EdgeCasesMode.NONE, maxDiscardRatio = 1)
    void autodiffMatchesFiniteDifferencesOnRandomGraphs(
            @ForAll("programs") List<Step> steps,
            @ForAll @IntRange(min = 1, max = 3) int inputCount,
            @ForAll @Size(3) List<@IntRange(min = 0, max = 3) Integer> shapes,
            @ForAll long valueSeed) {
        String[] formula = new String[1];
        int[] depth = new int[1];
        Extras[] extras = new Extras[1];
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            GradCheck check = GradCheck.of("random graph", x -> {
                extras[0] = new Extras();
                Value out = build(steps, x.toArray(Tensor[]::new), extras[0]);
                formula[0] = out.text();
                depth[0] = out.depth();
                return out.t();
            }).kinks(() -> extras[0].kinks);
            for (int i = 0; i < inputCount; i++) {
                check.input(uniform(-1.5, 1.5), SHAPES[shapes.get(i)]);
            }
            try {
                check.order(3).seed(valueSeed + attempt * 0x9E3779B97F4A7C15L);
                if (throughF32(steps, inputCount, shapes)) {
                    // Values rounded to f32 on the way: their noise, and f32-rounded tangents.
                    check.noise(0x1p-22).consistency(1e-6);
                }
                check.check();
            } catch (GradCheck.KinkCrossed crossed) {
                Statistics.label("samples drawn again (a step crossed a kink)").collect(true);
                continue;
            } catch (AssertionError e) {
                throw new AssertionError("f = " + formula[0] + "\n" + e.getMessage(), e);
            }
            Statistics.label("depth (steps)").collect(depth[0]);
            Statistics.label("kinks").collect(Math.min(extras[0].kinks.size(), 3));
            return;
        }
        net.jqwik.api.Assume.that(false);
    }

    /** Whether the graph has a step through f32 (built once in a graph of its own to see). */
    private static boolean throughF32(List<Step> steps, int inputCount, List<Integer> shapes) {
        try (Graph g = Graph.create()) {
            Tensor[] x = new Tensor[inputCount];
            for (int i = 0; i < inputCount; i++) {
                x[i] = g.input("x" + i, dev.nabla.core.DType.F64, SHAPES[shapes.get(i)]);
            }
            Extras e = new Extras();
            build(steps, x, e);
            return e.throughF32;
        }
    }

    /** The output: the value of the last step. */
    static Value build(List<Step> steps, Tensor[] x, Extras extras) {
        List<Value> values = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            values.add(new Value(x[i], "x" + i, 0));
        }
        Value last = values.get(0);
        for (Step s : steps) {
            List<Value> usable = values.stream().filter(v -> v.depth() < MAX_DEPTH).toList();
            // a: one of the three most recent values, so that graphs grow deep; b: any value.
            Value a = usable.get(usable.size() - 1 - s.a() % Math.min(3, usable.size()));
            Value b = usable.get(s.b() % usable.size());
            last = apply(s, a, b, extras);
            extras.owned(last.t());
            values.add(last);
        }
        extras.keepThoseOf(last.t());
        return last;
    }

    private static Tensor full(Tensor t) {
        return t.shape().rank() == 2 && t.shape().dim(0) == 2 && t.shape().dim(1) == 3 ? t : t.broadcastTo(2, 3);
    }

    private static Tensor atLeast1D(Tensor t) {
        return t.rank() == 0 ? t.broadcastTo(3) : t;
    }

    private static Value apply(Step s, Value va, Value vb, Extras extras) {
        Tensor a = va.t();
        Tensor b = vb.t();
        String p = va.text();
        String q = vb.text();
        int depth = 1 + Math.max(va.depth(), vb.depth());
        int unaryDepth = 1 + va.depth();
        String name = OPS[s.op()];
        Tensor t;
        String text;
        switch (name) {
            case "sin" -> { t = a.sin(); text = "sin(" + p + ")"; }
            case "cos" -> { t = a.cos(); text = "cos(" + p + ")"; }
            case "tanh" -> { t = a.tanh(); text = "tanh(" + p + ")"; }
            case "sigmoid" -> { t = a.sigmoid(); text = "sigmoid(" + p + ")"; }
            case "softplus" -> { t = a.softplus(); text = "softplus(" + p + ")"; }
            case "exp∘tanh" -> { t = a.tanh().exp(); text = "exp(tanh(" + p + "))"; }
            case "log(softplus+0.5)" -> { t = a.softplus().add(0.5).log(); text = "log(softplus(" + p + ")+0.5)"; }
            case "sqrt(softplus+0.25)" -> { t = a.softplus().add(0.25).sqrt(); text = "sqrt(softplus(" + p + ")+0.25)"; }
            case "rsqrt(1+a^2)" -> { t = a.mul(a).add(1.0).rsqrt(); text = "rsqrt(1+(" + p + ")^2)"; }
            case "log1p(a^2)" -> { t = a.pow(2).log1p(); text = "log1p((" + p + ")^2)"; }
            case "expm1∘tanh" -> { t = a.tanh().expm1(); text = "expm1(tanh(" + p + "))"; }
            case "tan(0.5 tanh)" -> { t = a.tanh().mul(0.5).tan(); text = "tan(0.5*tanh(" + p + "))"; }
            case "neg" -> { t = a.neg(); text = "-(" + p + ")"; }
            case "square" -> { t = a.mul(a); text = "(" + p + ")*(" + p + ")"; }
            case "a^3/(1+a^2)" -> { t = a.pow(3).div(a.pow(2).add(1.0)); text = "(" + p + ")^3/(1+(" + p + ")^2)"; }
            case "add" -> { t = a.add(b); text = "(" + p + " + " + q + ")"; }
            case "sub" -> { t = a.sub(b); text = "(" + p + " - " + q + ")"; }
            case "mul" -> { t = a.mul(b); text = "(" + p + " * " + q + ")"; }
            case "a*tanh(b)" -> { t = a.mul(b.tanh()); text = "(" + p + " * tanh(" + q + "))"; }
            case "a/(1+b^2)" -> { t = a.div(b.mul(b).add(1.0)); text = "(" + p + " / (1+(" + q + ")^2))"; }
            case "custom softplus" -> { t = SOFTPLUS.apply(a); text = "customSoftplus(" + p + ")"; }
            case "custom a*tanh(b), jvp only" -> { t = A_TANH_B.apply(a, b); text = "aTanhB(" + p + ", " + q + ")"; }
            case "custom a/(1+b^2), vjp of y" -> {
                t = A_OVER.apply(a, b);
                text = "aOver1PlusB2(" + p + ", " + q + ")";
            }
            case "pow(softplus(a)+0.5, tanh b)" -> {
                t = a.softplus().add(0.5).pow(b.tanh());
                text = "pow(softplus(" + p + ")+0.5, tanh(" + q + "))";
            }
            case "sumKeepDims", "meanKeepDims", "prodKeepDims", "logSumExpKeepDims", "softmax", "logSoftmax" -> {
                Tensor a1 = atLeast1D(a);
                int axis = s.axis() % a1.rank();
                t = switch (name) {
                    case "sumKeepDims" -> a1.sumKeepDims(axis).mul(0.5);
                    case "meanKeepDims" -> a1.meanKeepDims(axis);
                    case "prodKeepDims" -> a1.prodKeepDims(axis);
                    case "logSumExpKeepDims" -> a1.logSumExpKeepDims(axis);
                    case "softmax" -> a1.softmax(axis);
                    default -> a1.logSoftmax(axis);
                };
                text = name + "(" + p + ", axis " + axis + ")";
            }
            case "transpose sandwich" -> {
                Tensor a2 = a.rank() == 2 ? a : full(a);
                t = a2.transpose().sin().transpose();
                text = "transpose(sin(transpose(" + p + ")))";
            }
            case "reshape round trip" -> {
                t = a.reshape(-1).tanh().reshape(a.shape().dims());
                text = "reshape(tanh(reshape(" + p + ", -1)))";
            }
            case "slice/concat rotation" -> {
                Tensor a2 = full(a);
                t = Nabla.concat(1, a2.slice(1, 1, 3), a2.slice(1, 0, 1).exp());
                text = "concat(" + p + "[:,1:3], exp(" + p + "[:,0:1]))";
            }
            case "strided slice permutation" -> {
                Tensor a2 = full(a);
                t = Nabla.concat(1, a2.slice(1, 0, 3, 2), a2.slice(1, 1, 2).sin());
                text = "concat(" + p + "[:,0:3:2], sin(" + p + "[:,1:2]))";
            }
            case "stack-sum" -> {
                Tensor w = a.graph().constant(dev.nabla.core.NDArray.of(new double[] {0.7, -0.4}, 2, 1, 1));
                t = Nabla.stack(0, full(a), full(b).sin()).mul(w).sum(0);
                text = "sum(stack(" + p + ", sin(" + q + ")) * [0.7,-0.4], 0)";
            }
            case "average pooling" -> {
                // Sliding windows (with padding) and, in derivatives, their adjoint.
                t = Nabla.avgPool1d(full(a).sin(), 2, 1, 1).slice(1, 0, 3);
                text = "avgPool1d(sin(" + p + "), 2, 1, 1)[:, 0:3]";
            }
            case "gather" -> {
                // Integer indexing (a repeated index accumulates in the derivative's scatter-add).
                Tensor index = a.graph().constant(dev.nabla.core.NDArray.fromDoubles(
                        dev.nabla.core.DType.I32, dev.nabla.core.Shape.of(2, 3), new double[] {2, 0, 2, 1, 1, 0}));
                t = full(a).sin().gather(1, index);
                text = "gather(sin(" + p + "), 1, [[2,0,2],[1,1,0]])";
            }
            case "matmul sandwich" -> {
                t = full(a).matmul(full(b).transpose()).matmul(full(a)).mul(0.3);
                text = "0.3*((" + p + ")@(" + q + ")^T@(" + p + "))";
            }
            case "abs" -> {
                t = a.abs();
                extras.kink(a);
                text = "abs(" + p + ")";
            }
            case "sign(a)*b" -> {
                t = a.sign().mul(b);
                extras.kink(a);
                text = "sign(" + p + ") * " + q;
            }
            case "relu" -> {
                t = a.relu();
                extras.kink(a);
                text = "relu(" + p + ")";
            }
            case "maximum", "minimum" -> {
                t = name.equals("maximum") ? a.maximum(b) : a.minimum(b);
                extras.kink(a.sub(b));
                text = name + "(" + p + ", " + q + ")";
            }
            case "where(a<b)" -> {
                t = Nabla.where(a.lt(b), a.sin(), b.mul(b));
                extras.kink(a.sub(b));
                text = "where(" + p + " < " + q + ", sin(" + p + "), (" + q + ")^2)";
            }
            case "where(a>=b)" -> {
                t = Nabla.where(a.ge(b), a.mul(b), b.tanh());
                extras.kink(a.sub(b));
                text = "where(" + p + " >= " + q + ", " + p + " * " + q + ", tanh(" + q + "))";
            }
            case "where(a>0)" -> {
                t = Nabla.where(a.gt(0.0), a, a.mul(0.5).sin().mul(2));
                extras.kink(a);
                text = "where(" + p + " > 0, " + p + ", 2 sin(" + p + "/2))";
            }
            case "where(sign a == sign b)" -> {
                t = Nabla.where(a.sign().eq(b.sign()), a.mul(b), a.sub(b).tanh());
                extras.kink(a);
                extras.kink(b);
                text = "where(sign " + p + " == sign " + q + ", " + p + " * " + q + ", tanh(" + p + " - " + q + "))";
            }
            case "maxKeepDims", "minKeepDims" -> {
                Tensor a1 = atLeast1D(a);
                int axis = s.axis() % a1.rank();
                boolean isMax = name.equals("maxKeepDims");
                t = isMax ? a1.maxKeepDims(axis) : a1.minKeepDims(axis);
                // The gap to the extreme: 0 at it (and at copies of it), positive elsewhere.
                extras.kink(isMax ? t.sub(a1) : a1.sub(t));
                text = name + "(" + p + ", axis " + axis + ")";
            }
            case "max all" -> {
                t = a.max().mul(a);
                extras.kink(a.max().sub(a));
                text = "max(" + p + ") * " + p;
            }
            case "a*cast(b>0)" -> {
                t = a.mul(b.gt(0.0).cast(dev.nabla.core.DType.F64)).add(b.mul(0.5));
                extras.kink(b);
                text = p + " * cast(" + q + " > 0) + " + q + "/2";
            }
            case "fma" -> {
                t = a.fma(b, a.sin());
                text = "fma(" + p + ", " + q + ", sin(" + p + "))";
            }
            case "permute round trip" -> {
                t = full(a).reshape(1, 2, 3).permute(2, 0, 1).sin().permute(1, 2, 0).reshape(2, 3);
                text = "permute(sin(permute(" + p + ", (2,0,1))), (1,2,0))";
            }
            case "unsqueeze-squeeze" -> {
                int axis = s.axis() % (a.rank() + 1);
                t = a.unsqueeze(axis).tanh().squeeze(axis);
                text = "squeeze(tanh(unsqueeze(" + p + ", " + axis + ")), " + axis + ")";
            }
            case "dot" -> {
                t = full(a).reshape(-1).dot(full(b).reshape(-1).sin()).mul(0.2);
                text = "0.2 * dot(" + p + ", sin(" + q + "))";
            }
            case "f32 round trip" -> {
                t = a.cast(dev.nabla.core.DType.F32).tanh().cast(dev.nabla.core.DType.F64);
                extras.f32.add(t);
                text = "f64(tanh(f32(" + p + ")))";
            }
            case "softmax, stopGradient(max) shift" -> {
                Tensor a1 = atLeast1D(a);
                int axis = s.axis() % a1.rank();
                t = a1.sub(a1.maxKeepDims(axis).stopGradient()).softmax(axis);
                text = "softmax(" + p + " - detach(max), axis " + axis + ")";
            }
            case "logSumExp by hand, stopGradient(mean) shift" -> {
                Tensor a1 = atLeast1D(a);
                int axis = s.axis() % a1.rank();
                Tensor m = a1.meanKeepDims(axis).stopGradient();
                t = a1.sub(m).exp().sumKeepDims(axis).log().add(m);
                text = "log(sum(exp(" + p + " - detach(mean)), axis " + axis + ")) + detach(mean)";
            }
            case "dropout" -> {
                t = Nabla.dropout(a, 0.3, Nabla.key(a.graph(), s.axis()), true);
                text = "dropout(" + p + ", 0.3, key " + s.axis() + ")";
            }
            default -> throw new IllegalStateException(name);
        }
        boolean binary = switch (name) {
            case "add", "sub", "mul", "a*tanh(b)", "a/(1+b^2)", "pow(softplus(a)+0.5, tanh b)", "stack-sum",
                 "matmul sandwich", "sign(a)*b", "maximum", "minimum", "where(a<b)", "where(a>=b)",
                 "where(sign a == sign b)", "a*cast(b>0)", "fma", "dot", "custom a*tanh(b), jvp only",
                 "custom a/(1+b^2), vjp of y" -> true;
            default -> false;
        };
        return new Value(t, text, binary ? depth : unaryDepth);
    }
}

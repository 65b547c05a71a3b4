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
 * steps. The ops are smooth on safe domains (log of softplus(x) + 0.5, division by 1 + x^2,
 * pow of a positive base, ...); the shape ops (reductions with keepDims, softmax, transposes,
 * reshapes, slices with steps, concat, stack, matmul) keep every value broadcastable with every
 * other. Runs are reproducible: the seed is fixed, and a failure shrinks to a small graph whose
 * formula is the name of the failing check.
 */
class RandomGraphGradTest {
    static final int MAX_DEPTH = 5;
    private static final int[][] SHAPES = {{2, 3}, {3}, {2, 1}, {}};

    /** One op applied to earlier values a and b (indices taken modulo what is there). */
    record Step(int op, int a, int b, int axis) {}

    private record Value(Tensor t, String text, int depth) {}

    private static final String[] OPS = {
        "sin", "cos", "tanh", "sigmoid", "softplus", "exp∘tanh", "log(softplus+0.5)", "sqrt(softplus+0.25)",
        "rsqrt(1+a^2)", "log1p(a^2)", "expm1∘tanh", "tan(0.5 tanh)", "neg", "square", "a^3/(1+a^2)",
        "add", "sub", "mul", "a*tanh(b)", "a/(1+b^2)", "pow(softplus(a)+0.5, tanh b)",
        "sumKeepDims", "meanKeepDims", "prodKeepDims", "logSumExpKeepDims", "softmax", "logSoftmax",
        "transpose sandwich", "reshape round trip", "slice/concat rotation", "strided slice permutation",
        "stack-sum", "matmul sandwich",
    };

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
    @Property(tries = 200, seed = "4711", edgeCases = EdgeCasesMode.NONE)
    void autodiffMatchesFiniteDifferencesOnRandomGraphs(
            @ForAll("programs") List<Step> steps,
            @ForAll @IntRange(min = 1, max = 3) int inputCount,
            @ForAll @Size(3) List<@IntRange(min = 0, max = 3) Integer> shapes,
            @ForAll long valueSeed) {
        String[] formula = new String[1];
        int[] depth = new int[1];
        GradCheck check = GradCheck.of("random graph", x -> {
            Value out = build(steps, x);
            formula[0] = out.text();
            depth[0] = out.depth();
            return out.t();
        });
        for (int i = 0; i < inputCount; i++) {
            check.input(uniform(-1.5, 1.5), SHAPES[shapes.get(i)]);
        }
        try {
            check.order(3).seed(valueSeed).check();
        } catch (AssertionError e) {
            throw new AssertionError("f = " + formula[0] + "\n" + e.getMessage(), e);
        }
        Statistics.label("depth (steps)").collect(depth[0]);
    }

    /** The output: the value of the last step. */
    static Value build(List<Step> steps, Tensor[] x) {
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
            last = apply(s, a, b);
            values.add(last);
        }
        return last;
    }

    private static Tensor full(Tensor t) {
        return t.shape().rank() == 2 && t.shape().dim(0) == 2 && t.shape().dim(1) == 3 ? t : t.broadcastTo(2, 3);
    }

    private static Tensor atLeast1D(Tensor t) {
        return t.rank() == 0 ? t.broadcastTo(3) : t;
    }

    private static Value apply(Step s, Value va, Value vb) {
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
                Tensor w = a.graph().constant(dev.nabla.runtime.NDArray.of(new double[] {0.7, -0.4}, 2, 1, 1));
                t = Nabla.stack(0, full(a), full(b).sin()).mul(w).sum(0);
                text = "sum(stack(" + p + ", sin(" + q + ")) * [0.7,-0.4], 0)";
            }
            case "matmul sandwich" -> {
                t = full(a).matmul(full(b).transpose()).matmul(full(a)).mul(0.3);
                text = "0.3*((" + p + ")@(" + q + ")^T@(" + p + "))";
            }
            default -> throw new IllegalStateException(name);
        }
        boolean binary = switch (name) {
            case "add", "sub", "mul", "a*tanh(b)", "a/(1+b^2)", "pow(softplus(a)+0.5, tanh b)", "stack-sum",
                 "matmul sandwich" -> true;
            default -> false;
        };
        return new Value(t, text, binary ? depth : unaryDepth);
    }
}

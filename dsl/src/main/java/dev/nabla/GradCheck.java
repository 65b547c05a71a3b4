package dev.nabla;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A float64 gradient checker, as PyTorch's {@code gradcheck}/{@code gradgradcheck} and JAX's
 * {@code check_grads}: it compares Nabla's symbolic derivatives of a function, in reverse and in
 * forward mode and to any order, with central finite differences of the values the function
 * computes. Use it on your own functions and on {@link CustomFunction} rules:
 *
 * <pre>{@code
 * GradCheck.of("log1pexp", x -> log1pexp.apply(x.get(0)))
 *         .input(GradCheck.uniform(-3, 3), 2, 3)      // an f64 input of shape [2,3], random values
 *         .order(2)
 *         .check();                                   // throws GradCheckError on a mismatch
 * }</pre>
 *
 * <p>For a function {@code f} of inputs {@code x_0..x_{n-1}} (declared f64) it checks:
 *
 * <ul>
 *   <li><b>order 1</b>: {@code vjp(f, w)} against central differences of {@code sum(f(x) * w)}
 *       in every input element, for a fixed random weight {@code w} of f's shape (this is how a
 *       non-scalar output is reduced to a scalar); and {@code jvp(f, t)} against central
 *       differences of f along a random tangent {@code t} ({@code f(x + h t) - f(x - h t)}),
 *       element by element of the output. The two are also checked against each other:
 *       {@code sum_i <vjp_i, t_i> = <w, jvp>}.
 *   <li><b>order k+1</b>, along two chains, each link checked in both modes like order 1:
 *       the reverse chain {@code F_0 = sum(f * w_0)},
 *       {@code F_{k+1} = sum_i sum(grad(F_k, x_i) * v_{k,i})}, which covers reverse-over-reverse
 *       and forward-over-reverse; and the forward chain {@code G_0 = f},
 *       {@code G_{k+1} = jvp(G_k, t_k)}, which covers reverse-over-forward and
 *       forward-over-forward. Each {@code F_k} and {@code G_k} is evaluated by the graph itself,
 *       so finite differences of it measure derivatives of order k+1.
 * </ul>
 *
 * <p>All random values (inputs, weights, tangents) come from one {@link Random} seeded by the
 * check's seed, which defaults to a hash of its name: a failure reproduces exactly. {@link #run}
 * returns a {@link GradCheckReport} naming each mismatch (order, chain, mode, input and element,
 * analytic and numeric values, tolerance); {@link #check} throws a {@link GradCheckError} with that
 * report when there is one.
 *
 * <p>The numeric derivative and its tolerance. Each derivative is a central difference
 * {@code D(h) = (phi(h) - phi(-h)) / 2h} of the function along one direction, taken at the steps
 * {@code h}, {@code h/2} and {@code h/4} and extrapolated twice (Richardson):
 * {@code R = (64 D(h/4) - 20 D(h/2) + D(h)) / 45}, whose error is O(h^6), against O(h^2) for one
 * difference. The tolerance is a sum of error bounds, each scaled by the function, none fixed:
 * <ul>
 *   <li><b>truncation</b>: {@code |R - R2|}, with {@code R2 = (4 D(h/4) - D(h/2)) / 3} the
 *   once-extrapolated difference (O(h^4)): an estimate of R2's error, so a generous one of R's;
 *   it measures the function's own higher derivatives, whatever their size.
 *   <li><b>rounding</b>: the function values carry a relative rounding error {@code noise}
 *   (default 64 roundoffs of f64: a chain of ops, each rounding) of the size S of the numbers
 *   they are computed from: the larger of the values combined (for sum(y * w), the sum of
 *   |y_i w_i|) and the problem's scale (below). R weighs the six values with weights whose
 *   magnitudes sum to 6.6 / h, so it errs by at most {@code 6.6 noise S / h}.
 *   <li><b>cancellation</b>: {@code noise} times the problem's scale, the largest function value
 *   of this link and of the links checked before, the largest derivative checked before and the
 *   largest input: a derivative that is zero, like that of a softmax over one element, is
 *   computed from numbers of that size that cancel, and errs by their rounding.
 * </ul>
 * {@code |analytic - R| <= 2 truncation + 2 rounding + cancellation + rtol |R| + atol}, with
 * {@code rtol = 1e-9} and {@code atol = 0} by default (floors for what the estimates miss). The
 * base step {@code h = eps = 1e-2} balances truncation and rounding for inputs of size about 1:
 * for smooth functions the tolerance comes to about 1e-9 of the derivative, so a derivative off
 * by 1e-7 of its own size is caught at orders 1 to 3 however small it is; PyTorch's gradcheck
 * ({@code eps = 1e-6}, {@code atol = 1e-5}, {@code rtol = 1e-3}) lets any error below 1e-5 pass.
 * Inputs must stay {@code 2h = 0.02} away from kinks and domain edges (see {@link #kinks}).
 */
public final class GradCheck {
    /** Builds the output from the declared inputs (all f64). Constants come from {@code x.get(0).graph()}. */
    @FunctionalInterface
    public interface Fn {
        /**
         * {@return the function's output, an f64 tensor of the inputs' graph}
         *
         * @param x the declared inputs, in order
         */
        Tensor apply(List<Tensor> x);
    }

    /** Draws {@code n} values for one input. */
    @FunctionalInterface
    public interface Gen {
        /**
         * {@return {@code n} values, row-major}
         *
         * @param r the check's random source: draw only from it, so a failure reproduces
         * @param n how many values
         */
        double[] sample(Random r, int n);
    }

    /** A difference step crossed a kink (see {@link #kinks}): the sample cannot be checked. */
    public static final class KinkCrossed extends RuntimeException {
        KinkCrossed(String message) {
            super(message);
        }
    }

    // ---- value generators ----

    /**
     * {@return values uniform in [lo, hi)}
     *
     * @param lo the lowest value
     * @param hi the bound above every value
     */
    public static Gen uniform(double lo, double hi) {
        return (r, n) -> {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = lo + (hi - lo) * r.nextDouble();
            }
            return v;
        };
    }

    /**
     * {@return values whose magnitude is uniform in [lo, hi], with a random sign: away from the kink of abs, relu, sign at 0}
     *
     * @param lo the smallest magnitude, above 0 to stay away from 0
     * @param hi the largest magnitude
     */
    public static Gen awayFromZero(double lo, double hi) {
        return (r, n) -> {
            double[] v = uniform(lo, hi).sample(r, n);
            for (int i = 0; i < n; i++) {
                if (r.nextBoolean()) {
                    v[i] = -v[i];
                }
            }
            return v;
        };
    }

    /**
     * n values in [lo, hi], pairwise at least (hi - lo) / (2n) apart: one per equal cell of the
     * interval, in random order, jittered within the middle half of its cell. No ties, so no
     * max/min/maximum/minimum kinks within reach of the finite differences.
     *
     * @param lo the interval's low end
     * @param hi the interval's high end
     * @return the generator
     */
    public static Gen distinct(double lo, double hi) {
        return (r, n) -> {
            double cell = (hi - lo) / n;
            List<Double> v = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                v.add(lo + cell * (i + 0.25 + 0.5 * r.nextDouble()));
            }
            java.util.Collections.shuffle(v, r);
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        };
    }

    /**
     * {@return exactly these values (row-major)}
     *
     * @param values the values, as many as the input has elements (copied)
     */
    public static Gen fixed(double... values) {
        double[] copy = values.clone();
        return (r, n) -> {
            if (copy.length != n) {
                throw new NablaException("gradcheck: " + copy.length + " fixed values for an input of " + n
                        + " elements");
            }
            return copy.clone();
        };
    }

    // ---- configuration ----

    /** One input: its shape and how its values are drawn (null: from the joint generator). */
    record InputSpec(Shape shape, Gen gen) {}

    /** The options a run reads. */
    record Options(int order, double eps, double atol, double rtol, double noise, double consistency,
                   Map<Integer, double[]> toleranceByOrder, Supplier<List<Tensor>> kinks, Device device) {
        double atol(int forOrder) {
            return toleranceByOrder.containsKey(forOrder) ? toleranceByOrder.get(forOrder)[0] : atol;
        }

        double rtol(int forOrder) {
            return toleranceByOrder.containsKey(forOrder) ? toleranceByOrder.get(forOrder)[1] : rtol;
        }
    }

    private final String name;
    private final Fn fn;
    /** For a check of an existing graph: its output and the inputs with their values; else null. */
    private final Tensor output;
    private final Map<Tensor, NDArray> at;
    private final List<InputSpec> inputs = new ArrayList<>();
    private Gen jointGen;
    private int order = 1;
    private Long seed;
    private double eps = 1e-2;
    private double atol = 0;
    private double rtol = 1e-9;
    private double noise = 64 * 0x1p-53;
    private double consistency = 1e-9;
    private final Map<Integer, double[]> toleranceByOrder = new HashMap<>();
    private Supplier<List<Tensor>> kinks = List::of;
    private Device device;

    private GradCheck(String name, Fn fn, Tensor output, Map<Tensor, NDArray> at) {
        if (name == null) {
            throw new NablaException("gradcheck: give the check a name (it seeds the random values and titles the"
                    + " report)");
        }
        this.name = name;
        this.fn = fn;
        this.output = output;
        this.at = at;
    }

    /**
     * {@return a check of {@code fn}, a function of the f64 inputs declared next with {@link #input}}
     *
     * @param name names the check in reports, and seeds it unless {@link #seed} is set
     * @param fn   builds the output from the inputs
     */
    public static GradCheck of(String name, Fn fn) {
        if (fn == null) {
            throw new NablaException("gradcheck '" + name + "': the function is null");
        }
        return new GradCheck(name, fn, null, null);
    }

    /**
     * A check of {@code output}, a tensor of an existing graph, with respect to the f64 inputs in
     * {@code at} (in its iteration order), around the values given there. Every input the output
     * reads must be among them; its graph stays open.
     *
     * @param name   names the check in reports, and seeds it unless {@link #seed} is set
     * @param output an f64 tensor of the graph
     * @param at     each f64 input of the graph with the value to check at
     * @return the check
     * @throws dev.nabla.core.NablaException if an input is not an f64 input of the output's graph
     *         or its value does not fit
     */
    public static GradCheck of(String name, Tensor output, Map<Tensor, NDArray> at) {
        if (output == null || at == null || at.isEmpty()) {
            throw new NablaException("gradcheck '" + name + "': needs an output and at least one input with its value");
        }
        Map<Tensor, NDArray> copy = new LinkedHashMap<>();
        at.forEach((x, v) -> {
            if (x == null || x.graph() != output.graph() || !(x.node().op() instanceof Op.Input)
                    || x.dtype() != DType.F64) {
                throw new NablaException("gradcheck '" + name + "': " + x + " is not an f64 input of the output's"
                        + " graph; check derivatives with respect to f64 inputs (declare them with"
                        + " input(name, DType.F64, dims...))");
            }
            if (v == null || v.dtype() != DType.F64 || !v.shape().equals(x.shape())) {
                throw new NablaException("gradcheck '" + name + "': the value " + v + " of " + x + " must be f64 of"
                        + " shape " + x.shape());
            }
            copy.put(x, v);
        });
        GradCheck check = new GradCheck(name, null, output, copy);
        copy.forEach((x, v) -> check.inputs.add(new InputSpec(x.shape(), fixed(v.toDoubleArray()))));
        return check;
    }

    /**
     * {@return this check with one more input: f64 of these dims, values drawn by {@code gen}}
     *
     * @param gen  draws its values; null to draw them with the joint generator
     * @param dims its shape
     */
    public GradCheck input(Gen gen, int... dims) {
        if (output != null) {
            throw new NablaException("gradcheck '" + name + "': the inputs of a graph's output are given with it");
        }
        inputs.add(new InputSpec(new Shape(dims), gen));
        return this;
    }

    /**
     * {@return this check with one more input, of this value}
     *
     * @param value an f64 array
     */
    public GradCheck input(NDArray value) {
        if (value == null || value.dtype() != DType.F64) {
            throw new NablaException("gradcheck '" + name + "': an input's value must be an f64 array, got " + value);
        }
        return input(fixed(value.toDoubleArray()), value.shape().dims());
    }

    /**
     * {@return this check with one more input, whose values come from the joint generator (see {@link #jointly})}
     *
     * @param dims its shape
     */
    public GradCheck input(int... dims) {
        return input((Gen) null, dims);
    }

    /**
     * Draws the values of all inputs declared without a generator as one sample, e.g.
     * {@code distinct(-2, 2)} so that no element of one input ties with one of another.
     *
     * @param gen the joint generator
     * @return this check
     */
    public GradCheck jointly(Gen gen) {
        this.jointGen = gen;
        return this;
    }

    /**
     * {@return this check, checking derivatives of orders 1..order (default 1)}
     *
     * @param order the highest order, at least 1
     */
    public GradCheck order(int order) {
        if (order < 1) {
            throw new NablaException("gradcheck '" + name + "': the order must be at least 1, got " + order);
        }
        this.order = order;
        return this;
    }

    /**
     * {@return this check, with its random values seeded by {@code seed} (default: a hash of the name)}
     *
     * @param seed the seed
     */
    public GradCheck seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * {@return this check with another largest difference step (default 1e-2)}
     *
     * @param eps the largest of the three steps h, h/2, h/4
     */
    public GradCheck eps(double eps) {
        this.eps = eps;
        return this;
    }

    /**
     * {@return this check with another relative rounding error of the function's values (default 64
     * roundoffs of f64); a function computed through f32 has about 1e-7}
     *
     * @param relative the error, relative to the values
     */
    public GradCheck noise(double relative) {
        this.noise = relative;
        return this;
    }

    /**
     * {@return this check with other floors added to the estimated error: {@code atol + rtol * |numeric|} (defaults 0 and 1e-9)}
     *
     * @param atol the absolute floor
     * @param rtol the floor relative to the numeric derivative
     */
    public GradCheck tolerance(double atol, double rtol) {
        this.atol = atol;
        this.rtol = rtol;
        return this;
    }

    /**
     * {@return this check with floors for derivatives of one order (the defaults serve the others)}
     *
     * @param forOrder the order they apply to
     * @param atol     the absolute floor
     * @param rtol     the floor relative to the numeric derivative
     */
    public GradCheck tolerance(int forOrder, double atol, double rtol) {
        toleranceByOrder.put(forOrder, new double[] {atol, rtol});
        return this;
    }

    /**
     * {@return this check with another relative tolerance of the reverse-versus-forward identity
     * {@code sum_i <vjp_i, t_i> = <w, jvp>} (default 1e-9: both sides are exact up to f64 rounding)}
     *
     * @param relative the tolerance
     */
    public GradCheck consistency(double relative) {
        this.consistency = relative;
        return this;
    }

    /**
     * Tensors built by the function (fetched after it ran) whose signs mark its pieces: the
     * argument of abs or relu, a - b of maximum(a, b) or of a comparison, max(x) - x of a max.
     * Finite differences are valid only within one piece, so every point they evaluate must give
     * each element the sign (or the exact zero) it has at the inputs; where one does not, the
     * check throws {@link KinkCrossed} instead of comparing.
     *
     * @param kinks gives the tensors, once the function has built them
     * @return this check
     */
    public GradCheck kinks(Supplier<List<Tensor>> kinks) {
        this.kinks = kinks;
        return this;
    }

    /**
     * {@return this check, running the function and its derivatives on {@code device} (default {@link Device#best()})}
     *
     * @param device where to run
     */
    public GradCheck device(Device device) {
        this.device = device;
        return this;
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- running ----

    /**
     * {@return a report of every comparison; never throws for a mismatch}
     *
     * @throws dev.nabla.core.NablaException if no input is declared, or the function does not
     *         return an f64 tensor of the inputs' graph
     * @throws KinkCrossed if a difference step crosses a kink named by {@link #kinks}
     */
    public GradCheckReport run() {
        if (inputs.isEmpty()) {
            throw new NablaException("gradcheck '" + name + "': declare at least one input");
        }
        Random rnd = new Random(seed != null ? seed : name.hashCode() * 0x9E3779B97F4A7C15L);
        double[][] x = sampleInputs(rnd);
        Options options = new Options(order, eps, atol, rtol, noise, consistency, Map.copyOf(toleranceByOrder), kinks,
                device != null ? device : Device.best());
        if (output != null) {
            return GradCheckRun.check(name, options, output, List.copyOf(at.keySet()), x, rnd);
        }
        try (Graph g = Graph.create()) {
            List<Tensor> xs = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                xs.add(g.input("x" + i, DType.F64, inputs.get(i).shape().dims()));
            }
            Tensor out = fn.apply(List.copyOf(xs));
            if (out == null || out.graph() != g || out.dtype() != DType.F64) {
                throw new NablaException("gradcheck '" + name + "': the function must return an f64 tensor of the"
                        + " inputs' graph, got " + out);
            }
            return GradCheckRun.check(name, options, out, xs, x, rnd);
        }
    }

    /**
     * {@return the check's report, when every derivative matched}
     *
     * @throws GradCheckError if a derivative is off, with the report
     */
    public GradCheckReport check() {
        return run().orThrow();
    }

    private double[][] sampleInputs(Random rnd) {
        double[][] x = new double[inputs.size()][];
        int jointCount = 0;
        for (InputSpec s : inputs) {
            if (s.gen() == null) {
                jointCount += s.shape().size();
            }
        }
        if (jointCount > 0 && jointGen == null) {
            throw new NablaException("gradcheck '" + name + "': inputs declared without a generator need jointly(...)");
        }
        double[] joint = jointCount > 0 ? jointGen.sample(rnd, jointCount) : new double[0];
        int next = 0;
        for (int i = 0; i < x.length; i++) {
            InputSpec s = inputs.get(i);
            int n = s.shape().size();
            if (s.gen() == null) {
                x[i] = java.util.Arrays.copyOfRange(joint, next, next + n);
                next += n;
            } else {
                x[i] = s.gen().sample(rnd, n);
            }
        }
        return x;
    }
}

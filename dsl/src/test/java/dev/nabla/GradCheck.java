package dev.nabla;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A float64 gradient checker in the spirit of PyTorch's {@code gradcheck}/{@code gradgradcheck}
 * and JAX's {@code check_grads}: it compares Nabla's symbolic derivatives, in reverse and in
 * forward mode and to any order, with central finite differences of the values the graph
 * computes.
 *
 * <p>For a function {@code f} of inputs {@code x_0..x_{n-1}} (declared f64) it checks:
 *
 * <ul>
 *   <li><b>order 1</b>: {@code vjp(f, w)} against central differences of {@code sum(f(x) * w)}
 *       in every input element, for a fixed random weight {@code w} of f's shape (this is how a
 *       non-scalar output is reduced to a scalar); and {@code jvp(f, t)} against central
 *       differences of f along a random tangent {@code t} ({@code f(x + h t) - f(x - h t)}),
 *       element by element of the output. (Each numeric derivative is extrapolated from three
 *       steps, see below.) The two are also checked against each
 *       other: {@code sum_i <vjp_i, t_i> = <w, jvp>}.
 *   <li><b>order k+1</b>, along two chains, each link checked in both modes like order 1:
 *       the reverse chain {@code F_0 = sum(f * w_0)},
 *       {@code F_{k+1} = sum_i sum(grad(F_k, x_i) * v_{k,i})} (with {@link Tensor#grad}), which
 *       covers reverse-over-reverse and forward-over-reverse; and the forward chain
 *       {@code G_0 = f}, {@code G_{k+1} = jvp(G_k, t_k)}, which covers reverse-over-forward and
 *       forward-over-forward. Each {@code F_k} and {@code G_k} is evaluated by the graph itself,
 *       so finite differences of it measure derivatives of order k+1.
 * </ul>
 *
 * <p>All random values (inputs, weights, tangents) come from one {@link Random} seeded by the
 * check's seed, which defaults to a hash of its name: a failure reproduces exactly. A failure
 * names the check, the derivative order, the chain and mode, the input and element, and the
 * analytic and numeric values.
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
 * by 1e-7 of its own size is caught at orders 1 to 3 however small it is (GradCheckSelfTest: one
 * of size 1e-6 off by 1e-13); PyTorch's gradcheck ({@code eps = 1e-6}, {@code atol = 1e-5},
 * {@code rtol = 1e-3}), and this class before, let any error below 1e-5 pass. Inputs must stay
 * {@code 2h = 0.02} away from kinks and domain edges.
 */
final class GradCheck {
    /** Builds the output from the declared inputs (all f64). Constants come from {@code x[0].graph()}. */
    @FunctionalInterface
    interface Fn {
        Tensor apply(Tensor[] x);
    }

    /** Draws {@code n} values for one input. */
    @FunctionalInterface
    interface Gen {
        double[] sample(Random r, int n);
    }

    // ---- value generators ----

    static Gen uniform(double lo, double hi) {
        return (r, n) -> {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = lo + (hi - lo) * r.nextDouble();
            }
            return v;
        };
    }

    /** |v| uniform in [lo, hi] with a random sign: away from the kink of abs, relu, sign at 0. */
    static Gen awayFromZero(double lo, double hi) {
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
     */
    static Gen distinct(double lo, double hi) {
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

    static Gen fixed(double... values) {
        return (r, n) -> {
            if (values.length != n) {
                throw new IllegalArgumentException(values.length + " fixed values for " + n + " elements");
            }
            return values.clone();
        };
    }

    // ---- configuration ----

    private record InputSpec(Shape shape, Gen gen) {}

    private final String name;
    private final Fn fn;
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
    private java.util.function.Supplier<List<Tensor>> kinks = List::of;

    private GradCheck(String name, Fn fn) {
        this.name = name;
        this.fn = fn;
    }

    static GradCheck of(String name, Fn fn) {
        return new GradCheck(name, fn);
    }

    /** Declares the next input: f64 of these dims, values drawn by {@code gen}. */
    GradCheck input(Gen gen, int... dims) {
        inputs.add(new InputSpec(new Shape(dims), gen));
        return this;
    }

    /** An input whose values come from the joint generator (see {@link #jointly}). */
    GradCheck input(int... dims) {
        return input(null, dims);
    }

    /**
     * Draws the values of all inputs declared without a generator as one sample, e.g.
     * {@code distinct(-2, 2)} so that no element of one input ties with one of another.
     */
    GradCheck jointly(Gen gen) {
        this.jointGen = gen;
        return this;
    }

    /** Checks derivatives of orders 1..order. */
    GradCheck order(int order) {
        this.order = order;
        return this;
    }

    GradCheck seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The largest of the three difference steps (default 1e-2). */
    GradCheck eps(double eps) {
        this.eps = eps;
        return this;
    }

    /**
     * The relative rounding error of the function's values (default 64 roundoffs of f64); a
     * function computed through f32 has about 1e-7.
     */
    GradCheck noise(double relative) {
        this.noise = relative;
        return this;
    }

    /** Floors added to the estimated error: {@code atol + rtol * |numeric|} (defaults 0 and 1e-9). */
    GradCheck tolerance(double atol, double rtol) {
        this.atol = atol;
        this.rtol = rtol;
        return this;
    }

    /**
     * Relative tolerance of the reverse-versus-forward identity {@code sum_i <vjp_i, t_i> = <w, jvp>}
     * (default 1e-9: both sides are exact up to f64 rounding).
     */
    GradCheck consistency(double relative) {
        this.consistency = relative;
        return this;
    }

    /**
     * Tensors built by the function (fetched after it ran) whose signs mark its pieces: the
     * argument of abs or relu, a - b of maximum(a, b) or of a comparison, max(x) - x of a max.
     * Finite differences are valid only within one piece, so every point they evaluate must give
     * each element the sign (or the exact zero) it has at the inputs; where one does not, the
     * check throws {@link KinkCrossed} instead of comparing.
     */
    GradCheck kinks(java.util.function.Supplier<List<Tensor>> kinks) {
        this.kinks = kinks;
        return this;
    }

    /** A difference step crossed a kink (see {@link #kinks}): the sample cannot be checked. */
    static final class KinkCrossed extends RuntimeException {
        KinkCrossed(String message) {
            super(message);
        }
    }

    /** Tolerances for derivatives of one order (the defaults serve the others). */
    GradCheck tolerance(int forOrder, double atol, double rtol) {
        toleranceByOrder.put(forOrder, new double[] {atol, rtol});
        return this;
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- the check ----

    /**
     * Runs every check and throws an AssertionError listing all mismatches; returns the number
     * of analytic-versus-numeric comparisons made (so that a test can see the check is not empty).
     */
    int check() {
        Random rnd = new Random(seed != null ? seed : name.hashCode() * 0x9E3779B97F4A7C15L);
        double[][] x = sampleInputs(rnd);
        List<String> failures = new ArrayList<>();
        int[] comparisons = {0};
        try (Graph g = Graph.create()) {
            Tensor[] xs = new Tensor[inputs.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = g.input("x" + i, DType.F64, inputs.get(i).shape().dims());
            }
            Tensor out = fn.apply(xs);
            if (out.dtype() != DType.F64) {
                throw new AssertionError(name + ": the function must return an f64 tensor, got " + out);
            }
            LinkChecker links = new LinkChecker(g, g.compile(), xs, x, failures, comparisons,
                    kinks.get().toArray(Tensor[]::new));

            // Order 1, shared by both chains.
            Link first = links.check(1, "f", out, rnd);
            // Reverse chain: F_0 = sum(f * w0), F_{k+1} = sum_i sum(grad(F_k, x_i) * v_{k,i}).
            Tensor fRev = g.constant(NDArray.of(first.w, out.shape().dims())).mul(out).sum();
            // Forward chain: G_0 = f, G_{k+1} = jvp(G_k, t_k).
            Tensor gFwd = out;
            Link fwdLink = first;
            for (int k = 1; k < order; k++) {
                List<Tensor> grads = fRev.grad(xs);
                Tensor next = null;
                for (int i = 0; i < xs.length; i++) {
                    double[] v = uniformArray(rnd, xs[i].shape().size());
                    Tensor term = grads.get(i).mul(g.constant(NDArray.of(v, xs[i].shape().dims()))).sum();
                    next = next == null ? term : next.add(term);
                }
                fRev = next;
                links.check(k + 1, "reverse chain F" + k + " = sum_i sum(grad(F" + (k - 1) + ", x_i) * v_i)",
                        fRev, rnd);

                gFwd = links.jvp(gFwd, fwdLink.t);
                fwdLink = links.check(k + 1, "forward chain G" + k + " = jvp(G" + (k - 1) + ", t)", gFwd, rnd);
            }
        }
        if (!failures.isEmpty()) {
            StringBuilder sb = new StringBuilder("gradcheck '" + name + "' failed (" + failures.size()
                    + " mismatches; tolerance |analytic - numeric| <= 2 truncation + 2 rounding + cancellation"
                    + " + rtol*|numeric| + atol):\n");
            failures.stream().limit(25).forEach(f -> sb.append("  ").append(f).append('\n'));
            if (failures.size() > 25) {
                sb.append("  ... ").append(failures.size() - 25).append(" more\n");
            }
            for (int i = 0; i < x.length; i++) {
                sb.append("  input x").append(i).append(inputs.get(i).shape()).append(" = ")
                        .append(Arrays.toString(x[i])).append('\n');
            }
            throw new AssertionError(sb.toString());
        }
        return comparisons[0];
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
            throw new IllegalStateException(name + ": inputs without a generator need jointly(...)");
        }
        double[] joint = jointCount > 0 ? jointGen.sample(rnd, jointCount) : new double[0];
        int at = 0;
        for (int i = 0; i < x.length; i++) {
            InputSpec s = inputs.get(i);
            int n = s.shape().size();
            if (s.gen() == null) {
                x[i] = Arrays.copyOfRange(joint, at, at + n);
                at += n;
            } else {
                x[i] = s.gen().sample(rnd, n);
            }
        }
        return x;
    }

    private static double[] uniformArray(Random rnd, int n) {
        return uniform(-1, 1).sample(rnd, n);
    }

    /** The weight and tangents drawn for checking one function. */
    private record Link(double[] w, double[][] t) {}

    /** Checks one function of the inputs (a link of a chain) in both modes. */
    private final class LinkChecker {
        private final Graph g;
        private final CompiledGraph run;
        private final Tensor[] xs;
        private final double[][] x;
        private final List<String> failures;
        private final int[] comparisons;
        /**
         * The size of the numbers the chain computes with: every link's function values and the
         * derivatives checked before. A link's values are sums of products of these (a jvp of
         * softmax multiplies its values by tangents), so where they cancel to nearly nothing
         * their rounding errors are errors of these numbers, not of the result.
         */
        private double problemScale;
        /** The problem scale for the link being checked. */
        private double linkScale;
        /**
         * The largest input. A function that is identically zero (logSoftmax over one element) is
         * still computed from the inputs, as x - log(exp(x)): its analytic derivatives err by the
         * rounding of numbers of that size, which the function values (all zero) do not show.
         */
        private double inputScale;

        /** The kink tensors, and the signs of their elements at the inputs. */
        private final Tensor[] guards;
        private final double[][] guardSigns;

        LinkChecker(Graph g, CompiledGraph run, Tensor[] xs, double[][] x, List<String> failures, int[] comparisons,
                    Tensor[] guards) {
            this.g = g;
            this.run = run;
            this.xs = xs;
            this.x = x;
            this.failures = failures;
            this.comparisons = comparisons;
            this.guards = guards;
            for (double[] xi : x) {
                for (double v : xi) {
                    inputScale = Math.max(inputScale, Math.abs(v));
                }
            }
            this.guardSigns = new double[guards.length][];
            List<NDArray> at = guards.length == 0 ? List.of() : eval(x, guards);
            for (int k = 0; k < guards.length; k++) {
                guardSigns[k] = signs(at.get(k));
            }
        }

        private static double[] signs(NDArray a) {
            double[] s = a.toDoubleArray();
            for (int i = 0; i < s.length; i++) {
                s[i] = Math.signum(s[i]);
            }
            return s;
        }

        /** y at a difference point, after checking that no kink lies between it and the inputs. */
        private double[] valueAt(double[][] point, Tensor y) {
            Tensor[] outputs = new Tensor[1 + guards.length];
            outputs[0] = y;
            System.arraycopy(guards, 0, outputs, 1, guards.length);
            List<NDArray> values = eval(point, outputs);
            for (int k = 0; k < guards.length; k++) {
                if (!Arrays.equals(signs(values.get(k + 1)), guardSigns[k])) {
                    throw new KinkCrossed(name + ": a difference step crosses the kink at " + guards[k]
                            + ": signs " + Arrays.toString(guardSigns[k]) + " at the inputs, "
                            + Arrays.toString(signs(values.get(k + 1))) + " at " + Arrays.deepToString(point));
                }
            }
            return values.get(0).toDoubleArray();
        }

        Tensor jvp(Tensor y, double[][] t) {
            Map<Tensor, Tensor> tangents = new LinkedHashMap<>();
            for (int i = 0; i < xs.length; i++) {
                tangents.put(xs[i], g.constant(NDArray.of(t[i], xs[i].shape().dims())));
            }
            return Nabla.jvp(y, tangents);
        }

        /** Checks the derivatives of y (whose own values are derivatives of order derivOrder-1). */
        Link check(int derivOrder, String what, Tensor y, Random rnd) {
            double atolK = toleranceByOrder.containsKey(derivOrder) ? toleranceByOrder.get(derivOrder)[0] : atol;
            double rtolK = toleranceByOrder.containsKey(derivOrder) ? toleranceByOrder.get(derivOrder)[1] : rtol;
            int m = y.shape().size();
            double[] w = uniformArray(rnd, m);
            double[][] t = new double[xs.length][];
            for (int i = 0; i < xs.length; i++) {
                t[i] = uniformArray(rnd, xs[i].shape().size());
            }

            // Analytic: reverse mode (Tensor.grad for a scalar y, else Nabla.vjp) and forward mode.
            Tensor[] analytic = new Tensor[xs.length + 1];
            List<Tensor> cot = y.rank() == 0
                    ? y.mul(w[0]).grad(xs)
                    : Nabla.vjp(y, g.constant(NDArray.of(w, y.shape().dims())), xs);
            for (int i = 0; i < xs.length; i++) {
                analytic[i] = cot.get(i);
            }
            analytic[xs.length] = jvp(y, t);
            List<NDArray> values = eval(x, analytic);

            String where = "order " + derivOrder + " [" + what + "]";
            // Reverse mode against differences of sum(y * w) in each input element.
            double[] yAt = eval(x, y).get(0).toDoubleArray();
            checkFinite(where, yAt);
            linkScale = problemScale;
            for (double v : yAt) {
                linkScale = Math.max(linkScale, Math.abs(v));
            }
            double scale = 0;
            for (int i = 0; i < xs.length; i++) {
                double[] gi = values.get(i).toDoubleArray();
                for (int j = 0; j < gi.length; j++) {
                    double[] phi = new double[2 * STEPS];
                    double magnitude = 0;
                    for (int k = 0; k < 2 * STEPS; k++) {
                        double[] yk = valueAt(perturbed(x, i, j, step(k)), y);
                        phi[k] = dot(yk, w);
                        magnitude = Math.max(magnitude, dotAbs(yk, w));
                    }
                    compare(where + ", reverse mode (" + (y.rank() == 0 ? "grad" : "vjp") + "), input x" + i
                            + xs[i].shape() + " element " + index(xs[i].shape(), j), gi[j], phi, magnitude, atolK, rtolK);
                    scale = Math.max(scale, Math.abs(gi[j]));
                }
            }
            // Forward mode against the differences along t, element by element of y.
            double[] jv = values.get(xs.length).toDoubleArray();
            double[][] yAlong = new double[2 * STEPS][];
            for (int k = 0; k < 2 * STEPS; k++) {
                yAlong[k] = valueAt(along(x, t, step(k)), y);
            }
            for (int j = 0; j < m; j++) {
                double[] phi = new double[2 * STEPS];
                double magnitude = 0;
                for (int k = 0; k < 2 * STEPS; k++) {
                    phi[k] = yAlong[k][j];
                    magnitude = Math.max(magnitude, Math.abs(phi[k]));
                }
                compare(where + ", forward mode (jvp), output element " + index(y.shape(), j), jv[j], phi, magnitude,
                        atolK, rtolK);
                scale = Math.max(scale, Math.abs(jv[j]));
            }
            // The two modes against each other: sum_i <vjp_i, t_i> = <w, jvp>, exact up to rounding.
            double lhs = 0;
            for (int i = 0; i < xs.length; i++) {
                lhs += dot(values.get(i).toDoubleArray(), t[i]);
            }
            double rhs = dot(w, jv);
            double tol = consistency * (1 + scale * (m + Arrays.stream(t).mapToInt(a -> a.length).sum()));
            if (!(Math.abs(lhs - rhs) <= tol)) {
                failures.add(String.format(Locale.ROOT,
                        "%s, reverse vs forward: sum_i <vjp_i, t_i> = %.12g but <w, jvp> = %.12g", where, lhs, rhs));
            }
            problemScale = Math.max(linkScale, scale);
            return new Link(w, t);
        }

        /**
         * analytic against the extrapolated difference of phi (its values at the steps, see
         * {@link #step}), within the estimated truncation and rounding errors and the floors.
         */
        private void compare(String what, double analytic, double[] phi, double magnitude, double atolK, double rtolK) {
            comparisons[0]++;
            double[] d = new double[STEPS];
            for (int k = 0; k < STEPS; k++) {
                double h = eps / (1 << k);
                d[k] = (phi[2 * k] - phi[2 * k + 1]) / (2 * h);
            }
            double r1 = (4 * d[1] - d[0]) / 3;
            double r2 = (4 * d[2] - d[1]) / 3;
            double numeric = (16 * r2 - r1) / 15;
            double truncation = Math.abs(numeric - r2);
            double rounding = ROUNDING_GAIN * noise * Math.max(magnitude, linkScale) / eps;
            // The analytic value errs too: by rounding of the problem's numbers where they cancel.
            double cancellation = noise * Math.max(linkScale, inputScale);
            double tol = 2 * truncation + 2 * rounding + cancellation + rtolK * Math.abs(numeric) + atolK;
            double diff = Math.abs(analytic - numeric);
            if (!Double.isFinite(numeric)) {
                failures.add(what + ": the numeric derivative is " + numeric
                        + " (inputs outside the function's domain?)");
            } else if (!(diff <= tol)) {
                failures.add(String.format(Locale.ROOT, "%s: analytic=%.15g numeric=%.15g |diff|=%.3g > tol=%.3g"
                                + " (truncation %.2g, rounding %.2g, cancellation %.2g)", what, analytic, numeric, diff, tol,
                        truncation, rounding, cancellation));
            }
        }

        private void checkFinite(String where, double[] v) {
            for (double d : v) {
                if (!Double.isFinite(d)) {
                    failures.add(where + ": the function value is not finite: " + Arrays.toString(v));
                    return;
                }
            }
        }

        private List<NDArray> eval(double[][] at, Tensor... outputs) {
            Map<Tensor, NDArray> feeds = new HashMap<>();
            for (int i = 0; i < xs.length; i++) {
                feeds.put(xs[i], NDArray.of(at[i], xs[i].shape().dims()));
            }
            return run.eval(feeds, outputs);
        }
    }

    /** Difference steps eps, eps/2, eps/4; phi is evaluated at +h and -h of each. */
    private static final int STEPS = 3;

    /**
     * How much R = (64 D(h/4) - 20 D(h/2) + D(h)) / 45 magnifies errors of phi, per 1/h: an error
     * e in each value moves D(h/k) by up to k e / h, so R by (64 * 4 + 20 * 2 + 1) / 45 = 6.6 e / h.
     */
    private static final double ROUNDING_GAIN = (64 * 4 + 20 * 2 + 1) / 45.0;

    /** The step of value k of phi: +h, -h, +h/2, -h/2, +h/4, -h/4 (h = eps). */
    private double step(int k) {
        double h = eps / (1 << (k / 2));
        return k % 2 == 0 ? h : -h;
    }

    private static double[][] perturbed(double[][] x, int input, int element, double delta) {
        double[][] p = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            p[i] = x[i].clone();
        }
        p[input][element] += delta;
        return p;
    }

    private static double[][] along(double[][] x, double[][] t, double delta) {
        double[][] p = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            p[i] = x[i].clone();
            for (int j = 0; j < p[i].length; j++) {
                p[i][j] += delta * t[i][j];
            }
        }
        return p;
    }

    private static double dotAbs(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] * b[i]);
        }
        return s;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The multi-index of a flat row-major position, e.g. [1,2]. */
    static String index(Shape shape, int flat) {
        int[] idx = new int[shape.rank()];
        int rest = flat;
        for (int a = shape.rank() - 1; a >= 0; a--) {
            idx[a] = rest % shape.dim(a);
            rest /= shape.dim(a);
        }
        return flat + " " + Arrays.toString(idx);
    }
}

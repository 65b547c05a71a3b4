package dev.nabla;

import dev.nabla.GradCheckReport.Kind;
import dev.nabla.GradCheckReport.Mismatch;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * One run of a {@link GradCheck}: the derivative chains of one function at one point, each link
 * compared in both modes with extrapolated central differences (the numerics are described on
 * {@link GradCheck}).
 */
final class GradCheckRun {
    /** Difference steps eps, eps/2, eps/4; phi is evaluated at +h and -h of each. */
    private static final int STEPS = 3;

    /**
     * How much R = (64 D(h/4) - 20 D(h/2) + D(h)) / 45 magnifies errors of phi, per 1/h: an error
     * e in each value moves D(h/k) by up to k e / h, so R by (64 * 4 + 20 * 2 + 1) / 45 = 6.6 e / h.
     */
    private static final double ROUNDING_GAIN = (64 * 4 + 20 * 2 + 1) / 45.0;

    private final String name;
    private final GradCheck.Options options;
    private final Graph g;
    private final CompiledGraph compiled;
    private final List<Tensor> xs;
    private final double[][] x;
    private final List<Mismatch> mismatches = new ArrayList<>();
    private int comparisons;
    /**
     * The size of the numbers the chain computes with: every link's function values and the
     * derivatives checked before. A link's values are sums of products of these (a jvp of
     * softmax multiplies its values by tangents), so where they cancel to nearly nothing their
     * rounding errors are errors of these numbers, not of the result.
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

    private GradCheckRun(String name, GradCheck.Options options, CompiledGraph compiled, List<Tensor> xs,
                         double[][] x, Tensor[] guards) {
        this.name = name;
        this.options = options;
        this.g = xs.get(0).graph();
        this.compiled = compiled;
        this.xs = xs;
        this.x = x;
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

    /** Checks {@code out}, a function of the inputs {@code xs}, at the values {@code x}. */
    static GradCheckReport check(String name, GradCheck.Options options, Tensor out, List<Tensor> xs, double[][] x,
                                 Random rnd) {
        try (CompiledGraph compiled = out.graph().compile(options.device())) {
            GradCheckRun run = new GradCheckRun(name, options, compiled, xs, x,
                    options.kinks().get().toArray(Tensor[]::new));
            run.chains(out, rnd);
            Map<String, NDArray> inputs = new LinkedHashMap<>();
            for (int i = 0; i < xs.size(); i++) {
                inputs.put(run.inputName(i), NDArray.of(x[i], xs.get(i).shape().dims()));
            }
            return new GradCheckReport(name, run.comparisons, run.mismatches, inputs);
        }
    }

    /** Order 1, then each further order along the reverse and the forward chain. */
    private void chains(Tensor out, Random rnd) {
        Link first = checkLink(1, "f", out, rnd);
        // Reverse chain: F_0 = sum(f * w0), F_{k+1} = sum_i sum(grad(F_k, x_i) * v_{k,i}).
        Tensor fRev = g.constant(NDArray.of(first.w, out.shape().dims())).mul(out).sum();
        // Forward chain: G_0 = f, G_{k+1} = jvp(G_k, t_k).
        Tensor gFwd = out;
        Link fwdLink = first;
        for (int k = 1; k < options.order(); k++) {
            List<Tensor> grads = fRev.grad(xs);
            Tensor next = null;
            for (int i = 0; i < xs.size(); i++) {
                double[] v = uniformArray(rnd, xs.get(i).shape().size());
                Tensor term = grads.get(i).mul(g.constant(NDArray.of(v, xs.get(i).shape().dims()))).sum();
                next = next == null ? term : next.add(term);
            }
            fRev = next;
            checkLink(k + 1, "reverse chain F" + k + " = sum_i sum(grad(F" + (k - 1) + ", x_i) * v_i)", fRev, rnd);

            gFwd = jvp(gFwd, fwdLink.t);
            fwdLink = checkLink(k + 1, "forward chain G" + k + " = jvp(G" + (k - 1) + ", t)", gFwd, rnd);
        }
    }

    /** The weight and tangents drawn for checking one function. */
    private record Link(double[] w, double[][] t) {}

    private String inputName(int i) {
        String variable = xs.get(i).node().variableName();
        return variable != null ? variable : "x" + i;
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
                throw new GradCheck.KinkCrossed(name + ": a difference step crosses the kink at " + guards[k]
                        + ": signs " + Arrays.toString(guardSigns[k]) + " at the inputs, "
                        + Arrays.toString(signs(values.get(k + 1))) + " at " + Arrays.deepToString(point));
            }
        }
        return values.get(0).toDoubleArray();
    }

    private Tensor jvp(Tensor y, double[][] t) {
        Map<Tensor, Tensor> tangents = new LinkedHashMap<>();
        for (int i = 0; i < xs.size(); i++) {
            tangents.put(xs.get(i), g.constant(NDArray.of(t[i], xs.get(i).shape().dims())));
        }
        return Nabla.jvp(y, tangents);
    }

    /** Checks the derivatives of y (whose own values are derivatives of order derivOrder-1). */
    private Link checkLink(int derivOrder, String what, Tensor y, Random rnd) {
        double atol = options.atol(derivOrder);
        double rtol = options.rtol(derivOrder);
        int m = y.shape().size();
        double[] w = uniformArray(rnd, m);
        double[][] t = new double[xs.size()][];
        for (int i = 0; i < xs.size(); i++) {
            t[i] = uniformArray(rnd, xs.get(i).shape().size());
        }

        // Analytic: reverse mode (Tensor.grad for a scalar y, else Nabla.vjp) and forward mode.
        Tensor[] analytic = new Tensor[xs.size() + 1];
        List<Tensor> cot = y.rank() == 0
                ? y.mul(w[0]).grad(xs)
                : Nabla.vjp(y, g.constant(NDArray.of(w, y.shape().dims())), xs.toArray(Tensor[]::new));
        for (int i = 0; i < xs.size(); i++) {
            analytic[i] = cot.get(i);
        }
        analytic[xs.size()] = jvp(y, t);
        List<NDArray> values = eval(x, analytic);

        String where = "order " + derivOrder + " [" + what + "]";
        // Reverse mode against differences of sum(y * w) in each input element.
        double[] yAt = eval(x, y).get(0).toDoubleArray();
        if (!allFinite(yAt)) {
            mismatches.add(new Mismatch(derivOrder, what, Kind.NOT_FINITE, null, List.of(), Double.NaN, Double.NaN,
                    Double.NaN, where + ": the function value is not finite: " + Arrays.toString(yAt)));
        }
        linkScale = problemScale;
        for (double v : yAt) {
            linkScale = Math.max(linkScale, Math.abs(v));
        }
        double scale = 0;
        for (int i = 0; i < xs.size(); i++) {
            Shape shape = xs.get(i).shape();
            double[] gi = values.get(i).toDoubleArray();
            for (int j = 0; j < gi.length; j++) {
                double[] phi = new double[2 * STEPS];
                double magnitude = 0;
                for (int k = 0; k < 2 * STEPS; k++) {
                    double[] yk = valueAt(perturbed(x, i, j, step(k)), y);
                    phi[k] = dot(yk, w);
                    magnitude = Math.max(magnitude, dotAbs(yk, w));
                }
                Site site = new Site(derivOrder, what, Kind.REVERSE, inputName(i), index(shape, j),
                        where + ", reverse mode (" + (y.rank() == 0 ? "grad" : "vjp") + "), input " + inputName(i)
                                + shape + " element " + j + " " + index(shape, j));
                compare(site, gi[j], phi, magnitude, atol, rtol);
                scale = Math.max(scale, Math.abs(gi[j]));
            }
        }
        // Forward mode against the differences along t, element by element of y.
        double[] jv = values.get(xs.size()).toDoubleArray();
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
            Site site = new Site(derivOrder, what, Kind.FORWARD, null, index(y.shape(), j),
                    where + ", forward mode (jvp), output element " + j + " " + index(y.shape(), j));
            compare(site, jv[j], phi, magnitude, atol, rtol);
            scale = Math.max(scale, Math.abs(jv[j]));
        }
        // The two modes against each other: sum_i <vjp_i, t_i> = <w, jvp>, exact up to rounding.
        double lhs = 0;
        for (int i = 0; i < xs.size(); i++) {
            lhs += dot(values.get(i).toDoubleArray(), t[i]);
        }
        double rhs = dot(w, jv);
        double tol = options.consistency() * (1 + scale * (m + Arrays.stream(t).mapToInt(a -> a.length).sum()));
        if (!(Math.abs(lhs - rhs) <= tol)) {
            mismatches.add(new Mismatch(derivOrder, what, Kind.CONSISTENCY, null, List.of(), lhs, rhs, tol,
                    String.format(Locale.ROOT, "%s, reverse vs forward: sum_i <vjp_i, t_i> = %.12g but"
                            + " <w, jvp> = %.12g", where, lhs, rhs)));
        }
        problemScale = Math.max(linkScale, scale);
        return new Link(w, t);
    }

    /** Where a comparison is made, and its description. */
    private record Site(int order, String link, Kind kind, String input, List<Integer> index, String text) {}

    /**
     * analytic against the extrapolated difference of phi (its values at the steps, see
     * {@link #step}), within the estimated truncation and rounding errors and the floors.
     */
    private void compare(Site site, double analytic, double[] phi, double magnitude, double atol, double rtol) {
        comparisons++;
        double[] d = new double[STEPS];
        for (int k = 0; k < STEPS; k++) {
            double h = options.eps() / (1 << k);
            d[k] = (phi[2 * k] - phi[2 * k + 1]) / (2 * h);
        }
        double r1 = (4 * d[1] - d[0]) / 3;
        double r2 = (4 * d[2] - d[1]) / 3;
        double numeric = (16 * r2 - r1) / 15;
        double truncation = Math.abs(numeric - r2);
        double rounding = ROUNDING_GAIN * options.noise() * Math.max(magnitude, linkScale) / options.eps();
        // The analytic value errs too: by rounding of the problem's numbers where they cancel.
        double cancellation = options.noise() * Math.max(linkScale, inputScale);
        double tol = 2 * truncation + 2 * rounding + cancellation + rtol * Math.abs(numeric) + atol;
        double diff = Math.abs(analytic - numeric);
        if (!Double.isFinite(numeric)) {
            mismatches.add(new Mismatch(site.order(), site.link(), Kind.NOT_FINITE, site.input(), site.index(),
                    analytic, numeric, tol, site.text() + ": the numeric derivative is " + numeric
                    + " (inputs outside the function's domain?)"));
        } else if (!(diff <= tol)) {
            mismatches.add(new Mismatch(site.order(), site.link(), site.kind(), site.input(), site.index(), analytic,
                    numeric, tol, String.format(Locale.ROOT, "%s: analytic=%.15g numeric=%.15g |diff|=%.3g > tol=%.3g"
                            + " (truncation %.2g, rounding %.2g, cancellation %.2g)", site.text(), analytic, numeric,
                    diff, tol, truncation, rounding, cancellation)));
        }
    }

    private static boolean allFinite(double[] v) {
        return Arrays.stream(v).allMatch(Double::isFinite);
    }

    private List<NDArray> eval(double[][] at, Tensor... outputs) {
        Map<Tensor, NDArray> feeds = new HashMap<>();
        for (int i = 0; i < xs.size(); i++) {
            feeds.put(xs.get(i), NDArray.of(at[i], xs.get(i).shape().dims()));
        }
        return compiled.eval(feeds, outputs);
    }

    /** The step of value k of phi: +h, -h, +h/2, -h/2, +h/4, -h/4 (h = eps). */
    private double step(int k) {
        double h = options.eps() / (1 << (k / 2));
        return k % 2 == 0 ? h : -h;
    }

    private static double[] uniformArray(Random rnd, int n) {
        return GradCheck.uniform(-1, 1).sample(rnd, n);
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

    /** The multi-index of a flat row-major position. */
    private static List<Integer> index(Shape shape, int flat) {
        Integer[] idx = new Integer[shape.rank()];
        int rest = flat;
        for (int a = shape.rank() - 1; a >= 0; a--) {
            idx[a] = rest % shape.dim(a);
            rest /= shape.dim(a);
        }
        return List.of(idx);
    }
}

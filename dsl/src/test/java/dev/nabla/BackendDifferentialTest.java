package dev.nabla;

import dev.nabla.DifferentialGraphs.Built;
import dev.nabla.DifferentialGraphs.Leaf;
import dev.nabla.DifferentialGraphs.Recipe;
import dev.nabla.DifferentialGraphs.Step;
import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The JVM backend against the reference interpreter, the oracle, on random graphs over every op
 * of {@link Tensor} and {@link Nabla} (see {@link DifferentialGraphs}): forward values, gradients
 * of a loss with respect to every input and parameter, parameter updates, views of leaves, masks
 * and casts as results, in f32 and in f64, on shapes whose sizes matter to the backend: 1 and 7
 * (less than one SIMD vector), 1023 and 1025 (around the 1024-element chunk, not multiples of the
 * 16 or 8 lanes), 4097, and, in a second property, more than 64K elements, so that kernels,
 * reductions and matrix products split across the thread pool. Every result of the two backends
 * is compared element by element; NaN must meet NaN and an infinity the same infinity. Runs are
 * reproducible (fixed seeds); a failure prints the recipe, the graph as text and the first
 * mismatching element, and jqwik shrinks the recipe.
 *
 * <h2>Tolerances</h2>
 *
 * The backends round differently in exactly two ways. The JVM backend computes exp, log, log1p,
 * expm1, sin, cos, tan and tanh with the Vector API's SIMD math, about 1 ulp from the correctly
 * rounded Math functions the reference uses, and its generated SIMD kernels build sigmoid,
 * softplus and rsqrt from those (and from sqrt and division) in the working type, a few ulps from
 * the reference's double-precision definitions (on JDKs and CPUs without the SIMD library it falls
 * back to Math and agrees exactly; which one a lane gets can even change once C2 compiles the
 * loop). And it accumulates (reductions, matmul) in another order, in float for f32, where the
 * reference adds sequentially in double and rounds once. Every other op is the same IEEE
 * operation on the same operands, so values built only from such ops ({@code exact} ones, see
 * DifferentialGraphs) must agree bit for bit, and are checked so. For the others, with u the unit
 * roundoff of the compared dtype (2^-24 for f32, 2^-53 for f64; f32's where an f32 section's
 * derivative feeds an f64 graph or an output is cast to f32):
 *
 * <pre>
 *   |jvm - ref| <= K * probe * (u / 2^-24) * (1 + C1 * L)  +  u * (C0 + C1 * L) * (|ref| + scale)
 * </pre>
 *
 * <ul>
 *   <li><b>probe</b> = |ref32 - ref64| at that element: the reference evaluates the same recipe in
 *   f32 and in f64 (the f64 twin on the unrounded inputs). That difference is what rounding every
 *   input and intermediate to f32 did to this element, so it carries the amplification this
 *   element's formula applies to rounding errors: cancellation, a large argument to sin, a
 *   comparison that flips at a near-tie. The JVM backend's extra roundings are perturbations of
 *   the same kind (about 1 ulp per op where the reference makes 1/2), so K = 8 probes, scaled to
 *   the compared dtype by u / 2^-24, cover them. Where a reduction feeds the element, its result
 *   may be off by up to L roundoffs instead of one, hence the factor 1 + C1 * L.
 *   <li><b>L</b> is the most numbers any one reduction or matrix product among the result's
 *   ancestors combines. Accumulating n numbers in any order errs by at most (n - 1) u times the
 *   sum of their magnitudes, and sequential sums of equal terms (broadcast values are common
 *   here) get close to that bound, so C1 = 8 roundoffs per term allow for two such sums in a row
 *   (a matmul and a gradient's sum over a broadcast axis) with room to spare.
 *   <li><b>C0</b> = 64 roundoffs covers the ops' own ulps along a chain where the probe happens to
 *   be zero.
 *   <li><b>scale</b> is the magnitude the absolute errors are measured against: the largest finite
 *   value, by the reference, among the values the result is computed from (a cancelling sum is
 *   judged against its terms, not its near-zero total), and at least 1, or more for sums the
 *   graphs do not normalize (see DifferentialGraphs.Built#floors).
 * </ul>
 *
 * Calibration (-Dnabla.diff.report=true prints the worst error / tolerance of a run): over tens
 * of thousands of tries with other seeds the worst ratio was 0.03 (0 for results without a
 * reduction: on the machine used, the SIMD math agreed with Math bit for bit); with every
 * transcendental result of the JVM backend deliberately moved by up to 2 ulps it was 0.28 with
 * C0 = 32, which is why C0 is 64. A wrong index, stride, chunk boundary, broadcast, lane tail or
 * in-place overwrite moves an element by about its own size, thousands of times these bounds:
 * seeded faults of each kind in the backend (tried while writing this test) all fail it.
 */
class BackendDifferentialTest {
    static final Device JVM = Device.host("jvm");
    static final Device REFERENCE = Device.host("reference");

    /** How many probes (the f32 twin's deviation, scaled to the compared dtype) the JVM may be off. */
    static final double K = 8;
    /** Roundoffs allowed for the ops themselves, against the scale (a few ulps each along a chain). */
    static final double C0 = 64;
    /** Roundoffs allowed per number combined by the longest reduction or matmul behind a result. */
    static final double C1 = 8;

    /** Base shapes: sizes 1, 7, 1023, 1025, 4097 and friends, in ranks 0 to 3. */
    static final int[][] SHAPES = {
        {}, {1}, {7}, {1023}, {1025}, {4097},
        {3, 7}, {7, 1025}, {1023, 5}, {4097, 3}, {1, 1025},
        {2, 3, 7}, {3, 5, 17}, {2, 7, 1025}, {5, 1, 1023},
    };

    /** Above 64K elements: the thread pool splits elementwise kernels, row and column reductions, matmul. */
    static final int[][] LARGE_SHAPES = {{65537}, {9, 8193}, {4097, 17}, {33, 2049}, {3, 7, 4097}};

    /** The largest error / tolerance seen, for outputs without and with a reduction behind them. */
    private static final double[] worstRatio = new double[2];
    private static final String[] worstCase = {"", ""};

    @Provide
    Arbitrary<Recipe> recipes() {
        return recipes(SHAPES, 12);
    }

    @Provide
    Arbitrary<Recipe> largeRecipes() {
        return recipes(LARGE_SHAPES, 6);
    }

    static Arbitrary<Recipe> recipes(int[][] shapes, int maxSteps) {
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 1 << 16);
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, DifferentialGraphs.OPS.length - 1),
                any, any, any, any, any).as(Step::new);
        Arbitrary<Leaf> leaf = Combinators.combine(Arbitraries.integers().between(0, 2), any,
                Arbitraries.integers().between(0, 3)).as(Leaf::new);
        return Combinators.combine(
                Arbitraries.integers().between(0, shapes.length - 1),
                leaf.list().ofMinSize(1).ofMaxSize(3),
                step.list().ofMinSize(1).ofMaxSize(maxSteps),
                any,
                Arbitraries.integers().between(0, 7),
                Arbitraries.longs()).as((s, leaves, steps, outputs, special, seed) ->
                new Recipe(shapes[s], leaves, steps, outputs, special == 0, seed));
    }

    // Edge cases off: they are the smallest recipes again and again.
    @net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true)
    @Property(tries = 400, seed = "20261127", edgeCases = EdgeCasesMode.NONE)
    void jvmBackendMatchesTheReference(@ForAll("recipes") Recipe recipe) {
        check(recipe);
    }

    @net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true)
    @Property(tries = 24, seed = "65537", edgeCases = EdgeCasesMode.NONE)
    void jvmBackendMatchesTheReferenceOnTensorsTheThreadPoolSplits(@ForAll("largeRecipes") Recipe recipe) {
        check(recipe);
        // Every graph here has kernels of more than 64K elements, which run split across the pool.
        if (Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("nabla-jvm-"))) {
            throw new AssertionError("no thread of the JVM backend's pool ran (nabla.threads = "
                    + dev.nabla.runtime.jvm.Parallel.threads() + ")");
        }
    }

    static void check(Recipe recipe) {
        check(recipe, JVM, true);
    }

    /**
     * Runs a recipe's graphs, f32 and f64, on the reference and on {@code device} and compares.
     *
     * @param bitExact whether values built only from correctly rounded ops must agree bit for bit
     *                 (not on OpenCL, whose compiler contracts a * b + c into one fma)
     */
    static void check(Recipe recipe, Device device, boolean bitExact) {
        try (Built b32 = DifferentialGraphs.build(recipe, DType.F32);
             Built b64 = DifferentialGraphs.build(recipe, DType.F64)) {
            List<NDArray> ref32 = b32.run(REFERENCE);
            List<NDArray> ref64 = b64.run(REFERENCE);
            List<NDArray> jvm32 = b32.run(device);
            List<NDArray> jvm64 = b64.run(device);
            if (!bitExact) {
                b32.exact.replaceAll(e -> false);
                b64.exact.replaceAll(e -> false);
            }
            compare(recipe, b32, ref32, jvm32, ref32, ref64);
            compare(recipe, b64, ref64, jvm64, ref32, ref64);
            Statistics.label("size").collect(b32.maxSize < 1000 ? "<1K" : b32.maxSize < 32768 ? "<32K" : ">=32K");
            Statistics.label("special values").collect(recipe.special());
        }
    }

    static double roundoff(DType d) {
        return d == DType.F32 ? 0x1p-24 : 0x1p-53;
    }

    /**
     * The tolerance of the class comment for one element: {@code probe} = |ref32 - ref64| there,
     * {@code u} the unit roundoff of the compared dtype, {@code length} L, {@code ref} the
     * reference's value and {@code scale} the magnitude absolute errors are measured against.
     */
    static double tolerance(double probe, double u, int length, double ref, double scale) {
        return K * probe * (u / 0x1p-24) * (1 + C1 * length) + u * (C0 + C1 * length) * (Math.abs(ref) + scale);
    }

    private static void compare(Recipe recipe, Built built, List<NDArray> ref, List<NDArray> jvm,
                                List<NDArray> probe32, List<NDArray> probe64) {
        List<String> names = built.resultNames();
        List<Integer> lengths = built.accumulationLengths();
        List<Double> floors = built.resultFloors();
        List<Double> magnitudes = built.ancestorMagnitudes();
        if (ref.size() != jvm.size()) {
            throw new AssertionError("the backends return " + ref.size() + " and " + jvm.size() + " values");
        }
        for (int i = 0; i < ref.size(); i++) {
            NDArray r = ref.get(i);
            NDArray j = jvm.get(i);
            String what = built.dtype + " graph, result " + i + " (" + names.get(i) + ")";
            if (!r.shape().equals(j.shape()) || r.dtype() != j.dtype()) {
                fail(recipe, built, what + ": reference gives " + r.dtype() + r.shape() + ", jvm " + j.dtype()
                        + j.shape());
            }
            boolean exact = i < built.exact.size() && built.exact.get(i);
            // The coarsest precision this output went through: the graph's, the output's own (a
            // cast output), f32 where an f32 section's derivative feeds the gradients.
            double u = Math.max(roundoff(built.dtype), r.dtype().isFloating() ? roundoff(r.dtype()) : 0);
            if (built.mixedPrecision) {
                u = Math.max(u, roundoff(DType.F32));
            }
            double scale = Math.max(floors.get(i), magnitudes.get(i));
            for (int k = 0; k < r.size(); k++) {
                double v = Math.abs(r.getDouble(k));
                if (Double.isFinite(v)) {
                    scale = Math.max(scale, v);
                }
            }
            int length = lengths.get(i);
            NDArray p32 = probe32.get(i);
            NDArray p64 = probe64.get(i);
            for (int k = 0; k < r.size(); k++) {
                double rv = r.getDouble(k);
                double jv = j.getDouble(k);
                String problem = null;
                double tol = 0;
                if (Double.isNaN(rv)) {
                    if (!Double.isNaN(jv)) {
                        problem = "the reference gives NaN";
                    }
                } else if (Double.isInfinite(rv)) {
                    if (jv != rv) {
                        problem = "the reference gives " + rv;
                    }
                } else if (!Double.isFinite(jv)) {
                    problem = "the reference gives a finite value";
                } else if (exact) {
                    if (jv != rv) {
                        problem = "this value is exact: both backends must compute it bit for bit";
                    }
                } else {
                    double probe = Math.abs(p32.getDouble(k) - p64.getDouble(k));
                    if (!Double.isFinite(probe)) {
                        probe = 0;
                    }
                    tol = tolerance(probe, u, length, rv, scale);
                    double err = Math.abs(jv - rv);
                    int kind = length == 0 ? 0 : 1;
                    if (err / tol > worstRatio[kind]) {
                        worstRatio[kind] = err / tol;
                        if (Boolean.getBoolean("nabla.diff.report")) {
                            worstCase[kind] = what + " element " + k + ": ref " + rv + " jvm " + jv + " tol " + tol + " probe " + probe
                                    + " L " + length + " scale " + scale + "\n" + built.describe();
                        }
                    }
                    if (!(err <= tol)) {
                        problem = "error " + err + " exceeds the tolerance " + tol + " (probe " + probe + ", scale "
                                + scale + ", longest accumulation L " + length + ")";
                    }
                }
                if (problem != null) {
                    fail(recipe, built, what + ", element " + k + " " + Arrays.toString(index(r, k)) + " of "
                            + r.dtype() + r.shape() + ": reference " + rv + ", jvm " + jv + "; " + problem);
                }
            }
        }
    }

    private static int[] index(NDArray a, int flat) {
        int[] dims = a.shape().dims();
        int[] index = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            index[d] = flat % dims[d];
            flat /= dims[d];
        }
        return index;
    }

    private static void fail(Recipe recipe, Built built, String message) {
        String graph = built.graph.print(built.outputs.toArray(Tensor[]::new));
        throw new AssertionError(message + "\n\nrecipe:\n" + built.describe() + "\n\noutputs: " + built.resultNames()
                + "\n\ngraph:\n" + graph + "\n" + recipe);
    }

    @net.jqwik.api.lifecycle.AfterContainer
    static void report() {
        if (Boolean.getBoolean("nabla.diff.report")) {
            System.out.println("BackendDifferentialTest: worst error / tolerance = " + worstRatio[0]
                    + " without, " + worstRatio[1] + " with a reduction or matmul behind the result");
            System.out.println("without: " + worstCase[0] + "\nwith: " + worstCase[1]);
        }
    }
}

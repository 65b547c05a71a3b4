package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DifferentialGraphs.Built;
import dev.nabla.DifferentialGraphs.Recipe;
import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.AxisException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The batching transform against the same computation written as a loop over the batch. */
class VmapTest {
    private static final int BATCH = 3;
    private static final Device REFERENCE = Device.of("reference:cpu");
    private static final Device JVM = Device.of("jvm:cpu");

    @Provide
    Arbitrary<Recipe> recipes() {
        return BackendDifferentialTest.recipes(new int[][] {{2, 3}, {3}, {2, 1}, {}, {3, 4}}, 10);
    }

    /**
     * Random graphs of every op, some inputs and parameters batched: row b of each batched output
     * equals the output evaluated with row b fed in, on the reference interpreter (to the last
     * bit but for sums, whose order a batch may change) and on the JVM backend.
     */
    @Property(tries = 150, seed = "31337", edgeCases = EdgeCasesMode.NONE)
    void vmapEqualsALoopOnRandomGraphs(@ForAll("recipes") Recipe recipe) {
        try (Built built = DifferentialGraphs.build(recipe, DType.F64)) {
            Graph g = built.graph;
            Random rnd = new Random(recipe.seed());
            Map<Tensor, NDArray> rowsOf = new LinkedHashMap<>();
            Map<Tensor, NDArray> batchFeeds = new HashMap<>(built.feeds);
            Vmap vmap = null;
            int k = 0;
            Map<Tensor, NDArray> variables = new LinkedHashMap<>(built.feeds);
            variables.putAll(built.parameterValues);
            // A random subset (never empty): batched and shared operands meet in every op.
            long subset = 1 + rnd.nextInt((1 << variables.size()) - 1);
            int index = 0;
            for (var e : variables.entrySet()) {
                if ((subset >> index++ & 1) == 0) {
                    continue;
                }
                Tensor x = e.getKey();
                NDArray rows = rows(e.getValue(), rnd);
                Tensor xs = g.input("batch" + k++, DType.F64, rows.shape().dims());
                rowsOf.put(x, rows);
                batchFeeds.put(xs, rows);
                vmap = vmap == null ? Nabla.vmap(x, xs) : vmap.and(x, xs);
            }
            List<Tensor> batched = vmap.apply(built.outputs);
            List<NDArray> reference = g.compile(REFERENCE).eval(batchFeeds, batched.toArray(Tensor[]::new));
            List<NDArray> jvm = g.compile(JVM).eval(batchFeeds, batched.toArray(Tensor[]::new));
            CompiledGraph loop = g.compile(REFERENCE);
            for (int b = 0; b < BATCH; b++) {
                Map<Tensor, NDArray> feeds = new HashMap<>(built.feeds);
                for (var e : rowsOf.entrySet()) {
                    NDArray row = row(e.getValue(), b);
                    if (built.parameterValues.containsKey(e.getKey())) {
                        loop.setParameter(e.getKey(), row);
                    } else {
                        feeds.put(e.getKey(), row);
                    }
                }
                List<NDArray> expected = loop.eval(feeds, built.outputs.toArray(Tensor[]::new));
                for (int i = 0; i < expected.size(); i++) {
                    String what = "output " + built.names.get(i) + " row " + b + "\n" + built.describe();
                    assertRowEquals(expected.get(i), reference.get(i), b, 1e-12, what + " (reference)");
                    assertRowEquals(expected.get(i), jvm.get(i), b, 1e-6, what + " (jvm)");
                }
            }
        }
    }

    /** The value with a batch of BATCH rows: row 0 the value itself, the others random nearby values. */
    private static NDArray rows(NDArray value, Random rnd) {
        int n = value.size();
        double[] v = new double[BATCH * n];
        for (int b = 0; b < BATCH; b++) {
            for (int i = 0; i < n; i++) {
                double x = value.getDouble(i);
                v[b * n + i] = b == 0 || !Double.isFinite(x) ? x : x + 0.5 * (rnd.nextDouble() - 0.5);
            }
        }
        int[] dims = new int[value.shape().rank() + 1];
        dims[0] = BATCH;
        System.arraycopy(value.shape().dims(), 0, dims, 1, value.shape().rank());
        return NDArray.of(v, dims);
    }

    private static NDArray row(NDArray rows, int b) {
        int n = rows.size() / BATCH;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rows.getDouble(b * n + i);
        }
        int[] dims = java.util.Arrays.copyOfRange(rows.shape().dims(), 1, rows.shape().rank());
        return NDArray.fromDoubles(DType.F64, new Shape(dims), v);
    }

    private static void assertRowEquals(NDArray expected, NDArray batch, int b, double rtol, String what) {
        assertEquals(expected.size() * BATCH, batch.size(), what);
        assertEquals(expected.dtype(), batch.dtype(), what);
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.getDouble(i);
            double a = batch.getDouble(b * expected.size() + i);
            boolean same = Double.compare(e, a) == 0 || e == a
                    || (Double.isFinite(e) && Math.abs(e - a) <= rtol * Math.max(1, Math.abs(e)));
            assertTrue(same, what + ": element " + i + " expected " + e + ", got " + a);
        }
    }

    /** A two-layer network written for one example; per-example gradients against one at a time. */
    @Test
    void perExampleGradientsEqualGradientsTakenOneAtATime() {
        Random rnd = new Random(7);
        try (Graph g = Graph.create()) {
            Tensor w1 = g.parameter("w1", random(rnd, 4, 5));
            Tensor w2 = g.parameter("w2", random(rnd, 5, 2));
            Tensor x = g.input("x", DType.F64, 4);
            Tensor y = g.input("y", DType.F64, 2);
            Tensor out = x.matmul(w1).tanh().matmul(w2);
            Tensor loss = out.sub(y).pow(2).sum();
            List<Tensor> grads = loss.grad(w1, w2);
            Tensor xs = g.input("xs", DType.F64, 6, 4);
            Tensor ys = g.input("ys", DType.F64, 6, 2);
            List<Tensor> perExample = Nabla.vmap(x, xs).and(y, ys).apply(grads);
            assertEquals(Shape.of(6, 4, 5), perExample.get(0).shape());
            assertEquals(Shape.of(6, 5, 2), perExample.get(1).shape());
            NDArray xv = random(rnd, 6, 4);
            NDArray yv = random(rnd, 6, 2);
            for (Device device : List.of(REFERENCE, JVM)) {
                CompiledGraph c = g.compile(device);
                List<NDArray> batched = c.eval(Map.of(xs, xv, ys, yv), perExample.toArray(Tensor[]::new));
                for (int b = 0; b < 6; b++) {
                    List<NDArray> one = c.eval(Map.of(x, rowOf(xv, b, 6), y, rowOf(yv, b, 6)), grads.toArray(Tensor[]::new));
                    for (int p = 0; p < 2; p++) {
                        assertRowClose(one.get(p), batched.get(p), b, 6, 1e-12);
                    }
                }
            }
        }
    }

    /** Pairwise distances by a vmap inside a vmap equal the double loop; in and out axes move. */
    @Test
    void nestedVmapAndAxes() {
        try (Graph g = Graph.create()) {
            Tensor a = g.input("a", DType.F64, 2);
            Tensor b = g.input("b", DType.F64, 2);
            Tensor dist = a.sub(b).pow(2).sum().sqrt();
            Tensor bs = g.input("bs", DType.F64, 4, 2);
            Tensor row = Nabla.vmap(b, bs).apply(dist);                  // [4]: a against every b
            Tensor as = g.input("as", DType.F64, 2, 3);                   // batch axis 1: three points
            Tensor table = Nabla.vmap(a, as, 1).outAxis(1).apply(row);   // [4, 3]
            assertEquals(Shape.of(4, 3), table.shape());
            double[] av = {0, 1, 2, 0, 0, 1};                            // points (0,0), (1,0), (2,1) as columns
            double[] bv = {0, 0, 3, 4, -1, 0, 1, 1};
            double[] got = g.compile().eval(Map.of(as, NDArray.of(av, 2, 3), bs, NDArray.of(bv, 4, 2)), table)
                    .get(0).toDoubleArray();
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 3; j++) {
                    double dx = av[j] - bv[2 * i];
                    double dy = av[3 + j] - bv[2 * i + 1];
                    assertEquals(Math.sqrt(dx * dx + dy * dy), got[i * 3 + j], 1e-15, "distance " + i + "," + j);
                }
            }
        }
    }

    /** A custom function is batched with its own rules: a straight-through sign keeps passing gradients. */
    @Test
    void customFunctionsAreBatchedWithTheirRules() {
        CustomFunction log1pexp = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p())
                .withVjp((xs, y, g) -> List.of(g.mul(xs.get(0).sigmoid())));
        CustomFunction straightThrough = CustomFunction.of("ste", xs -> xs.get(0).sign())
                .withVjp((xs, y, g) -> List.of(g));
        Random rnd = new Random(17);
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", random(rnd, 3));
            Tensor x = g.input("x", DType.F64, 3);
            Tensor z = x.mul(w);
            Tensor loss = straightThrough.apply(z).mul(log1pexp.apply(z)).sum();
            Tensor grad = loss.grad(w);
            Tensor xs = g.input("xs", DType.F64, 4, 3);
            Tensor perExample = Nabla.vmap(x, xs).apply(grad);
            NDArray xv = random(rnd, 4, 3);
            for (Device device : List.of(REFERENCE, JVM)) {
                CompiledGraph c = g.compile(device);
                NDArray batched = c.eval(Map.of(xs, xv), perExample).get(0);
                double[] wv = c.parameter(w).toDoubleArray();
                for (int b = 0; b < 4; b++) {
                    assertRowClose(c.eval(Map.of(x, rowOf(xv, b, 4)), grad).get(0), batched, b, 4, 1e-14);
                    // By hand: d/dw_i [sign(z) softplus(z)] through the rules = x_i (softplus(z) + sign(z) sigmoid(z)).
                    for (int i = 0; i < 3; i++) {
                        double xi = xv.getDouble(b * 3 + i);
                        double zi = xi * wv[i];
                        double expected = xi * (Math.log1p(Math.exp(zi)) + Math.signum(zi) / (1 + Math.exp(-zi)));
                        assertEquals(expected, batched.getDouble(b * 3 + i), 1e-12, device + " row " + b + " element " + i);
                    }
                }
            }
            // The batched Hessian goes through the rule too (its jvp derived by transposition):
            // stable where the plain formula overflows.
            Tensor v = g.input("v", DType.F64, 3);
            Tensor h = Nabla.hessian(log1pexp.apply(v).sum(), v);
            double[] hv = g.compile().eval(Map.of(v, NDArray.of(new double[] {1000, 0, -3}, 3)), h).get(0).toDoubleArray();
            double s3 = 1 / (1 + Math.exp(3));
            assertArrayEquals(new double[] {0, 0, 0, 0, 0.25, 0, 0, 0, s3 * (1 - s3)}, hv, 1e-15);
        }
    }

    /**
     * A product with one shared matrix stays one plain matrix product: the batch joins the rows of
     * a batched left operand, or the columns of a batched right one.
     */
    @Test
    void aSharedMatrixMeetsTheWholeBatchInOneProduct() {
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
            Tensor row = g.input("row", DType.F64, 1, 2);
            Tensor column = g.input("column", DType.F64, 3, 1);
            Tensor rows = g.input("rows", DType.F64, 4, 1, 2);
            Tensor columns = g.input("columns", DType.F64, 4, 3, 1);
            Tensor left = Nabla.vmap(row, rows).apply(row.matmul(w));          // [4, 1, 3]
            Tensor right = Nabla.vmap(column, columns).apply(w.matmul(column)); // [4, 2, 1]
            for (Tensor t : List.of(left, right)) {
                List<dev.nabla.compiler.ir.Node> products = g.program("test", t).nodes().stream()
                        .filter(n -> n.op() instanceof dev.nabla.compiler.ir.Op.MatMul).toList();
                assertEquals(1, products.size());
                assertEquals(2, products.get(0).rank(), "a plain matrix product, not a batched one");
            }
            double[] r = {1, 0, 0, 1, 1, 1, 2, -1};
            double[] c = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};
            List<NDArray> v = g.compile().eval(Map.of(rows, NDArray.of(r, 4, 1, 2), columns, NDArray.of(c, 4, 3, 1)),
                    left, right);
            assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 5, 7, 9, -2, -1, 0}, v.get(0).toDoubleArray());
            assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6, 6, 15}, v.get(1).toDoubleArray());
        }
    }

    /**
     * Derivatives of a batched custom node go through its batched rules: a vjp rule with a shared
     * argument (whose cotangent sums the rows), and a jvp rule that reads the output (transposed
     * for reverse mode), each against the same derivatives taken row by row.
     */
    @Test
    void batchedCustomNodesAreDifferentiatedThroughTheirRules() {
        CustomFunction log1pexp = CustomFunction.of("log1pexp", xs -> xs.get(0).exp().log1p().mul(xs.get(1)))
                .withVjp((xs, y, g) -> List.of(g.mul(xs.get(1)).mul(xs.get(0).sigmoid()),
                        g.mul(xs.get(0).exp().log1p())));
        CustomFunction root = TestCustomFunctions.CUBIC_ROOT;
        try (Graph g = Graph.create()) {
            Tensor w = g.parameter("w", NDArray.of(new double[] {0.5, -1, 2}, 3));
            Tensor x = g.input("x", DType.F64, 3);
            Tensor a = g.input("a", DType.F64);
            Tensor xs = g.input("xs", DType.F64, 4, 3);
            Tensor as = g.input("as", DType.F64, 4);
            Tensor ys = Nabla.vmap(x, xs).apply(log1pexp.apply(x, w));          // w shared by the rows
            Tensor roots = Nabla.vmap(a, as).apply(root.apply(a));
            Tensor dw = ys.sum().grad(w);
            Tensor tangent = Nabla.jvp(ys, Map.of(w, g.ones(DType.F64, 3)));
            Tensor dRoots = roots.sum().grad(as);                                 // the jvp rule, transposed
            NDArray xv = random(new Random(23), 4, 3);
            double[] av = {2, 10, -3, 0.5};
            CompiledGraph c = g.compile();
            List<NDArray> v = c.eval(Map.of(xs, xv, as, NDArray.of(av, 4)), dw, tangent, dRoots, roots);
            double[] expectedDw = new double[3];
            for (int b = 0; b < 4; b++) {
                NDArray xb = rowOf(xv, b, 4);
                double[] one = c.eval(Map.of(x, xb), log1pexp.apply(x, w).sum().grad(w)).get(0).toDoubleArray();
                double[] t = c.eval(Map.of(x, xb), Nabla.jvp(log1pexp.apply(x, w), Map.of(w, g.ones(DType.F64, 3))))
                        .get(0).toDoubleArray();
                for (int i = 0; i < 3; i++) {
                    expectedDw[i] += one[i];
                    assertEquals(t[i], v.get(1).getDouble(b * 3 + i), 1e-14, "jvp row " + b);
                }
                double r = v.get(3).getDouble(b);
                assertEquals(av[b], r * r * r + r, 1e-12, "the root of row " + b);
                assertEquals(1 / (3 * r * r + 1), v.get(2).getDouble(b), 1e-14, "dx/da row " + b);
            }
            assertArrayEquals(expectedDw, v.get(0).toDoubleArray(), 1e-13);
        }
    }

    @Test
    void anOutputThatIgnoresTheBatchIsRepeated() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2);
            Tensor w = g.parameter("w", NDArray.of(new double[] {1, 2}, 2));
            Tensor xs = g.input("xs", DType.F64, 3, 2);
            List<Tensor> out = Nabla.vmap(x, xs).apply(w.mul(2), x.sum());
            List<NDArray> v = g.compile().eval(Map.of(xs, NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2)),
                    out.toArray(Tensor[]::new));
            assertEquals(List.of(2.0, 4.0, 2.0, 4.0, 2.0, 4.0), boxed(v.get(0)));
            assertEquals(List.of(3.0, 7.0, 11.0), boxed(v.get(1)));
        }
    }

    /** Batched results are graphs like any other: their derivatives pass gradcheck to order 2. */
    @Test
    void vmapResultsAreDifferentiable() {
        AtomicInteger names = new AtomicInteger();
        int checked = GradCheck.of("vmap of a matvec and softplus", x -> {
            Graph g = x.get(0).graph();
            Tensor v = g.input("v" + names.incrementAndGet(), DType.F64, 3);
            Tensor f = x.get(1).matmul(v).softplus().sum().mul(v.sin().sum());
            return Nabla.vmap(v, x.get(0)).apply(f);
        }).input(uniform(-2, 2), 4, 3).input(uniform(-1, 1), 2, 3).order(2).check().comparisons();
        assertTrue(checked > 0);
    }

    @Test
    void badBatchesAreRefusedNamingTheCall() {
        try (Graph g = Graph.create(); Graph other = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 2);
            Tensor y = x.sin();
            NablaException e = assertThrows(ShapeException.class,
                    () -> Nabla.vmap(x, g.input("xs", DType.F64, 3, 4)).apply(y));
            assertThat(e.getMessage()).contains("vmap:").contains("x:f64[2]").contains("[B] ++ [2]");
            e = assertThrows(DTypeException.class, () -> Nabla.vmap(x, g.input("xf", DType.F32, 3, 2)).apply(y));
            assertThat(e.getMessage()).contains("vmap:").contains("dtype f64");
            Tensor z = g.input("z", DType.F64, 2);
            e = assertThrows(ShapeException.class, () -> Nabla.vmap(x, g.input("x3", DType.F64, 3, 2))
                    .and(z, g.input("z4", DType.F64, 4, 2)).apply(y.add(z)));
            assertThat(e.getMessage()).contains("different sizes").contains("3 rows").contains("4");
            e = assertThrows(GraphException.class, () -> Nabla.vmap(y, g.input("ys", DType.F64, 3, 2)).apply(y));
            assertThat(e.getMessage()).contains("input or parameter").contains("sin");
            e = assertThrows(GraphException.class, () -> Nabla.vmap(x, other.input("o", DType.F64, 3, 2)));
            assertThat(e.getMessage()).contains("vmap:").contains("another graph");
            e = assertThrows(AxisException.class, () -> Nabla.vmap(x, g.input("xa", DType.F64, 3, 2), 2));
            assertThat(e.getMessage()).contains("in axis 2");
            Tensor xb = g.input("xb", DType.F64, 3, 2);
            e = assertThrows(AxisException.class, () -> Nabla.vmap(x, xb).outAxis(3).apply(y));
            assertThat(e.getMessage()).contains("out axis 3");
            e = assertThrows(GraphException.class, () -> Nabla.vmap(x, xb).and(x, xb));
            assertThat(e.getMessage()).contains("batched twice");
            e = assertThrows(GraphException.class, () -> Nabla.vmap(x, null));
            assertThat(e.getMessage()).contains("vmap:").contains("null");
        }
    }

    private static NDArray random(Random rnd, int... dims) {
        return TestArrays.uniform(rnd, 1, dims);
    }

    private static NDArray rowOf(NDArray rows, int b, int count) {
        int n = rows.size() / count;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rows.getDouble(b * n + i);
        }
        return NDArray.of(v, java.util.Arrays.copyOfRange(rows.shape().dims(), 1, rows.shape().rank()));
    }

    private static void assertRowClose(NDArray one, NDArray batch, int b, int count, double tol) {
        int n = one.size();
        assertEquals(n * count, batch.size());
        for (int i = 0; i < n; i++) {
            assertEquals(one.getDouble(i), batch.getDouble(b * n + i), tol * Math.max(1, Math.abs(one.getDouble(i))),
                    "row " + b + " element " + i);
        }
    }

    private static List<Double> boxed(NDArray a) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(a.getDouble(i));
        }
        return out;
    }
}

package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Op;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * How large nested derivatives are, and that collecting like terms changed only their rounding.
 *
 * <p>Node counts of d^n f, each the derivative of the last (all nodes, and the ops among them:
 * not inputs or constants), are asserted and printed beside those before the simplifier
 * collected like terms (commit a26124d) and beside SymPy's operation counts
 * ({@code goldens/derivatives.py}; SymPy counts the operations of a tree, Nabla's graphs share
 * common subexpressions). Every derivative is also
 * evaluated at random points and compared with SymPy's exact value and with the value the graph
 * gave before ({@code goldens/derivatives-before.txt}, written by {@link #main} at a26124d).
 */
class DerivativeSizeTest {
    /** f, and its derivatives' node and op counts at orders 1.. before and now. */
    private record Series(String name, UnaryOperator<Tensor> f, int[] nodesBefore, int[] opsBefore, int[] nodes,
            int[] ops) {}

    private static final List<Series> SERIES = List.of(
            new Series("tanh", Tensor::tanh,
                    new int[] {6, 9, 12, 19, 37, 75, 147, 307, 655, 1385, 2918, 6136},
                    new int[] {3, 6, 8, 15, 33, 71, 143, 303, 651, 1381, 2914, 6132},
                    new int[] {6, 9, 10, 13, 23, 47, 89, 172, 335, 679, 1371, 2769},
                    new int[] {3, 5, 6, 8, 16, 37, 74, 153, 309, 636, 1308, 2682}),
            new Series("x*sin(x^2)", x -> x.mul(x.pow(2).sin()),
                    new int[] {9, 16, 28, 51, 88, 140, 217, 332},
                    new int[] {7, 14, 26, 47, 82, 131, 204, 318},
                    new int[] {9, 15, 22, 35, 43, 65, 99, 160},
                    new int[] {7, 11, 16, 26, 32, 49, 78, 132}),
            new Series("sin(x)*x^2", x -> x.sin().mul(x.pow(2)),
                    new int[] {9, 14, 17, 23, 27, 30, 34, 40},
                    new int[] {7, 12, 15, 20, 23, 25, 28, 33},
                    new int[] {9, 11, 12, 12, 12, 12, 12, 12},
                    new int[] {7, 8, 8, 8, 8, 8, 8, 8}),
            new Series("x^5", x -> x.pow(5),
                    new int[] {5, 5, 5, 3, 1},
                    new int[] {2, 2, 2, 1, 0},
                    new int[] {5, 5, 5, 3, 1},
                    new int[] {2, 2, 2, 1, 0}),
            new Series("sigmoid", Tensor::sigmoid,
                    new int[] {5, 7, 12, 27, 63, 141, 298, 626},
                    new int[] {3, 5, 10, 25, 61, 139, 296, 624},
                    new int[] {5, 9, 13, 17, 28, 55, 96, 184},
                    new int[] {3, 6, 9, 13, 23, 47, 84, 164}),
            new Series("exp(sin(x))", x -> x.sin().exp(),
                    new int[] {5, 9, 14, 28, 60, 130, 281, 602},
                    new int[] {4, 8, 13, 27, 59, 129, 280, 601},
                    new int[] {5, 8, 16, 29, 61, 122, 254, 553},
                    new int[] {4, 7, 12, 24, 52, 110, 238, 529}),
            new Series("log(1+x^2)", x -> x.pow(2).add(1).log(),
                    new int[] {8, 14, 23, 46, 92, 188},
                    new int[] {5, 11, 19, 40, 84, 180},
                    new int[] {8, 14, 22, 39, 85, 199},
                    new int[] {5, 10, 16, 32, 73, 173}),
            new Series("x^3*exp(-x)", x -> x.pow(3).mul(x.neg().exp()),
                    new int[] {11, 17, 25, 34, 41, 54, 70, 87},
                    new int[] {8, 14, 21, 29, 36, 48, 62, 78},
                    new int[] {11, 18, 22, 29, 38, 45, 51, 58},
                    new int[] {8, 13, 16, 21, 28, 33, 38, 43}),
            new Series("tan", Tensor::tan,
                    new int[] {6, 8, 11, 17, 30, 60, 125, 267},
                    new int[] {3, 5, 8, 14, 27, 57, 122, 264},
                    new int[] {6, 8, 10, 13, 22, 45, 84, 162},
                    new int[] {3, 5, 6, 8, 16, 37, 73, 149}),
            new Series("sin(cos(x))", x -> x.cos().sin(),
                    new int[] {6, 11, 17, 39, 91, 209, 467},
                    new int[] {5, 10, 16, 38, 90, 208, 466},
                    new int[] {6, 10, 18, 33, 70, 140, 287},
                    new int[] {5, 9, 14, 28, 62, 129, 264}));

    /** The seed tutorial's z = x^2 y + 3 x y^5 + x^3 (README: its two partials from one pass). */
    private static final List<String> SEED = List.of("seed d/dx", "seed d/dy", "seed d2/dx2", "seed d2/dxdy",
            "seed d2/dy2");
    private static final int[] SEED_NODES_BEFORE = {13, 12, 7, 9, 9};
    private static final int[] SEED_OPS_BEFORE = {8, 6, 3, 4, 4};
    private static final int[] SEED_NODES = {13, 10, 7, 9, 7};
    private static final int[] SEED_OPS = {8, 5, 3, 4, 3};

    /** A derivative's graph, built in a graph of its own; its nodes, and those that are ops. */
    private record Derivative(Graph graph, Tensor x, Tensor y, Tensor value, int nodes, int ops) {
        Derivative(Graph graph, Tensor x, Tensor y, Tensor value) {
            this(graph, x, y, value, graph.program("count", value).nodes().size(),
                    (int) graph.program("count", value).nodes().stream()
                            .filter(n -> !n.isVariable() && !(n.op() instanceof Op.Constant)).count());
        }
    }

    private static List<Derivative> derivatives(Series s) {
        List<Derivative> out = new ArrayList<>();
        for (int n = 1; n <= s.nodes().length; n++) {
            Graph g = Graph.create();
            Tensor x = g.input("x", DType.F64);
            Tensor d = s.f().apply(x);
            for (int k = 0; k < n; k++) {
                d = d.grad(x);
            }
            out.add(new Derivative(g, x, null, d));
        }
        return out;
    }

    private static List<Derivative> seedDerivatives() {
        List<Derivative> out = new ArrayList<>();
        for (int i = 0; i < SEED.size(); i++) {
            Graph g = Graph.create();
            Tensor x = g.input("x", DType.F64);
            Tensor y = g.input("y", DType.F64);
            Tensor z = x.pow(2).mul(y).add(x.mul(3).mul(y.pow(5))).add(x.pow(3));
            List<Tensor> dz = z.grad(x, y);
            Tensor d = switch (i) {
                case 0 -> dz.get(0);
                case 1 -> dz.get(1);
                case 2 -> dz.get(0).grad(x);
                case 3 -> dz.get(0).grad(y);
                default -> dz.get(1).grad(y);
            };
            out.add(new Derivative(g, x, y, d));
        }
        return out;
    }

    /** d at each point: f64 through the generated scalar code, as the interpreter rounds. */
    private static double[] values(Derivative d, List<double[]> points) {
        double[] out = new double[points.size()];
        try (CompiledGraph c = d.graph().compile()) {
            ScalarFunction f = d.y() == null ? c.function(d.value(), d.x()) : c.function(d.value(), d.x(), d.y());
            for (int i = 0; i < out.length; i++) {
                out[i] = d.y() == null ? f.apply(points.get(i)[0]) : f.apply(points.get(i)[0], points.get(i)[1]);
            }
        }
        return out;
    }

    /** One golden line: series, order, x, y, value. */
    private record Golden(String series, int order, double x, double y, double value) {}

    private static Map<String, List<Golden>> goldens(String file) throws IOException {
        Map<String, List<Golden>> out = new LinkedHashMap<>();
        try (InputStream in = DerivativeSizeTest.class.getResourceAsStream("/goldens/" + file)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                Golden g = new Golden(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                        Double.parseDouble(f[4]));
                out.computeIfAbsent(g.series() + " " + g.order(), k -> new ArrayList<>()).add(g);
            }
        }
        return out;
    }

    private static List<double[]> points(List<Golden> goldens) {
        return goldens.stream().map(g -> new double[] {g.x(), g.y()}).toList();
    }

    /** SymPy's counts: diff(f, x, n), simplified, and n nested diffs, per "series order". */
    private static Map<String, String[]> sympyCounts() throws IOException {
        Map<String, String[]> out = new LinkedHashMap<>();
        try (InputStream in = DerivativeSizeTest.class.getResourceAsStream("/goldens/derivatives-sympy.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.split("\t");
                    out.put(f[0] + " " + f[1], new String[] {f[2], f[3], f[4]});
                }
            }
        }
        return out;
    }

    /**
     * A graph holds its nodes weakly, so the collector may take a derivative's intermediate nodes
     * before the next derivative is built, which then makes some of them again under new ids.
     * The derivative built must not depend on that: here the collector runs before every order
     * in one build and not in the other, and both give the same graph (its size and, bit for bit,
     * its value). When reverse mode walked nodes in id order, the sizes differed (the counts above
     * changed with the young generation's size, and with the tests that ran first).
     */
    @Test
    void derivativesDoNotDependOnWhenTheCollectorRuns() {
        for (Series s : SERIES) {
            int order = s.nodes().length;
            long[] quiet = nested(s, order, false);
            long[] collected = nested(s, order, true);
            assertEquals(java.util.Arrays.toString(quiet), java.util.Arrays.toString(collected),
                    s.name() + " order " + order + ": nodes, ops and value bits without and with collections");
        }
    }

    /** {nodes, ops, value bits at x = 0.3} of the order-th derivative, collecting before each grad if asked. */
    private static long[] nested(Series s, int order, boolean collect) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor d = s.f().apply(x);
            for (int k = 0; k < order; k++) {
                if (collect) {
                    System.gc();
                }
                d = d.grad(x);
            }
            Derivative counted = new Derivative(g, x, null, d);
            double value = g.compile().eval(java.util.Map.of(x, dev.nabla.core.NDArray.scalar(0.3)), d).get(0)
                    .toDoubleArray()[0];
            return new long[] {counted.nodes(), counted.ops(), Double.doubleToRawLongBits(value)};
        }
    }

    @Test
    void nestedDerivativesHaveTheirNodeCounts() throws IOException {
        Map<String, String[]> sympy = sympyCounts();
        StringBuilder table = new StringBuilder("| f | n | nodes before | nodes now | ops before | ops now "
                + "| SymPy diff(f,x,n) | simplified | n nested diffs |\n|---|---|---|---|---|---|---|---|---|\n");
        List<String> wrong = new ArrayList<>();
        for (Series s : SERIES) {
            List<Derivative> ds = derivatives(s);
            for (int n = 1; n <= ds.size(); n++) {
                check(table, wrong, s.name(), n, ds.get(n - 1), s.nodesBefore()[n - 1], s.opsBefore()[n - 1],
                        s.nodes()[n - 1], s.ops()[n - 1], sympy);
            }
        }
        List<Derivative> seed = seedDerivatives();
        for (int i = 0; i < SEED.size(); i++) {
            check(table, wrong, SEED.get(i), i < 2 ? 1 : 2, seed.get(i), SEED_NODES_BEFORE[i], SEED_OPS_BEFORE[i],
                    SEED_NODES[i], SEED_OPS[i], sympy);
        }
        System.out.println(table);
        assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong) + "\n" + table);
    }

    private static void check(StringBuilder table, List<String> wrong, String name, int n, Derivative d,
            int nodesBefore, int opsBefore, int nodes, int ops, Map<String, String[]> sympy) {
        String[] s = sympy.get(name + " " + n);
        table.append("| ").append(name).append(" | ").append(n).append(" | ").append(nodesBefore).append(" | ")
                .append(d.nodes()).append(" | ").append(opsBefore).append(" | ").append(d.ops()).append(" | ")
                .append(s[0]).append(" | ").append(s[1]).append(" | ").append(s[2]).append(" |\n");
        if (d.nodes() != nodes || d.ops() != ops) {
            wrong.add(name + " order " + n + ": " + d.nodes() + " nodes and " + d.ops() + " ops, not " + nodes
                    + " and " + ops);
        }
        d.graph().close();
    }

    /**
     * Values did not change beyond rounding. Old and new graphs compute d^n f in f64 with one
     * rounding (half an ulp) per op, as sums of terms in different orders; such sums differ by a
     * few ulps of their largest terms, and those are about as large as the derivative gets near
     * the points, not as its value at each point (d^6 log(1 + x^2) is near 0 at some points and
     * near 300 at others). So the tolerance is relative to S, the largest |d^n f| over the
     * points: 64 ulps of S (1.4e-14 S) from SymPy's exact value and from the old value. Measured:
     * at most 27 ulps of S from the exact value (the old graphs: 27.5), 4 ulps between old and
     * new. A wrong term or coefficient would be off by a sizable fraction of S.
     */
    @Test
    void collectingTermsChangedOnlyRounding() throws IOException {
        Map<String, List<Golden>> exact = goldens("derivatives-exact.txt");
        Map<String, List<Golden>> before = goldens("derivatives-before.txt");
        List<String> wrong = new ArrayList<>();
        int compared = 0;
        double worstUlps = 0;
        for (Series s : SERIES) {
            List<Derivative> ds = derivatives(s);
            for (int n = 1; n <= ds.size(); n++) {
                String key = s.name() + " " + n;
                compared += compare(key, values(ds.get(n - 1), points(exact.get(key))), exact.get(key), before.get(key),
                        wrong);
                ds.get(n - 1).graph().close();
            }
        }
        List<Derivative> seed = seedDerivatives();
        for (int i = 0; i < SEED.size(); i++) {
            String key = SEED.get(i) + " " + (i < 2 ? 1 : 2);
            compared += compare(key, values(seed.get(i), points(exact.get(key))), exact.get(key), before.get(key),
                    wrong);
            seed.get(i).graph().close();
        }
        assertTrue(wrong.isEmpty(), () -> String.join("\n", wrong));
        assertEquals(996, compared);
    }

    private static int compare(String key, double[] now, List<Golden> exact, List<Golden> before, List<String> wrong) {
        double scale = 0;
        for (Golden e : exact) {
            scale = Math.max(scale, Math.abs(e.value()));
        }
        double tolerance = 64 * Math.ulp(scale);
        for (int i = 0; i < now.length; i++) {
            Golden e = exact.get(i);
            Golden b = before.get(i);
            assertEquals(e.x(), b.x(), key);
            if (Math.abs(now[i] - e.value()) > tolerance || Math.abs(now[i] - b.value()) > tolerance) {
                wrong.add(key + " at x = " + e.x() + ", y = " + e.y() + ": now " + now[i] + ", before " + b.value()
                        + ", exact " + e.value() + ", tolerance " + tolerance);
            }
        }
        return now.length;
    }

    /** Derivatives of collected graphs against finite differences (GradCheck), to order 2. */
    @Test
    void collectedDerivativesPassGradCheck() {
        List<GradCheck> checks = List.of(
                GradCheck.of("tanh", x -> x.get(0).tanh()).input(uniform(-2, 2), 6),
                GradCheck.of("x sin(x^2)", x -> x.get(0).mul(x.get(0).pow(2).sin())).input(uniform(-1.5, 1.5), 6),
                GradCheck.of("sin(x) x^2, twice differentiated", x -> x.get(0).sin().mul(x.get(0).pow(2)).sum()
                        .grad(x.get(0)).sum().grad(x.get(0))).input(uniform(-3, 3), 6),
                GradCheck.of("tanh''", x -> x.get(0).tanh().sum().grad(x.get(0)).sum().grad(x.get(0))).input(uniform(-2, 2), 6),
                GradCheck.of("x^3 exp(-x) y + y^2 x", x -> x.get(0).pow(3).mul(x.get(0).neg().exp()).mul(x.get(1))
                        .add(x.get(1).pow(2).mul(x.get(0)))).input(uniform(-1, 2), 4).input(uniform(-1, 1), 4));
        for (GradCheck check : checks) {
            assertTrue(check.order(2).check().comparisons() > 0, check.toString());
        }
    }

    /**
     * Writes goldens/derivatives-before.txt: the value of every derivative above at SymPy's points,
     * as the graph computes it. Run at commit a26124d (before like terms were collected) from the
     * dsl module's test classpath, with the path of the file as the argument; it also prints the
     * node counts, which are the "before" columns above.
     */
    public static void main(String[] args) throws IOException {
        Map<String, List<Golden>> exact = goldens("derivatives-exact.txt");
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[0])))) {
            out.println("# series order x y d^n f as Nabla computed it before collecting like terms (a26124d)");
            for (Series s : SERIES) {
                List<Derivative> ds = derivatives(s);
                StringBuilder counts = new StringBuilder(s.name());
                for (int n = 1; n <= ds.size(); n++) {
                    write(out, s.name() + " " + n, values(ds.get(n - 1), points(exact.get(s.name() + " " + n))),
                            exact.get(s.name() + " " + n));
                    counts.append(' ').append(ds.get(n - 1).nodes()).append('/').append(ds.get(n - 1).ops());
                    ds.get(n - 1).graph().close();
                }
                System.out.println(counts);
            }
            List<Derivative> seed = seedDerivatives();
            for (int i = 0; i < SEED.size(); i++) {
                String key = SEED.get(i) + " " + (i < 2 ? 1 : 2);
                write(out, key, values(seed.get(i), points(exact.get(key))), exact.get(key));
                System.out.println(SEED.get(i) + " " + seed.get(i).nodes() + "/" + seed.get(i).ops());
                seed.get(i).graph().close();
            }
        }
    }

    private static void write(PrintWriter out, String key, double[] values, List<Golden> points) {
        for (int i = 0; i < values.length; i++) {
            Golden p = points.get(i);
            out.println(p.series() + "\t" + p.order() + "\t" + p.x() + "\t" + p.y() + "\t" + values[i]);
        }
    }
}

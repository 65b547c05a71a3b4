package dev.nabla;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Sgd;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Runs in a JVM started without {@code --add-modules=jdk.incubator.vector} (see
 * {@link NoVectorModuleTest}): tensor programs on the JVM backend, each result compared with the
 * reference interpreter's. Prints one {@code OK name} line per check, or {@code FAIL name: why},
 * and exits with 1 when any check failed.
 */
public final class NoVectorModuleMain {
    static final Device JVM = Device.host("jvm");
    static final Device REFERENCE = Device.of("reference:cpu");
    /** Above 64 (the SIMD kernels' minimum) and 32K per task: split over -Dnabla.threads=4. */
    static final int LARGE = 100_001;

    private static final List<String> failures = new ArrayList<>();

    private NoVectorModuleMain() {}

    public static void main(String[] args) {
        check("module absent", ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty(),
                "this JVM has jdk.incubator.vector, so nothing here tests the fallback");
        scalarProgram();
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            elementwise(dtype);
            reductions(dtype);
            matmul(dtype);
            sgdStep(dtype, true);
            sgdStep(dtype, false);
        }
        System.out.println(failures.isEmpty() ? "ALL OK" : failures.size() + " FAILED");
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Programs of scalars never needed the Vector API; they still run. */
    private static void scalarProgram() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64);
            Tensor y = x.mul(x).add(x.sin());
            NDArray value = g.compile(JVM).eval(Map.of(x, NDArray.scalar(2.0)), y).get(0);
            check("scalar f64", value.item() == 4 + Math.sin(2.0), "got " + value.item());
        }
    }

    /** A long fused chain over every kind of elementwise op, and the same chain with a transposed read. */
    private static void elementwise(DType dtype) {
        Random random = new Random(1);
        NDArray xv = random(dtype, random, LARGE);
        NDArray yv = random(dtype, random, LARGE);
        compare("elementwise " + name(dtype), dtype, 0, g -> {
            Tensor x = g.input("x", dtype, LARGE);
            Tensor y = g.input("y", dtype, LARGE);
            Tensor chain = x.mul(y).add(x.exp()).sub(y.tanh()).div(x.abs().add(1))
                    .add(x.sigmoid().mul(y.softplus())).add(y.sin().mul(x.cos()))
                    .add(Nabla.where(x.lt(y), x.relu(), y.neg())).add(x.minimum(y).maximum(x.mul(0.5)))
                    .add(x.abs().add(1).log().add(y.abs().sqrt()).add(x.abs().rsqrt().minimum(x.abs().add(3))))
                    .add(x.abs().pow(y.mul(0.5))).add(x.sign().mul(x.mul(x))).add(x.fma(y, y))
                    .add(x.eq(y).cast(dtype)).add(x.ge(0).cast(dtype)).add(y.gt(0.5).cast(dtype)).add(y.le(-0.5).cast(dtype));
            return new Run(Map.of(x, xv, y, yv), List.of(chain, x.reshape(11, 9091).transpose().mul(2)));
        });
        NDArray sp = NDArray.fromDoubles(dtype, Shape.of(8), new double[] {
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, Double.MIN_VALUE, 1e-40, -3});
        compare("special values " + name(dtype), dtype, 0, g -> {
            Tensor x = g.input("x", dtype, 8);
            Tensor big = x.reshape(8, 1).broadcastTo(8, 64);
            return new Run(Map.of(x, sp), List.of(big.exp(), big.relu(), big.sign(), big.maximum(big.neg()),
                    big.lt(0.0), big.div(big), big.sqrt(), big.sigmoid(), big.tanh()));
        });
    }

    private static void reductions(DType dtype) {
        Random random = new Random(2);
        NDArray xv = random(dtype, random, 257, 389);
        NDArray zv = random(dtype, random, LARGE);
        compare("reductions " + name(dtype), dtype, 400, g -> {
            Tensor x = g.input("x", dtype, 257, 389);
            Tensor z = g.input("z", dtype, LARGE);
            return new Run(Map.of(x, xv, z, zv), List.of(x.sum(1), x.sum(0), x.mul(x).mean(), x.max(1), x.min(0),
                    x.exp().max(), x.mul(0.01).add(1).prod(1), x.logSumExp(1), x.softmax(0), z.sum(), z.abs().max(),
                    z.min()));
        });
    }

    /** Odd sizes, transposed operands either side, a batch, a vector times a matrix, and one the threads split. */
    private static void matmul(DType dtype) {
        Random random = new Random(3);
        NDArray av = random(dtype, random, 37, 129);
        NDArray bv = random(dtype, random, 129, 65);
        NDArray atv = random(dtype, random, 129, 37);
        NDArray btv = random(dtype, random, 65, 129);
        NDArray pv = random(dtype, random, 3, 17, 33);
        NDArray qv = random(dtype, random, 3, 33, 9);
        NDArray lv = random(dtype, random, 300, 257);
        NDArray rv = random(dtype, random, 257, 301);
        compare("matmul " + name(dtype), dtype, 257, g -> {
            Tensor a = g.input("a", dtype, 37, 129);
            Tensor b = g.input("b", dtype, 129, 65);
            Tensor at = g.input("at", dtype, 129, 37);
            Tensor bt = g.input("bt", dtype, 65, 129);
            Tensor p = g.input("p", dtype, 3, 17, 33);
            Tensor q = g.input("q", dtype, 3, 33, 9);
            Tensor l = g.input("l", dtype, 300, 257);
            Tensor r = g.input("r", dtype, 257, 301);
            return new Run(Map.of(a, av, b, bv, at, atv, bt, btv, p, pv, q, qv, l, lv, r, rv), List.of(
                    a.matmul(b), at.transpose().matmul(b), a.matmul(bt.transpose()),
                    at.transpose().matmul(bt.transpose()), a.slice(1, 0, 128, 2).matmul(b.slice(0, 0, 128, 2)),
                    p.matmul(q), a.slice(0, 0, 1).matmul(b), b.transpose().matmul(a.transpose()), l.matmul(r)));
        });
    }

    /**
     * Five SGD steps on a linear layer, for two losses: with {@code linear}, sum(y * (x.w)), whose
     * gradient x^T.y reads no temporary, so the weight's update runs inside that GEMM
     * (MatMulUpdateRunner); else a squared error, whose update runs as a step of its own.
     */
    private static void sgdStep(DType dtype, boolean linear) {
        Random random = new Random(4);
        NDArray xv = random(dtype, random, 300, 37);
        NDArray yv = random(dtype, random, 300, 23);
        NDArray wv = random(dtype, random, 37, 23);
        String problem = null;
        try {
            List<double[]> jvm = train(dtype, linear, xv, yv, wv, null);
            List<double[]> reference = train(dtype, linear, xv, yv, wv, REFERENCE);
            for (int i = 0; i < jvm.size() && problem == null; i++) {
                problem = mismatch(jvm.get(i), reference.get(i), tolerance(dtype, 300));
            }
        } catch (RuntimeException | Error e) {
            problem = e.toString();
        }
        check("sgd " + (linear ? "linear " : "squared error ") + name(dtype), problem == null, problem);
    }

    /** The losses, then the weight, after each step; on Device.best() (the JVM) when device is null. */
    private static List<double[]> train(DType dtype, boolean linear, NDArray xv, NDArray yv, NDArray wv,
            Device device) {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", dtype, 300, 37);
            Tensor y = g.input("y", dtype, 300, 23);
            Tensor w = g.parameter("w", wv.copy());
            Tensor loss = linear ? x.matmul(w).mul(y).sum() : x.matmul(w).sub(y).pow(2).mean();
            Sgd sgd = Optimizers.sgd(linear ? 0.001 : 0.1);
            List<double[]> out = new ArrayList<>();
            try (Trainer trainer = device == null ? sgd.minimize(loss)
                    : Trainer.builder(loss).group(sgd).device(device).build()) {
                for (int step = 0; step < 5; step++) {
                    out.add(trainer.step(Map.of(x, xv, y, yv)).toDoubleArray());
                    out.add(trainer.parameter(w).toDoubleArray());
                }
            }
            return out;
        }
    }

    private record Run(Map<Tensor, NDArray> feeds, List<Tensor> outputs) {}

    /** Builds the same graph twice, evaluates it on the JVM and on the reference, compares every output. */
    private static void compare(String name, DType dtype, int terms, Function<Graph, Run> build) {
        String problem = null;
        try {
            List<NDArray> jvm = evaluate(JVM, build);
            List<NDArray> reference = evaluate(REFERENCE, build);
            for (int i = 0; i < jvm.size() && problem == null; i++) {
                String m = mismatch(jvm.get(i).toDoubleArray(), reference.get(i).toDoubleArray(),
                        tolerance(dtype, terms));
                problem = m == null ? null : "output " + i + ": " + m;
            }
        } catch (RuntimeException | Error e) {
            problem = e.toString();
        }
        check(name, problem == null, problem);
    }

    private static List<NDArray> evaluate(Device device, Function<Graph, Run> build) {
        try (Graph g = Graph.create()) {
            Run run = build.apply(g);
            return g.compile(device).eval(run.feeds(), run.outputs().toArray(Tensor[]::new));
        }
    }

    /**
     * Relative to max(1, |reference|): a few ulps of the dtype for elementwise results, plus a
     * few per number summed where reductions or products combine {@code terms} numbers.
     */
    private static double tolerance(DType dtype, int terms) {
        double u = dtype == DType.F32 ? 0x1p-24 : 0x1p-53;
        return u * (64 + 8.0 * terms);
    }

    /** The first element where the two differ by more than the tolerance, or null. */
    private static String mismatch(double[] jvm, double[] reference, double tolerance) {
        if (jvm.length != reference.length) {
            return "lengths " + jvm.length + " and " + reference.length;
        }
        for (int i = 0; i < jvm.length; i++) {
            double a = jvm[i];
            double r = reference[i];
            boolean same = Double.isNaN(r) ? Double.isNaN(a)
                    : Double.isInfinite(r) ? a == r
                    : Math.abs(a - r) <= tolerance * Math.max(1, Math.abs(r));
            if (!same) {
                return "element " + i + ": jvm " + a + ", reference " + r;
            }
        }
        return null;
    }

    private static NDArray random(DType dtype, Random random, int... dims) {
        double[] v = new double[Shape.of(dims).size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return NDArray.fromDoubles(dtype, Shape.of(dims), v);
    }

    private static String name(DType dtype) {
        return dtype == DType.F32 ? "f32" : "f64";
    }

    private static void check(String name, boolean ok, String problem) {
        if (ok) {
            System.out.println("OK " + name);
        } else {
            System.out.println("FAIL " + name + ": " + problem);
            failures.add(name);
        }
    }
}

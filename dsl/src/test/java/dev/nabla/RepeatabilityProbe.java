package dev.nabla;

import dev.nabla.core.DType;
import dev.nabla.core.NDArray;
import dev.nabla.runtime.jvm.math.DoubleMath;
import dev.nabla.runtime.jvm.math.FloatMath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The child JVM of {@link RepeatabilityTest}: evaluates elementwise programs with the JVM backend
 * (every transcendental function alone, contiguous and strided, two fused chains, and reductions
 * of all elements) over fixed
 * inputs and prints a digest of each result's bits, so that JVMs in different JIT modes and with
 * different thread counts can be compared. Checks in place, printing MISMATCH or DRIFT lines:
 * each single function's elements equal FloatMath's or DoubleMath's scalar value; a fused chain
 * gives the same bits for an element at every input size (vector bodies and tails fall
 * elsewhere); and the last of several rounds equals the first (the JIT compiled in between).
 *
 * <p>Arguments: the largest input size (0 for the small set alone), and the number of rounds.
 */
public final class RepeatabilityProbe {
    static final int SMALL = 4099;
    static final int[] PREFIXES = {1, 17, 63, 1000, 1025, 40_001};

    /** local: each element depends on its own input alone (so it must not change with the size). */
    record Program(String name, DType dtype, boolean strided, UnaryOperator<Tensor> body,
            DoubleUnaryOperator twin, boolean local) {}

    public static void main(String[] args) {
        int large = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        List<Program> programs = programs();
        List<String> first = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            List<String> digests = new ArrayList<>();
            boolean report = round == 1 || round == rounds;
            for (int n : large > 0 ? new int[] {SMALL, large} : new int[] {SMALL}) {
                for (Program p : programs) {
                    digests.add(run(p, n, report));
                }
                digests.add("canary " + n + " " + svmlExp(n));
            }
            if (round == 1) {
                first = digests;
            } else if (round == rounds) {
                for (int i = 0; i < digests.size(); i++) {
                    if (!digests.get(i).equals(first.get(i)) && !digests.get(i).startsWith("canary")) {
                        System.out.println("DRIFT " + first.get(i) + " -> " + digests.get(i));
                    }
                }
            }
        }
        for (String d : first) {
            System.out.println((d.startsWith("canary") ? "FIRST " : "DIGEST ") + d);
        }
        if (rounds > 1) {
            // The Vector API's own EXP, for comparison: its bits may change once C2 compiles it.
            System.out.println("LAST canary " + SMALL + " " + svmlExp(SMALL) + (large > 0 ? " / " + svmlExp(large) : ""));
        }
        System.out.println("DONE");
    }

    static List<Program> programs() {
        List<Program> list = new ArrayList<>();
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            boolean f32 = t == DType.F32;
            add(list, t, "exp", Tensor::exp, f32 ? x -> FloatMath.exp((float) x) : DoubleMath::exp);
            add(list, t, "log", Tensor::log, f32 ? x -> FloatMath.log((float) x) : DoubleMath::log);
            add(list, t, "log1p", Tensor::log1p, f32 ? x -> FloatMath.log1p((float) x) : DoubleMath::log1p);
            add(list, t, "expm1", Tensor::expm1, f32 ? x -> FloatMath.expm1((float) x) : DoubleMath::expm1);
            add(list, t, "sin", Tensor::sin, f32 ? x -> FloatMath.sin((float) x) : DoubleMath::sin);
            add(list, t, "cos", Tensor::cos, f32 ? x -> FloatMath.cos((float) x) : DoubleMath::cos);
            add(list, t, "tan", Tensor::tan, f32 ? x -> FloatMath.tan((float) x) : DoubleMath::tan);
            add(list, t, "tanh", Tensor::tanh, f32 ? x -> FloatMath.tanh((float) x) : DoubleMath::tanh);
            add(list, t, "sigmoid", Tensor::sigmoid, f32 ? x -> FloatMath.sigmoid((float) x) : DoubleMath::sigmoid);
            add(list, t, "softplus", Tensor::softplus, f32 ? x -> FloatMath.softplus((float) x) : DoubleMath::softplus);
            add(list, t, "rsqrt", Tensor::rsqrt, f32 ? x -> FloatMath.rsqrt((float) x) : DoubleMath::rsqrt);
            // The benchmark's chain, and activations with their derivatives' shapes.
            list.add(new Program("chain", t, false, x -> x.sin().mul(x.mul(x).neg().exp()).add(x.mul(x).mul(3)), null, true));
            list.add(new Program("activations", t, false,
                    x -> x.tanh().mul(x.sigmoid()).add(x.softplus().mul(x.abs().log1p())).sub(x.cos().expm1()), null, true));
            list.add(new Program("activations", t, true,
                    x -> x.tanh().mul(x.sigmoid()).add(x.softplus().mul(x.abs().log1p())).sub(x.cos().expm1()), null, true));
            // Reductions over every element (sums fold their vector lanes: in a fixed order?),
            // of the finite inputs only.
            list.add(new Program("softmax", t, false, x -> finite(x).mul(1e4).softmax(0), null, false));
            list.add(new Program("centered", t, true, x -> finite(x).sub(finite(x).mean()).mul(finite(x).prod()), null, false));
        }
        return list;
    }

    private static void add(List<Program> list, DType t, String name, UnaryOperator<Tensor> f, DoubleUnaryOperator twin) {
        list.add(new Program(name, t, false, f, twin, true));
        list.add(new Program(name, t, true, f, twin, true));
    }

    /** 1 + x/3e5 where |x| < 30, else 1 (NaN too): sums and products of these stay finite. */
    private static Tensor finite(Tensor x) {
        return Nabla.where(x.abs().lt(30), x.div(3e5).add(1), 1.0);
    }

    /** Runs p over n inputs; returns "dtype name layout n digest" and prints what it finds wrong. */
    static String run(Program p, int n, boolean check) {
        double[] x = inputs(n);
        double[] y = evaluate(p, x);
        String label = p.dtype() + " " + p.name() + (p.strided() ? " strided " : " contiguous ") + n;
        if (check && p.twin() != null) {
            for (int i = 0; i < n; i++) {
                double want = p.twin().applyAsDouble(x[i]);
                if (!sameBits(y[i], want)) {
                    System.out.println("MISMATCH twin " + label + " at " + i + ": x=" + x[i] + " got " + y[i] + " want " + want);
                    break;
                }
            }
        }
        if (check && p.twin() == null && p.local() && n > PREFIXES[PREFIXES.length - 1]) {
            for (int m : PREFIXES) {
                double[] z = evaluate(p, Arrays.copyOf(x, m));
                for (int i = 0; i < m; i++) {
                    if (!sameBits(z[i], y[i])) {
                        System.out.println("MISMATCH size " + label + " at " + i + " of " + m + ": " + z[i] + " vs " + y[i]);
                        break;
                    }
                }
            }
        }
        return label + " " + Long.toHexString(digest(y));
    }

    /** The program over x (rounded to its dtype), as doubles; strided reads every other element. */
    static double[] evaluate(Program p, double[] x) {
        int n = x.length;
        int stride = p.strided() ? 2 : 1;
        Graph g = Graph.create();
        Tensor in = g.input("x", p.dtype(), n * stride);
        Tensor y = p.body().apply(p.strided() ? in.slice(0, 0, 2 * n, 2) : in);
        try (CompiledGraph run = g.compile()) {
            if (p.dtype() == DType.F32) {
                float[] data = new float[n * stride];
                for (int i = 0; i < n; i++) {
                    data[i * stride] = (float) x[i];
                }
                float[] out = new float[n];
                run.evalInto(Map.of(in, NDArray.of(data, n * stride)), y, out);
                double[] result = new double[n];
                for (int i = 0; i < n; i++) {
                    result[i] = out[i];
                }
                return result;
            }
            double[] data = new double[n * stride];
            for (int i = 0; i < n; i++) {
                data[i * stride] = x[i];
            }
            double[] out = new double[n];
            run.evalInto(Map.of(in, NDArray.of(data, n * stride)), y, out);
            return out;
        }
    }

    /**
     * Fixed inputs: special values and the functions' thresholds, random bit patterns, and random
     * values of every magnitude from 1e-4 to 1e3 (as float32, the f64 programs get other bits).
     */
    static double[] inputs(int n) {
        double[] special = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-40, Double.MIN_VALUE, Double.MIN_NORMAL,
            1, -1, 0.5, -0.5, 0.34657, 0.6931, 0.7, -0.7, 0.55, 88.72283172607422, 88.72284, -103.9, -104.1,
            709.78, 709.79, -745.1, -746.1, -64, -17.33, 0x1p17, -0x1p17 - 1, 0x1p30, 0x1p30 + 1, 1e9, 1e30,
            Float.MAX_VALUE, Double.MAX_VALUE, Math.PI / 2, Math.PI / 4, -Math.PI, 1e-8, 3e-8};
        SplittableRandom random = new SplittableRandom(20261203);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 8) {
                case 0 -> special[random.nextInt(special.length)];
                case 1 -> Float.intBitsToFloat(random.nextInt());
                case 2 -> Double.longBitsToDouble(random.nextLong());
                default -> (random.nextBoolean() ? 1 : -1) * Math.pow(10, random.nextDouble(-4, 3));
            };
        }
        return x;
    }

    static boolean sameBits(double a, double b) {
        return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
    }

    /** FNV-1a over each element's bits (every NaN one value). */
    static long digest(double[] y) {
        long h = 0xcbf29ce484222325L;
        for (double v : y) {
            h = (h ^ Double.doubleToLongBits(v)) * 0x100000001b3L;
        }
        return h;
    }

    /** The Vector API's lanewise EXP over the f32 inputs: not repeatable across JIT tiers. */
    static String svmlExp(int n) {
        double[] x = inputs(n);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) x[i];
        }
        var s = FloatVector.SPECIES_PREFERRED;
        double[] y = new double[s.loopBound(n)];
        float[] out = new float[s.length()];
        for (int i = 0; i < s.loopBound(n); i += s.length()) {
            FloatVector.fromArray(s, a, i).lanewise(VectorOperators.EXP).intoArray(out, 0);
            for (int j = 0; j < s.length(); j++) {
                y[i + j] = out[j];
            }
        }
        return Long.toHexString(digest(y));
    }
}

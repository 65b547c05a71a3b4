package dev.nabla.bench;

import dev.nabla.runtime.jvm.gemm.Gemm;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JVM backend's matrix multiplication, C = A.B with row-major operands, time per call.
 * GFLOP/s = 2 m n k / time. Shapes are m x k times k x n. The float shapes include the MLP
 * training step's small products (128x784x256, 128x256x10) and 512^3.
 *
 * <pre>mvn -q -Pbench -DskipTests package -Djmh.args="GemmBenchmark -wi 2 -i 3 -f 1"</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class GemmBenchmark {
    /** Float operands; shape "m x k x n". */
    @State(Scope.Benchmark)
    public static class Floats {
        @Param({"128x256x10", "128x784x256", "512x512x512", "512x1024x512", "1024x1024x1024", "2048x2048x2048"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        int m;
        int k;
        int n;
        float[] a;
        float[] b;
        float[] c;

        @Setup
        public void fill() {
            int[] mkn = parse(shape);
            m = mkn[0];
            k = mkn[1];
            n = mkn[2];
            Random random = new Random(42);
            a = new float[m * k];
            b = new float[k * n];
            c = new float[m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = random.nextFloat() - 0.5f;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextFloat() - 0.5f;
            }
        }
    }

    /** Double operands; shape "m x k x n". */
    @State(Scope.Benchmark)
    public static class Doubles {
        @Param({"1024x1024x1024", "2048x2048x2048"})
        public String shape;

        @Param({"1", "2"})
        public int threads;

        int m;
        int k;
        int n;
        double[] a;
        double[] b;
        double[] c;

        @Setup
        public void fill() {
            int[] mkn = parse(shape);
            m = mkn[0];
            k = mkn[1];
            n = mkn[2];
            Random random = new Random(42);
            a = new double[m * k];
            b = new double[k * n];
            c = new double[m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = random.nextDouble() - 0.5;
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextDouble() - 0.5;
            }
        }
    }

    private static int[] parse(String shape) {
        String[] parts = shape.split("x");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    @Benchmark
    public float[] sgemm(Floats s) {
        Gemm.sgemm(s.m, s.n, s.k, s.a, 0, false, s.b, 0, false, s.c, 0, s.threads);
        return s.c;
    }

    @Benchmark
    public double[] dgemm(Doubles s) {
        Gemm.dgemm(s.m, s.n, s.k, s.a, 0, false, s.b, 0, false, s.c, 0, s.threads);
        return s.c;
    }
}

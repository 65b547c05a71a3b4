package dev.nabla.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's fused multiply-add peak on one thread, the yardstick for the GEMM's GFLOP/s: 24
 * independent vector fma chains (the GEMM micro-kernel's count, enough to cover the fma latency on
 * two ports) in registers, no memory. One operation is one floating-point operation, so the score
 * in operations per nanosecond is GFLOP/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FmaPeakBenchmark {
    /** Lanes x steps per call, the same for any vector width: the flops per call are constant. */
    private static final int LANE_STEPS = 1 << 20;
    /** 24 chains, two flops per fma lane. */
    private static final int FLOPS = LANE_STEPS * 24 * 2;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    /** Factors kept in fields, so that the JIT cannot fold the chains. */
    public float floatScale = 0.999999f;
    public double doubleScale = 0.999999999;

    @Benchmark
    @OperationsPerInvocation(FLOPS)
    public float floatPeak() {
        FloatVector s = FloatVector.broadcast(F, floatScale);
        FloatVector t = FloatVector.broadcast(F, 1e-7f);
        FloatVector c0 = s, c1 = s, c2 = s, c3 = s, c4 = s, c5 = s, c6 = s, c7 = s;
        FloatVector c8 = s, c9 = s, c10 = s, c11 = s, c12 = s, c13 = s, c14 = s, c15 = s;
        FloatVector c16 = s, c17 = s, c18 = s, c19 = s, c20 = s, c21 = s, c22 = s, c23 = s;
        for (int i = LANE_STEPS / F.length(); i > 0; i--) {
            c0 = c0.fma(s, t); c1 = c1.fma(s, t); c2 = c2.fma(s, t); c3 = c3.fma(s, t);
            c4 = c4.fma(s, t); c5 = c5.fma(s, t); c6 = c6.fma(s, t); c7 = c7.fma(s, t);
            c8 = c8.fma(s, t); c9 = c9.fma(s, t); c10 = c10.fma(s, t); c11 = c11.fma(s, t);
            c12 = c12.fma(s, t); c13 = c13.fma(s, t); c14 = c14.fma(s, t); c15 = c15.fma(s, t);
            c16 = c16.fma(s, t); c17 = c17.fma(s, t); c18 = c18.fma(s, t); c19 = c19.fma(s, t);
            c20 = c20.fma(s, t); c21 = c21.fma(s, t); c22 = c22.fma(s, t); c23 = c23.fma(s, t);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .add(c12).add(c13).add(c14).add(c15).add(c16).add(c17).add(c18).add(c19).add(c20).add(c21)
                .add(c22).add(c23).reduceLanes(VectorOperators.ADD);
    }

    @Benchmark
    @OperationsPerInvocation(FLOPS)
    public double doublePeak() {
        DoubleVector s = DoubleVector.broadcast(D, doubleScale);
        DoubleVector t = DoubleVector.broadcast(D, 1e-9);
        DoubleVector c0 = s, c1 = s, c2 = s, c3 = s, c4 = s, c5 = s, c6 = s, c7 = s;
        DoubleVector c8 = s, c9 = s, c10 = s, c11 = s, c12 = s, c13 = s, c14 = s, c15 = s;
        DoubleVector c16 = s, c17 = s, c18 = s, c19 = s, c20 = s, c21 = s, c22 = s, c23 = s;
        for (int i = LANE_STEPS / D.length(); i > 0; i--) {
            c0 = c0.fma(s, t); c1 = c1.fma(s, t); c2 = c2.fma(s, t); c3 = c3.fma(s, t);
            c4 = c4.fma(s, t); c5 = c5.fma(s, t); c6 = c6.fma(s, t); c7 = c7.fma(s, t);
            c8 = c8.fma(s, t); c9 = c9.fma(s, t); c10 = c10.fma(s, t); c11 = c11.fma(s, t);
            c12 = c12.fma(s, t); c13 = c13.fma(s, t); c14 = c14.fma(s, t); c15 = c15.fma(s, t);
            c16 = c16.fma(s, t); c17 = c17.fma(s, t); c18 = c18.fma(s, t); c19 = c19.fma(s, t);
            c20 = c20.fma(s, t); c21 = c21.fma(s, t); c22 = c22.fma(s, t); c23 = c23.fma(s, t);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .add(c12).add(c13).add(c14).add(c15).add(c16).add(c17).add(c18).add(c19).add(c20).add(c21)
                .add(c22).add(c23).reduceLanes(VectorOperators.ADD);
    }
}

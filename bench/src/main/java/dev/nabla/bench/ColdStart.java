package dev.nabla.bench;

import dev.nabla.CompiledGraph;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NDArray;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The first call in a fresh JVM: build the seed's graph y = x^2, differentiate twice, compile and
 * evaluate, timed with {@link System#nanoTime()} around the whole and around each step. Prints one
 * line: {@code first_call_ms} (the whole first call), {@code start_to_value_ms} (from the JVM's
 * start as the runtime MXBean reports it, in whole milliseconds, to the first value) and the split
 * of the first call: {@code create} (Graph.create and the scalar), {@code build} (x^2),
 * {@code grad} (the two derivatives), {@code compile} and {@code eval} (the first eval, which
 * lowers, generates and loads the code and runs it).
 *
 * <p>Run by bench/run-coldstart.sh, with and without an AOT cache (JEP 483, 514, 515). With an
 * argument n, the workload runs n times (a training run for the AOT cache, or a warm check) and
 * only the first call is reported.
 */
public final class ColdStart {
    private ColdStart() {}

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        Graph g = Graph.create();
        Tensor x = g.scalar("x", 5.0f);
        long t1 = System.nanoTime();
        Tensor y = x.pow(2);
        long t2 = System.nanoTime();
        Tensor d2 = y.grad(x).grad(x);
        long t3 = System.nanoTime();
        CompiledGraph compiled = g.compile();
        long t4 = System.nanoTime();
        NDArray value = compiled.eval(d2);
        long t5 = System.nanoTime();
        long valueAtMillis = System.currentTimeMillis();
        g.close();
        // The JVM's start, read after the measurement: java.management need not load before it.
        long startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
        double result = value.getDouble(0);
        if (result != 2.0) {
            throw new AssertionError("d2(x^2)/dx2 = " + result + ", expected 2");
        }
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        long second = 0;
        for (int i = 1; i < repeats; i++) {
            long s = System.nanoTime();
            try (Graph h = Graph.create()) {
                Tensor xi = h.scalar("x", 5.0f);
                h.compile().eval(xi.pow(2).grad(xi).grad(xi));
            }
            if (i == 1) {
                second = System.nanoTime() - s;
            }
        }
        System.out.println(String.format(Locale.ROOT,
                "first_call_ms=%.3f start_to_value_ms=%d create=%.3f build=%.3f grad=%.3f compile=%.3f eval=%.3f%s",
                ms(t5 - t0), valueAtMillis - startMillis, ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t4 - t3),
                ms(t5 - t4), repeats > 1 ? String.format(Locale.ROOT, " second_call_ms=%.3f", ms(second)) : ""));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}

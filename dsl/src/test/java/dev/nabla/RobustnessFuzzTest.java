package dev.nabla;

import dev.nabla.Fuzzer.Act;
import dev.nabla.Fuzzer.Scenario;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * A robustness fuzzer for the whole API: random graphs built by random actions, bad ones
 * included, and random calls on the JVM backend and the reference interpreter (see
 * {@link Fuzzer}). The contract it checks: every outcome is either a value equal to the
 * reference interpreter's (within the tolerances {@link BackendDifferentialTest} documents, as
 * {@link FuzzOracle} applies them) or a {@link dev.nabla.core.NablaException} from both
 * backends; no other exception escapes (no NullPointerException, index or class-cast errors,
 * IllegalStateException, a plain IllegalArgumentException, StackOverflowError, or
 * OutOfMemoryError from a size that overflows int), and no try runs longer than
 * {@value #TIMEOUT_SECONDS} seconds. Where the fuzzer can tell, it also checks that valid calls
 * succeed with the right shapes and invalid ones fail ({@link FuzzShapes}).
 *
 * <p>Bounded for the build: a fixed seed, {@value #TRIES} tries of up to {@value #MAX_ACTIONS}
 * actions (8 to 20 seconds on a shared two-core machine), tensors mostly small but some of 64 to
 * 1025 elements and some above 32K (so that SIMD kernels and the thread pool's split run), and
 * evaluations whose cost exceeds {@link Fuzzer#BUDGET} skipped. It prints one summary line:
 * tries, graphs, actions, calls, values compared (by call and by element: exact, within
 * tolerance, unstable or unsettled and so not compared, see FuzzOracle), outcomes predicted,
 * NablaExceptions by type.
 *
 * <p>Longer runs: {@code -Dnabla.fuzz.tries=20000}; {@code -Dnabla.fuzz.seed=...} for another
 * seed, {@code -Dnabla.fuzz.actions=100} for longer scenarios (larger programs),
 * {@code -Dnabla.fuzz.timeout=...} for another limit per try in seconds, and
 * {@code -Dnabla.fuzz.log=FILE} to append every try's log to FILE; for example
 * {@code mvn -q -o verify -pl dsl -am -Dtest=RobustnessFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dnabla.fuzz.tries=20000}. A failure prints the scenario and the log of every action up to it,
 * and jqwik shrinks the scenario to fewer actions. (Repeated exceptions lose their stack traces to
 * the JIT; add
 * {@code -Dnabla.vectorModule="--add-modules=jdk.incubator.vector -XX:-OmitStackTraceInFastThrow"}
 * to keep them.)
 */
class RobustnessFuzzTest {
    static final int TRIES = 3000;
    static final int MAX_ACTIONS = 30;
    static final int TIMEOUT_SECONDS = 60;

    private static final FuzzStats STATS = new FuzzStats();
    private static long start;
    private static ExecutorService executor;

    /** -Dnabla.fuzz.tries and -Dnabla.fuzz.seed change the property's tries and seed. */
    static final class Configuration implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            Integer tries = Integer.getInteger("nabla.fuzz.tries");
            if (tries != null) {
                context.attributes().setTries(tries);
            }
            String seed = System.getProperty("nabla.fuzz.seed");
            if (seed != null) {
                context.attributes().setSeed(seed);
            }
            return property.execute();
        }
    }

    @BeforeContainer
    static void startClock() {
        start = System.nanoTime();
        executor = newExecutor();
    }

    private static ExecutorService newExecutor() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nabla-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterContainer
    static void summary() {
        executor.shutdownNow();
        System.out.println(STATS.summary((System.nanoTime() - start) / 1e9));
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Act> act = Combinators.combine(Arbitraries.integers().between(0, Fuzzer.TABLE.length - 1),
                Arbitraries.longs()).as(Act::new);
        return Combinators.combine(Arbitraries.integers().between(0, 1023), Arbitraries.longs(),
                act.list().ofMinSize(1).ofMaxSize(Integer.getInteger("nabla.fuzz.actions", MAX_ACTIONS))
                        .withSizeDistribution(RandomDistribution.uniform()))
                .as(Scenario::new);
    }

    // Edge cases off: they are the smallest scenarios again and again.
    @Property(tries = TRIES, seed = "20261203", edgeCases = EdgeCasesMode.NONE)
    @AddLifecycleHook(Configuration.class)
    void everyOutcomeIsTheReferenceValueOrANablaException(@ForAll("scenarios") Scenario scenario) throws Exception {
        STATS.count("tries");
        Fuzzer fuzzer = new Fuzzer(scenario, STATS);
        Future<?> done = executor.submit(fuzzer::run);
        int timeout = Integer.getInteger("nabla.fuzz.timeout", TIMEOUT_SECONDS);
        try {
            done.get(timeout, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            done.cancel(true);
            executor.shutdownNow();
            executor = newExecutor(); // the stuck thread is left behind, a daemon
            throw new AssertionError("hang: the try ran for more than " + timeout + " s\n" + fuzzer.report());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new AssertionError(cause.getMessage() + "\n" + fuzzer.report(), cause);
        }
        String logFile = System.getProperty("nabla.fuzz.log");
        if (logFile != null) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(logFile), fuzzer.report() + "\n\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }
}

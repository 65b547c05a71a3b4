package dev.nabla;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The chunk kernels' elementwise operators, the matrix products' packing and the convolutions
 * allocate only what they return even when C2 may not speculate: its own JVM (dsl/pom.xml) runs
 * with {@code -XX:PerMethodTrapLimit=0}, which makes every compilation behave as one in a JVM
 * that has recorded too many failed guesses
 * (class-check traps, counted over every method a compilation inlines, the Vector API's shared
 * ones included). Vector code whose vectors' classes C2 only guesses then compiles with boxing
 * slow paths; this caught packing transposes that kept their selection indexes as vector objects
 * in an array (23 MB of garbage per 512 x 512 product, packing ten times slower), which passed in
 * a young JVM and failed after the whole suite had run; and elementwise primitives whose vector
 * loops shared one method per kind of step (add beside multiply beside divide): the cases that had
 * not run when C2 compiled the method stayed calls it could not see through, boxing every vector
 * once they ran (188 KB per run of the operators' check); and a 128-bit vector class beside the
 * 512-bit one, which split the Vector API's type profiles (JvmBackendAllocationTest's every kind
 * of step).
 */
class UnspeculativeJitAllocationTest {
    private static void assumeNoSpeculation() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        assumeTrue("0".equals(hotspot.getVMOption("PerMethodTrapLimit").getValue()),
                "meaningful only in a JVM started with -XX:PerMethodTrapLimit=0 (dsl/pom.xml's execution)");
    }

    @Test
    void convolutionsAllocateOnlyWhatTheyReturn() {
        assumeNoSpeculation();
        JvmBackendAllocationTest.checkConvolutions();
    }

    @Test
    void chunkKernelOperatorsAllocateOnlyWhatTheyReturn() {
        assumeNoSpeculation();
        JvmBackendAllocationTest.checkChunkKernelOperators();
    }

    @Test
    void everyKindOfStepAllocatesOnlyWhatItReturns() {
        assumeNoSpeculation();
        JvmBackendAllocationTest.checkEveryKindOfStep();
    }

    @Test
    void productsSplitOverThreadsAllocateOnlyWhatTheyReturn() {
        assumeNoSpeculation();
        JvmBackendAllocationTest.checkWorkSplitOverThreads();
    }
}

package dev.nabla;

import dev.nabla.DifferentialGraphs.Recipe;
import dev.nabla.core.Device;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The TornadoVM backend against the reference interpreter, on the same random graphs (all ops,
 * odd sizes, broadcasting, gradients and updates) as the JVM backend's differential test.
 * Values need not agree bit for bit: TornadoVM's OpenCL compiler contracts a * b + c into fma.
 * Fewer tries than for the JVM: TornadoVM JIT-compiles every new program for about a second.
 */
class TornadoVmDifferentialTest {
    private static Device device;

    @BeforeContainer
    static void findDevice() {
        device = TornadoVmDevices.first();
    }

    @Provide
    Arbitrary<Recipe> recipes() {
        return BackendDifferentialTest.recipes(BackendDifferentialTest.SHAPES, 12);
    }

    @Provide
    Arbitrary<Recipe> largeRecipes() {
        return BackendDifferentialTest.recipes(BackendDifferentialTest.LARGE_SHAPES, 6);
    }

    @net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true)
    @Property(tries = 40, seed = "5205", edgeCases = EdgeCasesMode.NONE)
    void tornadoVmMatchesTheReference(@ForAll("recipes") Recipe recipe) {
        BackendDifferentialTest.check(recipe, device, false);
    }

    /** Tensors of 64K elements and more: reductions over that many split across work-items. */
    @net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true)
    @Property(tries = 8, seed = "65537", edgeCases = EdgeCasesMode.NONE)
    void tornadoVmMatchesTheReferenceOnLargeTensors(@ForAll("largeRecipes") Recipe recipe) {
        BackendDifferentialTest.check(recipe, device, false);
    }
}

package dev.nabla.runtime.jvm;

/**
 * Whether the JVM backend may run its SIMD code: the incubating Vector API
 * ({@code jdk.incubator.vector}) is only there when the java command line asks for it with
 * {@code --add-modules=jdk.incubator.vector}. Decided once, when this class loads, by looking the
 * module up by name, which loads none of its classes.
 *
 * <p>Without it the backend runs plain Java loops ({@link PlainFloatLanes}, {@link PlainDoubleLanes},
 * {@code gemm.PlainGemm}, no generated SIMD kernels): the same results within the tolerances the
 * SIMD code keeps, much slower. The first question answered "no" prints one line to System.err
 * naming the flag. Callers that pick between the two ask {@link #enabled()}, and only a "yes" may
 * lead to a class that imports {@code jdk.incubator.vector}.
 */
public final class VectorSupport {
    static final String MODULE = "jdk.incubator.vector";

    static final String WARNING = "Nabla: " + MODULE + " is not enabled; the JVM backend runs without SIMD"
            + " (much slower). Add --add-modules=" + MODULE + " to the java command line.";

    private static final boolean PRESENT = isPresent();

    private VectorSupport() {}

    /** Whether SIMD code may run; the first "no" prints {@link #WARNING} to System.err. */
    public static boolean enabled() {
        if (!PRESENT) {
            Warning.printOnce();
        }
        return PRESENT;
    }

    /** In the layer Nabla was loaded in, or the boot layer for the class path (parents included). */
    private static boolean isPresent() {
        ModuleLayer layer = VectorSupport.class.getModule().getLayer();
        return (layer != null ? layer : ModuleLayer.boot()).findModule(MODULE).isPresent();
    }

    /** Holder idiom: the JVM initializes this class once, however many threads ask at once. */
    private static final class Warning {
        static {
            System.err.println(WARNING);
        }

        static void printOnce() {}
    }
}

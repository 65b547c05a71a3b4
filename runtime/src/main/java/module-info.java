/**
 * Nabla's backends: the JVM backend (bytecode-generated SIMD kernels, packed GEMM) and the
 * reference interpreter. Nothing here is for users to name: they reach it through the DSL and
 * {@code dev.nabla.core.Device}. Other backends (TornadoVM's) are found as {@code Backend}
 * services on the class path.
 */
module dev.nabla.runtime {
    requires transitive dev.nabla.compiler;
    // The SIMD kernels use the Vector API, still an incubator module in JDK 25: requiring it here
    // resolves it for programs on the module path without --add-modules.
    requires jdk.incubator.vector;
    // GEMM reads the collector's options to align its panels to cache lines (LineAlignment).
    requires jdk.management;

    exports dev.nabla.runtime to dev.nabla;
    // For the DSL's tests, which check kernels and the reference interpreter directly.
    exports dev.nabla.runtime.jvm to dev.nabla;
    exports dev.nabla.runtime.jvm.math to dev.nabla;
    exports dev.nabla.runtime.reference to dev.nabla;

    uses dev.nabla.runtime.Backend;
    provides dev.nabla.runtime.Backend
            with dev.nabla.runtime.jvm.JvmBackend, dev.nabla.runtime.reference.ReferenceBackend;
    provides dev.nabla.core.spi.DeviceDirectory with dev.nabla.runtime.BackendDirectory;
}

package dev.nabla.runtime.tornadovm;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The system class loader to run Nabla's TornadoVM backend with
 * ({@code -Djava.system.class.loader=dev.nabla.runtime.tornadovm.KernelClassLoader}).
 *
 * <p>Why: before compiling a task, TornadoVM reads the class file of its method through the
 * <em>system</em> class loader's {@code getResourceAsStream}, to find {@code @Parallel} loops
 * (type annotations that reflection cannot see). Kernel classes generated at run time have no
 * file on the class path, so this loader serves their bytes; everything else it leaves to the
 * JDK's own application class loader.
 */
public final class KernelClassLoader extends ClassLoader {
    private static final Map<String, byte[]> GENERATED = new ConcurrentHashMap<>();

    static {
        registerAsParallelCapable();
    }

    /** Called by the JDK with its application class loader as the parent. */
    public KernelClassLoader(ClassLoader parent) {
        super(parent);
    }

    /** Whether the JVM was started with this loader as its system class loader. */
    static boolean installed() {
        return ClassLoader.getSystemClassLoader() instanceof KernelClassLoader;
    }

    static void serve(String binaryName, byte[] bytes) {
        GENERATED.put(binaryName.replace('.', '/') + ".class", bytes);
    }

    static void forget(String binaryName) {
        GENERATED.remove(binaryName.replace('.', '/') + ".class");
    }

    @Override
    public InputStream getResourceAsStream(String name) {
        byte[] bytes = GENERATED.get(name);
        return bytes != null ? new ByteArrayInputStream(bytes) : super.getResourceAsStream(name);
    }
}

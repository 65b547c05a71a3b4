package dev.nabla.runtime.tornadovm;

import dev.nabla.core.NablaException;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import uk.ac.manchester.tornado.api.TaskGraph;

/**
 * Compiles generated kernel source with the JDK's own javac, in memory. Source rather than
 * bytecode because TornadoVM reads kernels as javac writes them: {@code @Parallel} as a type
 * annotation on a local variable, and the local variable table ({@code -g}), without which it
 * cannot compile a task at all. Each program gets its own class loader, so it can be unloaded.
 */
final class KernelCompiler {
    private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();
    /** TornadoVM's API, and its cuBLAS module where loaded (kernels may call cuBLAS, see CuBlasGemm). */
    private static final String CLASS_PATH = tornadoApiJar()
            + CuBlasGemm.MODULE_JAR.map(jar -> File.pathSeparator + jar).orElse("");

    private KernelCompiler() {}

    /** Compiles and loads {@code className} in {@link KernelSource#PACKAGE}. */
    static Class<?> load(String className, String source) {
        if (JAVAC == null) {
            throw new NablaException("tornadovm: generating kernels needs javac; run Nabla on a JDK, not a JRE");
        }
        String binaryName = KernelSource.PACKAGE + "." + className;
        Map<String, ByteArrayOutputStream> classes = new HashMap<>();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = JAVAC.getStandardFileManager(diagnostics, null, null)) {
            JavaFileManager inMemory = new ForwardingJavaFileManager<>(files) {
                @Override
                public JavaFileObject getJavaFileForOutput(Location location, String name, JavaFileObject.Kind kind,
                                                           FileObject sibling) {
                    return new SimpleJavaFileObject(URI.create("mem:///" + name.replace('.', '/') + kind.extension), kind) {
                        @Override
                        public OutputStream openOutputStream() {
                            return classes.computeIfAbsent(name, n -> new ByteArrayOutputStream());
                        }
                    };
                }
            };
            JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///" + binaryName.replace('.', '/')
                    + JavaFileObject.Kind.SOURCE.extension), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return source;
                }
            };
            List<String> options = List.of("-g", "-proc:none", "-nowarn", "-XDsuppressNotes", "--release",
                    Integer.toString(Runtime.version().feature()), "-cp", CLASS_PATH);
            boolean ok = JAVAC.getTask(null, inMemory, diagnostics, options, null, List.of(unit)).call();
            if (!ok) {
                throw new IllegalStateException("tornadovm: generated kernel source does not compile: "
                        + diagnostics.getDiagnostics() + "\n" + source);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, byte[]> bytes = new HashMap<>();
        classes.forEach((name, out) -> bytes.put(name, out.toByteArray()));
        bytes.forEach(KernelClassLoader::serve);
        try {
            return Class.forName(binaryName, true, new ProgramLoader(bytes));
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Forgets a program's classes once it is closed. */
    static void unload(String className) {
        KernelClassLoader.forget(KernelSource.PACKAGE + "." + className);
    }

    /** One program's classes; parent: the loader that sees TornadoVM's API. */
    private static final class ProgramLoader extends ClassLoader {
        private final Map<String, byte[]> bytes;

        ProgramLoader(Map<String, byte[]> bytes) {
            super(TaskGraph.class.getClassLoader());
            this.bytes = bytes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = bytes.get(name);
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }
    }

    private static String tornadoApiJar() {
        try {
            return Path.of(TaskGraph.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            String home = System.getenv("TORNADOVM_HOME");
            return home == null ? "" : home + File.separator + "share/java/tornado/*";
        }
    }
}

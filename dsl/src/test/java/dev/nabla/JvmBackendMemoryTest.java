package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Compiling and running thousands of distinct graphs on the JVM backend, each closed afterwards,
 * must not keep them alive: not the graphs, not their executables, not the per-thread registers
 * each kernel keeps (ThreadLocals, whose values outlive their kernels until the thread's map
 * drops them), not workspaces. Checked two ways that do not depend on GC timing details: weak
 * references to the graphs' nodes must clear, and the heap after a full collection must not have grown
 * by more than a fraction of what the graphs would hold if they leaked (each holds kernels with
 * 4 KiB registers and workspaces of several KiB, so 5000 leaked graphs are well over 100 MB).
 */
class JvmBackendMemoryTest {
    private static final Device JVM = BackendDifferentialTest.JVM;

    /** A distinct small graph: sizes, constants and the op mix change with i. */
    /**
     * Runs graph i and returns a weak reference to its input node: the executables hold their
     * program's nodes, and each kernel holds its executable, so this clears only when nothing of
     * the graph, its executables or their kernels' registers is left.
     */
    private static WeakReference<Object> compileAndRun(int i) {
        int n = 200 + i % 97;
        Graph g = Graph.create();
        Tensor x = g.input("x", DType.F32, 4, n);
        Tensor y = x.mul(0.001 * i).sin().add(x.exp().mul(0.5));
        Tensor z = y.sub(y.maxKeepDims(1)).softmax(1).matmul(x.transpose()).sum();
        Tensor loss = z.add(y.slice(1, i % 7, n, 2).mean());
        Tensor grad = loss.grad(x);
        float[] values = new float[4 * n];
        for (int k = 0; k < values.length; k++) {
            values[k] = (float) Math.sin(k + i);
        }
        List<NDArray> out = g.compile(JVM).eval(Map.of(x, NDArray.of(values, 4, n)), loss, grad);
        assertEquals(4 * n, out.get(1).size());
        g.close();
        return new WeakReference<>(x.node());
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int k = 0; k < 4; k++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    @Test
    void thousandsOfCompiledGraphsDoNotAccumulate() throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            compileAndRun(-1 - i);
        }
        long before = usedHeapAfterGc();
        List<WeakReference<Object>> graphs = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            graphs.add(compileAndRun(i));
        }
        long after = usedHeapAfterGc();
        long alive = graphs.stream().filter(r -> r.get() != null).count();
        assertThat(alive).as("graphs still reachable after 5000 compile-run-close cycles").isLessThanOrEqualTo(10);
        long grown = (after - before) / (1 << 20);
        assertThat(grown).as("heap growth in MB over 5000 graphs (before %d MB, after %d MB)", before >> 20, after >> 20)
                .isLessThan(40);
    }

    /**
     * Builds, runs and closes {@code args[0]} distinct programs of scalars (each is generated code,
     * a hidden class: x * c_i with a different c_i, so no two share the code cache's entry), then
     * collects and prints the class counts. Run in a child JVM by {@link #scalarProgramClassesUnload}
     * so that no other test's classes load or unload meanwhile.
     */
    public static final class ScalarPrograms {
        public static void main(String[] args) throws Exception {
            int n = Integer.parseInt(args[0]);
            double sink = 0;
            for (int i = 0; i < n; i++) {
                try (Graph g = Graph.create()) {
                    Tensor x = g.input("x", DType.F64);
                    Tensor y = x.mul(i + 0.5).sin().add(x.pow(3));
                    sink += g.compile(JVM).function(y.grad(x), x).apply(0.25);
                }
            }
            long used = usedHeapAfterGc();
            var classes = ManagementFactory.getClassLoadingMXBean();
            System.out.println("sink=" + sink);
            System.out.println("heapAfterGc=" + used);
            System.out.println("loadedNow=" + classes.getLoadedClassCount());
        }
    }

    @Test
    void scalarProgramClassesUnload() throws Exception {
        // The code cache keeps the last 1024 programs' classes (ScalarExecutable); of 3000 programs,
        // the other 1976 classes must unload at a collection (with an unbounded cache: none do).
        int programs = 3000;
        java.nio.file.Path log = java.nio.file.Files.createTempFile("nabla-class-unload", ".log");
        try {
            List<String> command = List.of(
                    java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xmx256m", "-Xshare:off",
                    "-Xlog:class+load=info,class+unload=info:file=" + log,
                    "-cp", ChildJvm.classPath(), ScalarPrograms.class.getName(),
                    Integer.toString(programs));
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(child.waitFor()).as("the child JVM's exit status; output:%n%s", out).isZero();
            long loaded = 0;
            long unloaded = 0;
            for (String line : java.nio.file.Files.readAllLines(log)) {
                if (line.contains("dev.nabla.runtime.jvm.ScalarProgram/")) {
                    if (line.contains("[class,load")) {
                        loaded++;
                    } else if (line.contains("[class,unload")) {
                        unloaded++;
                    }
                }
            }
            assertThat(loaded).as("generated scalar classes loaded; output:%n%s", out).isEqualTo(programs);
            assertThat(loaded - unloaded).as("generated scalar classes still loaded after a collection"
                    + " (%d loaded, %d unloaded); the code cache holds 1024", loaded, unloaded)
                    .isBetween(0L, 1024L + 16);
            long heapAfterGc = Long.parseLong(out.replaceAll("(?s).*heapAfterGc=(\\d+).*", "$1"));
            // 1024 cached classes and the JDK's own objects: measured 4.4 MB; 3000 programs kept
            // alive with their graphs would be tens of MB.
            assertThat(heapAfterGc >> 20).as("heap after GC in MB, output:%n%s", out).isLessThan(16);
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}

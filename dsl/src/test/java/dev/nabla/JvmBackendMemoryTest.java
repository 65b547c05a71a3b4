package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.compiler.ir.DType;
import dev.nabla.runtime.Device;
import dev.nabla.runtime.NDArray;
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
}

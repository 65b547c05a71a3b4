package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM backend in a JVM started without {@code --add-modules=jdk.incubator.vector}, as an IDE
 * starts one: {@link NoVectorModuleMain} runs elementwise chains, reductions, matrix products and
 * SGD steps in f32 and f64 against the reference interpreter. The backend must fall back to plain
 * loops, say so in one line, and never load a class that uses the Vector API (which would throw
 * NoClassDefFoundError, or be a trap waiting for another path).
 */
class NoVectorModuleTest {
    static final String WARNING = "Nabla: jdk.incubator.vector is not enabled; the JVM backend runs without SIMD"
            + " (much slower). Add --add-modules=jdk.incubator.vector to the java command line.";

    /** The classes that import jdk.incubator.vector. */
    static final List<String> VECTOR_API_USERS = List.of(
            "dev.nabla.runtime.jvm.FloatLanes", "dev.nabla.runtime.jvm.DoubleLanes",
            "dev.nabla.runtime.jvm.MathLoops",
            "dev.nabla.runtime.jvm.math.FloatVectorMath", "dev.nabla.runtime.jvm.math.DoubleVectorMath",
            "dev.nabla.runtime.jvm.gemm.FloatGemm", "dev.nabla.runtime.jvm.gemm.DoubleGemm",
            "dev.nabla.runtime.jvm.gemm.FloatKernel", "dev.nabla.runtime.jvm.gemm.DoubleKernel",
            "dev.nabla.runtime.jvm.gemm.FloatPacking", "dev.nabla.runtime.jvm.gemm.DoublePacking",
            "dev.nabla.runtime.jvm.gemm.FloatTranspose", "dev.nabla.runtime.jvm.gemm.DoubleTranspose");

    @Test
    void theJvmBackendRunsWithoutTheVectorModuleAndSaysSoOnce(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Path classes = dir.resolve("classes.txt");
        ProcessBuilder child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", ChildJvm.classPath(),
                // Four parts even on one or two cores, as in this module's tests.
                "-Dnabla.threads=4",
                "-Xlog:class+load:file=" + classes + ":none",
                NoVectorModuleMain.class.getName())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        // Options the launcher would add behind our back.
        child.environment().remove("JDK_JAVA_OPTIONS");
        child.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = child.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the child JVM took more than 5 minutes; its output:\n" + read(out));
        }
        String report = "stdout:\n" + read(out) + "\nstderr:\n" + read(err);

        assertThat(process.exitValue()).as(report).isZero();
        assertThat(Files.readAllLines(out)).as(report).containsExactly(
                "OK module absent", "OK scalar f64",
                "OK elementwise f32", "OK special values f32", "OK reductions f32", "OK matmul f32",
                "OK sgd linear f32", "OK sgd squared error f32",
                "OK elementwise f64", "OK special values f64", "OK reductions f64", "OK matmul f64",
                "OK sgd linear f64", "OK sgd squared error f64",
                "ALL OK");
        assertThat(Files.readAllLines(err)).as(report).containsOnlyOnce(WARNING).allMatch(WARNING::equals);

        List<String> loaded = Files.readAllLines(classes).stream().map(line -> line.split(" ")[0]).toList();
        assertThat(loaded).as("classes loaded").noneMatch(name -> name.startsWith("jdk.incubator.vector"))
                // VectorCodegen's generated kernels call the Vector API too.
                .noneMatch(name -> name.startsWith("dev.nabla.runtime.jvm.FusedKernel"))
                .doesNotContainAnyElementsOf(VECTOR_API_USERS)
                // The fallbacks ran, the GEMM that updates a weight among them.
                .contains("dev.nabla.runtime.jvm.PlainFloatLanes", "dev.nabla.runtime.jvm.PlainDoubleLanes",
                        "dev.nabla.runtime.jvm.gemm.PlainGemm", "dev.nabla.runtime.jvm.MatMulUpdateRunner");
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

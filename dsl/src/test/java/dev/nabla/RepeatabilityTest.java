package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM backend's elementwise results are the same bits in every JIT tier and on every thread
 * count, so that a training run can be repeated, or resumed, bit for bit. {@link RepeatabilityProbe}
 * runs in three JVMs: the interpreter alone (-Xint, every Vector API call its Java fallback), C1
 * alone (the fallbacks compiled) on one thread, and the full tiered JIT on two threads, with C2
 * compiling synchronously (-Xbatch) over several rounds so that the last round runs C2's code
 * (which the compilation log shows). All three must print the same digests, and none may find a
 * mismatch with the scalar twins, between input sizes, or between its first and last round.
 */
class RepeatabilityTest {
    static final int LARGE = 1 << 17;
    static final int ROUNDS = 8;

    @Test
    void everyTierAndThreadCountGivesTheSameBits(@TempDir Path dir) throws Exception {
        Child interpreter = run(dir, "xint", List.of("-Xint", "-Dnabla.threads=1"), 0, 1);
        Child c1 = run(dir, "c1", List.of("-XX:TieredStopAtLevel=1", "-Dnabla.threads=1"), LARGE, 1);
        Child c2 = run(dir, "c2", List.of("-Xbatch", "-XX:+PrintCompilation", "-Dnabla.threads=2"), LARGE, ROUNDS);

        for (Child child : List.of(interpreter, c1, c2)) {
            assertThat(child.lines).as(child.report()).contains("DONE")
                    .noneMatch(line -> line.startsWith("MISMATCH") || line.startsWith("DRIFT"));
        }
        List<String> all = c1.digests();
        assertThat(all).as("programs x sizes").hasSize(2 * RepeatabilityProbe.programs().size());
        assertThat(c2.digests()).as("C2 on two threads against C1 on one\n" + c2.report()).isEqualTo(all);
        assertThat(interpreter.digests()).as("the interpreter against C1")
                .isEqualTo(all.stream().filter(d -> d.contains(" " + RepeatabilityProbe.SMALL + " ")).toList());

        // The last round ran C2's code: the loops of every function, and generated kernels.
        List<String> compiled = c2.compiledByC2();
        for (String f : List.of("exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sigmoid", "softplus", "rsqrt")) {
            for (String t : List.of("f32", "f64")) {
                String loop = "dev.nabla.runtime.jvm.MathLoop_" + f + "_" + t + "/";
                assertThat(compiled).as("C2 compiled " + loop).anyMatch(m -> m.startsWith(loop) && m.endsWith("::run"));
            }
        }
        assertThat(compiled).as("C2 compiled generated kernels").anyMatch(m -> m.contains("FusedKernel") && m.endsWith("::run"));
        // For the record: the Vector API's own EXP in the same JVMs (not asserted: its C2 form
        // depends on the CPU having Intel's SVML stubs).
        System.out.println("Vector API EXP digests: interpreter " + interpreter.canary() + ", C1 " + c1.canary()
                + ", C2 JVM first round " + c2.canary() + ", " + c2.lastCanary());
    }

    private record Child(String name, List<String> lines, String stderr, long millis) {
        List<String> digests() {
            return lines.stream().filter(l -> l.startsWith("DIGEST ")).map(l -> l.substring(7)).toList();
        }

        String canary() {
            return lines.stream().filter(l -> l.startsWith("FIRST canary")).toList().toString();
        }

        String lastCanary() {
            return lines.stream().filter(l -> l.startsWith("LAST canary")).toList().toString();
        }

        /** Methods PrintCompilation reports at tier 4, on-stack replacements included. */
        List<String> compiledByC2() {
            Pattern tier4 = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+[%sbn! ]*4\\s+(\\S+)");
            List<String> methods = new ArrayList<>();
            for (String line : lines) {
                Matcher m = tier4.matcher(line);
                if (m.find()) {
                    methods.add(m.group(1));
                }
            }
            return methods;
        }

        String report() {
            return name + " (" + millis + " ms):\n" + String.join("\n", lines.stream()
                    .filter(l -> !l.contains("::")).toList()) + "\nstderr:\n" + stderr;
        }
    }

    private static Child run(Path dir, String name, List<String> options, int large, int rounds) throws Exception {
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-modules=jdk.incubator.vector");
        command.addAll(options);
        command.addAll(List.of("-cp", ChildJvm.classPath(), RepeatabilityProbe.class.getName(),
                Integer.toString(large), Integer.toString(rounds)));
        ProcessBuilder child = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        child.environment().remove("JDK_JAVA_OPTIONS");
        child.environment().remove("JAVA_TOOL_OPTIONS");
        long start = System.nanoTime();
        Process process = child.start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(name + ": the child JVM took more than 10 minutes");
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        Child result = new Child(name, Files.readAllLines(out), read(err), millis);
        assertThat(process.exitValue()).as(result.report()).isZero();
        System.out.println("RepeatabilityTest: " + name + " took " + millis + " ms");
        return result;
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}

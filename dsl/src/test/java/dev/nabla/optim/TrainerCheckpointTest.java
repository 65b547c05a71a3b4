package dev.nabla.optim;

import dev.nabla.ChildJvm;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.FormatException;
import dev.nabla.io.SafeTensors;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Exact resume: k steps, a checkpoint, and m more steps in a new trainer (in this JVM and in a
 * fresh one) give bit for bit the parameters, buffers and optimizer state of k+m steps without a
 * break, with batch norm's statistics, dropout's keys, momentum or Adam's moments and a schedule.
 */
class TrainerCheckpointTest {
    private static final int K = 4;
    private static final int TOTAL = 10;
    /** Steps of the fresh-JVM runs: enough for the JIT to compile the kernels midway. */
    private static final int LONG = 3000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void resumingInANewTrainerIsBitExact(String optimizer) throws IOException {
        Map<String, NDArray> straight;
        Path whole = dir.resolve("whole.safetensors");
        try (ResumeRecipe run = new ResumeRecipe(optimizer)) {
            run.train(0, TOTAL);
            run.trainer.save(whole);
            straight = run.net.values();
        }
        Path checkpoint = dir.resolve("k.safetensors");
        try (ResumeRecipe run = new ResumeRecipe(optimizer)) {
            run.train(0, K);
            run.trainer.save(checkpoint, Map.of("step", Integer.toString(K)));
        }
        Path resumedWhole = dir.resolve("resumed.safetensors");
        try (ResumeRecipe run = new ResumeRecipe(optimizer)) {
            assertEquals(Map.of("step", Integer.toString(K)), run.trainer.load(checkpoint));
            run.train(K, TOTAL);
            run.trainer.save(resumedWhole);
            assertBitsEqual(straight, run.net.values());
        }
        // Not only the model: every moment, step count, learning rate and key is the same.
        assertBitsEqual(SafeTensors.read(whole).tensors(), SafeTensors.read(resumedWhole).tensors());
        assertTrue(SafeTensors.read(whole).tensors().keySet().stream().anyMatch(k -> k.startsWith("optimizer/")),
                "the optimizer's state is saved under stable names");
    }

    /**
     * The child JVM starts cold (its kernels interpreted, then compiled by C1 and C2 as it goes)
     * while this one has run them for a while: long enough runs that the JIT's tiers meet different
     * steps on each side, which only deterministic kernels survive.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void resumingInAFreshJvmIsBitExact(String optimizer) throws Exception {
        Map<String, NDArray> straight;
        try (ResumeRecipe run = new ResumeRecipe(optimizer)) {
            run.train(0, LONG);
            straight = run.net.values();
        }
        Path checkpoint = dir.resolve("k.safetensors");
        try (ResumeRecipe run = new ResumeRecipe(optimizer)) {
            run.train(0, K);
            run.trainer.save(checkpoint, Map.of("step", Integer.toString(K)));
        }
        Path out = dir.resolve("child.safetensors");
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", ChildJvm.classPath(),
                ResumeRecipe.class.getName(), optimizer, checkpoint.toString(), Integer.toString(K),
                Integer.toString(LONG), out.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!child.waitFor(3, TimeUnit.MINUTES)) {
            child.destroyForcibly();
            throw new AssertionError("the child JVM took more than 3 minutes:\n" + Files.readString(log));
        }
        assertEquals(0, child.exitValue(), Files.readString(log));
        assertBitsEqual(straight, SafeTensors.read(out).tensors());
    }

    @Test
    void aCheckpointLoadsOnlyIntoATrainerBuiltTheSameWay() throws IOException {
        Path adam = dir.resolve("adam.safetensors");
        try (ResumeRecipe run = new ResumeRecipe("adam")) {
            run.train(0, 1);
            run.trainer.save(adam);
            Path model = dir.resolve("model.safetensors");
            run.net.save(model);
            var notTrainer = assertThrows(FormatException.class, () -> run.trainer.load(model));
            assertTrue(notTrainer.getMessage().contains("is not a trainer checkpoint"), notTrainer.getMessage());
            var reserved = assertThrows(FormatException.class, () -> run.trainer.save(adam, Map.of("nabla.epoch", "9")));
            assertTrue(reserved.getMessage().contains("rename 'nabla.epoch'"), reserved.getMessage());
            // A newer format version is refused, with what to do about it.
            SafeTensors.TensorFile file = SafeTensors.read(adam);
            Map<String, String> newer = new LinkedHashMap<>(file.metadata());
            newer.put("nabla.version", "2");
            Path future = dir.resolve("future.safetensors");
            SafeTensors.write(future, file.tensors(), newer);
            var version = assertThrows(FormatException.class, () -> run.trainer.load(future));
            assertTrue(version.getMessage().contains("reads up to version 1: upgrade Nabla"), version.getMessage());
        }
        try (ResumeRecipe run = new ResumeRecipe("sgd")) {
            NDArray before = run.trainer.parameter(run.net.parameters().get("0.weight"));
            var e = assertThrows(FormatException.class, () -> run.trainer.load(adam));
            assertTrue(e.getMessage().contains("does not fit this trainer"), e.getMessage());
            assertTrue(e.getMessage().contains("missing 'optimizer/group0/0.weight/momentum_buffer'")
                    || e.getMessage().contains("missing 'optimizer/"), e.getMessage());
            assertTrue(e.getMessage().contains("unexpected 'optimizer/group0/0.weight/exp_avg"), e.getMessage());
            assertBitsEqual(Map.of("w", before), Map.of("w", run.trainer.parameter(run.net.parameters().get("0.weight"))));
        }
    }

    static void assertBitsEqual(Map<String, NDArray> expected, Map<String, NDArray> actual) {
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
        expected.forEach((name, e) -> {
            NDArray a = actual.get(name);
            assertEquals(e.dtype(), a.dtype(), name);
            assertEquals(e.shape(), a.shape(), name);
            double[] ev = e.toDoubleArray();
            double[] av = a.toDoubleArray();
            for (int i = 0; i < ev.length; i++) {
                if (Double.doubleToRawLongBits(ev[i]) != Double.doubleToRawLongBits(av[i])) {
                    throw new AssertionError(name + "[" + i + "]: expected " + ev[i] + ", got " + av[i]);
                }
            }
        });
    }
}

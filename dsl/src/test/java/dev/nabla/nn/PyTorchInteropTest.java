package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.ConvOptions;
import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.io.SafeTensors;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State dicts cross to PyTorch and back through safetensors files: a CNN trained in Nabla loads
 * into the same torch model (strict names, batch norm's counter included) and gives the same
 * logits, and a torch model's state dict loads into Nabla's. Runs where a Python with torch and
 * safetensors is found (NABLA_PYTHON, else python3 on the PATH); skipped with a message elsewhere.
 */
class PyTorchInteropTest {
    private static final Layer NET = Sequential.of(new Conv2d(1, 4, 3, ConvOptions.defaults().padding(1)),
            new BatchNorm2d(4), Layers.relu(), Layers.maxPool2d(2), Layers.flatten(), new Linear(64, 10));
    private static final Path SCRIPT = Path.of("src/test/python/safetensors_interop.py");
    private static String python;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPython() throws Exception {
        String candidate = System.getenv().getOrDefault("NABLA_PYTHON", "python3");
        boolean found;
        try {
            Process p = new ProcessBuilder(candidate, "-c", "import torch, safetensors").redirectErrorStream(true).start();
            found = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            found = false;
        }
        assumeTrue(found, "PyTorch interop skipped: " + candidate + " cannot import torch and safetensors (set"
                + " NABLA_PYTHON to a Python that can, e.g. a venv with torch and safetensors installed)");
        python = candidate;
    }

    private static NDArray images() {
        float[] v = new float[6 * 64];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(0.13 * i) * (i % 7 == 0 ? 2 : 1);
        }
        return NDArray.of(v, 6, 1, 8, 8);
    }

    @Test
    void aModelTrainedHereGivesTheSameLogitsInPyTorch() throws Exception {
        Path state = dir.resolve("nabla.safetensors");
        Path inputs = dir.resolve("x.safetensors");
        Path out = dir.resolve("torch-logits.safetensors");
        SafeTensors.write(inputs, Map.of("x", images()));
        NDArray logits;
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 7);
            Tensor x = g.input("x", 6, 1, 8, 8);
            try (Trainer adam = Optimizers.adam(0.05).minimize(net.forward(x).pow(2).mean())) {
                for (int i = 0; i < 3; i++) {
                    adam.step(Map.of(x, images()));
                }
            }
            net.save(state);
            logits = g.compile().eval(Map.of(x, images()), net.evaluate(x)).get(0);
        }
        run("check", state, inputs, out);
        assertArrayEquals(logits.toFloatArray(), SafeTensors.read(out).tensors().get("logits").toFloatArray(), 1e-5f);
    }

    @Test
    void aPyTorchStateDictLoadsHereWithTheSameLogits() throws Exception {
        Path state = dir.resolve("torch.safetensors");
        Path inputs = dir.resolve("x.safetensors");
        Path out = dir.resolve("torch-logits.safetensors");
        SafeTensors.write(inputs, Map.of("x", images()));
        run("export", state, inputs, out);
        try (Graph g = Graph.create()) {
            Model net = Model.create(g, NET, 1);
            Tensor x = g.input("x", 6, 1, 8, 8);
            net.load(state);
            assertEquals(3.0, net.values().get("1.num_batches_tracked").item(), "torch's int64 counter, as i32");
            NDArray logits = g.compile().eval(Map.of(x, images()), net.evaluate(x)).get(0);
            assertArrayEquals(SafeTensors.read(out).tensors().get("logits").toFloatArray(), logits.toFloatArray(), 1e-5f);
        }
    }

    private void run(String mode, Path state, Path inputs, Path out) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), mode, state.toString(),
                inputs.toString(), out.toString()));
        Path log = dir.resolve(mode + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python took more than 2 minutes:\n" + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), Files.readString(log));
        System.out.println("PyTorch interop (" + python + "): " + Files.readString(log).strip());
    }
}

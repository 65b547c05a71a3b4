package dev.nabla.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The examples print what the README and the tutorials say they print. */
class ExamplesOutputTest {
    private static String run(Runnable main) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void autogradExamplesPrintTheSeedsValues() {
        assertThat(run(() -> FirstDerivative.main(new String[0]))).isEqualTo("dy/dx = 10.0\n");
        assertThat(run(() -> SecondDerivative.main(new String[0])))
                .startsWith("dy/dx = 10.0\ndz/dx = 2.0\n").contains("graph() {\n  return 2.0\n}");
        assertThat(run(() -> PartialDerivatives.main(new String[0]))).isEqualTo("dz/dx = 8.0\ndz/dy = 16.0\n");
    }

    @Test
    void fourthDerivativeAndNewton() {
        assertThat(run(() -> FourthDerivative.main(new String[0])))
                .contains("d4/dx4 x^5 at x = 2: 240.0").contains("t1: f64[] = mul(120.0, x)")
                .contains("d4/dx4 sin(x)*x^2 at x = 2: -0.6160300298511752   (by hand: (x^2-12) sin x - 8x cos x"
                        + " = -0.6160300298511752)")
                .contains("t5: f64[] = add(-12.0, t1)\n  t6: f64[] = mul(t2, t5)\n  t7: f64[] = mul(-8.0, t4)\n"
                        + "  t8: f64[] = add(t7, t6)");
        assertThat(run(() -> NewtonsMethod.main(new String[0])))
                .contains("step 6: p = (1.000000, 1.000000)");
    }

    @Test
    void batchingComputesLaplaciansAndClipsPerExampleGradients() {
        String out = run(() -> Batching.main(new String[0]));
        assertThat(out).contains("laplacian u(0.50, 0.50) = -19.73921   (exact -2 pi^2 u = -19.73921)")
                .contains("laplacian u(0.30, 0.70) = -12.91948   (exact -2 pi^2 u = -12.91948)")
                .contains("per-example gradient norms: [6.708203932499369, 0.04898979485566357, 52.17758139277826,")
                .contains("mean gradient:              [-11.563749999999999, 4.19125, 1.5612499999999998]")
                .contains("mean of clipped gradients:  [-0.06411742563763898, 0.14530694150420947, 0.28485679774997896]");
    }

    @Test
    void loopsPrintTheTutorialsValues() {
        assertThat(run(() -> Loops.main(new String[0])))
                .contains("SGD as one loop: a = -0.99999988, da/da0 = 1.099510e-08   (0.4^20 = 1.099512e-08)")
                .contains("  t1: f32[] = fori[20](a0) {\n    body(i: i32[], c0: f32[]) {\n"
                        + "      t2: f32[] = mul(6.0, c0)\n")
                .contains("Newton: sqrt(2) = 1.414213562373095, d sqrt(s)/ds = 0.353553390593274")
                .contains("RNN over 10 steps: |dL/dW| = 0.134966, the gradient prints in 33 lines")
                .contains("RNN over 10,000 steps: |dL/dW| = 0.134468, the gradient prints in 33 lines")
                .contains("cond at x = -1.0: y = 0.367879, dy/dx = 0.367879")
                .contains("cond at x = 2.0: y = 3.637190, dy/dx = 1.972602");
    }

    @Test
    void customRulesPrintTheTutorialsValues() {
        assertThat(run(() -> CustomRules.main(new String[0])))
                .contains("x = 1000.0  plain gradient NaN, custom gradient 1.0\n")
                .contains("  t3: f64[] = custom[log1pexp](x, value=t2)\n  t4: f64[] = sigmoid(x)\n")
                .contains("x(2) = 1.0, dx/da = 0.25, d2x/da2 = -0.09375 ")
                .contains("gradcheck 'log1pexp' passed (16 comparisons)\n")
                .contains("gradcheck 'log1pexp, vjp off by 1%' failed (4 mismatches;")
                .contains("order 1 [f], reverse mode (vjp), input x0[2] element 0 [0]: analytic=-0.353167431127059"
                        + " numeric=-0.349670723888130");
    }

    @Test
    void taylorModeGivesHighDerivativesFromASmallGraph() {
        assertThat(run(() -> HighOrderDerivatives.main(new String[0])))
                .contains("d^20 tanh(x) at x = 0.5: 2.5175008908022434E13\n")
                .contains("operations in its graph: 164\n")
                .contains("d^4 sin(t)*t^2 at t = 2: -0.6160300298511758\n")
                .contains("d^6 sin(t)*t^2 at t = 2: 13.654209020336307\n");
    }

    @Test
    void sgdReachesPyTorchsValueAndWritesItsPlot() throws Exception {
        String out = run(() -> SgdMinimize.main(new String[0]));
        assertThat(out).startsWith("a = -0.99999988");
        Matcher plot = Pattern.compile("plot: (.+\\.png)").matcher(out);
        assertThat(plot.find()).isTrue();
        assertThat(Files.size(Path.of(plot.group(1)))).isGreaterThan(1000);
    }

    /**
     * The README's figure, exactly: 349 of the 360 held-out images (96.9%). The run is
     * deterministic: the data split, the initial weights and each epoch's order come from fixed
     * seeds (the loader's order is a function of its seed and the epoch, whatever thread prepares
     * the batches), and the JVM backend splits work over threads without changing any sum's order
     * (the output was the same, losses to the printed digits, with -Dnabla.threads=1, 2 and 4, and
     * with the Vector API at 512, 256 and 128 bits: -XX:UseAVX=2, -XX:MaxVectorSize=16). Only
     * a platform whose math functions round differently could move it.
     */
    @Test
    void digitsClassifierReachesTheReadmesAccuracy() {
        String out = run(() -> DigitsClassifier.main(new String[0]));
        assertThat(out).startsWith("1437 training and 360 test images of 8x8 pixels\n")
                .containsPattern("epoch \\[\\.+\\]  1/30  loss 1\\.6505 ")
                .containsPattern("epoch \\[#{10}\\.{10}\\] 15/30  loss 0\\.0311 ")
                .containsPattern("epoch \\[#{20}\\] 30/30  loss 0\\.0072 ")
                .contains("test accuracy: 96.9% of 360 images\n")
                .contains("plot: ");
    }

    /**
     * The CNN's run is repeatable bit for bit: run twice in this JVM, the second time with its
     * kernels compiled by C2, it prints the same losses and accuracies (the vector math and the
     * lane folds of sums give the same bits in every JIT tier; docs/ARCHITECTURE.md). Its figures
     * are not asserted to the digit, as they depend on the machine's vector width (the order in
     * which sums fold their lanes): the PyTorch names, the first epoch's loss, and the held-out
     * accuracy of at least 98%.
     */
    @Test
    void cnnRepeatsItsRunAndReachesNinetyEightPercent() {
        String out = run(() -> CnnDigits.main(new String[0]));
        String again = run(() -> CnnDigits.main(new String[0]));
        assertThat(withoutSpeed(again)).isEqualTo(withoutSpeed(out));
        assertThat(out).startsWith("parameters: [0.weight, 0.bias, 1.weight, 1.bias, 4.weight, 4.bias, 5.weight, 5.bias,"
                        + " 10.weight, 10.bias]\n")
                .containsPattern("epoch \\[#\\.+\\]  1/15  loss 1\\.04")
                .containsPattern("epoch \\[#{20}\\] 15/15  loss 0\\.0")
                .contains("plot: ");
        Matcher accuracy = Pattern.compile("test accuracy: (\\d+\\.\\d)% of 360 images").matcher(out);
        assertThat(accuracy.find()).isTrue();
        assertThat(Double.parseDouble(accuracy.group(1))).isGreaterThanOrEqualTo(98.0);
    }

    /**
     * The life of a model: the partial last batch trained with a second step program, the
     * trained model loaded into a fresh graph, and the resumed epochs printing the losses of the
     * uninterrupted run, ending with the same parameters bit for bit.
     */
    @Test
    void aModelsLifeResumesWhereItStopped() {
        String out = run(() -> ModelLife.main(new String[0]));
        assertThat(out).startsWith("1437 training images: 22 batches of 64 and one of 29\n")
                .contains("saved checkpoint.safetensors\n", "step programs: 2\n",
                        "parameters equal to the uninterrupted run's, bit for bit: true\n",
                        "digits-mlp.safetensors holds [0.weight, 0.bias, 3.weight, 3.bias]\n");
        String[] parts = out.split("-- ");
        List<String> trained = epochLines(parts[1]);
        List<String> resumed = epochLines(parts[3]);
        assertThat(trained).hasSize(8);
        assertThat(resumed).isEqualTo(trained.subList(4, 8));
        Matcher accuracy = Pattern.compile("test accuracy: (\\d+\\.\\d)% of 360 images").matcher(out);
        assertThat(accuracy.find()).isTrue();
        assertThat(Double.parseDouble(accuracy.group(1))).isGreaterThanOrEqualTo(93.0);
    }

    private static List<String> epochLines(String text) {
        return text.lines().filter(l -> l.startsWith("epoch ")).toList();
    }

    /** The output without its images per second, which vary from run to run. */
    private static String withoutSpeed(String out) {
        return out.replaceAll(" +[\\d,]+ images/s", "");
    }
}

package dev.nabla.examples;

import dev.nabla.Graph;
import dev.nabla.Tensor;
import dev.nabla.core.NablaException.DeviceException;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The seed's matrix product, 512x1024 times 1024x512 of normal samples, timed on the JVM and on
 * every TornadoVM device: after warm-up (TornadoVM JIT-compiles on the first run), the median
 * of repeated runs, once with the operands copied from the host at every run and once with
 * them already on the device, the product read back each time. Then the
 * error of mixing a value on the host with one on a device.
 */
public final class GpuMatmul {
    private static final int M = 512;
    private static final int K = 1024;
    private static final int N = 512;

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Random random = new Random(0);
        NDArray a = normal(random, M, K);
        NDArray b = normal(random, K, N);
        for (Device device : Device.all()) {
            if (!device.backend().equals("reference")) {
                time(device, a, b, runs);
            }
        }
        mixedDevices();
    }

    private static void time(Device device, NDArray a, NDArray b, int runs) {
        try (var g = Graph.create()) {
            Tensor x = g.input("a", M, K);
            Tensor y = g.input("b", K, N);
            Tensor fedProduct = x.matmul(y);
            // Parameters live on the device: only the product crosses the bus.
            Tensor pa = g.parameter("pa", a);
            Tensor pb = g.parameter("pb", b);
            Tensor residentProduct = pa.matmul(pb);
            var compiled = g.compile(device);
            // to(device) at every run: the operands cross to the device each time.
            double fed = median(runs, () -> compiled.eval(Map.of(x, a.to(device), y, b.to(device)), fedProduct).get(0)
                    .getDouble(0));
            double resident = median(runs, () -> compiled.eval(residentProduct).getDouble(0));
            System.out.printf(Locale.ROOT, "%-14s matmul %dx%d . %dx%d: %8.3f ms operands fed from the host, %8.3f ms operands already on"
                    + " the device (median of %d)  [%s]%n", device, M, K, K, N, fed, resident, runs, device.name());
        }
    }

    /** Milliseconds, median of {@code runs} runs after two warm-up runs; {@code run} reads the result. */
    private static double median(int runs, java.util.function.DoubleSupplier run) {
        run.getAsDouble();
        run.getAsDouble();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            run.getAsDouble();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }

    private static void mixedDevices() {
        Device other = Device.all().stream().filter(d -> !d.hostMemory()).findFirst().orElse(null);
        if (other == null) {
            System.out.println("(mixing devices needs a device with memory of its own, e.g. TornadoVM's: none here)");
            return;
        }
        try (var g = Graph.create()) {
            Tensor cpu = g.input("cpu", 1);
            Tensor gpu = g.input("gpu", 1);
            NDArray ten = NDArray.of(new float[] {10}, 1);
            g.compile(other).eval(Map.of(cpu, ten, gpu, ten.to(other)), cpu.add(gpu));
        } catch (DeviceException e) {
            System.out.println("cpu + gpu: " + e.getMessage());
        }
    }

    private static NDArray normal(Random random, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return NDArray.of(v, rows, cols);
    }
}

package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.NablaException.DeviceException;
import dev.nabla.core.DType;
import dev.nabla.optim.Optimizers;
import dev.nabla.optim.Trainer;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Devices, placement, training state and matrix products on a real TornadoVM device. */
class TornadoVmBackendTest {
    private static Device tornado;

    @BeforeAll
    static void findDevice() {
        tornado = TornadoVmDevices.first();
    }

    @Test
    void tornadoVmDevicesAreListedWithWhatTheDriverReports() {
        assertEquals("tornadovm", tornado.backend());
        assertThat(tornado.id()).matches("\\d+\\.\\d+");
        assertThat(tornado.memoryBytes()).isPositive();
        assertThat(tornado.describe()).contains(tornado.name(), tornado.platform());
        assertEquals(tornado, Device.of(tornado.toString()));
        if (!tornado.accelerator()) {
            assertEquals(Device.cpu(), Device.best(), "an OpenCL CPU device never wins over the JVM");
        }
    }

    @Test
    void aHostValueAndADeviceValueTogetherNameBothDevices() {
        try (var g = Graph.create()) {
            Tensor cpu = g.input("cpu", 1);
            Tensor gpu = g.input("gpu", 1);
            NDArray ten = NDArray.of(new float[] {10}, 1);
            var onDevice = g.compile(tornado);
            assertThatThrownBy(() -> onDevice.eval(Map.of(cpu, ten, gpu, ten.to(tornado)), cpu.add(gpu)))
                    .isInstanceOf(DeviceException.class)
                    .hasMessageContaining("different devices")
                    .hasMessageContaining("'cpu' on jvm:cpu")
                    .hasMessageContaining("'gpu' on " + tornado)
                    .hasMessageContaining("move 'cpu'");
            NDArray sum = onDevice.eval(Map.of(cpu, ten.to(tornado), gpu, ten.to(tornado)), cpu.add(gpu)).get(0);
            assertEquals(20.0, sum.item());
        }
    }

    @Test
    void trainingOnTheDeviceMatchesTheJvmStepForStep() {
        double[] jvm = sgdOnTheSeedPolynomial(Device.cpu());
        double[] device = sgdOnTheSeedPolynomial(tornado);
        assertArrayEquals(jvm, device, 1e-5);
        // 3a^2 + 6a - 9 has its minimum at a = -1.
        assertEquals(-1.0, device[199], 1e-4);
    }

    /** a after each of 200 SGD steps (lr 0.01) from a = 5, and once more after setParameter. */
    private static double[] sgdOnTheSeedPolynomial(Device device) {
        try (var g = Graph.create()) {
            Tensor a = g.scalar("a", 5.0f);
            Tensor y = a.pow(2).mul(3).add(a.mul(6)).sub(9);
            try (Trainer trainer = Trainer.builder(y).group(Optimizers.sgd(0.01)).device(device).build()) {
                double[] values = new double[202];
                for (int i = 0; i < 200; i++) {
                    trainer.step();
                    values[i] = trainer.parameter(a).item();
                }
                // A value from the host replaces the one on the device, and training goes on from it.
                trainer.compiled().setParameter(a, NDArray.scalar(2.0f));
                trainer.step();
                values[200] = trainer.parameter(a).item();
                values[201] = trainer.compiled().eval(y).item();
                return values;
            }
        }
    }

    @Test
    void oneCompiledGraphServesManyThreadsAndScalarFunctions() throws Exception {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 64);
            Tensor y = x.mul(x).sum();
            var onDevice = g.compile(tornado);
            Tensor s = g.input("s");
            ScalarFunction square = onDevice.function(s.mul(s).add(1), s);
            assertEquals(26.0, square.apply(5.0), 1e-6);
            var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Double>> sums = new java.util.ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    float v = t;
                    sums.add(pool.submit(() -> {
                        float[] values = new float[64];
                        java.util.Arrays.fill(values, v);
                        return onDevice.eval(Map.of(x, NDArray.of(values, 64).to(tornado)), y).get(0).item();
                    }));
                }
                for (int t = 0; t < 16; t++) {
                    assertEquals(64.0 * t * t, sums.get(t).get(), 1e-3);
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void updatesThatCannotStayOnTheDeviceStillApply() {
        try (var g = Graph.create()) {
            // More parameters than one upload task takes: they cross at every run instead.
            List<Tensor> ps = new java.util.ArrayList<>();
            Tensor loss = null;
            for (int i = 0; i < 25; i++) {
                Tensor p = g.scalar("p" + i, (float) i);
                ps.add(p);
                loss = loss == null ? p.mul(p) : loss.add(p.mul(p));
            }
            Map<Tensor, Tensor> updates = new java.util.LinkedHashMap<>();
            for (Tensor p : ps) {
                updates.put(p, p.sub(loss.grad(p).mul(0.25f)));   // p <- p - 0.25 * 2p = p / 2
            }
            var onDevice = g.compile(tornado);
            onDevice.run(Map.of(), List.of(loss), updates);
            onDevice.run(Map.of(), List.of(loss), updates);
            for (int i = 0; i < 25; i++) {
                assertEquals(i / 4.0, onDevice.parameter(ps.get(i)).item(), 1e-6);
            }
        }
        try (var g = Graph.create()) {
            // A swap: each new value is the other parameter as it was before the run.
            Tensor a = g.scalar("a", 1.0f);
            Tensor b = g.scalar("b", 2.0f);
            var onDevice = g.compile(tornado);
            onDevice.run(Map.of(), List.of(a.add(b)), Map.of(a, b, b, a));
            assertEquals(2.0, onDevice.parameter(a).item());
            assertEquals(1.0, onDevice.parameter(b).item());
        }
    }

    @Test
    void matrixProductsMatchTheJvm() {
        Random random = new Random(7);
        int[][] sizes = {{1, 1, 1}, {7, 13, 5}, {64, 96, 80}, {129, 257, 65}};
        for (int[] s : sizes) {
            float[] a = new float[s[0] * s[1]];
            float[] b = new float[s[1] * s[2]];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian();
            }
            try (var g = Graph.create()) {
                Tensor x = g.input("a", s[0], s[1]);
                Tensor y = g.input("b", s[1], s[2]);
                Tensor c = x.matmul(y);
                NDArray av = NDArray.of(a, s[0], s[1]);
                NDArray bv = NDArray.of(b, s[1], s[2]);
                float[] expected = g.compile(Device.cpu()).eval(Map.of(x, av, y, bv), c).get(0).toFloatArray();
                float[] actual = g.compile(tornado).eval(Map.of(x, av.to(tornado), y, bv.to(tornado)), c).get(0)
                        .toFloatArray();
                assertArrayEquals(expected, actual, 1e-4f * s[1], () -> "matmul " + List.of(s[0], s[1], s[2]));
            }
        }
    }

    /**
     * A custom function is its primal's value at run time: lowering aliases it, so the device runs
     * the primal and the rules' derivatives like any other ops.
     */
    @Test
    void customDerivativeRulesRunOnTheDevice() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 3);
            Tensor a = g.input("a", DType.F64, 3);
            Tensor y = CustomDerivativeTest.LOG1PEXP.apply(x);
            Tensor root = CustomDerivativeTest.CUBE_ROOT_SOLVE.apply(a);
            Tensor[] outputs = {y, y.sum().grad(x), root, root.sum().grad(a), Nabla.hessian(root.sum(), a)};
            Map<Tensor, NDArray> feeds = Map.of(x, NDArray.of(new float[] {-2, 0.5f, 1000}, 3),
                    a, NDArray.of(new double[] {0.5, 2, 4}, 3));
            List<NDArray> expected = g.compile(Device.of("reference:cpu")).eval(feeds, outputs);
            Map<Tensor, NDArray> onDevice = Map.of(x, feeds.get(x).to(tornado), a, feeds.get(a).to(tornado));
            List<NDArray> actual = g.compile(tornado).eval(onDevice, outputs);
            for (int k = 0; k < outputs.length; k++) {
                double[] e = expected.get(k).toDoubleArray();
                double[] v = actual.get(k).toDoubleArray();
                double tolerance = outputs[k].dtype() == DType.F32 ? 1e-6 : 1e-13;
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], v[i], Double.isInfinite(e[i]) ? 0 : tolerance * Math.max(1, Math.abs(e[i])),
                            "output " + k + " element " + i);
                }
            }
            assertEquals(1.0, actual.get(1).getDouble(2), "log1pexp's gradient at x = 1000");
        }
    }
}

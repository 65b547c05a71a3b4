package dev.nabla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.nabla.core.NablaException.DeviceException;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Values and programs live on devices; data crosses between the host and a device with its own
 * memory only when asked ({@code to}) or when a result is read. Checked with
 * {@link SeparateMemoryBackend}, which counts every crossing.
 */
class DevicePlacementTest {
    private static final Device SEPARATE = SeparateMemoryBackend.DEVICE;

    @Test
    void devicesAreListedAndFoundByName() {
        assertThat(Device.all()).extracting(Device::toString).contains("jvm:cpu", "reference:cpu", "separate:0");
        assertEquals(SEPARATE, Device.of("separate:0"));
        assertEquals("jvm:cpu", Device.cpu().toString());
        // A CPU device with memory of its own never wins over the JVM.
        assertEquals(Device.cpu(), Device.best());
        assertThat(SEPARATE.describe()).contains("separate:0", "CPU", "test device", "1.0 GiB");
        assertThatThrownBy(() -> Device.of("tornadovm:9.9")).isInstanceOf(DeviceException.class)
                .hasMessageContaining("no device 'tornadovm:9.9'").hasMessageContaining("jvm:cpu");
    }

    @Test
    void toMovesValuesOnlyWhenTheDeviceHasItsOwnMemory() {
        NDArray host = NDArray.of(new float[] {1, 2, 3}, 3);
        assertEquals(Device.cpu(), host.device());
        assertSame(host, host.to(Device.cpu()));
        assertSame(host, host.to(Device.of("reference:cpu")), "host-memory devices share Java arrays");

        int uploads = SeparateMemoryBackend.UPLOADS.get();
        NDArray there = host.to(SEPARATE);
        assertEquals(SEPARATE, there.device());
        assertEquals(uploads + 1, SeparateMemoryBackend.UPLOADS.get());
        assertSame(there, there.to(SEPARATE));
        NDArray back = there.cpu();
        assertEquals(Device.cpu(), back.device());
        assertEquals(host, back);
    }

    @Test
    void resultsStayOnTheDeviceUntilRead() {
        try (var g = Graph.create()) {
            Tensor a = g.input("a", 3);
            Tensor y = a.mul(a).sum();
            var onDevice = g.compile(SEPARATE);
            NDArray fed = NDArray.of(new float[] {1, 2, 3}, 3).to(SEPARATE);
            int downloads = SeparateMemoryBackend.DOWNLOADS.get();
            NDArray result = onDevice.eval(Map.of(a, fed), y).get(0);
            assertEquals(SEPARATE, result.device());
            assertEquals(downloads, SeparateMemoryBackend.DOWNLOADS.get(), "nothing read yet");
            assertEquals(14.0, result.item());
            assertEquals(14.0, result.item());
            assertEquals(downloads + 1, SeparateMemoryBackend.DOWNLOADS.get(), "read once, then cached");
        }
    }

    @Test
    void aHostValueFedToADeviceProgramNamesBothDevicesAndTheFix() {
        try (var g = Graph.create()) {
            Tensor x = g.input("x", 1);
            var onDevice = g.compile(SEPARATE);
            assertThatThrownBy(() -> onDevice.eval(Map.of(x, NDArray.of(new float[] {10}, 1)), x.add(x)))
                    .isInstanceOf(DeviceException.class)
                    .hasMessageContaining("this program runs on separate:0")
                    .hasMessageContaining("'x' lives on jvm:cpu")
                    .hasMessageContaining("value.to(Device.of(\"separate:0\"))");
        }
    }

    @Test
    void cpuPlusGpuIsAnErrorThatNamesBothDevices() {
        try (var g = Graph.create()) {
            Tensor cpu = g.input("cpu", 1);
            Tensor gpu = g.input("gpu", 1);
            NDArray ten = NDArray.of(new float[] {10}, 1);
            var run = g.compile(Device.cpu());
            assertThatThrownBy(() -> run.eval(Map.of(cpu, ten, gpu, ten.to(SEPARATE)), cpu.add(gpu)))
                    .isInstanceOf(DeviceException.class)
                    .hasMessageContaining("different devices")
                    .hasMessageContaining("'cpu' on jvm:cpu")
                    .hasMessageContaining("'gpu' on separate:0")
                    .hasMessageContaining("move 'gpu'");
            // Moved to one device, the same run works.
            assertEquals(20.0, run.eval(Map.of(cpu, ten, gpu, ten.to(SEPARATE).cpu()), cpu.add(gpu)).get(0).item());
        }
    }

    @Test
    void parametersLiveWithTheProgramAndMoveWithIt() {
        try (var g = Graph.create()) {
            Tensor w = g.scalar("w", 3.0f);
            Tensor loss = w.mul(w);
            var onDevice = g.compile(SEPARATE);
            // One SGD step in the graph: w <- w - 0.25 * dloss/dw = 3 - 0.25 * 6 = 1.5
            onDevice.run(Map.of(), List.of(loss), Map.of(w, w.sub(loss.grad(w).mul(0.25f))));
            assertEquals(1.5, onDevice.parameter(w).item());
            assertEquals(Device.cpu(), onDevice.parameter(w).device(), "parameter() reads to the host");

            var onJvm = onDevice.to(Device.cpu());
            assertEquals(Device.cpu(), onJvm.device());
            assertEquals(2.25, onJvm.eval(loss).item());
            onJvm.setParameter(w, NDArray.scalar(2.0f));
            assertEquals(1.5, onDevice.parameter(w).item(), "the moved copy is independent");
        }
    }

    /**
     * A compiled graph keeps a plan for outputs it ran ({@link EvalPlanCacheTest}); a feed on the
     * wrong device must still fail as in a first run, and values on the right device still work.
     */
    @Test
    void misplacedFeedsFailAlikeBeforeAndAfterTheOutputsRan() {
        try (var g = Graph.create()) {
            Tensor a = g.input("a", 1);
            Tensor b = g.input("b", 1);
            Tensor sum = a.add(b);
            NDArray ten = NDArray.of(new float[] {10}, 1);
            List<Map<Tensor, NDArray>> misplaced = List.of(
                    Map.of(a, ten, b, ten.to(SEPARATE)),
                    Map.of(a, ten.to(SEPARATE), b, ten.to(SEPARATE)));
            for (Map<Tensor, NDArray> feeds : misplaced) {
                var fresh = g.compile(Device.cpu());
                var warm = g.compile(Device.cpu());
                assertEquals(20.0, warm.eval(Map.of(a, ten, b, ten), sum).get(0).item());
                assertEquals(20.0, warm.eval(Map.of(a, ten, b, ten), sum).get(0).item());
                Throwable first = org.junit.jupiter.api.Assertions.assertThrows(DeviceException.class,
                        () -> fresh.eval(feeds, sum));
                Throwable again = org.junit.jupiter.api.Assertions.assertThrows(DeviceException.class,
                        () -> warm.eval(feeds, sum));
                assertEquals(first.getMessage(), again.getMessage());
            }
            var onDevice = g.compile(SEPARATE);
            for (int i = 0; i < 3; i++) {
                NDArray r = onDevice.eval(Map.of(a, ten.to(SEPARATE), b, NDArray.of(new float[] {i}, 1).to(SEPARATE)), sum)
                        .get(0);
                assertEquals(SEPARATE, r.device());
                assertEquals(10.0 + i, r.item());
            }
            Throwable first = org.junit.jupiter.api.Assertions.assertThrows(DeviceException.class,
                    () -> g.compile(SEPARATE).eval(Map.of(a, ten, b, ten.to(SEPARATE)), sum));
            Throwable again = org.junit.jupiter.api.Assertions.assertThrows(DeviceException.class,
                    () -> onDevice.eval(Map.of(a, ten, b, ten.to(SEPARATE)), sum));
            assertEquals(first.getMessage(), again.getMessage());
        }
    }
}

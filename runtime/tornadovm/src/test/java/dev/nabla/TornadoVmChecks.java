package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** What the TornadoVM tests share: f32 test data, and outputs on the device against the reference. */
final class TornadoVmChecks {
    private static final Device REFERENCE = Device.of("reference:cpu");

    private TornadoVmChecks() {}

    /** f32 values uniform in [-scale, scale). */
    static NDArray random(Random rnd, double scale, int... dims) {
        Shape shape = Shape.of(dims);
        double[] v = new double[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * (rnd.nextDouble() * 2 - 1);
        }
        return NDArray.fromDoubles(DType.F32, shape, v);
    }

    /**
     * The outputs on {@code device} (feeds moved there) equal the reference interpreter's within
     * {@code tolerance}, relative to values above 1.
     */
    static void assertMatchesReference(Device device, Graph g, Map<Tensor, NDArray> feeds, double tolerance,
                                       Tensor... outputs) {
        List<NDArray> expected = g.compile(REFERENCE).eval(feeds, outputs);
        Map<Tensor, NDArray> onDevice = new HashMap<>();
        feeds.forEach((t, v) -> onDevice.put(t, v.to(device)));
        List<NDArray> actual = g.compile(device).eval(onDevice, outputs);
        for (int k = 0; k < outputs.length; k++) {
            assertClose(expected.get(k), actual.get(k), tolerance, "output " + k);
        }
    }

    static void assertClose(NDArray expected, NDArray actual, double tolerance, String what) {
        assertArrayEquals(expected.shape().dims(), actual.shape().dims(), what + ": shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tolerance * Math.max(1, Math.abs(e[i])), what + " [" + i + "]");
        }
    }
}

package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.compiler.ir.DType;
import dev.nabla.compiler.ir.Shape;
import dev.nabla.runtime.Device;
import dev.nabla.runtime.NDArray;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Convolutions and pooling on a real TornadoVM device (their sliding windows and the windows'
 * adjoint as kernels) against the reference interpreter: outputs and every gradient.
 */
class TornadoVmConvolutionTest {
    private static final Device REFERENCE = Device.of("reference:cpu");
    /** Relative, for f32: PoCL contracts a * b + c into fma and sums in its own order. */
    private static final double F32 = 1e-4;
    private static Device tornado;

    @BeforeAll
    static void findDevice() {
        tornado = TornadoVmDevices.first();
    }

    private static NDArray random(Random rnd, int... dims) {
        Shape shape = Shape.of(dims);
        double[] v = new double[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextDouble() * 2 - 1;
        }
        return NDArray.fromDoubles(DType.F32, shape, v);
    }

    @Test
    void aSmallCnnAndItsGradientsMatchTheReference() {
        try (var g = Graph.create()) {
            Random rnd = new Random(5);
            Tensor x = g.input("x", DType.F32, 2, 3, 9, 8);
            Tensor w1 = g.input("w1", DType.F32, 4, 3, 3, 3);
            Tensor w2 = g.input("w2", DType.F32, 4, 2, 2, 2);
            Tensor wt = g.input("wt", DType.F32, 4, 2, 3, 3);
            ConvOptions d = ConvOptions.defaults();
            Tensor h = Nabla.conv2d(x, w1, null, d.stride(2, 1).padding(1).dilation(1, 2)).tanh();
            Tensor p = Nabla.maxPool2d(h, 2, 1, 1);
            Tensor q = Nabla.conv2d(Nabla.avgPool2d(p, 2, 1, 0, true), w2, null, d.groups(2).paddingSame());
            Tensor up = Nabla.convTranspose2d(q, wt, null, d.stride(2).padding(1).outputPadding(1));
            Tensor loss = up.sin().sum();
            Map<Tensor, NDArray> feeds = Map.of(x, random(rnd, 2, 3, 9, 8), w1, random(rnd, 4, 3, 3, 3),
                    w2, random(rnd, 4, 2, 2, 2), wt, random(rnd, 4, 2, 3, 3));
            Tensor[] outputs = {up, loss.grad(x), loss.grad(w1), loss.grad(w2), loss.grad(wt)};
            List<NDArray> expected = g.compile(REFERENCE).eval(feeds, outputs);
            Map<Tensor, NDArray> onDevice = new HashMap<>();
            feeds.forEach((t, v) -> onDevice.put(t, v.to(tornado)));
            List<NDArray> actual = g.compile(tornado).eval(onDevice, outputs);
            for (int k = 0; k < outputs.length; k++) {
                assertArrayEquals(expected.get(k).shape().dims(), actual.get(k).shape().dims(), "output " + k);
                double[] e = expected.get(k).toDoubleArray();
                double[] a = actual.get(k).toDoubleArray();
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], F32 * Math.max(1, Math.abs(e[i])), "output " + k + " [" + i + "]");
                }
            }
        }
    }
}

package dev.nabla;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Convolutions and pooling on a real TornadoVM device (their sliding windows and the windows'
 * adjoint as kernels) against the reference interpreter: outputs and every gradient.
 */
class TornadoVmConvolutionTest {
    /** Relative, for f32: PoCL contracts a * b + c into fma and sums in its own order. */
    private static final double F32 = 1e-4;
    private static Device tornado;

    @BeforeAll
    static void findDevice() {
        tornado = TornadoVmDevices.first();
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
            Map<Tensor, NDArray> feeds = Map.of(x, TornadoVmChecks.random(rnd, 1, 2, 3, 9, 8),
                    w1, TornadoVmChecks.random(rnd, 1, 4, 3, 3, 3), w2, TornadoVmChecks.random(rnd, 1, 4, 2, 2, 2),
                    wt, TornadoVmChecks.random(rnd, 1, 4, 2, 3, 3));
            TornadoVmChecks.assertMatchesReference(tornado, g, feeds, F32, up, loss.grad(x), loss.grad(w1),
                    loss.grad(w2), loss.grad(wt));
        }
    }
}

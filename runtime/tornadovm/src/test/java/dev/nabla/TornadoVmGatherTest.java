package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Gather and scatter-add kernels (and their gradients, through each other) on a TornadoVM device. */
class TornadoVmGatherTest {
    private static Device tornado;

    @BeforeAll
    static void findDevice() {
        tornado = TornadoVmDevices.first();
    }

    private static NDArray ints(double[] values, int... dims) {
        return NDArray.fromDoubles(DType.I32, Shape.of(dims), values);
    }

    @Test
    void gatherScatterAddAndEmbeddingEqualTheReference() {
        Random rnd = new Random(5);
        for (DType dtype : List.of(DType.F32, DType.F64)) {
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", dtype, 3, 5);
                Tensor idx = g.input("idx", DType.I32, 3, 4);
                Tensor ids = g.input("ids", DType.I32, 2, 3);
                Tensor gathered = x.gather(1, idx);
                // Duplicates in idx accumulate; the broadcast ids of the embedding are a stride-0 view.
                Tensor scattered = x.scatterAdd(1, idx, gathered.exp());
                Tensor rows = Nabla.embedding(ids, x.transpose());
                Tensor loss = scattered.sin().sum().add(rows.tanh().sum());
                double[] xv = new double[15];
                for (int i = 0; i < xv.length; i++) {
                    xv[i] = rnd.nextGaussian();
                }
                double[] iv = new double[12];
                for (int i = 0; i < iv.length; i++) {
                    iv[i] = rnd.nextInt(5);
                }
                Map<Tensor, NDArray> feed = Map.of(x, NDArray.fromDoubles(dtype, Shape.of(3, 5), xv),
                        idx, ints(iv, 3, 4), ids, ints(new double[] {4, 0, 4, 2, 2, 1}, 2, 3));
                Tensor[] outs = {gathered, scattered, rows, loss.grad(x)};
                List<NDArray> ref = g.compile(Device.of("reference:cpu")).eval(feed, outs);
                Map<Tensor, NDArray> onDevice = new java.util.HashMap<>();
                feed.forEach((t, v) -> onDevice.put(t, v.to(tornado)));
                List<NDArray> dev = g.compile(tornado).eval(onDevice, outs);
                double tol = dtype == DType.F32 ? 1e-5 : 1e-12;
                for (int k = 0; k < outs.length; k++) {
                    assertArrayEquals(ref.get(k).toDoubleArray(), dev.get(k).toDoubleArray(), tol, dtype + " output " + k);
                }
            }
        }
    }

    /** A kernel cannot throw: an index out of range reads NaN there (the JVM backend throws). */
    @Test
    void anIndexOutOfRangeReadsNaNOnTheDevice() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 4);
            Tensor idx = g.input("idx", DType.I32, 3);
            Tensor picked = x.indexSelect(0, idx);
            NDArray r = g.compile(tornado).eval(Map.of(x, NDArray.of(new double[] {1, 2, 3, 4}, 4).to(tornado),
                    idx, ints(new double[] {3, 9, -1}, 3).to(tornado)), picked).get(0);
            double[] v = r.toDoubleArray();
            assertEquals(4.0, v[0]);
            assertTrue(Double.isNaN(v[1]) && Double.isNaN(v[2]), java.util.Arrays.toString(v));
        }
    }
}

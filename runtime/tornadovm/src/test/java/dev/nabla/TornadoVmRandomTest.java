package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random draws on a TornadoVM device (the host draws them with the shared Philox code, between
 * task graphs) give the reference interpreter's bits, for a key fed as an input and one derived
 * in the graph, and through the kernels that read them.
 */
class TornadoVmRandomTest {
    private static final Device REFERENCE = Device.of("reference:cpu");
    private static Device tornado;

    @BeforeAll
    static void findDevice() {
        tornado = TornadoVmDevices.first();
    }

    @Test
    void drawsHaveTheReferenceBits() {
        try (Graph g = Graph.create()) {
            Tensor key = g.input("key", DType.I32, 2);
            Tensor derived = Nabla.splitKeys(key, 3).get(1);
            List<Tensor> outputs = List.of(
                    Nabla.uniform(key, DType.F32, 4099),
                    Nabla.uniform(derived, DType.F64, 3, 33),
                    Nabla.normal(key, DType.F32, 1000),
                    Nabla.randint(derived, -4, 9, 500),
                    Nabla.permutation(key, 257),
                    Nabla.foldIn(derived, 3),
                    Nabla.dropout(g.ones(DType.F32, 2048), 0.3, key, true).mul(2.0f));
            Map<Tensor, NDArray> feeds = Map.of(key, Nabla.keyValue(123456789L));
            Tensor[] all = outputs.toArray(Tensor[]::new);
            List<NDArray> expected = g.compile(REFERENCE).eval(feeds, all);
            List<NDArray> actual = g.compile(tornado).eval(Map.of(key, Nabla.keyValue(123456789L).to(tornado)), all);
            for (int k = 0; k < all.length; k++) {
                double[] e = expected.get(k).toDoubleArray();
                double[] a = actual.get(k).toDoubleArray();
                assertEquals(e.length, a.length);
                for (int i = 0; i < e.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(a[i]),
                            "output " + k + " element " + i + ": " + a[i] + " for " + e[i]);
                }
            }
        }
    }
}

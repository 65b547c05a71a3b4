package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** clamp, var, std, argmax and oneHot against the values PyTorch 1.13 computes (float64). */
class StatisticsTest {
    private static final List<Device> DEVICES = List.of(Device.of("reference:cpu"), Device.of("jvm:cpu"));
    private static final NDArray X = NDArray.of(new double[] {0.5, -1.5, 2.0, 2.0, 3.0, -0.25, 1.0, -2.0, 1.0, 1.0,
        -1.0, 0.0}, 3, 4);

    @Test
    void clampVarAndStdWithTheirGradientsArePyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            Tensor c = x.clamp(-0.25, 2.0);
            Tensor v = x.var(1);
            Tensor weighted = v.mul(g.constant(NDArray.of(new double[] {1, 2, 3}, 3))).sum();
            Tensor s = x.std();
            Tensor[] out = {c, c.sum().grad(x), v, weighted.grad(x), s, s.grad(x), x.var(new int[] {0}, 0, false)};
            // torch: x.clamp(-0.25, 2.0), its sum's gradient; x.var(1); (x.var(1) * [1, 2, 3]).sum()'s gradient;
            // x.std() and its gradient; x.var(0, unbiased=False).
            double[][] torch = {
                {0.5, -0.25, 2.0, 2.0, 2.0, -0.25, 1.0, -0.25, 1.0, 1.0, -0.25, 0.0},
                {1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0},
                {2.75, 4.432291666666667, 0.9166666666666669},
                {-0.16666666666666666, -1.5, 0.8333333333333333, 0.8333333333333333, 3.4166666666666665,
                    -0.9166666666666666, 0.75, -3.25, 1.5, 1.5, -2.5, -0.5},
                {1.5017351075783416},
                {0.0012611674218587785, -0.11981090507658405, 0.0920652217956909, 0.0920652217956909,
                    0.15260125804491234, -0.044140859765057286, 0.03152918554646948, -0.15007892320119476,
                    0.03152918554646948, 0.03152918554646948, -0.08954288695197335, -0.02900685070275193},
                {1.1666666666666667, 1.0416666666666667, 1.5555555555555554, 2.6666666666666665}};
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(x, X), out);
                for (int i = 0; i < torch.length; i++) {
                    assertArrayEquals(torch[i], r.get(i).toDoubleArray(), 1e-14, device + " result " + i);
                }
            }
        }
    }

    @Test
    void argmaxTakesTheFirstMaximumAndCountsNaNAsLargest() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            Tensor y = g.input("y", DType.F64, 2, 4);
            Tensor[] out = {x.argmax(1), x.argmax(0), y.argmax(1)};
            NDArray withNaN = NDArray.of(new double[] {1, Double.NaN, 3, Double.NaN, 2, 5, 5, 1}, 2, 4);
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(x, X, y, withNaN), out);
                // torch.argmax(x, 1), torch.argmax(x, 0), torch.argmax(y, 1)
                assertArrayEquals(new double[] {2, 0, 0}, r.get(0).toDoubleArray(), device.toString());
                assertArrayEquals(new double[] {1, 2, 0, 0}, r.get(1).toDoubleArray(), device.toString());
                assertArrayEquals(new double[] {1, 1}, r.get(2).toDoubleArray(), device.toString());
                assertEquals(DType.I32, r.get(0).dtype());
            }
        }
    }

    @Test
    void nllLossArgminAndIndexingArePyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor logits = g.input("logits", DType.F64, 4, 3);
            Tensor labels = g.input("labels", DType.I32, 4);
            Tensor logp = logits.logSoftmax(1);
            Tensor nll = Nabla.nllLoss(logp, labels, -100);
            Tensor lp = g.input("lp", DType.F64, 4, 3);
            Tensor x = g.input("x", DType.F64, 2, 4);
            NDArray xv = NDArray.of(new double[] {3, 1, 1, 4, Double.NaN, 2, 0.5, 0.5}, 2, 4);
            NDArray lv = NDArray.fromDoubles(DType.I32, dev.nabla.core.Shape.of(4), new double[] {2, 0, -100, 1});
            NDArray logitValues = NDArray.of(new double[] {0.5, -1.0, 2.0, 1.5, 0.2, -0.3, 0, 0, 1, 2, 1, 0.1}, 4, 3);
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(logits, logitValues, labels, lv, x, xv, lp, logitValues),
                        nll, Nabla.nllLoss(lp, labels, -100).grad(lp), x.argmin(1), x.get(1, 2), x.get(-1), x.get(0).argmin(0));
                // torch: F.nll_loss(logp, labels) and its gradient; torch.argmin(x, 1) (a NaN is the minimum).
                assertEquals(0.6738256064345814, r.get(0).item(), 1e-15, device.toString());
                assertArrayEquals(new double[] {0, 0, -1.0 / 3, -1.0 / 3, 0, 0, 0, 0, 0, 0, -1.0 / 3, 0},
                        r.get(1).toDoubleArray(), 1e-15);
                assertArrayEquals(new double[] {1, 0}, r.get(2).toDoubleArray());
                assertEquals(0.5, r.get(3).item());
                assertArrayEquals(new double[] {Double.NaN, 2, 0.5, 0.5}, r.get(4).toDoubleArray());
                assertEquals(1, r.get(5).item(), "the first of two minima");
            }
            assertThrows(dev.nabla.core.NablaException.AxisException.class, () -> x.get(2));
            assertThrows(dev.nabla.core.NablaException.AxisException.class, () -> x.get(0, 0, 0));
            assertThrows(DTypeException.class, () -> Nabla.nllLoss(logp, logits.sum(1), -100));
        }
    }

    @Test
    void oneHotRowsAndOutOfRangeLabels() {
        try (Graph g = Graph.create()) {
            Tensor labels = g.input("labels", DType.I32, 4);
            Tensor rows = labels.oneHot(3, DType.F32);
            NDArray values = NDArray.fromDoubles(DType.I32, dev.nabla.core.Shape.of(4), new double[] {2, 0, 3, -1});
            for (Device device : DEVICES) {
                NDArray r = g.compile(device).eval(Map.of(labels, values), rows).get(0);
                assertArrayEquals(new int[] {4, 3}, r.shape().dims());
                assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}, r.toDoubleArray(), device.toString());
            }
            assertThrows(DTypeException.class, () -> g.input("f", DType.F32, 2).oneHot(3, DType.F32));
            assertThrows(ShapeException.class, () -> labels.oneHot(0, DType.F32));
        }
    }

    @Test
    void crossEntropyWithIntegerLabelsIsPyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor z = g.input("z", DType.F64, 4, 3);
            Tensor t = g.input("t", DType.I32, 4);
            NDArray logits = NDArray.of(new double[] {0.5, -1.5, 2.0, 3.0, -0.25, 1.0, 1.0, 1.0, -1.0, 0.0, 2.0, 0.3}, 4, 3);
            NDArray labels = NDArray.fromDoubles(DType.I32, dev.nabla.core.Shape.of(4), new double[] {2, 0, 1, 2});
            // F.cross_entropy(z, t, **options) and the gradient, PyTorch 1.13.
            Object[][] cases = {
                {-100, 0.0, 0.780266352693685, new double[] {0.044507551376539764, 0.0060234420717120984,
                    -0.05053099344825185, -0.0370726692001081, 0.008256088577488831, 0.028816580622619294,
                    0.1170776327083703, -0.1329223672916297, 0.01584473458325941, 0.02567021094238875,
                    0.18967862872469388, -0.21534883966708265}},
                {-100, 0.1, 0.8706830193603518, new double[] {0.03617421804320643, -0.0023098912616212348,
                    -0.033864326781585186, -0.020406002533441436, -7.724475584450219e-05, 0.02048324728928596,
                    0.10874429937503696, -0.11625570062496304, 0.0075114012499260755, 0.017336877609055418,
                    0.18134529539136054, -0.198682173000416}},
                {1, 0.0, 0.7874805783650755, new double[] {0.05934340183538635, 0.00803125609561613,
                    -0.06737465793100246, -0.04943022560014413, 0.011008118103318441, 0.03842210749682572, 0.0, 0.0,
                    0.0, 0.034226947923184994, 0.2529048382995918, -0.28713178622277685}},
                {1, 0.2, 0.9841472450317422, new double[] {0.03712117961316413, -0.014190966126606093,
                    -0.022930213486558007, -0.004985781155699724, -0.011214104118903783, 0.016199885274603493, 0.0,
                    0.0, 0.0, 0.012004725700962775, 0.2306826160773696, -0.2426873417783324}}};
            for (Object[] c : cases) {
                Tensor loss = Nabla.crossEntropy(z, t, (int) c[0], (double) c[1]);
                for (Device device : DEVICES) {
                    List<NDArray> r = g.compile(device).eval(Map.of(z, logits, t, labels), loss, loss.grad(z));
                    assertEquals((double) c[2], r.get(0).item(), 1e-14, device + " " + c[0] + " " + c[1]);
                    assertArrayEquals((double[]) c[3], r.get(1).toDoubleArray(), 1e-14, device + " gradient");
                }
            }
            NDArray wrong = NDArray.fromDoubles(DType.I32, dev.nabla.core.Shape.of(4), new double[] {2, 0, 3, 2});
            assertTrue(Double.isNaN(g.compile().eval(Map.of(z, logits, t, wrong), Nabla.crossEntropy(z, t)).get(0).item()),
                    "a label out of range gives NaN, not a silent loss");
        }
    }

    @Test
    void normsAndCumsumWithTheirGradientsArePyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            NDArray values = NDArray.of(new double[] {0.5, -1.5, 2.0, -2.0, 0, 0, 0, 0, 1.0, 1.0, -1.0, 0.25}, 3, 4);
            Tensor weights = g.constant(NDArray.of(new double[] {1, 2, 3}, 3));
            double[] ps = {1, 2, Double.POSITIVE_INFINITY};
            // torch.linalg.vector_norm(x, ord=p, dim=1) and the gradient of its sum weighted by [1, 2, 3].
            double[][] norms = {{6.0, 0.0, 3.25}, {3.24037034920393, 0.0, 1.75}, {2.0, 0.0, 1.0}};
            double[][] grads = {{1.0, -1.0, 1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 3.0, 3.0, -3.0, 3.0},
                {0.1543033499620919, -0.4629100498862757, 0.6172133998483676, -0.6172133998483676, 0.0, 0.0, 0.0, 0.0,
                    1.7142857142857142, 1.7142857142857142, -1.7142857142857142, 0.42857142857142855},
                {0.0, 0.0, 0.5, -0.5, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, -1.0, 0.0}};
            Tensor c = x.cumsum(1);
            Tensor dc = c.mul(g.constant(NDArray.of(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4))).sum()
                    .grad(x);
            for (Device device : DEVICES) {
                var run = g.compile(device);
                for (int k = 0; k < 3; k++) {
                    Tensor n = x.norm(ps[k], 1);
                    List<NDArray> r = run.eval(Map.of(x, values), n, n.mul(weights).sum().grad(x));
                    assertArrayEquals(norms[k], r.get(0).toDoubleArray(), 1e-14, device + " p=" + ps[k]);
                    assertArrayEquals(grads[k], r.get(1).toDoubleArray(), 1e-14, device + " p=" + ps[k] + " gradient");
                }
                List<NDArray> r = run.eval(Map.of(x, values), c, dc);
                // torch.cumsum(x, 1) and the gradient of its sum weighted by arange(12).
                assertArrayEquals(new double[] {0.5, -1.0, 1.0, -1.0, 0, 0, 0, 0, 1.0, 2.0, 1.0, 1.25},
                        r.get(0).toDoubleArray(), 1e-14, device + " cumsum");
                assertArrayEquals(new double[] {6, 6, 5, 3, 22, 18, 13, 7, 38, 30, 21, 11}, r.get(1).toDoubleArray(),
                        1e-14, device + " cumsum gradient");
            }
        }
    }

    @Test
    void layerNormWithItsGradientsIsPyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            Tensor w = g.input("w", DType.F64, 4);
            Tensor b = g.input("b", DType.F64, 4);
            Tensor y = Nabla.layerNorm(x, 1, w, b, 1e-5);
            Tensor loss = y.mul(g.constant(NDArray.of(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4))).sum();
            Map<Tensor, NDArray> feeds = Map.of(
                    x, NDArray.of(new double[] {0.5, -1.5, 2.0, -2.0, 0.1, 0.2, 0.3, 0.4, 1.0, 1.0, -1.0, 0.25}, 3, 4),
                    w, NDArray.of(new double[] {1.0, 0.5, -1.0, 2.0}, 4), b, NDArray.of(new double[] {0, 0.1, 0.2, 0.3}, 4));
            // F.layer_norm(x, (4,), w, b, eps=1e-5) and the gradients of (y * arange(12)).sum(), PyTorch 1.13.
            double[][] torch = {
                {0.4685203714806194, -0.2904336429005162, -1.2055611144418583, -1.8864284002428906, -1.3411044519645503,
                    -0.12351740866075833, -0.24703481732151666, 2.982208903929101, 0.841184727628191, 0.5205923638140955,
                    1.8058981163810919, 0.14705732224941975},
                {0.011424538991834932, -1.5807754699217895, 0.19044707413571127, 1.3789038567942433, 32.163458289421634,
                    -0.45471766989737716, -95.65776805422874, 63.949027434704476, -4.11057398171607, -8.392968958732315,
                    -7.50242387460028, 20.00596681504866},
                {1.3650600131673265, 4.554621176245103, -10.565650030998103, 5.266903835759326},
                {12.0, 15.0, 18.0, 21.0}};
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(feeds, y, loss.grad(x), loss.grad(w), loss.grad(b));
                for (int i = 0; i < torch.length; i++) {
                    assertArrayEquals(torch[i], r.get(i).toDoubleArray(), 1e-11 * (i == 1 ? 100 : 1), device + " " + i);
                }
            }
        }
    }

    @Test
    void gradcheckToOrderTwo() {
        int comparisons = GradCheck.of("var, std and clamp", in -> {
            Tensor x = in.get(0);
            return x.var(1).sum().add(x.std().mul(x.clamp(-0.5, 0.5).sum())).add(x.norm(2, 0).sum())
                    .add(x.cumsum(1).sin().sum()).add(Nabla.layerNorm(x, 1, null, null, 1e-5).pow(3).sum());
        }).input(uniform(-1, 1), 3, 4).order(2).check().comparisons();
        assertTrue(comparisons > 0);
    }

    @Test
    void badBoundsAndDtypesAreRefused() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3);
            ShapeException bounds = assertThrows(ShapeException.class, () -> x.clamp(1, -1));
            assertTrue(bounds.getMessage().contains("lower bound 1.0 is above the upper bound -1.0"), bounds.getMessage());
            assertThrows(DTypeException.class, () -> g.input("i", DType.I32, 3).var());
        }
    }
}

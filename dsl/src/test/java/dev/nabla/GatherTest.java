package dev.nabla;

import static dev.nabla.GradCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.IndexException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.Device;
import dev.nabla.core.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Gather, indexSelect, embedding and scatterAdd: values and gradients against PyTorch, checks, transforms. */
class GatherTest {
    private static final Device REFERENCE = Device.of("reference:cpu");
    private static final Device JVM = Device.of("jvm:cpu");
    private static final List<Device> DEVICES = List.of(REFERENCE, JVM);

    private static NDArray ints(double[] values, int... dims) {
        return NDArray.fromDoubles(DType.I32, Shape.of(dims), values);
    }

    private static Tensor intConstant(Tensor like, double[] values, int... dims) {
        return like.graph().constant(ints(values, dims));
    }

    private static final double[] X = {0.5, -1.5, 2.0, 3.0, -0.25, 1.0, 0.75, -2.0, 1.5, 0.1, -0.3, 0.9};

    @Test
    void gatherAndItsGradientArePyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            Tensor i1 = intConstant(x, new double[] {3, 0, 1, 1, 2, 3}, 3, 2);
            // Along axis 0 the indices are shorter than x off the axis (3 of 4 columns), as torch.gather allows.
            Tensor i0 = intConstant(x, new double[] {2, 0, 1, 0, 0, 2}, 2, 3);
            Tensor w1 = g.constant(NDArray.of(new double[] {1.0, -2.0, 0.5, 3.0, -1.0, 2.5}, 3, 2));
            Tensor w0 = g.constant(NDArray.of(new double[] {0.3, -0.7, 1.1, 2.0, 0.4, -1.3}, 2, 3));
            Tensor g1 = x.gather(1, i1);
            Tensor g0 = x.gather(0, i0);
            Tensor loss = g1.sin().mul(w1).sum().add(g0.sin().mul(w0).sum());
            // torch.gather and autograd, PyTorch 1.13, float64.
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(x, NDArray.of(X, 3, 4)), g1, g0, loss, loss.grad(x));
                assertArrayEquals(new double[] {3.0, 0.5, 1.0, 1.0, -0.3, 0.9}, r.get(0).toDoubleArray(), device + "");
                assertArrayEquals(new double[] {1.5, -1.5, 0.75, 0.5, -1.5, -0.3}, r.get(1).toDoubleArray(), device + "");
                assertEquals(7.072581832265394, r.get(2).item(), 1e-14, device + "");
                assertArrayEquals(new double[] {0.0, -0.021221160500310872, 0.0, -0.9899924966004454, 0.0,
                        1.8910580705384892, 0.804857755761203, 0.0, 0.021221160500310872, 0.0, -2.1972739249888935,
                        1.554024920676661}, r.get(3).toDoubleArray(), 1e-14, device + " gradient");
            }
        }
    }

    @Test
    void indexSelectAndItsGradientArePyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            Tensor s = x.indexSelect(1, intConstant(x, new double[] {2, 0, 2}, 3));
            Tensor w = g.constant(NDArray.of(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, 3, 3));
            Tensor loss = s.cos().mul(w).sum();
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(x, NDArray.of(X, 3, 4)), s, loss.grad(x));
                assertArrayEquals(new double[] {2.0, 0.5, 2.0, 0.75, -0.25, 0.75, -0.3, 1.5, -0.3},
                        r.get(0).toDoubleArray(), device + "");
                assertArrayEquals(new double[] {-0.479425538604203, 0.0, -1.8185948536513634, 0.0, 0.9896158370180917,
                        0.0, -5.453110080186673, 0.0, -6.9824649062283815, 0.0, 4.137282893258753, 0.0},
                        r.get(1).toDoubleArray(), 1e-14, device + " gradient");
            }
        }
    }

    @Test
    void embeddingWithRepeatedIdsAccumulatesAsPyTorch() {
        try (Graph g = Graph.create()) {
            Tensor table = g.input("table", DType.F64, 5, 2);
            Tensor ids = g.input("ids", DType.I32, 2, 3);
            Tensor e = Nabla.embedding(ids, table);
            assertEquals(Shape.of(2, 3, 2), e.shape());
            double[] w = new double[12];
            for (int i = 0; i < 12; i++) {
                w[i] = -1 + 2.0 * i / 11;   // torch.linspace(-1, 1, 12)
            }
            Tensor loss = e.tanh().mul(g.constant(NDArray.of(w, 2, 3, 2))).sum();
            NDArray tv = NDArray.of(new double[] {0.1, 0.2, -0.5, 1.5, 2.0, -1.0, 0.7, 0.3, 1.1, -0.4}, 5, 2);
            NDArray iv = ints(new double[] {4, 1, 1, 0, 4, 4}, 2, 3);
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(table, tv, ids, iv), e, loss.grad(table));
                assertArrayEquals(new double[] {1.1, -0.4, -0.5, 1.5, -0.5, 1.5, 0.1, 0.2, 1.1, -0.4, 1.1, -0.4},
                        r.get(0).toDoubleArray(), device + "");
                // Rows never picked (2, 3) get zeros; row 4, picked three times, the sum of three.
                assertArrayEquals(new double[] {0.09000602644067637, 0.2621026317180318, -0.7149524845144795,
                        -0.09856725759471742, 0.0, 0.0, 0.0, 0.0, 0.0979639953164386, 0.7000680977027819},
                        r.get(1).toDoubleArray(), 1e-14, device + " gradient");
            }
        }
    }

    @Test
    void scatterAddWithDuplicatesAndItsGradientsArePyTorchs() {
        try (Graph g = Graph.create()) {
            Tensor base = g.input("base", DType.F64, 4, 3);
            Tensor upd = g.input("upd", DType.F64, 2, 2);
            Tensor longer = g.input("longer", DType.F64, 3, 3);
            // Indices [2, 2] into x [4, 3] along 0: shorter than x off the axis; (1, 0) is hit twice.
            Tensor idx = intConstant(base, new double[] {1, 3, 1, 0}, 2, 2);
            Tensor sa = base.scatterAdd(0, idx, upd);
            Tensor saLonger = base.scatterAdd(0, idx, longer);
            double[] w = new double[12];
            java.util.Arrays.setAll(w, i -> i);
            Tensor loss = sa.sin().mul(g.constant(NDArray.of(w, 4, 3))).sum();
            NDArray bv = NDArray.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5, 0.25, 0.125}, 4, 3);
            NDArray uv = NDArray.of(new double[] {0.5, -1.0, 1.5, 0.25}, 2, 2);
            NDArray lv = NDArray.of(new double[] {0.5, -1.0, 2.0, 1.5, 0.25, -0.75, 3.0, 1.0, 0.5}, 3, 3);
            double[] expected = {1.0, 2.25, 3.0, 6.0, 5.0, 6.0, 7.0, 8.0, 9.0, 0.5, -0.75, 0.125};
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(base, bv, upd, uv, longer, lv), sa, saLonger,
                        loss.grad(base), loss.grad(upd));
                assertArrayEquals(expected, r.get(0).toDoubleArray(), device + "");
                assertArrayEquals(expected, r.get(1).toDoubleArray(), device + " (longer updates)");
                assertArrayEquals(new double[] {0.0, -0.6281736227227391, -1.9799849932008908, 2.880510859951098,
                        1.134648741852905, 4.80085143325183, 4.523413526059827, -1.0185002366602949,
                        -7.2890420950774155, 7.898243057013355, 7.316888688738209, 10.914174339522619},
                        r.get(2).toDoubleArray(), 1e-13, device + " gradient wrt x");
                assertArrayEquals(new double[] {2.880510859951098, 7.316888688738209, 2.880510859951098,
                        -0.6281736227227391}, r.get(3).toDoubleArray(), 1e-13, device + " gradient wrt updates");
            }
        }
    }

    static Stream<GradCheck> checks() {
        return Stream.of(
                GradCheck.of("gather axis 1", x -> x.get(0).gather(1, intConstant(x.get(0),
                        new double[] {2, 0, 0, 1, 1, 1, 2, 2}, 2, 4)).sin()).input(uniform(-2, 2), 2, 3).order(2),
                GradCheck.of("gather axis 0, shorter indices", x -> x.get(0).gather(0, intConstant(x.get(0),
                        new double[] {1, 0, 1, 1}, 2, 2)).mul(x.get(0).slice(0, 0, 2).slice(1, 0, 2)))
                        .input(uniform(-2, 2), 2, 3).order(2),
                GradCheck.of("indexSelect", x -> x.get(0).indexSelect(0, intConstant(x.get(0),
                        new double[] {2, 0, 2, 1}, 4)).tanh()).input(uniform(-2, 2), 3, 2).order(2),
                GradCheck.of("embedding", x -> Nabla.embedding(intConstant(x.get(0), new double[] {3, 0, 3, 3, 1, 2},
                        2, 3), x.get(0)).pow(3)).input(uniform(-2, 2), 4, 2).order(2),
                GradCheck.of("scatterAdd wrt x and updates", x -> x.get(0).scatterAdd(1, intConstant(x.get(0),
                        new double[] {0, 0, 2, 1, 2, 2}, 2, 3), x.get(1)).sin())
                        .input(uniform(-2, 2), 2, 3).input(uniform(-2, 2), 2, 3).order(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checks")
    void gradCheckToSecondOrder(GradCheck check) {
        assertTrue(check.check().comparisons() > 0);
    }

    @Test
    void taylorCoefficientsPassThroughGather() {
        try (Graph g = Graph.create()) {
            Tensor t = g.input("t", DType.F64);
            Tensor v = g.constant(NDArray.of(new double[] {0.5, -1.0, 2.0}, 3));
            Tensor picked = v.mul(t).sin().gather(0, intConstant(t, new double[] {2, 2, 0}, 3));
            Tensor y = picked.scatterAdd(0, intConstant(t, new double[] {1, 1, 0}, 3), picked).sum();
            // picked = [sin 2t, sin 2t, sin t/2]; the scatter adds all of it once more: y = 2 (2 sin 2t + sin t/2).
            List<Tensor> d = Nabla.derivatives(y, t, 3);
            for (Device device : DEVICES) {
                List<NDArray> r = g.compile(device).eval(Map.of(t, NDArray.scalar(0.3)), d.toArray(Tensor[]::new));
                double s = 0.3;
                double[] expected = {
                    2 * (2 * Math.sin(2 * s) + Math.sin(0.5 * s)),
                    2 * (4 * Math.cos(2 * s) + 0.5 * Math.cos(0.5 * s)),
                    2 * (-8 * Math.sin(2 * s) - 0.25 * Math.sin(0.5 * s)),
                    2 * (-16 * Math.cos(2 * s) - 0.125 * Math.cos(0.5 * s))};
                for (int k = 0; k <= 3; k++) {
                    assertEquals(expected[k], r.get(k).item(), 1e-12, device + " order " + k);
                }
            }
        }
    }

    @Test
    void vmapOfGatherEqualsALoop() {
        Random rnd = new Random(3);
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            Tensor idx = g.input("idx", DType.I32, 3, 2);
            Tensor xs = g.input("xs", DType.F64, 5, 3, 4);
            Tensor idxs = g.input("idxs", DType.I32, 5, 3, 2);
            Tensor out = x.gather(1, idx).exp();
            Tensor grad = out.sum().grad(x);
            // Batched x and indices together, and each alone (the other broadcast along the batch).
            List<Tensor> both = Nabla.vmap(x, xs).and(idx, idxs).apply(out, grad);
            Tensor onlyX = Nabla.vmap(x, xs).apply(out);
            Tensor onlyIdx = Nabla.vmap(idx, idxs).apply(out);
            double[] xv = new double[60];
            double[] iv = new double[30];
            for (int i = 0; i < 60; i++) {
                xv[i] = rnd.nextGaussian();
            }
            for (int i = 0; i < 30; i++) {
                iv[i] = rnd.nextInt(4);
            }
            NDArray xsv = NDArray.of(xv, 5, 3, 4);
            NDArray isv = ints(iv, 5, 3, 2);
            for (Device device : DEVICES) {
                CompiledGraph c = g.compile(device);
                NDArray x0 = NDArray.of(java.util.Arrays.copyOf(xv, 12), 3, 4);
                NDArray i0 = ints(java.util.Arrays.copyOf(iv, 6), 3, 2);
                List<NDArray> batched = c.eval(Map.of(xs, xsv, idxs, isv, x, x0, idx, i0), both.get(0), both.get(1),
                        onlyX, onlyIdx);
                for (int b = 0; b < 5; b++) {
                    NDArray xb = NDArray.of(java.util.Arrays.copyOfRange(xv, 12 * b, 12 * b + 12), 3, 4);
                    NDArray ib = ints(java.util.Arrays.copyOfRange(iv, 6 * b, 6 * b + 6), 3, 2);
                    List<NDArray> one = c.eval(Map.of(x, xb, idx, ib), out, grad);
                    assertArrayEquals(one.get(0).toDoubleArray(), row(batched.get(0), b, 6), 1e-12, device + " " + b);
                    assertArrayEquals(one.get(1).toDoubleArray(), row(batched.get(1), b, 12), 1e-12, device + " grad");
                    NDArray ofX = c.eval(Map.of(x, xb, idx, i0), out).get(0);
                    assertArrayEquals(ofX.toDoubleArray(), row(batched.get(2), b, 6), 1e-12, device + " only x");
                    NDArray ofIdx = c.eval(Map.of(x, x0, idx, ib), out).get(0);
                    assertArrayEquals(ofIdx.toDoubleArray(), row(batched.get(3), b, 6), 1e-12, device + " only idx");
                }
            }
        }
    }

    /** The largest magnitude in a, at least 1: the scale of a relative tolerance. */
    private static double largest(NDArray a) {
        double m = 1;
        for (double v : a.toDoubleArray()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static double[] row(NDArray a, int b, int size) {
        return java.util.Arrays.copyOfRange(a.toDoubleArray(), b * size, b * size + size);
    }

    /** The JVM backend (strided views, broadcast indices) agrees bit for bit with the reference, f32 and f64. */
    @Test
    void jvmBackendEqualsTheReferenceOnRandomShapes() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 40; trial++) {
            DType dtype = trial % 2 == 0 ? DType.F32 : DType.F64;
            int rank = 1 + rnd.nextInt(3);
            int[] dims = new int[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = 1 + rnd.nextInt(4);
            }
            int axis = rnd.nextInt(rank);
            int[] idxDims = dims.clone();
            idxDims[axis] = 1 + rnd.nextInt(5);
            try (Graph g = Graph.create()) {
                Tensor x = g.input("x", dtype, dims);
                Tensor idx = g.input("idx", DType.I32, idxDims);
                // A permuted x: the gather reads a strided view.
                Tensor xt = rank > 1 ? x.transpose(0, rank - 1).transpose(0, rank - 1).mul(1.5) : x.mul(1.5);
                Tensor gathered = xt.gather(axis, idx);
                Tensor scattered = x.scatterAdd(axis, idx, gathered.exp());
                Tensor rows = xt.indexSelect(axis, idx.reshape(-1));
                Tensor grad = scattered.sin().sum().add(rows.sum()).grad(x);
                Shape shape = Shape.of(dims);
                double[] xv = new double[shape.size()];
                for (int i = 0; i < xv.length; i++) {
                    xv[i] = rnd.nextGaussian();
                }
                double[] iv = new double[Shape.of(idxDims).size()];
                for (int i = 0; i < iv.length; i++) {
                    iv[i] = rnd.nextInt(dims[axis]);
                }
                Map<Tensor, NDArray> feed = Map.of(x, NDArray.fromDoubles(dtype, shape, xv), idx, ints(iv, idxDims));
                List<NDArray> ref = g.compile(REFERENCE).eval(feed, gathered, scattered, rows, grad);
                List<NDArray> jvm = g.compile(JVM).eval(feed, gathered, scattered, rows, grad);
                // Gathers move values: bit for bit. The scatter adds exp's, which the JVM computes to
                // within an ulp, and the gradient takes cos of those sums: relative tolerances.
                assertArrayEquals(ref.get(0).toDoubleArray(), jvm.get(0).toDoubleArray(), "trial " + trial + " gather");
                assertArrayEquals(ref.get(2).toDoubleArray(), jvm.get(2).toDoubleArray(), "trial " + trial + " select");
                double relative = dtype == DType.F32 ? 1e-5 : 1e-12;
                assertArrayEquals(ref.get(1).toDoubleArray(), jvm.get(1).toDoubleArray(),
                        relative * largest(ref.get(1)), "trial " + trial + " scatter");
                assertArrayEquals(ref.get(3).toDoubleArray(), jvm.get(3).toDoubleArray(),
                        relative * largest(ref.get(3)), "trial " + trial + " gradient");
            }
        }
    }

    /**
     * An embedding's gradient over a table much larger than the batch, where the JVM clears and
     * rounds only the sums the ids reach: bit for bit the reference's, with repeated ids, and
     * again on a second run with other ids (nothing of the first run's sums may stay).
     */
    @Test
    void aSparseEmbeddingGradientEqualsTheReferenceRunAfterRun() {
        Random rnd = new Random(5);
        for (DType dtype : List.of(DType.F32, DType.F64)) {
            try (Graph g = Graph.create()) {
                Tensor table = g.input("table", dtype, 300, 7);
                Tensor ids = g.input("ids", DType.I32, 4, 5);
                Tensor rows = Nabla.embedding(ids, table);
                // Correctly rounded operations only, so that the backends agree bit for bit.
                Tensor loss = rows.mul(rows).mul(1.25).sum();
                Tensor grad = loss.grad(table);
                double[] tv = new double[300 * 7];
                for (int i = 0; i < tv.length; i++) {
                    tv[i] = rnd.nextGaussian();
                }
                NDArray tableValue = NDArray.fromDoubles(dtype, Shape.of(300, 7), tv);
                CompiledGraph ref = g.compile(REFERENCE);
                CompiledGraph jvm = g.compile(JVM);
                for (int run = 0; run < 3; run++) {
                    double[] iv = new double[20];
                    for (int i = 0; i < iv.length; i++) {
                        // Few distinct ids, so that some repeat, and some the run before had.
                        iv[i] = run * 4 + rnd.nextInt(12);
                    }
                    Map<Tensor, NDArray> feed = Map.of(table, tableValue, ids, ints(iv, 4, 5));
                    assertArrayEquals(ref.eval(feed, grad).get(0).toDoubleArray(), jvm.eval(feed, grad).get(0).toDoubleArray(),
                            dtype + " run " + run);
                }
            }
        }
    }

    @Test
    void anIndexOutOfRangeFailsAtRunTimeNamingTheOpIndexAndAxis() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F64, 3, 4);
            Tensor idx = g.input("idx", DType.I32, 3, 2);
            Tensor ids = g.input("ids", DType.I32, 2);
            Tensor gathered = x.gather(1, idx);
            Tensor u = g.input("u", DType.F64, 3, 2);
            Tensor scattered = x.scatterAdd(1, idx, u);
            Tensor rows = Nabla.embedding(ids, x);
            NDArray xv = NDArray.of(X, 3, 4);
            for (Device device : DEVICES) {
                CompiledGraph c = g.compile(device);
                IndexException e = assertThrows(IndexException.class, () -> c.eval(Map.of(x, xv,
                        idx, ints(new double[] {0, 1, 2, 7, 3, 0}, 3, 2)), gathered));
                assertTrue(e.getMessage().contains("gather: index 7 is out of range for axis 1 of size 4"),
                        device + ": " + e.getMessage());
                e = assertThrows(IndexException.class, () -> c.eval(Map.of(x, xv,
                        idx, ints(new double[] {0, -1, 2, 1, 3, 0}, 3, 2)), gathered));
                assertTrue(e.getMessage().contains("gather: index -1 is out of range for axis 1 of size 4"),
                        device + ": " + e.getMessage());
                e = assertThrows(IndexException.class, () -> c.eval(Map.of(x, xv, ids, ints(new double[] {1, 3}, 2)),
                        rows));
                assertTrue(e.getMessage().contains("index 3 is out of range for axis 0 of size 3"),
                        device + ": " + e.getMessage());
                NDArray uv = NDArray.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
                e = assertThrows(IndexException.class, () -> c.eval(Map.of(x, xv, u, uv,
                        idx, ints(new double[] {0, 1, 2, 3, 4, 0}, 3, 2)), scattered));
                assertTrue(e.getMessage().contains("scatterAdd: index 4 is out of range for axis 1 of size 4"),
                        device + ": " + e.getMessage());
            }
        }
    }

    @Test
    void floatIndicesAndMisfitShapesAreRefusedWhenTheGraphIsBuilt() {
        try (Graph g = Graph.create()) {
            Tensor x = g.input("x", DType.F32, 3, 4);
            Tensor f = g.input("f", DType.F32, 3, 2);
            DTypeException e = assertThrows(DTypeException.class, () -> x.gather(1, f));
            // Names the op and both dtypes.
            assertTrue(e.getMessage().startsWith("gather: the indices must be i32, got f:f32[3,2]"), e.getMessage());
            assertTrue(e.getMessage().contains("indexing x:f32[3,4]"), e.getMessage());
            assertThrows(DTypeException.class, () -> x.indexSelect(0, g.input("f1", DType.F64, 2)));
            assertThrows(DTypeException.class, () -> Nabla.embedding(g.input("fe", DType.F32, 2), x));
            assertThrows(DTypeException.class, () -> x.scatterAdd(1, f, f));
            Tensor i = g.input("i", DType.I32, 3, 2);
            assertThrows(DTypeException.class, () -> x.scatterAdd(1, i, g.input("u64", DType.F64, 3, 2)));
            assertThrows(ShapeException.class, () -> x.gather(1, g.input("wide", DType.I32, 4, 2)));
            assertThrows(ShapeException.class, () -> x.gather(1, g.input("rank", DType.I32, 3)));
            assertThrows(ShapeException.class, () -> x.indexSelect(0, i));
            assertThrows(ShapeException.class, () -> x.scatterAdd(1, i, g.input("short", DType.F32, 3, 1)));
        }
    }
}

package dev.nabla.compiler.lower;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Op;
import dev.nabla.core.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A deliberately plain executor of a {@link LoweredProgram}, for tests of the lowering and the
 * memory plan without the JVM backend: one double per element, every kernel walked element by
 * element in row-major order, each value rounded to its dtype as the backends store it.
 *
 * <p>With {@code shareSlots} the temporaries live in the memory plan's slots, so a buffer that
 * the plan lets share storage too early, or an in-place kernel that reads an element after
 * writing over it, changes the results; without it every buffer has storage of its own. The two
 * must agree bit for bit.
 */
final class LoweredInterpreter {
    private LoweredInterpreter() {}

    static List<double[]> run(LoweredProgram p, List<double[]> inputs, List<double[]> parameters, boolean shareSlots) {
        double[][] buffers = new double[p.buffers().size()][];
        for (int i = 0; i < inputs.size(); i++) {
            buffers[p.inputBuffers().get(i)] = inputs.get(i);
        }
        for (int i = 0; i < parameters.size(); i++) {
            buffers[p.parameterBuffers().get(i)] = parameters.get(i);
        }
        double[][] slots = new double[p.slots().size()][];
        for (int s = 0; s < slots.length; s++) {
            slots[s] = new double[p.slots().get(s).size()];
            // Garbage, so that a kernel that relies on zeroed storage shows up.
            Arrays.fill(slots[s], 12345.678);
        }
        for (Buffer b : p.buffers()) {
            switch (b.kind()) {
                case CONSTANT -> {
                    Literal value = ((Op.Constant) b.origin().op()).value();
                    double[] v = new double[b.size()];
                    Arrays.setAll(v, value::at);
                    buffers[b.id()] = v;
                }
                case TEMP -> {
                    if (shareSlots && b.slot() >= 0) {
                        if (b.slot() < 0) {
                            throw new AssertionError("temporary " + b + " has no slot");
                        }
                        buffers[b.id()] = slots[b.slot()];
                    } else {
                        double[] v = new double[b.size()];
                        Arrays.fill(v, 12345.678);
                        buffers[b.id()] = v;
                    }
                }
                default -> { }
            }
        }
        // An unstored output (slot -1 with shared slots) is computed again just before each step
        // that reads it, from what its step reads at that time, as a backend that reads it through
        // does: a source the plan let another value overwrite meanwhile changes the results.
        java.util.Map<Integer, Step> unstored = new java.util.HashMap<>();
        for (Step step : p.steps()) {
            if (shareSlots && p.buffer(step.output()).kind() == Buffer.Kind.TEMP && p.buffer(step.output()).slot() < 0) {
                unstored.put(step.output(), step);
            }
        }
        for (Step step : p.steps()) {
            if (unstored.containsKey(step.output())) {
                continue;
            }
            computeUnstored(step, unstored, buffers, p);
            execute(step, buffers, p);
        }
        List<double[]> results = new ArrayList<>();
        for (View v : p.results()) {
            double[] out = new double[v.shape().size()];
            int[] at = ViewReshapeTest.walk(v);
            for (int i = 0; i < out.length; i++) {
                out[i] = buffers[v.buffer()][at[i]];
            }
            results.add(out);
        }
        return results;
    }

    /** Computes the unstored buffers the step reads (and those they read), earliest first. */
    private static void computeUnstored(Step step, java.util.Map<Integer, Step> unstored, double[][] buffers,
                                        LoweredProgram p) {
        for (View v : step.reads()) {
            Step producer = unstored.get(v.buffer());
            if (producer != null) {
                computeUnstored(producer, unstored, buffers, p);
                Arrays.fill(buffers[v.buffer()], 12345.678);
                execute(producer, buffers, p);
            }
        }
    }

    private static void execute(Step step, double[][] buffers, LoweredProgram p) {
        double[] out = buffers[step.output()];
        DType stored = p.buffer(step.output()).dtype();
        switch (step) {
            case Step.Elementwise e -> {
                int[] index = new int[e.shape().rank()];
                for (int i = 0; i < e.shape().size(); i++) {
                    out[i] = stored.round(eval(e.body(), index, buffers, e.dtype()));
                    increment(index, e.shape());
                }
            }
            case Step.Reduce r -> {
                Shape kept = dev.nabla.compiler.ir.ShapeRules.reduced(r.inShape(), r.axes(), true);
                int[] outStrides = kept.strides();
                for (int a : r.axes()) {
                    outStrides[a] = 0;
                }
                Arrays.fill(out, 0, kept.size(), r.fn().identity());
                int[] index = new int[r.inShape().rank()];
                for (int i = 0; i < r.inShape().size(); i++) {
                    int o = dot(index, outStrides, 0);
                    out[o] = r.fn().combine(out[o], eval(r.body(), index, buffers, r.dtype()));
                    increment(index, r.inShape());
                }
                for (int o = 0; o < kept.size(); o++) {
                    out[o] = stored.round(out[o]);
                }
            }
            case Step.MatMul m -> {
                Shape sa = m.a().shape();
                Shape sb = m.b().shape();
                int r = sa.rank();
                int k = sa.dim(r - 1);
                int cols = sb.dim(r - 1);
                int[] outDims = sa.dims();
                outDims[r - 1] = cols;
                Shape os = new Shape(outDims);
                int[] index = new int[r];
                for (int i = 0; i < os.size(); i++) {
                    double acc = 0;
                    int[] ia = index.clone();
                    int[] ib = index.clone();
                    for (int q = 0; q < k; q++) {
                        ia[r - 1] = q;
                        ib[r - 2] = q;
                        ib[r - 1] = index[r - 1];
                        acc += read(m.a(), ia, buffers) * read(m.b(), ib, buffers);
                    }
                    out[i] = stored.round(acc);
                    increment(index, os);
                }
            }
            case Step.Copy c -> {
                int[] index = new int[c.source().shape().rank()];
                for (int i = 0; i < c.source().shape().size(); i++) {
                    out[i] = c.to().round(read(c.source(), index, buffers));
                    increment(index, c.source().shape());
                }
            }
            case Step.Random r -> {
                double[] keys = new double[r.key().shape().size()];
                int[] index = new int[r.key().shape().rank()];
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = read(r.key(), index, buffers);
                    increment(index, r.key().shape());
                }
                double[] drawn = r.draws().all(keys, r.shape().size());
                for (int i = 0; i < drawn.length; i++) {
                    out[i] = stored.round(drawn[i]);
                }
            }
            case Step.Pad pad -> {
                Arrays.fill(out, 0, pad.shape().size(), 0);
                View target = View.contiguous(step.output(), pad.shape()).slice(pad.starts(), pad.steps(),
                        pad.source().shape());
                int[] at = ViewReshapeTest.walk(target);
                int[] index = new int[pad.source().shape().rank()];
                double[] values = new double[at.length];
                for (int i = 0; i < at.length; i++) {
                    values[i] = read(pad.source(), index, buffers);
                    increment(index, pad.source().shape());
                }
                for (int i = 0; i < at.length; i++) {
                    out[at[i]] = stored.round(values[i]);
                }
            }
            case Step.Windows w -> {
                int[] index = new int[w.shape().rank()];
                for (int i = 0; i < w.shape().size(); i++) {
                    out[i] = stored.round(read(w.source(), windowInput(w.window(), index, w.source().shape().rank()),
                            buffers));
                    increment(index, w.shape());
                }
            }
            case Step.WindowsSum w -> {
                Arrays.fill(out, 0, w.shape().size(), 0);
                Shape windows = w.source().shape();
                int[] strides = w.shape().strides();
                int[] index = new int[windows.rank()];
                for (int i = 0; i < windows.size(); i++) {
                    int o = dot(windowInput(w.window(), index, w.shape().rank()), strides, 0);
                    out[o] = stored.round(out[o] + read(w.source(), index, buffers));
                    increment(index, windows);
                }
            }
            case Step.Concat c -> {
                int[] index = new int[c.shape().rank()];
                for (int i = 0; i < c.shape().size(); i++) {
                    int along = index[c.axis()];
                    for (View part : c.parts()) {
                        int n = part.shape().dim(c.axis());
                        if (along < n) {
                            int[] local = index.clone();
                            local[c.axis()] = along;
                            out[i] = stored.round(read(part, local, buffers));
                            break;
                        }
                        along -= n;
                    }
                    increment(index, c.shape());
                }
            }
            case Step.Gather g -> {
                Shape shape = g.indices().shape();
                int[] index = new int[shape.rank()];
                for (int i = 0; i < shape.size(); i++) {
                    int[] from = index.clone();
                    from[g.axis()] = (int) read(g.indices(), index, buffers);
                    out[i] = stored.round(read(g.x(), from, buffers));
                    increment(index, shape);
                }
            }
            case Step.ScatterAdd s -> {
                Shape shape = s.indices().shape();
                double[] sums = new double[s.shape().size()];
                int[] strides = s.shape().strides();
                int[] index = new int[shape.rank()];
                for (int i = 0; i < shape.size(); i++) {
                    int[] to = index.clone();
                    to[s.axis()] = (int) read(s.indices(), index, buffers);
                    sums[dot(to, strides, 0)] += read(s.updates(), index, buffers);
                    increment(index, shape);
                }
                for (int i = 0; i < sums.length; i++) {
                    out[i] = stored.round(sums[i]);
                }
            }
            case Step.Loop l -> throw new UnsupportedOperationException("the lowering tests build no loops");
            case Step.Cond c -> throw new UnsupportedOperationException("the lowering tests build no conditionals");
        }
    }

    private static double eval(Expr e, int[] index, double[][] buffers, DType working) {
        return switch (e) {
            case Expr.Load(View v) -> read(v, index, buffers);
            case Expr.Const(double value) -> value;
            case Expr.Unary(var fn, Expr x) -> working.round(fn.apply(eval(x, index, buffers, working)));
            case Expr.Binary(var fn, Expr a, Expr b) ->
                    working.round(fn.apply(eval(a, index, buffers, working), eval(b, index, buffers, working)));
            case Expr.Fma(Expr a, Expr b, Expr c) -> working.round(Math.fma(eval(a, index, buffers, working),
                    eval(b, index, buffers, working), eval(c, index, buffers, working)));
            case Expr.Compare(var fn, Expr a, Expr b) ->
                    fn.test(eval(a, index, buffers, working), eval(b, index, buffers, working)) ? 1 : 0;
            case Expr.Where(Expr c, Expr a, Expr b) -> eval(c, index, buffers, working) != 0
                    ? eval(a, index, buffers, working) : eval(b, index, buffers, working);
        };
    }

    /** The element of view v at a multi-index of v's shape. */
    private static double read(View v, int[] index, double[][] buffers) {
        return buffers[v.buffer()][dot(index, v.strides(), v.offset())];
    }

    private static int dot(int[] index, int[] strides, int offset) {
        int at = offset;
        for (int d = 0; d < index.length; d++) {
            at += index[d] * strides[d];
        }
        return at;
    }

    private static void increment(int[] index, Shape shape) {
        for (int d = index.length - 1; d >= 0; d--) {
            if (++index[d] < shape.dim(d)) {
                return;
            }
            index[d] = 0;
        }
    }

    /** The input coordinates [lead, o·stride + k·dilation] that windows element [lead, k, o...] reads. */
    private static int[] windowInput(dev.nabla.compiler.ir.WindowShape w, int[] index, int inputRank) {
        int s = w.spatialRank();
        int lead = inputRank - s;
        int[] position = w.position(index[lead]);
        int[] at = new int[inputRank];
        for (int d = 0; d < inputRank; d++) {
            at[d] = d < lead ? index[d]
                    : index[d + 1] * w.stride().get(d - lead) + position[d - lead] * w.dilation().get(d - lead);
        }
        return at;
    }
}

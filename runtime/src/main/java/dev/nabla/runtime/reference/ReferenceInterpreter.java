package dev.nabla.runtime.reference;

import dev.nabla.compiler.Program;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Literal;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The oracle: evaluates a program node by node with plain loops, one double per element, rounding
 * every result to its node's dtype. Written to be obviously correct, not fast; every other backend
 * is tested against it.
 */
public final class ReferenceInterpreter {
    private ReferenceInterpreter() {}

    public static List<NDArray> run(Program program, List<NDArray> inputs, List<NDArray> parameters) {
        Map<Node, double[]> values = values(program, inputs, parameters);
        return program.results().stream()
                .map(o -> NDArray.fromDoubles(o.dtype(), o.shape(), values.get(o)))
                .toList();
    }

    /** Every node's value in one run, each rounded to its dtype (for anomaly reports and tests). */
    public static Map<Node, double[]> values(Program program, List<NDArray> inputs, List<NDArray> parameters) {
        Map<Node, double[]> values = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            values.put(program.inputs().get(i), inputs.get(i).toDoubleArray());
        }
        for (int i = 0; i < parameters.size(); i++) {
            values.put(program.parameters().get(i), parameters.get(i).toDoubleArray());
        }
        // A loop's outputs over the same inputs are one run: the first of them runs it for all.
        Map<List<Object>, List<double[]>> loops = new HashMap<>();
        Map<List<Object>, java.util.Set<Integer>> wanted = new HashMap<>();
        for (Node n : program.nodes()) {
            if (n.op() instanceof Op.Loop(var body, int output)) {
                wanted.computeIfAbsent(List.of(body, n.inputs()), k -> new java.util.HashSet<>()).add(output);
            }
        }
        for (Node n : program.nodes()) {
            if (!values.containsKey(n)) {
                List<double[]> in = n.inputs().stream().map(values::get).toList();
                double[] v = switch (n.op()) {
                    case Op.Loop(var body, int output) ->
                            loops.computeIfAbsent(List.of(body, n.inputs()),
                                    k -> ReferenceLoops.run(body, in, wanted.get(k))).get(output).clone();
                    case Op.Cond(var branches, int output) ->
                            loops.computeIfAbsent(List.of(branches, n.inputs()), k -> ReferenceLoops.cond(branches, in))
                                    .get(output).clone();
                    default -> evaluate(n, in);
                };
                for (int i = 0; i < v.length; i++) {
                    v[i] = n.dtype().round(v[i]);
                }
                values.put(n, v);
            }
        }
        return values;
    }

    private static double[] evaluate(Node n, List<double[]> in) {
        int size = n.shape().size();
        double[] out = new double[size];
        switch (n.op()) {
            case Op.Input i -> throw new IllegalStateException("input " + i.name() + " was not fed");
            case Op.Parameter p -> throw new IllegalStateException("parameter " + p.name() + " has no value");
            case Op.Constant(Literal value) -> {
                for (int i = 0; i < size; i++) {
                    out[i] = value.at(i);
                }
            }
            case Op.Unary(var fn) -> {
                for (int i = 0; i < size; i++) {
                    out[i] = fn.apply(in.get(0)[i]);
                }
            }
            case Op.Binary(var fn) -> {
                for (int i = 0; i < size; i++) {
                    out[i] = fn.apply(in.get(0)[i], in.get(1)[i]);
                }
            }
            case Op.Compare(var fn) -> {
                for (int i = 0; i < size; i++) {
                    out[i] = fn.test(in.get(0)[i], in.get(1)[i]) ? 1 : 0;
                }
            }
            case Op.Fma f -> {
                for (int i = 0; i < size; i++) {
                    out[i] = Math.fma(in.get(0)[i], in.get(1)[i], in.get(2)[i]);
                }
            }
            case Op.Where w -> {
                for (int i = 0; i < size; i++) {
                    out[i] = in.get(0)[i] != 0 ? in.get(1)[i] : in.get(2)[i];
                }
            }
            case Op.Reduce(var fn, List<Integer> axes, boolean keepDims, var ties) -> reduce(n, in.get(0), fn, axes, out);
            case Op.Reshape r -> System.arraycopy(in.get(0), 0, out, 0, size);
            case Op.StopGradient s -> System.arraycopy(in.get(0), 0, out, 0, size);
            case Op.Custom c -> System.arraycopy(in.get(0), 0, out, 0, size);
            case Op.Cast c -> {
                for (int i = 0; i < size; i++) {
                    out[i] = n.dtype() == DType.BOOL ? (in.get(0)[i] != 0 ? 1 : 0) : in.get(0)[i];
                }
            }
            case Op.Permute(List<Integer> perm) -> {
                Shape from = n.input(0).shape();
                int[] strides = from.strides();
                int[] mapped = new int[perm.size()];
                for (int a = 0; a < mapped.length; a++) {
                    mapped[a] = strides[perm.get(a)];
                }
                gather(n.shape(), mapped, 0, in.get(0), out);
            }
            case Op.BroadcastTo b -> {
                Shape from = n.input(0).shape();
                int[] strides = from.strides();
                for (int a = 0; a < strides.length; a++) {
                    if (from.dim(a) == 1) {
                        strides[a] = 0;
                    }
                }
                gather(n.shape(), strides, 0, in.get(0), out);
            }
            case Op.Slice(List<Integer> starts, List<Integer> steps) -> {
                int[] strides = n.input(0).shape().strides();
                int base = 0;
                for (int a = 0; a < strides.length; a++) {
                    base += starts.get(a) * strides[a];
                    strides[a] *= steps.get(a);
                }
                gather(n.shape(), strides, base, in.get(0), out);
            }
            case Op.Pad(List<Integer> starts, List<Integer> steps) -> {
                Shape small = n.input(0).shape();
                int[] strides = n.shape().strides();
                int base = 0;
                for (int a = 0; a < strides.length; a++) {
                    base += starts.get(a) * strides[a];
                    strides[a] *= steps.get(a);
                }
                int[] index = new int[small.rank()];
                for (int i = 0; i < small.size(); i++) {
                    out[base + dot(index, strides)] = in.get(0)[i];
                    increment(index, small);
                }
            }
            case Op.Windows(var w) -> {
                // Element [lead, k, o...] reads the input at [lead, o·stride + k·dilation].
                Shape input = n.input(0).shape();
                int s = w.spatialRank();
                int leadRank = input.rank() - s;
                int[] index = new int[n.shape().rank()];
                for (int i = 0; i < size; i++) {
                    out[i] = in.get(0)[windowSource(input, w, index, leadRank, s)];
                    increment(index, n.shape());
                }
            }
            case Op.WindowsSum(var w) -> {
                Shape windows = n.input(0).shape();
                int s = w.spatialRank();
                int leadRank = n.shape().rank() - s;
                int[] index = new int[windows.rank()];
                for (int i = 0; i < windows.size(); i++) {
                    out[windowSource(n.shape(), w, index, leadRank, s)] += in.get(0)[i];
                    increment(index, windows);
                }
            }
            case Op.Concat(int axis) -> {
                int outer = 1;
                for (int a = 0; a < axis; a++) {
                    outer *= n.shape().dim(a);
                }
                int at = 0;
                for (int o = 0; o < outer; o++) {
                    for (int k = 0; k < in.size(); k++) {
                        int block = n.input(k).shape().size() / outer;
                        System.arraycopy(in.get(k), o * block, out, at, block);
                        at += block;
                    }
                }
            }
            case Op.Gather(int axis) -> {
                // The indices have the output's shape: x's position is the output's, moved along the axis.
                Shape from = n.input(0).shape();
                int[] strides = from.strides();
                int[] index = new int[n.rank()];
                for (int i = 0; i < size; i++) {
                    int at = Ops.checkedIndex("gather", in.get(1)[i], axis, from.dim(axis));
                    out[i] = in.get(0)[dot(index, strides) + (at - index[axis]) * strides[axis]];
                    increment(index, n.shape());
                }
            }
            case Op.ScatterAdd(int axis) -> {
                Shape small = n.input(0).shape();
                int[] strides = n.shape().strides();
                int[] index = new int[small.rank()];
                for (int i = 0; i < small.size(); i++) {
                    int at = Ops.checkedIndex("scatterAdd", in.get(0)[i], axis, n.shape().dim(axis));
                    out[dot(index, strides) + (at - index[axis]) * strides[axis]] += in.get(1)[i];
                    increment(index, small);
                }
            }
            case Op.MatMul m -> matmul(n, in.get(0), in.get(1), out);
            case Op.Random(var dist) -> {
                int keys = n.input(0).shape().size() / 2;
                double[] drawn = new dev.nabla.compiler.random.Draws(dist, n.dtype(), keys == 0 ? 0 : size / keys)
                        .all(in.get(0), size);
                System.arraycopy(drawn, 0, out, 0, size);
            }
            case Op.Loop l -> throw new IllegalStateException("loops run as a family");
            case Op.Cond c -> throw new IllegalStateException("conditionals run as a family");
        }
        return out;
    }

    /** The flat input position that windows element {@code index} ([lead..., k, o...]) reads. */
    private static int windowSource(Shape input, dev.nabla.compiler.ir.WindowShape w, int[] index, int leadRank,
                                    int s) {
        int[] position = w.position(index[leadRank]);
        int flat = 0;
        for (int d = 0; d < input.rank(); d++) {
            int at = d < leadRank ? index[d]
                    : index[d + 1] * w.stride().get(d - leadRank) + position[d - leadRank] * w.dilation().get(d - leadRank);
            flat = flat * input.dim(d) + at;
        }
        return flat;
    }

    /** out[i] = in[base + index(i) · strides], walking the output shape in row-major order. */
    private static void gather(Shape shape, int[] strides, int base, double[] in, double[] out) {
        int[] index = new int[shape.rank()];
        for (int i = 0; i < out.length; i++) {
            out[i] = in[base + dot(index, strides)];
            increment(index, shape);
        }
    }

    private static void reduce(Node n, double[] x, dev.nabla.compiler.ir.ReduceFn fn, List<Integer> axes,
                               double[] out) {
        Shape from = n.input(0).shape();
        java.util.Arrays.fill(out, fn.identity());
        // Map each input position to its output position by zeroing the stride of reduced axes.
        int[] outStrides = new int[from.rank()];
        int stride = 1;
        for (int a = from.rank() - 1; a >= 0; a--) {
            if (!axes.contains(a)) {
                outStrides[a] = stride;
                stride *= from.dim(a);
            }
        }
        int[] index = new int[from.rank()];
        for (int i = 0; i < x.length; i++) {
            int o = dot(index, outStrides);
            out[o] = fn.combine(out[o], x[i]);
            increment(index, from);
        }
    }

    private static void matmul(Node n, double[] a, double[] b, double[] out) {
        Shape sa = n.input(0).shape();
        int r = sa.rank();
        int m = sa.dim(r - 2);
        int k = sa.dim(r - 1);
        int cols = n.shape().dim(r - 1);
        int batches = 1;
        for (int d = 0; d < r - 2; d++) {
            batches *= sa.dim(d);
        }
        for (int bt = 0; bt < batches; bt++) {
            int ao = bt * m * k;
            int bo = bt * k * cols;
            int oo = bt * m * cols;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < cols; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        acc += a[ao + i * k + p] * b[bo + p * cols + j];
                    }
                    out[oo + i * cols + j] = acc;
                }
            }
        }
    }

    private static int dot(int[] index, int[] strides) {
        int s = 0;
        for (int a = 0; a < index.length; a++) {
            s += index[a] * strides[a];
        }
        return s;
    }

    /** Advances a row-major multi-index by one. */
    private static void increment(int[] index, Shape shape) {
        for (int a = index.length - 1; a >= 0; a--) {
            if (++index[a] < shape.dim(a)) {
                return;
            }
            index[a] = 0;
        }
    }
}

package dev.nabla;

import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.autodiff.Checkpoint;
import dev.nabla.compiler.autodiff.Autodiff.JacobianMode;
import dev.nabla.compiler.ir.Convolutions;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Pooling;
import dev.nabla.compiler.ir.Ops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Static helpers where a function reads better than a method, and the derivative transforms. */
public final class Nabla {
    private Nabla() {}

    /** a where cond is true, else b (with broadcasting). */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Graph g = cond.graph();
        return g.wrap(Ops.where(g.unwrap("where", cond), g.unwrap("where", a), g.unwrap("where", b)));
    }

    public static Tensor where(Tensor cond, Tensor a, double b) {
        Graph g = cond.graph();
        return g.wrap(Ops.where(g.unwrap("where", cond), g.unwrap("where", a), b));
    }

    public static Tensor where(Tensor cond, double a, Tensor b) {
        Graph g = cond.graph();
        return g.wrap(Ops.where(g.unwrap("where", cond), a, g.unwrap("where", b)));
    }

    public static Tensor minimum(Tensor a, Tensor b) { return a.minimum(b); }
    public static Tensor maximum(Tensor a, Tensor b) { return a.maximum(b); }
    public static Tensor matmul(Tensor a, Tensor b) { return a.matmul(b); }

    public static Tensor concat(int axis, Tensor... parts) {
        requireParts("concat", parts);
        Graph g = parts[0].graph();
        return g.wrap(Ops.concat(axis, g.unwrapAll("concat", Arrays.asList(parts))));
    }

    public static Tensor stack(int axis, Tensor... parts) {
        requireParts("stack", parts);
        Graph g = parts[0].graph();
        return g.wrap(Ops.stack(axis, g.unwrapAll("stack", Arrays.asList(parts))));
    }

    /**
     * The rows of {@code table} [V, D] picked by i32 {@code ids} of any shape: [ids..., D]
     * (torch.nn.functional.embedding). An id outside [0, V) fails at run time; the table's
     * gradient accumulates the rows' cotangents, repeated ids adding up.
     */
    public static Tensor embedding(Tensor ids, Tensor table) {
        Graph g = table.graph();
        return g.wrap(Ops.embedding(g.unwrap("embedding", ids), g.unwrap("embedding", table)));
    }

    private static void requireParts(String op, Tensor[] parts) {
        if (parts.length == 0) {
            throw new ShapeException(op + ": needs at least one tensor");
        }
    }

    // ---- derivatives ----

    /** Vector-Jacobian product: cotangents of {@code wrt} given the cotangent of y (y's shape). */
    public static List<Tensor> vjp(Tensor y, Tensor cotangent, Tensor... wrt) {
        Graph g = y.graph();
        return g.wrapAll(Autodiff.vjp(g.unwrap("vjp", y), g.unwrap("vjp", cotangent),
                g.unwrapAll("vjp", Arrays.asList(wrt))));
    }

    /** Jacobian-vector product: the tangent of y given tangents of some variables (forward mode). */
    public static Tensor jvp(Tensor y, Map<Tensor, Tensor> tangents) {
        Graph g = y.graph();
        Map<Node, Node> seeds = new LinkedHashMap<>();
        tangents.forEach((x, t) -> seeds.put(g.unwrap("jvp", x), g.unwrap("jvp", t)));
        return g.wrap(Autodiff.jvp(List.of(g.unwrap("jvp", y)), seeds).get(0));
    }

    /**
     * d y / d x of shape y.shape ++ x.shape: one batched vjp (reverse mode) when y has no more
     * elements than x, else one batched jvp (forward mode).
     */
    public static Tensor jacobian(Tensor y, Tensor x) {
        return jacobian(List.of(y), List.of(x), JacobianMode.AUTO).get(0).get(0);
    }

    /** d y / d x in reverse mode (JAX's jacrev): one vjp batched over y's elements. */
    public static Tensor jacrev(Tensor y, Tensor x) {
        return jacobian(List.of(y), List.of(x), JacobianMode.REVERSE).get(0).get(0);
    }

    /** d y / d x in forward mode (JAX's jacfwd): one jvp batched over x's elements. */
    public static Tensor jacfwd(Tensor y, Tensor x) {
        return jacobian(List.of(y), List.of(x), JacobianMode.FORWARD).get(0).get(0);
    }

    /** Every block d ys[i] / d xs[j] (row i, column j), of shape ys[i].shape ++ xs[j].shape. */
    public static List<List<Tensor>> jacobian(List<Tensor> ys, List<Tensor> xs, JacobianMode mode) {
        Graph g = first("jacobian", ys).graph();
        Node[][] blocks = Autodiff.jacobian(g.unwrapAll("jacobian", ys), g.unwrapAll("jacobian", xs), mode);
        return wrapBlocks(g, blocks);
    }

    /** Second derivatives of a scalar f, of shape x.shape ++ x.shape (forward over reverse mode). */
    public static Tensor hessian(Tensor f, Tensor x) {
        Graph g = f.graph();
        return g.wrap(Autodiff.hessian(g.unwrap("hessian", f), g.unwrap("hessian", x)));
    }

    /** Every block d2 f / d xs[i] d xs[j] of a scalar f, of shape xs[i].shape ++ xs[j].shape. */
    public static List<List<Tensor>> hessian(Tensor f, List<Tensor> xs) {
        Graph g = f.graph();
        return wrapBlocks(g, Autodiff.hessian(g.unwrap("hessian", f), g.unwrapAll("hessian", xs)));
    }

    // ---- normalization ----

    /**
     * PyTorch's {@code F.layer_norm(x, x.shape[-normalizedDims:], weight, bias, eps)}: normalized
     * over the last {@code normalizedDims} axes; weight and bias (or null) of that shape.
     */
    public static Tensor layerNorm(Tensor x, int normalizedDims, Tensor weight, Tensor bias, double eps) {
        Graph g = x.graph();
        return g.wrap(dev.nabla.compiler.ir.Statistics.layerNorm(g.unwrap("layerNorm", x), normalizedDims,
                weight == null ? null : g.unwrap("layerNorm", weight), bias == null ? null : g.unwrap("layerNorm", bias),
                eps));
    }

    /**
     * PyTorch's {@code F.group_norm(x, groups, weight, bias, eps)}: x [N, C, ...] normalized per
     * group of C / groups channels; weight and bias [C] or null.
     */
    public static Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        Graph g = x.graph();
        return g.wrap(dev.nabla.compiler.ir.Statistics.groupNorm(g.unwrap("groupNorm", x), groups,
                weight == null ? null : g.unwrap("groupNorm", weight), bias == null ? null : g.unwrap("groupNorm", bias),
                eps));
    }

    /**
     * PyTorch's {@code F.batch_norm(x, running_mean, running_var, weight, bias, training,
     * momentum, eps)} over x [N, C, ...]: each channel normalized with the batch's statistics
     * (training) or the running ones (evaluation). In training mode the running statistics
     * (parameters, or null) move toward the batch's at every {@link dev.nabla.optim.Trainer}
     * step ({@link Graph#assignOnStep}), as PyTorch updates them in a forward pass.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        return BatchNorms.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    // ---- losses ----

    /**
     * The mean cross-entropy of logits [N, C] and i32 labels [N], as PyTorch's
     * {@code F.cross_entropy(logits, labels, ignore_index, label_smoothing)}: rows labelled
     * {@code ignoreIndex} are left out of the mean; a label out of range makes the loss NaN.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, int ignoreIndex, double smoothing) {
        Graph g = logits.graph();
        return g.wrap(dev.nabla.compiler.ir.Losses.crossEntropy(g.unwrap("crossEntropy", logits),
                g.unwrap("crossEntropy", labels), ignoreIndex, smoothing));
    }

    /**
     * PyTorch's {@code F.nll_loss(logp, labels, ignore_index)}: log-probabilities [N, C] (from
     * logSoftmax) and i32 labels [N].
     */
    public static Tensor nllLoss(Tensor logp, Tensor labels, int ignoreIndex) {
        Graph g = logp.graph();
        return g.wrap(dev.nabla.compiler.ir.Losses.nllLoss(g.unwrap("nllLoss", logp), g.unwrap("nllLoss", labels),
                ignoreIndex));
    }

    /** crossEntropy with PyTorch's defaults: ignore index -100, no smoothing. */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return crossEntropy(logits, labels, -100, 0);
    }

    // ---- convolution and pooling (NCHW, as PyTorch) ----

    /** PyTorch's {@code F.conv2d(x, weight)}: x [N, C, H, W], weight [O, C, kH, kW]. */
    public static Tensor conv2d(Tensor x, Tensor weight) {
        return conv2d(x, weight, null, ConvOptions.defaults());
    }

    /** PyTorch's {@code F.conv2d}: x [N, C, H, W], weight [O, C / groups, kH, kW], bias [O] or null. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        return convolution("conv2d", 2, x, weight, bias, options);
    }

    /** PyTorch's {@code F.conv3d}: x [N, C, D, H, W], weight [O, C / groups, kD, kH, kW], bias [O] or null. */
    public static Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        return convolution("conv3d", 3, x, weight, bias, options);
    }

    /** PyTorch's {@code F.conv1d}: x [N, C, L], weight [O, C / groups, k], bias [O] or null. */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        return convolution("conv1d", 1, x, weight, bias, options);
    }

    /**
     * PyTorch's {@code F.conv_transpose2d}: x [N, C, H, W], weight [C, O / groups, kH, kW], bias
     * [O] or null; the gradient of conv2d with respect to its input, as a layer.
     */
    public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        String op = "convTranspose2d";
        if (options.same()) {
            throw new ShapeException(op + ": padding \"same\" is not defined for transposed convolutions");
        }
        Graph g = x.graph();
        return g.wrap(Convolutions.transposed(op, g.unwrap(op, x), g.unwrap(op, weight),
                bias == null ? null : g.unwrap(op, bias), options.stride(op, 2), options.padding(op, 2),
                options.outputPadding(op, 2), options.dilation(op, 2), options.groupCount()));
    }

    private static Tensor convolution(String op, int s, Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        Graph g = x.graph();
        Node w = g.unwrap(op, weight);
        int[] stride = options.stride(op, s);
        int[] dilation = options.dilation(op, s);
        int[] lo = options.padding(op, s);
        int[] hi = lo;
        if (options.same()) {
            if (w.rank() != s + 2) {
                throw new ShapeException(op + ": needs a weight of rank " + (s + 2) + ", got " + w.describe());
            }
            int[][] same = Convolutions.samePadding(op, Arrays.copyOfRange(w.shape().dims(), 2, 2 + s), stride,
                    dilation);
            lo = same[0];
            hi = same[1];
        }
        return g.wrap(Convolutions.convolution(op, g.unwrap(op, x), w, bias == null ? null : g.unwrap(op, bias),
                stride, lo, hi, dilation, options.groupCount()));
    }

    /** PyTorch's {@code F.max_pool2d(x, k)}: windows k×k with stride k, over the last two axes. */
    public static Tensor maxPool2d(Tensor x, int kernel) {
        return maxPool2d(x, kernel, kernel, 0);
    }

    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        Graph g = x.graph();
        return g.wrap(Pooling.maxPool(g.unwrap("maxPool2d", x), new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {padding, padding}, new int[] {1, 1}));
    }

    public static Tensor maxPool1d(Tensor x, int kernel, int stride, int padding) {
        Graph g = x.graph();
        return g.wrap(Pooling.maxPool(g.unwrap("maxPool1d", x), new int[] {kernel}, new int[] {stride},
                new int[] {padding}, new int[] {1}));
    }

    /** PyTorch's {@code F.avg_pool2d(x, k)}: means of k×k windows with stride k. */
    public static Tensor avgPool2d(Tensor x, int kernel) {
        return avgPool2d(x, kernel, kernel, 0, true);
    }

    /** With {@code countIncludePad} (PyTorch's default) the padding counts in each window's mean. */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding, boolean countIncludePad) {
        Graph g = x.graph();
        return g.wrap(Pooling.avgPool(g.unwrap("avgPool2d", x), new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {padding, padding}, countIncludePad));
    }

    public static Tensor avgPool1d(Tensor x, int kernel, int stride, int padding) {
        Graph g = x.graph();
        return g.wrap(Pooling.avgPool(g.unwrap("avgPool1d", x), new int[] {kernel}, new int[] {stride},
                new int[] {padding}, true));
    }

    /** PyTorch's {@code F.adaptive_avg_pool2d(x, (h, w))}; (1, 1) is global average pooling. */
    public static Tensor adaptiveAvgPool2d(Tensor x, int height, int width) {
        Graph g = x.graph();
        return g.wrap(Pooling.adaptiveAvgPool(g.unwrap("adaptiveAvgPool2d", x), new int[] {height, width}));
    }

    // ---- loops ----

    /**
     * A loop in the graph (JAX's {@code lax.scan}): {@code body} runs once per slice of {@code xs}
     * along its first axis, carrying a value from step to step; the result holds the final carry
     * and the per-step outputs stacked (step first). The body is built once, whatever the number
     * of steps, and runs as a loop on every backend. It may read any tensor of the graph; its
     * derivatives, of any order and in both modes, are loops too.
     *
     * <pre>{@code
     * Scan.Result r = Nabla.scan(h0, xs, (h, x) -> {
     *     Tensor next = h.matmul(w).add(x).tanh();
     *     return Scan.Step.of(next, next);
     * });
     * Tensor last = r.carry(), all = r.stacked();
     * }</pre>
     */
    public static Scan.Result scan(Tensor init, Tensor xs, java.util.function.BiFunction<Tensor, Tensor, Scan.Step> body) {
        return ControlFlow.scan("scan", List.of(init), List.of(xs), -1, false,
                (i, carries, slices) -> body.apply(carries.get(0), slices.get(0)));
    }

    /**
     * scan with several carries and stacked inputs (lists may be empty; with no stacked input
     * give {@code length}, else -1), its body also given the step index (an i32 scalar: the
     * position in xs), run from the last slice to the first when {@code reverse}.
     */
    public static Scan.Result scan(List<Tensor> inits, List<Tensor> xs, int length, boolean reverse, Scan.Body body) {
        return ControlFlow.scan("scan", inits, xs, length, reverse, body);
    }

    /** {@code body} applied n times to init (JAX's {@code fori_loop}): a loop in the graph. */
    public static Tensor fori(int n, Tensor init, java.util.function.UnaryOperator<Tensor> body) {
        return fori(n, List.of(init), (i, state) -> List.of(body.apply(state.get(0)))).get(0);
    }

    /** {@code body(i, state)} for i = 0 .. n-1 (i an i32 scalar), carrying the state. */
    public static List<Tensor> fori(int n, List<Tensor> init,
                                    java.util.function.BiFunction<Tensor, List<Tensor>, List<Tensor>> body) {
        if (n < 0) {
            throw new ShapeException("fori: the number of steps must be 0 or more, got " + n);
        }
        return ControlFlow.scan("fori", init, List.of(), n, false, (i, carries, slices) -> {
            List<Tensor> next = body.apply(i, carries);
            return new Scan.Step(next == null ? null : next, List.of());
        }).carries();
    }

    /**
     * {@code body} applied to the state while {@code condition} (a bool scalar of the state) holds,
     * checked before each step. Forward mode (jvp, jacfwd) differentiates through it; reverse mode
     * needs a fixed number of steps (fori, scan) and says so.
     */
    public static Tensor whileLoop(Tensor init, Function<Tensor, Tensor> condition,
                                   java.util.function.UnaryOperator<Tensor> body) {
        return whileLoop(List.of(init), s -> condition.apply(s.get(0)), s -> List.of(body.apply(s.get(0))), -1).get(0);
    }

    /** whileLoop over several carries, stopping after {@code maxSteps} steps at most (-1: no bound). */
    public static List<Tensor> whileLoop(List<Tensor> init, Function<List<Tensor>, Tensor> condition,
                                         Function<List<Tensor>, List<Tensor>> body, int maxSteps) {
        return ControlFlow.whileLoop("whileLoop", init, condition, body, maxSteps);
    }

    /**
     * {@code then} where {@code pred} (a bool scalar) holds, else {@code otherwise} (JAX's
     * {@code lax.cond}): only the selected branch runs. Each branch is built once, as a function
     * of the tensors it reads; both must return the same shape and dtype. Derivatives of any
     * order go through the selected branch.
     */
    public static Tensor cond(Tensor pred, java.util.function.Supplier<Tensor> then,
                              java.util.function.Supplier<Tensor> otherwise) {
        if (then == null || otherwise == null) {
            throw new GraphException("cond: a branch is null");
        }
        return ControlFlow.switchOf("cond", pred, List.of(() -> one(otherwise.get()), () -> one(then.get()))).get(0);
    }

    /**
     * Branch {@code index} (an i32 scalar, clamped to the branches, or a bool: false 0, true 1)
     * of {@code branches}, each returning the same shapes and dtypes (JAX's {@code lax.switch}).
     */
    public static List<Tensor> switchOf(Tensor index, List<java.util.function.Supplier<List<Tensor>>> branches) {
        return ControlFlow.switchOf("switchOf", index, branches);
    }

    private static List<Tensor> one(Tensor t) {
        return t == null ? null : List.of(t);
    }

    // ---- rematerialization ----

    /**
     * {@code segment} applied to {@code args}, recomputed in the backward pass instead of kept
     * (JAX's {@code checkpoint}, PyTorch's {@code torch.utils.checkpoint}): reverse mode keeps
     * only the arguments and builds the segment again where its derivative needs it, trading
     * computation for the memory of the segment's intermediate values. Values and derivatives,
     * of any order, are those of the segment itself (to rounding). The segment may read
     * parameters besides its arguments (their gradients flow as usual) but must not declare
     * inputs or parameters: it is built again for the backward pass.
     */
    public static Tensor checkpoint(Function<List<Tensor>, Tensor> segment, Tensor... args) {
        if (args.length == 0 || args[0] == null) {
            throw new GraphException("checkpoint: needs at least one argument tensor");
        }
        Graph g = args[0].graph();
        List<Node> nodes = g.unwrapAll("checkpoint", Arrays.asList(args));
        return g.wrap(Checkpoint.apply(in -> {
            Tensor out = segment.apply(g.wrapAll(in));
            return out == null ? null : g.unwrap("checkpoint", out);
        }, nodes));
    }

    // ---- batching ----

    /** Batch x over xs (batch axis first); continue with {@link Vmap#and} and {@link Vmap#apply}. */
    public static Vmap vmap(Tensor x, Tensor xs) {
        return new Vmap(x, xs, 0);
    }

    /** Batch x over xs, whose batch axis is {@code inAxis}. */
    public static Vmap vmap(Tensor x, Tensor xs, int inAxis) {
        return new Vmap(x, xs, inAxis);
    }

    private static Tensor first(String op, List<Tensor> tensors) {
        if (tensors == null || tensors.isEmpty() || tensors.get(0) == null) {
            throw new GraphException(op + ": needs at least one output tensor");
        }
        return tensors.get(0);
    }

    private static List<List<Tensor>> wrapBlocks(Graph g, Node[][] blocks) {
        List<List<Tensor>> rows = new ArrayList<>(blocks.length);
        for (Node[] row : blocks) {
            rows.add(g.wrapAll(Arrays.asList(row)));
        }
        return List.copyOf(rows);
    }

    /** The Hessian of a scalar f times v, without forming the Hessian. */
    public static Tensor hvp(Tensor f, Tensor x, Tensor v) {
        Graph g = f.graph();
        return g.wrap(Autodiff.hvp(g.unwrap("hvp", f), g.unwrap("hvp", x), g.unwrap("hvp", v)));
    }

    // ---- Taylor mode ----

    /**
     * The Taylor coefficients y_0..y_order of y(x + t·direction) = Σ y_k t^k: y_0 is y itself and
     * k!·y_k the k-th derivative of y along the direction. Built by propagating truncated series
     * through the graph (like jax.experimental.jet), so high orders cost O(order²) nodes per node
     * of y's graph instead of the exponential growth of nested {@code grad}. Each coefficient has
     * y's shape and dtype and is an ordinary tensor (it can be differentiated again).
     *
     * @param x an input or parameter, f32 or f64
     * @param direction a tensor of x's shape and dtype
     * @param order 0 to 170
     */
    public static List<Tensor> taylor(Tensor y, Tensor x, Tensor direction, int order) {
        Graph g = y.graph();
        return g.wrapAll(Autodiff.taylor(List.of(g.unwrap("taylor", y)), g.unwrap("taylor", x),
                g.unwrap("taylor", direction), order).get(0));
    }

    /**
     * The n-th derivative d^n y / dx^n with respect to a scalar (one-element) input or parameter
     * x, for every element of y: n! times the n-th Taylor coefficient along the direction 1.
     *
     * <pre>{@code
     * Tensor x = g.scalar("x", 0.5);
     * Tensor d20 = Nabla.derivative(x.tanh(), x, 20);   // about 300 nodes; nested grad needs millions
     * }</pre>
     */
    public static Tensor derivative(Tensor y, Tensor x, int n) {
        Graph g = y.graph();
        return g.wrap(Autodiff.derivative(g.unwrap("derivative", y), g.unwrap("derivative", x), n));
    }

    /** The derivatives d^k y / dx^k for k = 0..n (the first is y) with respect to a scalar x; see {@link #derivative}. */
    public static List<Tensor> derivatives(Tensor y, Tensor x, int n) {
        Graph g = y.graph();
        return g.wrapAll(Autodiff.derivatives(g.unwrap("derivatives", y), g.unwrap("derivatives", x), n));
    }

    // ---- randomness: counter-based (Philox 4x32-10), keys as values in the graph ----

    /**
     * A constant key from a seed (JAX's PRNGKey): i32 [2], the seed's high then low word. Draws
     * from a constant key are the same at every run; to draw afresh per run, feed the key as an
     * input ({@code graph.input("key", DType.I32, 2)} fed {@link #keyValue}) or keep it as a
     * {@link Graph#keyState} that a trainer advances every step.
     */
    public static Tensor key(Graph graph, long seed) {
        return graph.constant(RandomDraws.keyValue(seed));
    }

    /** The value of {@link #key(Graph, long)}, to feed a key input. */
    public static dev.nabla.core.NDArray keyValue(long seed) {
        return RandomDraws.keyValue(seed);
    }

    /**
     * n new keys [..., n, 2] from a key [..., 2] (JAX's split): independent of each other and of
     * the draws of the key itself. Use each key for one purpose only. n must be at least 1.
     */
    public static Tensor split(Tensor key, int n) {
        return key.graph().wrap(dev.nabla.compiler.ir.RandomOps.split(RandomDraws.key(key, "split"), n));
    }

    /** The i-th of {@link #split(Tensor, int)}'s keys for a single key [2]. */
    public static List<Tensor> splitKeys(Tensor key, int n) {
        Tensor keys = split(key, n);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(keys.slice(0, i, i + 1, 1).reshape(2));
        }
        return out;
    }

    /** A new key from a key and an integer (JAX's fold_in), e.g. a layer's index. */
    public static Tensor foldIn(Tensor key, int data) {
        return key.graph().wrap(dev.nabla.compiler.ir.RandomOps.foldIn(RandomDraws.key(key, "foldIn"), data));
    }

    /** Uniform on [0, 1) of the given shape (f32: 24 random bits; f64: 53). */
    public static Tensor uniform(Tensor key, dev.nabla.core.DType dtype, int... dims) {
        return RandomDraws.uniform(key, dtype, 0, 1, dims);
    }

    /** Uniform on [lo, hi) (fma(u, hi - lo, lo), kept below hi). The shape comes first: no int overload can take it. */
    public static Tensor uniform(Tensor key, dev.nabla.core.Shape shape, dev.nabla.core.DType dtype,
                                 double lo, double hi) {
        return RandomDraws.uniform(key, dtype, lo, hi, shape.dims());
    }

    /** Standard normal (Box-Muller) of the given shape. */
    public static Tensor normal(Tensor key, dev.nabla.core.DType dtype, int... dims) {
        return RandomDraws.normal(key, dtype, 0, 1, dims);
    }

    /** Normal with a mean and a standard deviation. */
    public static Tensor normal(Tensor key, dev.nabla.core.Shape shape, dev.nabla.core.DType dtype,
                                double mean, double std) {
        return RandomDraws.normal(key, dtype, mean, std, shape.dims());
    }

    /** A bool mask, true with probability p (an f64 uniform below p). */
    public static Tensor bernoulli(Tensor key, double p, int... dims) {
        return RandomDraws.bernoulli(key, p, dims);
    }

    /** A bool mask of probs' shape, element i true with probability probs[i]. */
    public static Tensor bernoulli(Tensor key, Tensor probs) {
        return RandomDraws.bernoulli(key, probs);
    }

    /** Integers uniform on [lo, hi), as i32. */
    public static Tensor randint(Tensor key, int lo, int hi, int... dims) {
        return RandomDraws.randint(key, lo, hi, dims);
    }

    /**
     * A uniformly random permutation of 0..n-1 (i32 [n]): the argsort of random 64-bit words,
     * computed inside the random op (the op set has no sort).
     */
    public static Tensor permutation(Tensor key, int n) {
        if (n < 0) {
            throw new ShapeException("permutation: n must be >= 0, got " + n);
        }
        return key.graph().wrap(dev.nabla.compiler.ir.RandomOps.draw(new dev.nabla.compiler.ir.Distribution.Permutation(),
                RandomDraws.key(key, "permutation"), dev.nabla.core.Shape.of(n), dev.nabla.core.DType.I32));
    }

    /**
     * PyTorch's dropout: in training, each element is zeroed with probability p and the rest are
     * scaled by 1 / (1 - p); in evaluation (training false) or with p = 0 it is x itself; with
     * p = 1 it is x * 0. The mask depends on the key alone: feed a new key each step (see
     * {@link Graph#keyState}, which a trainer advances).
     */
    public static Tensor dropout(Tensor x, double p, Tensor key, boolean training) {
        return RandomDraws.dropout(x, p, key, training);
    }
}

package dev.nabla;

import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.autodiff.Checkpoint;
import dev.nabla.core.JacobianMode;
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

    /**
     * {@return a where cond is true, else b, elementwise (with broadcasting)}
     *
     * @param cond a bool mask (from lt, le, gt, ge, eq)
     * @param a    the values where it holds
     * @param b    the values elsewhere, of a's dtype
     */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Graph g = cond.graph();
        return g.wrap(Ops.where(g.unwrap("where", cond), g.unwrap("where", a), g.unwrap("where", b)));
    }

    /**
     * {@return a where cond is true, else the number b, elementwise (with broadcasting)}
     *
     * @param cond a bool mask
     * @param a    the values where it holds
     * @param b    the value elsewhere, taken in a's dtype
     */
    public static Tensor where(Tensor cond, Tensor a, double b) {
        Graph g = cond.graph();
        return g.wrap(Ops.where(g.unwrap("where", cond), g.unwrap("where", a), b));
    }

    /**
     * {@return the number a where cond is true, else b, elementwise (with broadcasting)}
     *
     * @param cond a bool mask
     * @param a    the value where it holds, taken in b's dtype
     * @param b    the values elsewhere
     */
    public static Tensor where(Tensor cond, double a, Tensor b) {
        Graph g = cond.graph();
        return g.wrap(Ops.where(g.unwrap("where", cond), a, g.unwrap("where", b)));
    }

    /**
     * {@return the smaller of a and b, elementwise: {@code a.minimum(b)}}
     *
     * @param a one operand
     * @param b the other
     */
    public static Tensor minimum(Tensor a, Tensor b) { return a.minimum(b); }

    /**
     * {@return the larger of a and b, elementwise: {@code a.maximum(b)}}
     *
     * @param a one operand
     * @param b the other
     */
    public static Tensor maximum(Tensor a, Tensor b) { return a.maximum(b); }

    /**
     * {@return the matrix product a·b: {@code a.matmul(b)}}
     *
     * @param a the left operand
     * @param b the right operand
     */
    public static Tensor matmul(Tensor a, Tensor b) { return a.matmul(b); }

    /**
     * {@return the parts joined along an existing axis}
     *
     * @param axis  the axis to join along
     * @param parts at least one tensor, all of one dtype and equal off the axis
     */
    public static Tensor concat(int axis, Tensor... parts) {
        requireParts("concat", parts);
        Graph g = parts[0].graph();
        return g.wrap(Ops.concat(axis, g.unwrapAll("concat", Arrays.asList(parts))));
    }

    /**
     * {@return the parts stacked along a new axis}
     *
     * @param axis  where the new axis lands in the result
     * @param parts at least one tensor, all of one shape and dtype
     */
    public static Tensor stack(int axis, Tensor... parts) {
        requireParts("stack", parts);
        Graph g = parts[0].graph();
        return g.wrap(Ops.stack(axis, g.unwrapAll("stack", Arrays.asList(parts))));
    }

    /**
     * The rows of {@code table} [V, D] picked by i32 {@code ids} of any shape: [ids..., D]
     * (torch.nn.functional.embedding). An id outside [0, V) fails at run time; the table's
     * gradient accumulates the rows' cotangents, repeated ids adding up.
     *
     * @param ids   i32 row indices, of any shape
     * @param table the rows, [V, D]
     * @return the picked rows, [ids..., D]
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

    /**
     * {@return the vector-Jacobian product: the cotangent of each of {@code wrt} given the cotangent of y}
     *
     * @param y         the output
     * @param cotangent the cotangent of y, of y's shape
     * @param wrt       floating inputs or parameters of y's graph
     */
    public static List<Tensor> vjp(Tensor y, Tensor cotangent, Tensor... wrt) {
        Graph g = y.graph();
        return g.wrapAll(Autodiff.vjp(g.unwrap("vjp", y), g.unwrap("vjp", cotangent),
                g.unwrapAll("vjp", Arrays.asList(wrt))));
    }

    /**
     * {@return the Jacobian-vector product: the tangent of y given tangents of some variables (forward mode)}
     *
     * @param y        the output
     * @param tangents a tangent, of its variable's shape, for each input or parameter that varies
     */
    public static Tensor jvp(Tensor y, Map<Tensor, Tensor> tangents) {
        Graph g = y.graph();
        Map<Node, Node> seeds = new LinkedHashMap<>();
        tangents.forEach((x, t) -> seeds.put(g.unwrap("jvp", x), g.unwrap("jvp", t)));
        return g.wrap(Autodiff.jvp(List.of(g.unwrap("jvp", y)), seeds).get(0));
    }

    /**
     * d y / d x of shape y.shape ++ x.shape: one batched vjp (reverse mode) when y has no more
     * elements than x, else one batched jvp (forward mode).
     *
     * @param y the output
     * @param x a floating input or parameter
     * @return the Jacobian
     */
    public static Tensor jacobian(Tensor y, Tensor x) {
        return jacobian(List.of(y), List.of(x), JacobianMode.AUTO).get(0).get(0);
    }

    /**
     * {@return d y / d x in reverse mode (JAX's jacrev): one vjp batched over y's elements}
     *
     * @param y the output
     * @param x a floating input or parameter
     */
    public static Tensor jacrev(Tensor y, Tensor x) {
        return jacobian(List.of(y), List.of(x), JacobianMode.REVERSE).get(0).get(0);
    }

    /**
     * {@return d y / d x in forward mode (JAX's jacfwd): one jvp batched over x's elements}
     *
     * @param y the output
     * @param x a floating input or parameter
     */
    public static Tensor jacfwd(Tensor y, Tensor x) {
        return jacobian(List.of(y), List.of(x), JacobianMode.FORWARD).get(0).get(0);
    }

    /**
     * {@return every block d ys[i] / d xs[j] (row i, column j), of shape ys[i].shape ++ xs[j].shape}
     *
     * @param ys   the outputs, at least one
     * @param xs   floating inputs or parameters
     * @param mode reverse, forward, or chosen by the number of elements
     */
    public static List<List<Tensor>> jacobian(List<Tensor> ys, List<Tensor> xs, JacobianMode mode) {
        Graph g = first("jacobian", ys).graph();
        Node[][] blocks = Autodiff.jacobian(g.unwrapAll("jacobian", ys), g.unwrapAll("jacobian", xs), mode);
        return wrapBlocks(g, blocks);
    }

    /**
     * {@return the second derivatives of a scalar f, of shape x.shape ++ x.shape (forward over reverse mode)}
     *
     * @param f a floating scalar
     * @param x a floating input or parameter
     */
    public static Tensor hessian(Tensor f, Tensor x) {
        Graph g = f.graph();
        return g.wrap(Autodiff.hessian(g.unwrap("hessian", f), g.unwrap("hessian", x)));
    }

    /**
     * {@return every block d2 f / d xs[i] d xs[j] of a scalar f, of shape xs[i].shape ++ xs[j].shape}
     *
     * @param f  a floating scalar
     * @param xs floating inputs or parameters
     */
    public static List<List<Tensor>> hessian(Tensor f, List<Tensor> xs) {
        Graph g = f.graph();
        return wrapBlocks(g, Autodiff.hessian(g.unwrap("hessian", f), g.unwrapAll("hessian", xs)));
    }

    // ---- normalization ----

    /**
     * PyTorch's {@code F.layer_norm(x, x.shape[-normalizedDims:], weight, bias, eps)}: normalized
     * over the last {@code normalizedDims} axes; weight and bias (or null) of that shape.
     *
     * @param x              the input
     * @param normalizedDims how many trailing axes to normalize over together
     * @param weight         scales the result; null for none
     * @param bias           added to the result; null for none
     * @param eps            added to the variance, for stability
     * @return the normalized input, of x's shape
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
     *
     * @param x      the input, [N, C, ...]
     * @param groups the number of groups; divides C
     * @param weight scales each channel; null for none
     * @param bias   added to each channel; null for none
     * @param eps    added to the variance, for stability
     * @return the normalized input, of x's shape
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
     *
     * @param x           the input, [N, C, ...]
     * @param runningMean the running mean [C], a parameter; null to keep none
     * @param runningVar  the running variance [C], a parameter; null to keep none
     * @param weight      scales each channel; null for none
     * @param bias        added to each channel; null for none
     * @param training    whether to normalize with the batch's statistics and update the running ones
     * @param momentum    how far each step moves the running statistics toward the batch's
     * @param eps         added to the variance, for stability
     * @return the normalized input, of x's shape
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
     *
     * @param logits      unnormalized scores, [N, C]
     * @param labels      i32 class indices, [N]
     * @param ignoreIndex a label whose rows do not count
     * @param smoothing   label smoothing, in [0, 1]: the share of each target spread over all classes
     * @return the loss, a scalar
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, int ignoreIndex, double smoothing) {
        Graph g = logits.graph();
        return g.wrap(dev.nabla.compiler.ir.Losses.crossEntropy(g.unwrap("crossEntropy", logits),
                g.unwrap("crossEntropy", labels), ignoreIndex, smoothing));
    }

    /**
     * PyTorch's {@code F.nll_loss(logp, labels, ignore_index)}: log-probabilities [N, C] (from
     * logSoftmax) and i32 labels [N].
     *
     * @param logp        log-probabilities, [N, C]
     * @param labels      i32 class indices, [N]
     * @param ignoreIndex a label whose rows do not count
     * @return the mean negative log-likelihood, a scalar
     */
    public static Tensor nllLoss(Tensor logp, Tensor labels, int ignoreIndex) {
        Graph g = logp.graph();
        return g.wrap(dev.nabla.compiler.ir.Losses.nllLoss(g.unwrap("nllLoss", logp), g.unwrap("nllLoss", labels),
                ignoreIndex));
    }

    /**
     * {@return crossEntropy with PyTorch's defaults: ignore index -100, no smoothing}
     *
     * @param logits unnormalized scores, [N, C]
     * @param labels i32 class indices, [N]
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels) {
        return crossEntropy(logits, labels, -100, 0);
    }

    // ---- convolution and pooling (NCHW, as PyTorch) ----

    /**
     * {@return PyTorch's {@code F.conv2d(x, weight)}: x [N, C, H, W], weight [O, C, kH, kW]; stride 1, no padding, no bias}
     *
     * @param x      the input, [N, C, H, W]
     * @param weight the kernels, [O, C, kH, kW]
     */
    public static Tensor conv2d(Tensor x, Tensor weight) {
        return conv2d(x, weight, null, ConvOptions.defaults());
    }

    /**
     * {@return PyTorch's {@code F.conv2d}: x [N, C, H, W], weight [O, C / groups, kH, kW], bias [O] or null}
     *
     * @param x       the input, [N, C, H, W]
     * @param weight  the kernels, [O, C / groups, kH, kW]
     * @param bias    added to each output channel, [O]; null for none
     * @param options stride, padding, dilation and groups
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        return convolution("conv2d", 2, x, weight, bias, options);
    }

    /**
     * {@return PyTorch's {@code F.conv3d}: x [N, C, D, H, W], weight [O, C / groups, kD, kH, kW], bias [O] or null}
     *
     * @param x       the input, [N, C, D, H, W]
     * @param weight  the kernels, [O, C / groups, kD, kH, kW]
     * @param bias    added to each output channel, [O]; null for none
     * @param options stride, padding, dilation and groups
     */
    public static Tensor conv3d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        return convolution("conv3d", 3, x, weight, bias, options);
    }

    /**
     * {@return PyTorch's {@code F.conv1d}: x [N, C, L], weight [O, C / groups, k], bias [O] or null}
     *
     * @param x       the input, [N, C, L]
     * @param weight  the kernels, [O, C / groups, k]
     * @param bias    added to each output channel, [O]; null for none
     * @param options stride, padding, dilation and groups
     */
    public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
        return convolution("conv1d", 1, x, weight, bias, options);
    }

    /**
     * PyTorch's {@code F.conv_transpose2d}: x [N, C, H, W], weight [C, O / groups, kH, kW], bias
     * [O] or null; the gradient of conv2d with respect to its input, as a layer.
     *
     * @param x       the input, [N, C, H, W]
     * @param weight  the kernels, [C, O / groups, kH, kW]
     * @param bias    added to each output channel, [O]; null for none
     * @param options stride, padding (not "same"), output padding, dilation and groups
     * @return the output, [N, O, H', W']
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

    /**
     * {@return PyTorch's {@code F.max_pool2d(x, k)}: maxima of k×k windows with stride k, over the last two axes}
     *
     * @param x      the input, [..., H, W]
     * @param kernel the window's side k
     */
    public static Tensor maxPool2d(Tensor x, int kernel) {
        return maxPool2d(x, kernel, kernel, 0);
    }

    /**
     * {@return PyTorch's {@code F.max_pool2d(x, k, stride, padding)}: maxima of k×k windows, over the last two axes}
     *
     * @param x       the input, [..., H, W]
     * @param kernel  the window's side
     * @param stride  the step between windows
     * @param padding the padding on each side of both axes
     */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        Graph g = x.graph();
        return g.wrap(Pooling.maxPool(g.unwrap("maxPool2d", x), new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {padding, padding}, new int[] {1, 1}));
    }

    /**
     * {@return PyTorch's {@code F.max_pool1d(x, k, stride, padding)}: maxima of windows of k, over the last axis}
     *
     * @param x       the input, [..., L]
     * @param kernel  the window's length
     * @param stride  the step between windows
     * @param padding the padding on each side
     */
    public static Tensor maxPool1d(Tensor x, int kernel, int stride, int padding) {
        Graph g = x.graph();
        return g.wrap(Pooling.maxPool(g.unwrap("maxPool1d", x), new int[] {kernel}, new int[] {stride},
                new int[] {padding}, new int[] {1}));
    }

    /**
     * {@return PyTorch's {@code F.avg_pool2d(x, k)}: means of k×k windows with stride k, over the last two axes}
     *
     * @param x      the input, [..., H, W]
     * @param kernel the window's side k
     */
    public static Tensor avgPool2d(Tensor x, int kernel) {
        return avgPool2d(x, kernel, kernel, 0, true);
    }

    /**
     * {@return PyTorch's {@code F.avg_pool2d(x, k, stride, padding, count_include_pad)}: means of k×k
     * windows, over the last two axes}
     *
     * @param x               the input, [..., H, W]
     * @param kernel          the window's side
     * @param stride          the step between windows
     * @param padding         the padding on each side of both axes
     * @param countIncludePad whether the padding counts in each window's mean (PyTorch's default)
     */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding, boolean countIncludePad) {
        Graph g = x.graph();
        return g.wrap(Pooling.avgPool(g.unwrap("avgPool2d", x), new int[] {kernel, kernel}, new int[] {stride, stride},
                new int[] {padding, padding}, countIncludePad));
    }

    /**
     * {@return PyTorch's {@code F.avg_pool1d(x, k, stride, padding)}: means of windows of k over the
     * last axis, the padding counting in each mean}
     *
     * @param x       the input, [..., L]
     * @param kernel  the window's length
     * @param stride  the step between windows
     * @param padding the padding on each side
     */
    public static Tensor avgPool1d(Tensor x, int kernel, int stride, int padding) {
        Graph g = x.graph();
        return g.wrap(Pooling.avgPool(g.unwrap("avgPool1d", x), new int[] {kernel}, new int[] {stride},
                new int[] {padding}, true));
    }

    /**
     * {@return PyTorch's {@code F.adaptive_avg_pool2d(x, (h, w))}; (1, 1) is global average pooling}
     *
     * @param x      the input, [..., H, W]
     * @param height the output's height
     * @param width  the output's width
     */
    public static Tensor adaptiveAvgPool2d(Tensor x, int height, int width) {
        Graph g = x.graph();
        return g.wrap(Pooling.adaptiveAvgPool(g.unwrap("adaptiveAvgPool2d", x), new int[] {height, width}));
    }

    /**
     * {@return PyTorch's {@code F.adaptive_max_pool2d(x, (h, w))}: the maximum of each of the
     * same bins as {@link #adaptiveAvgPool2d}; (1, 1) is global max pooling}
     *
     * @param x      the input, [..., H, W]
     * @param height the output's height
     * @param width  the output's width
     */
    public static Tensor adaptiveMaxPool2d(Tensor x, int height, int width) {
        Graph g = x.graph();
        return g.wrap(Pooling.adaptiveMaxPool(g.unwrap("adaptiveMaxPool2d", x), new int[] {height, width}));
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
     *
     * @param init the carry before the first step
     * @param xs   the stacked input, one slice per step along its first axis
     * @param body a step: (carry, slice) to the new carry and the output to stack
     * @return the final carry and the stacked outputs
     */
    public static Scan.Result scan(Tensor init, Tensor xs, java.util.function.BiFunction<Tensor, Tensor, Scan.Step> body) {
        return ControlFlow.scan("scan", List.of(init), List.of(xs), -1, false,
                (i, carries, slices) -> body.apply(carries.get(0), slices.get(0)));
    }

    /**
     * scan with several carries and stacked inputs (lists may be empty), its body also given the
     * step index (an i32 scalar: the position in xs), run from the last slice to the first when
     * {@code reverse}.
     *
     * @param inits   the carries before the first step
     * @param xs      the stacked inputs, each one slice per step along its first axis
     * @param length  the number of steps when there is no stacked input, else -1
     * @param reverse whether to run from the last slice to the first
     * @param body    a step: (index, carries, slices) to the new carries and the outputs to stack
     * @return the final carries and the stacked outputs
     */
    public static Scan.Result scan(List<Tensor> inits, List<Tensor> xs, int length, boolean reverse, Scan.Body body) {
        return ControlFlow.scan("scan", inits, xs, length, reverse, body);
    }

    /**
     * {@return {@code body} applied n times to init (JAX's {@code fori_loop}): a loop in the graph}
     *
     * @param n    the number of steps, 0 or more
     * @param init the state before the first step
     * @param body a step: the state to the next state, of the same shape and dtype
     */
    public static Tensor fori(int n, Tensor init, java.util.function.UnaryOperator<Tensor> body) {
        return fori(n, List.of(init), (i, state) -> List.of(body.apply(state.get(0)))).get(0);
    }

    /**
     * {@return the state after {@code body(i, state)} for i = 0 .. n-1 (i an i32 scalar)}
     *
     * @param n    the number of steps, 0 or more
     * @param init the state before the first step
     * @param body a step: (i, state) to the next state, of the same shapes and dtypes
     */
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
     *
     * @param init      the state before the first step
     * @param condition the state to a bool scalar: whether to take another step
     * @param body      a step: the state to the next state, of the same shape and dtype
     * @return the state once the condition fails
     */
    public static Tensor whileLoop(Tensor init, Function<Tensor, Tensor> condition,
                                   java.util.function.UnaryOperator<Tensor> body) {
        return whileLoop(List.of(init), s -> condition.apply(s.get(0)), s -> List.of(body.apply(s.get(0))), -1).get(0);
    }

    /**
     * {@return whileLoop over several carries, stopping after {@code maxSteps} steps at most}
     *
     * @param init      the carries before the first step
     * @param condition the carries to a bool scalar: whether to take another step
     * @param body      a step: the carries to the next ones, of the same shapes and dtypes
     * @param maxSteps  the most steps to take; -1 for no bound
     */
    public static List<Tensor> whileLoop(List<Tensor> init, Function<List<Tensor>, Tensor> condition,
                                         Function<List<Tensor>, List<Tensor>> body, int maxSteps) {
        return ControlFlow.whileLoop("whileLoop", init, condition, body, maxSteps);
    }

    /**
     * {@code then} where {@code pred} (a bool scalar) holds, else {@code otherwise} (JAX's
     * {@code lax.cond}): only the selected branch runs. Each branch is built once, as a function
     * of the tensors it reads; both must return the same shape and dtype. Derivatives of any
     * order go through the selected branch.
     *
     * @param pred      a bool scalar
     * @param then      builds the branch taken when it holds
     * @param otherwise builds the branch taken when it does not
     * @return the selected branch's value
     */
    public static Tensor cond(Tensor pred, java.util.function.Supplier<Tensor> then,
                              java.util.function.Supplier<Tensor> otherwise) {
        if (then == null || otherwise == null) {
            throw new GraphException("cond: a branch is null");
        }
        return ControlFlow.switchOf("cond", pred, List.of(() -> one(otherwise.get()), () -> one(then.get()))).get(0);
    }

    /**
     * {@return branch {@code index} of {@code branches}, each returning the same shapes and dtypes (JAX's {@code lax.switch})}
     *
     * @param index    an i32 scalar, clamped to the branches, or a bool (false 0, true 1)
     * @param branches each builds one branch's values; only the selected one runs
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
     *
     * @param segment builds the segment's output from its arguments
     * @param args    the arguments, at least one
     * @return the segment's output
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

    /**
     * {@return a batching of x over xs (batch axis first); continue with {@link Vmap#and} and {@link Vmap#apply}}
     *
     * @param x  an input or parameter, written for one example
     * @param xs the batch: x's shape with a leading batch axis
     */
    public static Vmap vmap(Tensor x, Tensor xs) {
        return new Vmap(x, xs, 0);
    }

    /**
     * {@return a batching of x over xs, whose batch axis is {@code inAxis}}
     *
     * @param x      an input or parameter, written for one example
     * @param xs     the batch: x's shape with one more axis
     * @param inAxis where xs's batch axis is; negative counts from the end
     */
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

    /**
     * {@return the Hessian of a scalar f times v, without forming the Hessian}
     *
     * @param f a floating scalar
     * @param x a floating input or parameter
     * @param v a tensor of x's shape
     */
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
     * @param y the function
     * @param x an input or parameter, f32 or f64
     * @param direction a tensor of x's shape and dtype
     * @param order 0 to 170
     * @return the coefficients y_0 to y_order
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
     *
     * @param y the function
     * @param x a one-element floating input or parameter
     * @param n the order, 0 to 170
     * @return the derivative, of y's shape
     */
    public static Tensor derivative(Tensor y, Tensor x, int n) {
        Graph g = y.graph();
        return g.wrap(Autodiff.derivative(g.unwrap("derivative", y), g.unwrap("derivative", x), n));
    }

    /**
     * {@return the derivatives d^k y / dx^k for k = 0..n (the first is y) with respect to a scalar x; see {@link #derivative}}
     *
     * @param y the function
     * @param x a one-element floating input or parameter
     * @param n the highest order, 0 to 170
     */
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
     *
     * @param graph the graph to hold the key
     * @param seed  the seed
     * @return the key, a constant
     */
    public static Tensor key(Graph graph, long seed) {
        return graph.constant(RandomDraws.keyValue(seed));
    }

    /**
     * {@return the value of {@link #key(Graph, long)}, to feed a key input}
     *
     * @param seed the seed
     */
    public static dev.nabla.core.NDArray keyValue(long seed) {
        return RandomDraws.keyValue(seed);
    }

    /**
     * n new keys [..., n, 2] from a key [..., 2] (JAX's split): independent of each other and of
     * the draws of the key itself. Use each key for one purpose only.
     *
     * @param key a key, i32 [..., 2]
     * @param n   the number of keys, at least 1
     * @return the new keys, [..., n, 2]
     */
    public static Tensor split(Tensor key, int n) {
        return key.graph().wrap(dev.nabla.compiler.ir.RandomOps.split(RandomDraws.key(key, "split"), n));
    }

    /**
     * {@return the n keys of {@link #split(Tensor, int)} for a single key [2], as a list of keys [2]}
     *
     * @param key a key, i32 [2]
     * @param n   the number of keys, at least 1
     */
    public static List<Tensor> splitKeys(Tensor key, int n) {
        Tensor keys = split(key, n);
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(keys.slice(0, i, i + 1, 1).reshape(2));
        }
        return out;
    }

    /**
     * {@return a new key from a key and an integer (JAX's fold_in), e.g. a layer's index}
     *
     * @param key  a key, i32 [..., 2]
     * @param data the integer to fold in
     */
    public static Tensor foldIn(Tensor key, int data) {
        return key.graph().wrap(dev.nabla.compiler.ir.RandomOps.foldIn(RandomDraws.key(key, "foldIn"), data));
    }

    /**
     * {@return draws uniform on [0, 1) of the given shape (f32: 24 random bits; f64: 53)}
     *
     * @param key   a key, i32 [2]
     * @param dtype f32 or f64
     * @param dims  the shape
     */
    public static Tensor uniform(Tensor key, dev.nabla.core.DType dtype, int... dims) {
        return RandomDraws.uniform(key, dtype, 0, 1, dims);
    }

    /**
     * {@return draws uniform on [lo, hi) (fma(u, hi - lo, lo), kept below hi)} The shape comes
     * first: no int overload can take it.
     *
     * @param key   a key, i32 [2]
     * @param shape the shape
     * @param dtype f32 or f64
     * @param lo    the lowest value
     * @param hi    the bound above every value
     */
    public static Tensor uniform(Tensor key, dev.nabla.core.Shape shape, dev.nabla.core.DType dtype,
                                 double lo, double hi) {
        return RandomDraws.uniform(key, dtype, lo, hi, shape.dims());
    }

    /**
     * {@return standard normal draws (Box-Muller) of the given shape}
     *
     * @param key   a key, i32 [2]
     * @param dtype f32 or f64
     * @param dims  the shape
     */
    public static Tensor normal(Tensor key, dev.nabla.core.DType dtype, int... dims) {
        return RandomDraws.normal(key, dtype, 0, 1, dims);
    }

    /**
     * {@return normal draws with a mean and a standard deviation}
     *
     * @param key   a key, i32 [2]
     * @param shape the shape
     * @param dtype f32 or f64
     * @param mean  the mean
     * @param std   the standard deviation
     */
    public static Tensor normal(Tensor key, dev.nabla.core.Shape shape, dev.nabla.core.DType dtype,
                                double mean, double std) {
        return RandomDraws.normal(key, dtype, mean, std, shape.dims());
    }

    /**
     * {@return a bool mask, true with probability p (an f64 uniform below p)}
     *
     * @param key  a key, i32 [2]
     * @param p    the probability of true
     * @param dims the shape
     */
    public static Tensor bernoulli(Tensor key, double p, int... dims) {
        return RandomDraws.bernoulli(key, p, dims);
    }

    /**
     * {@return a bool mask of probs' shape, element i true with probability probs[i]}
     *
     * @param key   a key, i32 [2]
     * @param probs the probabilities, floating
     */
    public static Tensor bernoulli(Tensor key, Tensor probs) {
        return RandomDraws.bernoulli(key, probs);
    }

    /**
     * {@return i32 integers uniform on [lo, hi)}
     *
     * @param key  a key, i32 [2]
     * @param lo   the lowest value
     * @param hi   the bound above every value
     * @param dims the shape
     */
    public static Tensor randint(Tensor key, int lo, int hi, int... dims) {
        return RandomDraws.randint(key, lo, hi, dims);
    }

    /**
     * A uniformly random permutation of 0..n-1 (i32 [n]): the argsort of random 64-bit words,
     * computed inside the random op (the op set has no sort).
     *
     * @param key a key, i32 [2]
     * @param n   the length, 0 or more
     * @return the permutation, i32 [n]
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
     *
     * @param x        the input
     * @param p        the probability that an element is zeroed, in [0, 1]
     * @param key      a key, i32 [2]
     * @param training whether to drop; false gives x
     * @return x with the mask applied
     */
    public static Tensor dropout(Tensor x, double p, Tensor key, boolean training) {
        return RandomDraws.dropout(x, p, key, training);
    }
}

package dev.nabla;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.AxisException;
import dev.nabla.compiler.autodiff.Batching;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Ops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The batching transform, JAX's {@code vmap}: tensors written for one example, computed for a
 * whole batch at once. Name each input or parameter to batch and its batch (a tensor with one
 * more axis, the batch axis, at {@code inAxis}); {@link #apply} gives each output with the batch
 * axis at {@link #outAxis}. Row b of a result is the output computed with row b of each batch in
 * place of its variable, and the graph is one batched computation, not a loop:
 *
 * <pre>{@code
 * Tensor loss = ...;                                 // written for one example x, label y
 * Tensor dw = loss.grad(w);
 * Tensor perExample = Nabla.vmap(x, xs).and(y, ys).apply(dw);   // [batch] ++ w's shape
 * }</pre>
 *
 * <p>Results are ordinary tensors: differentiate them, batch them again (nested vmap), compile
 * them on any device.
 */
public final class Vmap {
    private final Graph graph;
    private final Map<Node, Node> batches = new LinkedHashMap<>();
    private int outAxis;

    Vmap(Tensor x, Tensor xs, int inAxis) {
        this.graph = x == null ? null : x.graph();
        if (graph == null) {
            throw new NablaException.GraphException("vmap: the variable to batch over is null");
        }
        and(x, xs, inAxis);
    }

    /**
     * {@return this batching, also batching {@code x} over {@code xs}, whose batch axis is the first}
     *
     * @param x  an input or parameter, written for one example
     * @param xs the batch: x's shape with a leading batch axis
     */
    public Vmap and(Tensor x, Tensor xs) {
        return and(x, xs, 0);
    }

    /**
     * {@return this batching, also batching {@code x} over {@code xs}, whose batch axis is {@code inAxis}}
     *
     * @param x      an input or parameter, written for one example
     * @param xs     the batch: x's shape with one more axis
     * @param inAxis where xs's batch axis is; negative counts from the end
     * @throws dev.nabla.core.NablaException.GraphException if x is already batched
     */
    public Vmap and(Tensor x, Tensor xs, int inAxis) {
        Node variable = graph.unwrap("vmap", x);
        Node batch = graph.unwrap("vmap", xs);
        if (batches.containsKey(variable)) {
            throw new NablaException.GraphException("vmap: " + variable.describe() + " is batched twice");
        }
        batches.put(variable, Ops.permute(batch, axisFirst(batch, inAxis, "the batch " + batch.describe())));
        return this;
    }

    /**
     * {@return this batching, putting the batch axis at {@code axis} in each result (default 0)}
     *
     * @param axis the result's batch axis; negative counts from the end
     */
    public Vmap outAxis(int axis) {
        this.outAxis = axis;
        return this;
    }

    /**
     * {@return {@code output} computed for the whole batch}
     *
     * @param output a tensor written for one example
     */
    public Tensor apply(Tensor output) {
        return apply(List.of(output)).get(0);
    }

    /**
     * {@return each output computed for the whole batch}
     *
     * @param outputs tensors written for one example
     */
    public List<Tensor> apply(Tensor... outputs) {
        return apply(Arrays.asList(outputs));
    }

    /**
     * {@return each output computed for the whole batch}
     *
     * @param outputs tensors written for one example
     */
    public List<Tensor> apply(List<Tensor> outputs) {
        List<Node> batched = Batching.vmap("vmap", graph.unwrapAll("vmap", outputs), batches);
        List<Tensor> out = new ArrayList<>(batched.size());
        for (Node b : batched) {
            out.add(graph.wrap(Ops.permute(b, axisTo(b, outAxis))));
        }
        return out;
    }

    /** The permutation that brings axis {@code axis} of t to the front. */
    private static int[] axisFirst(Node t, int axis, String what) {
        int a = resolve(axis, t.rank(), "vmap: in axis " + axis + " of " + what);
        int[] perm = new int[t.rank()];
        perm[0] = a;
        for (int i = 0, k = 1; i < t.rank(); i++) {
            if (i != a) {
                perm[k++] = i;
            }
        }
        return perm;
    }

    /** The permutation that moves the leading batch axis of b to {@code axis}. */
    private static int[] axisTo(Node b, int axis) {
        int a = resolve(axis, b.rank(), "vmap: out axis " + axis + " of the result " + b.describe());
        int[] perm = new int[b.rank()];
        for (int i = 0, k = 1; i < b.rank(); i++) {
            perm[i] = i == a ? 0 : k++;
        }
        return perm;
    }

    private static int resolve(int axis, int rank, String what) {
        int a = axis < 0 ? axis + rank : axis;
        if (rank == 0 || a < 0 || a >= rank) {
            throw new AxisException(what + " is out of range for rank " + rank);
        }
        return a;
    }
}

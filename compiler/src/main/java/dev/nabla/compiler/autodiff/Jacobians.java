package dev.nabla.compiler.autodiff;

import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.core.Shape;
import dev.nabla.compiler.passes.DerivativeScope;
import java.util.List;
import java.util.Map;

/**
 * Whole Jacobians as one batched product, as JAX builds them: a vjp (or jvp) written for a
 * cotangent (or tangent) placeholder, then batched over the rows of an identity matrix. The
 * graph is that of one vjp with a batch axis, not one vjp per element of the output. Arguments
 * are checked by {@link Autodiff}.
 */
final class Jacobians {

    private Jacobians() {}

    /**
     * Reverse mode: jac[i][j] = d ys[i] / d xs[j], of shape ys[i].shape ++ xs[j].shape, from one
     * vjp per output batched over its elements.
     */
    static Node[][] reverse(List<Node> ys, List<Node> xs) {
        return DerivativeScope.run(() -> {
            Node[][] jac = new Node[ys.size()][xs.size()];
            for (int i = 0; i < ys.size(); i++) {
                Node y = ys.get(i);
                Node u = Placeholders.like(y, "cotangent of a Jacobian");
                List<Node> rows = ReverseMode.vjp(y, u, xs);
                List<Node> batched = Batching.vmap("jacobian", rows, Map.of(u, identity(y)));
                for (int j = 0; j < xs.size(); j++) {
                    jac[i][j] = reshape(batched.get(j), joined(y.shape(), xs.get(j).shape()));
                }
            }
            return jac;
        });
    }

    /**
     * Forward mode: the same Jacobian blocks from one jvp per variable batched over its elements
     * (cheaper when the outputs have more elements than the variables).
     */
    static Node[][] forward(List<Node> ys, List<Node> xs) {
        return DerivativeScope.run(() -> {
            Node[][] jac = new Node[ys.size()][xs.size()];
            for (int j = 0; j < xs.size(); j++) {
                Node x = xs.get(j);
                Node t = Placeholders.like(x, "tangent of a Jacobian");
                List<Node> columns = ForwardMode.jvp(ys, Map.of(x, t));
                List<Node> batched = Batching.vmap("jacobian", columns, Map.of(t, identity(x)));
                for (int i = 0; i < ys.size(); i++) {
                    Node c = batched.get(i);
                    // [n] ++ y.shape: the variable's axis moves behind the output's axes.
                    int[] perm = new int[c.rank()];
                    for (int a = 0; a < perm.length; a++) {
                        perm[a] = (a + 1) % perm.length;
                    }
                    jac[i][j] = reshape(permute(c, perm), joined(ys.get(i).shape(), x.shape()));
                }
            }
            return jac;
        });
    }

    /** Whether reverse mode builds the smaller batch: fewer output elements than variable elements. */
    static boolean reverseIsCheaper(List<Node> ys, List<Node> xs) {
        long out = ys.stream().mapToLong(y -> y.shape().size()).sum();
        long in = xs.stream().mapToLong(x -> x.shape().size()).sum();
        return out <= in;
    }

    /** Row r is the one-hot tensor of like's shape with a one at flat index r: [size] ++ like.shape. */
    private static Node identity(Node like) {
        int m = like.shape().size();
        return Ops.identity(like.table(), m, BatchRules.batched(m, like.shape()), like.dtype());
    }

    static Shape joined(Shape a, Shape b) {
        int[] dims = new int[a.rank() + b.rank()];
        System.arraycopy(a.dims(), 0, dims, 0, a.rank());
        System.arraycopy(b.dims(), 0, dims, a.rank(), b.rank());
        return new Shape(dims);
    }
}

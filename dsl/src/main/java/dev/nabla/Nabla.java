package dev.nabla;

import dev.nabla.compiler.NablaException.ShapeException;
import dev.nabla.compiler.autodiff.Autodiff;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Ops;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** d y / d x of shape y.shape ++ x.shape. */
    public static Tensor jacobian(Tensor y, Tensor x) {
        Graph g = y.graph();
        return g.wrap(Autodiff.jacobian(g.unwrap("jacobian", y), g.unwrap("jacobian", x)));
    }

    /** Second derivatives of a scalar f, of shape x.shape ++ x.shape. */
    public static Tensor hessian(Tensor f, Tensor x) {
        Graph g = f.graph();
        return g.wrap(Autodiff.hessian(g.unwrap("hessian", f), g.unwrap("hessian", x)));
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
}

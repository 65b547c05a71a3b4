package dev.nabla.compiler.autodiff;

import dev.nabla.core.JacobianMode;
import static dev.nabla.compiler.ir.Ops.*;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.ShapeException;
import dev.nabla.compiler.ir.Node;
import dev.nabla.core.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Derivatives as graph-to-graph transformations. Every result is an ordinary node of the same
 * graph, built from the public ops, so any of these can be applied again: derivatives to any
 * order.
 *
 * <p>The derivative with respect to a variable the output does not depend on is zero. Only
 * inputs and parameters of the output's graph can be differentiated against.
 */
public final class Autodiff {
    private Autodiff() {}

    /** d y / d x for each x, where y is a scalar (one element). */
    public static List<Node> grad(Node y, List<Node> wrt) {
        return grad("grad", y, wrt);
    }

    /** grad, with errors naming {@code op}: the call the user made. */
    private static List<Node> grad(String op, Node y, List<Node> wrt) {
        if (y.shape().size() != 1) {
            throw new ShapeException(op + ": the output must be a scalar (one element), got " + y.describe()
                    + "; reduce it first (sum, mean) or use vjp with an explicit cotangent");
        }
        requireFloating(op, y);
        checkVariables(op, y, wrt);
        return ReverseMode.vjp(y, onesLike(y), wrt);
    }

    /** Vector-Jacobian product: the cotangent of each x, given the cotangent of y. */
    public static List<Node> vjp(Node y, Node cotangent, List<Node> wrt) {
        checkVariables("vjp", y, wrt);
        if (cotangent.table() != y.table()) {
            throw new GraphException("vjp: the cotangent " + cotangent.describe() + " belongs to another graph than "
                    + y.describe());
        }
        if (!cotangent.shape().equals(y.shape()) || cotangent.dtype() != y.dtype()) {
            throw new ShapeException("vjp: the cotangent " + cotangent.describe() + " must have the output's shape"
                    + " and dtype " + y.dtype() + y.shape());
        }
        return ReverseMode.vjp(y, cotangent, wrt);
    }

    /** Jacobian-vector product: the tangent of each output, given tangents of some variables. */
    public static List<Node> jvp(List<Node> outputs, Map<Node, Node> tangents) {
        if (outputs.isEmpty()) {
            throw new NablaException("jvp: needs at least one output");
        }
        for (Map.Entry<Node, Node> e : tangents.entrySet()) {
            checkVariables("jvp", outputs.get(0), List.of(e.getKey()));
            Node x = e.getKey();
            Node t = e.getValue();
            if (t.table() != x.table()) {
                throw new GraphException("jvp: the tangent " + t.describe() + " of " + x.describe()
                        + " belongs to another graph");
            }
            if (!t.shape().equals(x.shape()) || t.dtype() != x.dtype()) {
                throw new ShapeException("jvp: the tangent " + t.describe() + " of " + x.describe()
                        + " must have its shape and dtype");
            }
        }
        return ForwardMode.jvp(outputs, new LinkedHashMap<>(tangents));
    }

    /** The Jacobian of y with respect to x, of shape y.shape ++ x.shape, chosen by shape. */
    public static Node jacobian(Node y, Node x) {
        return jacobian(List.of(y), List.of(x), JacobianMode.AUTO)[0][0];
    }

    /**
     * Every block d ys[i] / d xs[j], of shape ys[i].shape ++ xs[j].shape, as one batched vjp per
     * output (reverse) or one batched jvp per variable (forward).
     */
    public static Node[][] jacobian(List<Node> ys, List<Node> xs, JacobianMode mode) {
        return jacobian("jacobian", ys, xs, mode);
    }

    private static Node[][] jacobian(String op, List<Node> ys, List<Node> xs, JacobianMode mode) {
        if (ys.isEmpty()) {
            throw new NablaException(op + ": needs at least one output");
        }
        for (Node y : ys) {
            checkVariables(op, y, xs);
            requireFloating(op, y);
            for (Node x : xs) {
                // Checked before anything is built: the batch holds one row per element.
                long elements = (long) y.shape().size() * x.shape().size();
                if (elements > Integer.MAX_VALUE) {
                    throw new ShapeException(op + ": the Jacobian of " + y.describe() + " with respect to "
                            + x.describe() + " would have " + elements + " elements, more than 2^31-1");
                }
            }
        }
        boolean reverse = switch (mode) {
            case REVERSE -> true;
            case FORWARD -> false;
            case AUTO -> Jacobians.reverseIsCheaper(ys, xs);
        };
        if (ys.stream().anyMatch(y -> y.shape().size() == 0) || xs.stream().anyMatch(x -> x.shape().size() == 0)) {
            // An empty batch has no rows to stack: the blocks are empty zeros (of the variable's dtype).
            Node[][] empty = new Node[ys.size()][xs.size()];
            for (int i = 0; i < ys.size(); i++) {
                for (int j = 0; j < xs.size(); j++) {
                    empty[i][j] = fill(ys.get(i).table(), 0, Jacobians.joined(ys.get(i).shape(), xs.get(j).shape()),
                            xs.get(j).dtype());
                }
            }
            return empty;
        }
        return reverse ? Jacobians.reverse(ys, xs) : Jacobians.forward(ys, xs);
    }

    /** The Hessian of a scalar f with respect to x, of shape x.shape ++ x.shape. */
    public static Node hessian(Node f, Node x) {
        return hessian(f, List.of(x))[0][0];
    }

    /**
     * Every block d2 f / d xs[i] d xs[j] of a scalar f, of shape xs[i].shape ++ xs[j].shape:
     * forward mode over reverse mode, one batched jvp of the gradient per variable.
     */
    public static Node[][] hessian(Node f, List<Node> xs) {
        List<Node> gradient = grad("hessian", f, xs);
        return jacobian("hessian", gradient, xs, JacobianMode.FORWARD);
    }

    /** Hessian-vector product H(f, x)·v, by forward mode over reverse mode. */
    public static Node hvp(Node f, Node x, Node v) {
        Node g = grad("hvp", f, List.of(x)).get(0);
        return jvp(List.of(g), Map.of(x, v)).get(0);
    }

    /**
     * The most Taylor coefficients {@link #taylor} and {@link #derivatives} build: k! is finite in
     * f64 up to k = 170, and the graphs grow as the square of the order.
     */
    public static final int MAX_TAYLOR_ORDER = 170;

    /**
     * Taylor mode: for each output y, the coefficients y_0..y_order of
     * y(x + t·direction) = Σ y_k t^k, where y_0 is y itself and k!·y_k is the k-th derivative of y
     * along the direction. Truncated series are propagated through the graph (as
     * jax.experimental.jet does), so the result has O(order²) nodes per node of y's graph, where
     * nesting {@link #jvp} or {@link #grad} order times grows exponentially. The coefficients are
     * ordinary nodes: they can be compiled, evaluated and differentiated again.
     *
     * @param x an input or parameter (f32 or f64) of the outputs' graph
     * @param direction a tensor of x's shape and dtype, held fixed along the path
     * @param order 0 to {@link #MAX_TAYLOR_ORDER}
     */
    public static List<List<Node>> taylor(List<Node> outputs, Node x, Node direction, int order) {
        if (outputs.isEmpty()) {
            throw new NablaException("taylor: needs at least one output");
        }
        for (Node y : outputs) {
            checkTaylor("taylor", y, x, order);
        }
        if (direction.table() != x.table()) {
            throw new GraphException("taylor: the direction " + direction.describe() + " belongs to another graph than "
                    + x.describe());
        }
        if (!direction.shape().equals(x.shape())) {
            throw new ShapeException("taylor: the direction " + direction.describe() + " must have the shape "
                    + x.shape() + " of " + x.describe());
        }
        if (direction.dtype() != x.dtype()) {
            throw new NablaException.DTypeException("taylor: the direction " + direction.describe()
                    + " must have the dtype " + x.dtype() + " of " + x.describe() + "; cast it first");
        }
        return TaylorMode.coefficients(outputs, x, direction, order);
    }

    /**
     * The derivatives d^k y / dx^k for k = 0..order, elementwise for every element of y, with
     * respect to a scalar (one-element) variable x: k!·y_k of {@link #taylor} along the direction
     * 1. In f32 the coefficients of high orders can underflow before they are scaled by k!;
     * f64 keeps about 15 digits where the derivatives are of moderate size.
     */
    public static List<Node> derivatives(Node y, Node x, int order) {
        return derivatives("derivatives", y, x, order);
    }

    /** The n-th derivative d^n y / dx^n for a scalar x (see {@link #derivatives}). */
    public static Node derivative(Node y, Node x, int n) {
        List<Node> all = derivatives("derivative", y, x, n);
        return all.get(all.size() - 1);
    }

    private static List<Node> derivatives(String op, Node y, Node x, int order) {
        checkTaylor(op, y, x, order);
        if (x.shape().size() != 1) {
            throw new ShapeException(op + ": x must be a scalar (one element), got " + x.describe()
                    + "; for a tensor x take the series along a direction with taylor(y, x, direction, order)");
        }
        return TaylorMode.derivatives(y, x, order);
    }

    private static void checkTaylor(String op, Node y, Node x, int order) {
        if (order < 0 || order > MAX_TAYLOR_ORDER) {
            throw new NablaException(op + ": the order must be between 0 and " + MAX_TAYLOR_ORDER + ", got " + order);
        }
        checkVariables(op, y, List.of(x));
        requireFloating(op, y);
    }

    private static void checkVariables(String op, Node y, List<Node> wrt) {
        if (wrt.isEmpty()) {
            throw new NablaException(op + ": name at least one input or parameter to differentiate with respect to");
        }
        for (Node x : wrt) {
            if (x.table() != y.table()) {
                throw new GraphException(op + ": " + x.describe() + " belongs to another graph than " + y.describe());
            }
            if (!x.isVariable()) {
                throw new GraphException(op + ": can only differentiate with respect to an input or parameter of"
                        + " the graph, but " + x.describe() + " is computed by " + x.opName()
                        + "; declare it with input(...) or parameter(...)");
            }
            if (!x.dtype().isFloating()) {
                throw new NablaException.DTypeException(op + ": cannot differentiate with respect to " + x.describe()
                        + ": only f32 and f64 variables have derivatives (an " + x.dtype()
                        + " value has no neighbourhood to vary in)");
            }
        }
    }

    private static void requireFloating(String op, Node y) {
        if (!y.dtype().isFloating()) {
            throw new NablaException.DTypeException(op + ": the output " + y.describe() + " is not floating;"
                    + " only f32 and f64 values have derivatives");
        }
    }
}

package dev.nabla.runtime;

import dev.nabla.core.NDArray;
import dev.nabla.core.Device;

import dev.nabla.core.NablaException.AnomalyException;
import dev.nabla.compiler.Program;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Op;
import dev.nabla.runtime.reference.ReferenceInterpreter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Anomaly detection: a run whose results hold NaN or infinity is an error that names where the
 * value first appears. Cheap while all is well (one scan of the results); on an anomaly the
 * program is evaluated again by the reference interpreter, node by node, and the trail is
 * followed back from the bad result, through the inputs that carry the bad elements, to the
 * first node that made one from finite inputs (or to the parameter, input or constant that held
 * one).
 */
final class Anomalies {
    private Anomalies() {}

    /**
     * Throws if a result holds NaN or infinity.
     *
     * @param results one per {@link Program#results()}, null where not to check
     */
    static void check(String op, Device device, Program program, List<NDArray> results, List<NDArray> inputs,
                      List<NDArray> parameters) {
        for (int r = 0; r < results.size(); r++) {
            NDArray value = results.get(r);
            int at = value == null ? -1 : firstNonFinite(value);
            if (at >= 0) {
                throw locate(op, device, program, r, value.getDouble(at), at, inputs, parameters);
            }
        }
    }

    private static int firstNonFinite(NDArray value) {
        for (int i = 0; i < value.size(); i++) {
            if (!Double.isFinite(value.getDouble(i))) {
                return i;
            }
        }
        return -1;
    }

    private static AnomalyException locate(String op, Device device, Program program, int result, double bad,
                                           int at, List<NDArray> inputs, List<NDArray> parameters) {
        Node start = program.results().get(result);
        String head = op + ": " + (result < program.outputs().size() ? "output " + result : "the update of "
                + program.updates().get(result - program.outputs().size()).parameter().describe()) + ", "
                + start.describe() + ", holds " + bad + " at flat index " + at;
        Map<Node, double[]> values = ReferenceInterpreter.values(program, inputs, parameters);
        boolean[] marked = nonFinite(values.get(start));
        if (!any(marked)) {
            return new AnomalyException(head + " on " + device + ", but every value is finite in the reference"
                    + " interpreter: the backend's rounding near the edge of overflow differs", null);
        }
        Node n = start;
        // The custom functions whose primal the trail entered, outermost first.
        List<Node> within = new ArrayList<>();
        while (true) {
            Node next = null;
            boolean[] nextMarked = null;
            for (int k = 0; k < n.inputs().size() && next == null; k++) {
                boolean[] m = carried(n, k, marked, values);
                if (any(m)) {
                    next = n.input(k);
                    nextMarked = m;
                }
            }
            if (next == null) {
                return new AnomalyException(head + ". " + origin(n, marked, values) + inside(within), n.origin());
            }
            if (n.op() instanceof Op.Custom) {
                within.add(n);
            }
            n = next;
            marked = nextMarked;
        }
    }

    /** Names the custom functions the bad value was made in, innermost first. */
    private static String inside(List<Node> within) {
        StringBuilder s = new StringBuilder();
        for (int i = within.size() - 1; i >= 0; i--) {
            Node c = within.get(i);
            s.append(s.isEmpty() ? ". That is inside" : ", inside").append(" the primal of custom function ")
                    .append(c.opName()).append(" -> ").append(c.describe());
            if (c.origin() != null) {
                s.append(" (applied at ").append(c.origin()).append(')');
            }
        }
        return s.toString();
    }

    /**
     * The bad elements of n's input k that can have made n's bad elements: for an elementwise op
     * those at the same positions (for where, only on the side it selected there); otherwise any.
     */
    private static boolean[] carried(Node n, int k, boolean[] marked, Map<Node, double[]> values) {
        Node in = n.input(k);
        double[] v = values.get(in);
        if (n.op() instanceof Op.Custom && k > 0) {
            // A custom node's value is its primal's (input 0); its arguments only feed its rules.
            return new boolean[v.length];
        }
        boolean sameIndex = switch (n.op()) {
            case Op.Reshape r -> true;
            case Op.Unary u -> true;
            case Op.Binary b -> true;
            case Op.Fma f -> true;
            case Op.Where w -> true;
            case Op.Cast c -> true;
            case Op.StopGradient s -> true;
            case Op.Custom c -> true;
            default -> false;
        };
        if (!sameIndex) {
            return nonFinite(v);
        }
        boolean[] m = new boolean[v.length];
        double[] cond = n.op() instanceof Op.Where ? values.get(n.input(0)) : null;
        for (int i = 0; i < v.length; i++) {
            boolean selected = cond == null || (k == 1 ? cond[i] != 0 : k == 2 && cond[i] == 0);
            m[i] = marked[i] && selected && !Double.isFinite(v[i]);
        }
        return m;
    }

    /** Where the bad value came from: a node that made it from finite inputs, or a leaf that held it. */
    private static String origin(Node n, boolean[] marked, Map<Node, double[]> values) {
        int i = first(marked);
        double value = values.get(n)[i];
        String where = n.origin() != null ? "; built at " + n.origin() : " (record where nodes are built with"
                + " GraphOptions.withAnomalyDetection when creating the graph)";
        return switch (n.op()) {
            case Op.Parameter p -> "It comes from parameter " + n.describe() + ", which holds " + value
                    + " at flat index " + i;
            case Op.Input in -> "It comes from input " + n.describe() + ", fed " + value + " at flat index " + i;
            case Op.Constant c -> "It comes from the constant " + n.describe() + ", which holds " + value + where;
            default -> {
                StringBuilder operands = new StringBuilder();
                for (Node in : n.inputs()) {
                    double[] v = values.get(in);
                    operands.append(operands.isEmpty() ? "" : ", ").append(in.describe());
                    if (v.length == values.get(n).length) {
                        operands.append(" = ").append(v[i]);
                    }
                }
                yield value + " first appears in " + n.opName() + "(" + operands + ") -> " + n.describe()
                        + " at flat index " + i + ", from finite operands" + where;
            }
        };
    }

    private static boolean[] nonFinite(double[] v) {
        boolean[] m = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            m[i] = !Double.isFinite(v[i]);
        }
        return m;
    }

    private static boolean any(boolean[] m) {
        return first(m) >= 0;
    }

    private static int first(boolean[] m) {
        for (int i = 0; i < m.length; i++) {
            if (m[i]) {
                return i;
            }
        }
        return -1;
    }
}

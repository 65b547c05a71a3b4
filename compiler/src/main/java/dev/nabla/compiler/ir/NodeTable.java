package dev.nabla.compiler.ir;

import dev.nabla.compiler.NablaException.GraphException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The store behind one graph: it interns nodes so that structurally equal nodes are one node
 * (common-subexpression elimination for free). Append-only: nodes are never changed or removed,
 * so passes build new nodes beside the old ones and old graphs stay valid.
 */
public final class NodeTable {
    private record Key(Op op, List<Integer> inputIds, Shape shape, DType dtype) {}

    private final Map<Key, Node> interned = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> variables = new LinkedHashMap<>();

    /** The unique node for this op over these inputs; creates it on first use. */
    public synchronized Node intern(Op op, List<Node> inputs, Shape shape, DType dtype) {
        List<Integer> ids = new ArrayList<>(inputs.size());
        for (Node in : inputs) {
            if (in.table() != this) {
                throw new GraphException(op.getClass().getSimpleName().toLowerCase()
                        + ": operand " + in.describe() + " belongs to another graph; build all tensors of "
                        + "one computation in the same Graph");
            }
            ids.add(in.id());
        }
        Key key = new Key(op, List.copyOf(ids), shape, dtype);
        Node existing = interned.get(key);
        if (existing != null) {
            return existing;
        }
        Node node = new Node(this, nodes.size(), op, List.copyOf(inputs), shape, dtype);
        nodes.add(node);
        interned.put(key, node);
        return node;
    }

    /** Declares an input or parameter; each name may be declared once per graph. */
    public synchronized Node declare(Op op, Shape shape, DType dtype) {
        String name = switch (op) {
            case Op.Input in -> in.name();
            case Op.Parameter p -> p.name();
            default -> throw new IllegalArgumentException("not a variable op: " + op);
        };
        if (name == null || name.isBlank()) {
            throw new GraphException("inputs and parameters need a non-blank name");
        }
        Node previous = variables.get(name);
        if (previous != null) {
            throw new GraphException("the name '" + name + "' is already used by " + previous.describe()
                    + " in this graph; give each input and parameter its own name");
        }
        Node node = intern(op, List.of(), shape, dtype);
        variables.put(name, node);
        return node;
    }

    /** Inputs and parameters in declaration order. */
    public synchronized Map<String, Node> variables() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    }

    public synchronized int size() {
        return nodes.size();
    }
}

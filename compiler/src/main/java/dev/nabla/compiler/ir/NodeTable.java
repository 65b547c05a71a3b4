package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import dev.nabla.core.NablaException.GraphException;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The store behind one graph: it interns nodes so that structurally equal nodes are one node
 * (common-subexpression elimination for free). Nodes are never changed, so passes build new
 * nodes beside the old ones and old graphs stay valid.
 *
 * <p>The table holds its nodes weakly: a node lives as long as something outside the table
 * reaches it (a tensor, a program, a trainer). Interning stays exact, since a node can only be
 * compared with nodes that are alive, and ids stay a topological order, since they only grow.
 * So a graph on which many trainers or derivatives are built and dropped keeps no trace of them.
 */
public final class NodeTable {
    private record Key(Op op, List<Integer> inputIds, Shape shape, DType dtype) {}

    /** A weak reference that remembers its key, so that cleared entries can be removed. */
    private static final class Entry extends WeakReference<Node> {
        final Object key;

        Entry(Node node, Object key, ReferenceQueue<Node> queue) {
            super(node, queue);
            this.key = key;
        }
    }

    private final Map<Key, Entry> interned = new HashMap<>();
    private final Map<String, Entry> variables = new LinkedHashMap<>();
    private final ReferenceQueue<Node> cleared = new ReferenceQueue<>();
    private final Arithmetic arithmetic;
    /** Where the user is building, for each new node: null unless origins are recorded. */
    private final Supplier<String> origins;
    private int nextId;
    private boolean closed;

    /** A table with IEEE-faithful arithmetic that records no origins. */
    public NodeTable() {
        this(Arithmetic.IEEE, null);
    }

    /**
     * @param origins called once per new node to name where the user built it (a stack frame), for
     *                anomaly reports; null records nothing
     */
    public NodeTable(Arithmetic arithmetic, Supplier<String> origins) {
        this.arithmetic = arithmetic;
        this.origins = origins;
    }

    /** The id the next new node will get: nodes built from now on have this id or a larger one. */
    public synchronized int nextId() {
        return nextId;
    }

    /** The rewrites the simplifier may make on this table's nodes. */
    public Arithmetic arithmetic() {
        return arithmetic;
    }

    /** The unique node for this op over these inputs; creates it on first use. */
    public synchronized Node intern(Op op, List<Node> inputs, Shape shape, DType dtype) {
        requireOpen();
        List<Integer> ids = new ArrayList<>(inputs.size());
        for (Node in : inputs) {
            if (in.table() != this) {
                throw new GraphException(op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
                        + ": operand " + in.describe() + " belongs to another graph; build all tensors of "
                        + "one computation in the same Graph");
            }
            ids.add(in.id());
        }
        Key key = new Key(op, List.copyOf(ids), shape, dtype);
        Entry existing = interned.get(key);
        Node node = existing != null ? existing.get() : null;
        if (node != null) {
            return node;
        }
        purge();
        node = new Node(this, nextId++, op, List.copyOf(inputs), shape, dtype, origins == null ? null : origins.get());
        interned.put(key, new Entry(node, key, cleared));
        return node;
    }

    /** Declares an input or parameter; each name may be declared once per graph. */
    public synchronized Node declare(Op op, Shape shape, DType dtype) {
        requireOpen();
        String name = switch (op) {
            case Op.Input in -> in.name();
            case Op.Parameter p -> p.name();
            default -> throw new IllegalArgumentException("not a variable op: " + op);
        };
        if (name == null || name.isBlank()) {
            throw new GraphException("inputs and parameters need a non-blank name");
        }
        Entry previous = variables.get(name);
        Node alive = previous != null ? previous.get() : null;
        if (alive != null) {
            throw new GraphException("the name '" + name + "' is already used by " + alive.describe()
                    + " in this graph; give each input and parameter its own name");
        }
        Node node = intern(op, List.of(), shape, dtype);
        variables.put(name, new Entry(node, name, cleared));
        return node;
    }

    /** Inputs and parameters still in use, in declaration order. */
    public synchronized Map<String, Node> variables() {
        Map<String, Node> alive = new LinkedHashMap<>();
        variables.forEach((name, entry) -> {
            Node n = entry.get();
            if (n != null) {
                alive.put(name, n);
            }
        });
        return Collections.unmodifiableMap(alive);
    }

    /** How many nodes are alive: built and still reachable from outside the table. */
    public synchronized int size() {
        purge();
        return interned.size();
    }

    /** After closing, building nodes is an error. */
    public synchronized void close() {
        closed = true;
        interned.clear();
        variables.clear();
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    private void requireOpen() {
        if (closed) {
            throw new GraphException("this graph is closed; build and run on a new Graph");
        }
    }

    /** Drops the entries of nodes that nothing reaches any more. */
    private void purge() {
        for (var ref = cleared.poll(); ref != null; ref = cleared.poll()) {
            Entry e = (Entry) ref;
            if (e.key instanceof Key k) {
                interned.remove(k, e);
            } else {
                variables.remove((String) e.key, e);
            }
        }
    }
}

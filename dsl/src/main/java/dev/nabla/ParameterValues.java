package dev.nabla;

import dev.nabla.compiler.ir.Node;
import dev.nabla.core.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;

/**
 * The current value of each parameter of a graph, as a PyTorch user thinks of it: the initial
 * value until something trains or sets it, then the trained one. Compiled graphs keep their own
 * copies (on their device) and run on those; this class remembers which compiled graph updated
 * a parameter last, reads the value there when asked, and takes it back when that compiled graph
 * closes, so a new {@code compile()} (or a {@link dev.nabla.nn.Model}'s save) starts from what
 * was trained.
 *
 * <p>Keys are weak: a parameter's value goes with the last reference to its node.
 */
final class ParameterValues {
    /**
     * The value each parameter had when last stored: initial, set, or taken back from a closed run.
     * Its own lock, which calls nothing while held: sessions read it while holding theirs.
     */
    private final Map<Node, NDArray> stored = Collections.synchronizedMap(new WeakHashMap<>());
    /** Where the latest value lives while an open compiled graph holds it (guarded by this). */
    private final Map<Node, CompiledGraph> latest = new WeakHashMap<>();

    void initial(Node p, NDArray value) {
        stored.put(p, value);
    }

    /** Whether p is a parameter of this graph with a value. */
    boolean has(Node p) {
        return stored.containsKey(p);
    }

    /** The current value of p, a host copy; null if p has none here. */
    synchronized NDArray current(Node p) {
        CompiledGraph holder = latest.get(p);
        if (holder != null) {
            return holder.valueOf(p);
        }
        NDArray v = stored.get(p);
        return v == null ? null : v.copy();
    }

    /**
     * The values a new compiled graph starts from: those open compiled graphs hold are copied
     * now; the others (parameters declared later too) are looked up when first used.
     */
    synchronized Function<Node, NDArray> startingValues() {
        Map<Node, NDArray> held = new HashMap<>();
        latest.forEach((p, holder) -> held.put(p, holder.valueOf(p)));
        return p -> {
            NDArray v = held.get(p);
            return v != null ? v : stored.get(p);
        };
    }

    /** The stored values, for checking them all at once. */
    Map<Node, NDArray> allStored() {
        synchronized (stored) {
            return new HashMap<>(stored);
        }
    }

    /** From now on the latest values of {@code params} are those {@code holder} computes. */
    synchronized void updatedBy(CompiledGraph holder, List<Node> params) {
        for (Node p : params) {
            latest.put(p, holder);
        }
    }

    /**
     * p's value is {@code value} everywhere: stored here and set in every open compiled graph. The
     * compiled graph that updated p last (open, or it would have been taken back) stays where the
     * latest value lives: its prepared runs announced their updates once, and go on stepping p.
     */
    void set(Node p, NDArray value, List<CompiledGraph> open) {
        synchronized (this) {
            stored.put(p, value.copy());
        }
        for (CompiledGraph c : open) {
            c.setValueOf(p, value);
        }
    }

    /** {@code holder} is closing: keep the values it holds as the latest ones. */
    synchronized void takeBack(CompiledGraph holder) {
        List<Node> held = new ArrayList<>();
        latest.forEach((p, h) -> {
            if (h == holder) {
                held.add(p);
            }
        });
        for (Node p : held) {
            stored.put(p, holder.valueOf(p));
            latest.remove(p);
        }
    }

    synchronized void clear() {
        stored.clear();
        latest.clear();
    }
}

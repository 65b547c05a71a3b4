package dev.nabla;

import dev.nabla.core.NablaException.GraphException;
import dev.nabla.compiler.ir.Loops;
import dev.nabla.compiler.ir.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Loops in a graph, behind {@link Nabla}'s scan, fori and whileLoop: tensors in, nodes out. */
final class ControlFlow {
    private ControlFlow() {}

    static Scan.Result scan(String op, List<Tensor> inits, List<Tensor> xs, int length, boolean reverse,
                            Scan.Body body) {
        Graph g = graphOf(op, inits, xs);
        List<Node> out = Loops.scan(op, g.table(), g.unwrapAll(op, inits), g.unwrapAll(op, xs), length, reverse,
                (index, carries, slices) -> {
                    Scan.Step step = body.apply(g.wrap(index), g.wrapAll(carries), g.wrapAll(slices));
                    if (step == null) {
                        throw new GraphException(op + ": the body returned null");
                    }
                    return new Loops.Step(g.unwrapAll(op, step.carries()), g.unwrapAll(op, step.ys()));
                });
        List<Tensor> all = g.wrapAll(out);
        return new Scan.Result(all.subList(0, inits.size()), all.subList(inits.size(), all.size()));
    }

    static List<Tensor> whileLoop(String op, List<Tensor> inits, Function<List<Tensor>, Tensor> condition,
                                  Function<List<Tensor>, List<Tensor>> body, int maxSteps) {
        Graph g = graphOf(op, inits, List.of());
        List<Node> out = Loops.whileLoop(op, g.table(), g.unwrapAll(op, inits),
                carries -> {
                    Tensor c = condition.apply(g.wrapAll(carries));
                    return c == null ? null : g.unwrap(op, c);
                },
                carries -> {
                    List<Tensor> next = body.apply(g.wrapAll(carries));
                    return next == null ? null : g.unwrapAll(op, next);
                }, maxSteps);
        return g.wrapAll(out);
    }

    static List<Tensor> switchOf(String op, Tensor index, List<java.util.function.Supplier<List<Tensor>>> branches) {
        if (index == null || branches == null) {
            throw new GraphException(op + ": the " + (index == null ? "index" : "list of branches") + " is null");
        }
        Graph g = index.graph();
        List<java.util.function.Supplier<List<Node>>> built = new ArrayList<>();
        for (var branch : branches) {
            if (branch == null) {
                throw new GraphException(op + ": a branch is null");
            }
            built.add(() -> {
                List<Tensor> r = branch.get();
                return r == null ? null : g.unwrapAll(op, r);
            });
        }
        return g.wrapAll(Loops.cond(op, g.unwrap(op, index), built));
    }

    private static Graph graphOf(String op, List<Tensor> inits, List<Tensor> xs) {
        if (inits == null || xs == null) {
            throw new GraphException(op + ": the list of " + (inits == null ? "carries" : "stacked inputs") + " is null");
        }
        List<Tensor> all = new ArrayList<>(inits);
        all.addAll(xs);
        if (all.isEmpty()) {
            throw new GraphException(op + ": needs at least one carry or stacked input");
        }
        for (Tensor t : all) {
            if (t == null) {
                throw new GraphException(op + ": a carry or stacked input is null");
            }
        }
        return all.get(0).graph();
    }
}

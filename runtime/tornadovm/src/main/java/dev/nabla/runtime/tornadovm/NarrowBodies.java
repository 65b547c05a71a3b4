package dev.nabla.runtime.tornadovm;

import dev.nabla.compiler.lower.Expr;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/** Reading and cutting fused bodies: which buffers they load, and parts split off when too wide. */
final class NarrowBodies {
    private NarrowBodies() {}

    /** The arrays a body reads, named by {@code arrayOf} from each load's buffer. */
    static Set<String> arrays(Expr e, IntFunction<String> arrayOf) {
        Set<String> into = new LinkedHashSet<>();
        buffers(e).forEach(b -> into.add(arrayOf.apply(b)));
        return into;
    }

    /** The buffer of every load in a body, in tree order, repeats included. */
    static List<Integer> buffers(Expr e) {
        List<Integer> into = new ArrayList<>();
        collect(e, into);
        return into;
    }

    private static void collect(Expr e, List<Integer> into) {
        switch (e) {
            case Expr.Load l -> into.add(l.view().buffer());
            case Expr.Const c -> { }
            case Expr.Unary u -> collect(u.x(), into);
            case Expr.Binary b -> {
                collect(b.a(), into);
                collect(b.b(), into);
            }
            case Expr.Fma f -> {
                collect(f.a(), into);
                collect(f.b(), into);
                collect(f.c(), into);
            }
            case Expr.Compare c -> {
                collect(c.a(), into);
                collect(c.b(), into);
            }
            case Expr.Where w -> {
                collect(w.cond(), into);
                collect(w.a(), into);
                collect(w.b(), into);
            }
        }
    }

    /** The proper subtree reading the most arrays, but at most {@code limit} and at least two. */
    static Expr widestPart(Expr root, int limit, IntFunction<String> arrayOf) {
        Expr[] best = {null};
        int[] bestCount = {1};
        visit(root, root, limit, arrayOf, best, bestCount);
        if (best[0] == null) {
            throw new IllegalStateException("tornadovm: no part of a fused body to split off");
        }
        return best[0];
    }

    private static void visit(Expr e, Expr root, int limit, IntFunction<String> arrayOf, Expr[] best, int[] bestCount) {
        int count = arrays(e, arrayOf).size();
        if (e != root && count <= limit && count > bestCount[0]) {
            best[0] = e;
            bestCount[0] = count;
        }
        switch (e) {
            case Expr.Load l -> { }
            case Expr.Const c -> { }
            case Expr.Unary u -> visit(u.x(), root, limit, arrayOf, best, bestCount);
            case Expr.Binary b -> {
                visit(b.a(), root, limit, arrayOf, best, bestCount);
                visit(b.b(), root, limit, arrayOf, best, bestCount);
            }
            case Expr.Fma f -> {
                visit(f.a(), root, limit, arrayOf, best, bestCount);
                visit(f.b(), root, limit, arrayOf, best, bestCount);
                visit(f.c(), root, limit, arrayOf, best, bestCount);
            }
            case Expr.Compare c -> {
                visit(c.a(), root, limit, arrayOf, best, bestCount);
                visit(c.b(), root, limit, arrayOf, best, bestCount);
            }
            case Expr.Where w -> {
                visit(w.cond(), root, limit, arrayOf, best, bestCount);
                visit(w.a(), root, limit, arrayOf, best, bestCount);
                visit(w.b(), root, limit, arrayOf, best, bestCount);
            }
        }
    }

    /** {@code e} with the very node {@code target} (not an equal one) replaced by {@code with}. */
    static Expr replace(Expr e, Expr target, Expr with) {
        if (e == target) {
            return with;
        }
        return switch (e) {
            case Expr.Load l -> l;
            case Expr.Const c -> c;
            case Expr.Unary u -> new Expr.Unary(u.fn(), replace(u.x(), target, with));
            case Expr.Binary b -> new Expr.Binary(b.fn(), replace(b.a(), target, with), replace(b.b(), target, with));
            case Expr.Fma f -> new Expr.Fma(replace(f.a(), target, with), replace(f.b(), target, with),
                    replace(f.c(), target, with));
            case Expr.Compare c -> new Expr.Compare(c.fn(), replace(c.a(), target, with), replace(c.b(), target, with));
            case Expr.Where w -> new Expr.Where(replace(w.cond(), target, with), replace(w.a(), target, with),
                    replace(w.b(), target, with));
        };
    }
}

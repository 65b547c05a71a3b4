package dev.nabla.runtime.jvm;

import dev.nabla.compiler.lower.Expr;
import dev.nabla.compiler.lower.Step;
import dev.nabla.compiler.lower.View;
import java.util.ArrayList;
import java.util.List;

/**
 * An elementwise step's output seen as rows along which every load is contiguous or constant: a
 * bias broadcast over [N, C, H, W] (strides [0, 1, 0, 0]) is one value per row of H·W outputs,
 * the maximum of a pooling window broadcast over its positions a contiguous row per window
 * position. Axes are merged wherever every view allows, so a row is as long as the layouts
 * permit, and the axes before it become as few outer axes as they can.
 *
 * @param views        the distinct views the body loads, in order of first appearance
 * @param rowLength    outputs per row
 * @param rows         the number of rows
 * @param outerDims    sizes of the outer axes, outermost first (their product is {@code rows})
 * @param outerStrides per view, its stride along each outer axis
 * @param innerStrides per view, 1 (contiguous along the row) or 0 (one value per row)
 */
record RowLayout(List<View> views, int rowLength, int rows, int[] outerDims, int[][] outerStrides,
                 int[] innerStrides) {

    /** Rows shorter than this stay on the chunk kernel: mostly masked vectors and per-row overhead. */
    static final int MIN_ROW_LENGTH = 8;

    /** The layout of the step's loads, or null where a load is strided within every row it could have. */
    static RowLayout of(Step.Elementwise step) {
        List<View> views = new ArrayList<>();
        collect(step.body(), views);
        int rank = step.shape().rank();
        int[] dims = step.shape().dims();
        int n = views.size();
        // Groups of merged axes, innermost first: each a size and, per view, a stride.
        List<int[]> groupStrides = new ArrayList<>();
        List<Integer> groupDims = new ArrayList<>();
        for (int axis = rank - 1; axis >= 0; axis--) {
            if (dims[axis] == 1) {
                continue;
            }
            int[] strides = new int[n];
            for (int j = 0; j < n; j++) {
                strides[j] = views.get(j).stride(axis);
            }
            int last = groupDims.size() - 1;
            if (last >= 0 && mergeable(strides, groupDims.get(last), groupStrides.get(last))) {
                groupDims.set(last, groupDims.get(last) * dims[axis]);
            } else {
                groupDims.add(dims[axis]);
                groupStrides.add(strides);
            }
        }
        if (groupDims.isEmpty()) {
            return null;
        }
        int[] inner = groupStrides.get(0);
        for (int s : inner) {
            if (s != 0 && s != 1) {
                return null;
            }
        }
        int rowLength = groupDims.get(0);
        int outer = groupDims.size() - 1;
        int[] outerDims = new int[outer];
        int[][] outerStrides = new int[n][outer];
        for (int g = 1; g <= outer; g++) {
            // Outermost first.
            outerDims[outer - g] = groupDims.get(g);
            for (int j = 0; j < n; j++) {
                outerStrides[j][outer - g] = groupStrides.get(g)[j];
            }
        }
        return new RowLayout(List.copyOf(views), rowLength, step.shape().size() / rowLength, outerDims, outerStrides,
                inner);
    }

    /** Whether an axis with these strides continues the group (of size {@code size}) inside it. */
    private static boolean mergeable(int[] strides, int size, int[] groupStrides) {
        for (int j = 0; j < strides.length; j++) {
            if (strides[j] != size * groupStrides[j]) {
                return false;
            }
        }
        return true;
    }

    private static void collect(Expr e, List<View> views) {
        switch (e) {
            case Expr.Load(View v) -> {
                if (!views.contains(v)) {
                    views.add(v);
                }
            }
            case Expr.Const c -> { }
            case Expr.Unary u -> collect(u.x(), views);
            case Expr.Binary b -> { collect(b.a(), views); collect(b.b(), views); }
            case Expr.Fma f -> { collect(f.a(), views); collect(f.b(), views); collect(f.c(), views); }
            case Expr.Compare c -> { collect(c.a(), views); collect(c.b(), views); }
            case Expr.Where w -> { collect(w.cond(), views); collect(w.a(), views); collect(w.b(), views); }
        }
    }

    /** The index of a view among {@link #views}. */
    int indexOf(View v) {
        return views.indexOf(v);
    }
}

package dev.nabla.compiler.lower;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * {@link View#reshape}, the no-copy reshape, against an explicit copy: for random strided views
 * (permuted, sliced with steps, broadcast, reshaped again) and random target shapes of the same
 * size, a non-null result must walk the same buffer elements in the same row-major order as the
 * source. Whether a no-copy view exists at all is decided independently by brute force (the
 * strides of such a view are forced by where the unit steps land), and the property checks that
 * reshape returns null only then (a needless copy would not be wrong, only slow, but the method
 * promises null only "when the layout does not allow it").
 */
class ViewReshapeTest {

    @Test
    void viewsAreValues() {
        View v = new View(2, Shape.of(2, 3), new int[] {1, 2}, 5);
        assertEquals(new View(2, Shape.of(2, 3), new int[] {1, 2}, 5), v);
        assertEquals(new View(2, Shape.of(2, 3), new int[] {1, 2}, 5).hashCode(), v.hashCode());
        assertNotEquals(new View(3, Shape.of(2, 3), new int[] {1, 2}, 5), v);
        assertNotEquals(new View(2, Shape.of(3, 2), new int[] {1, 2}, 5), v);
        assertNotEquals(new View(2, Shape.of(2, 3), new int[] {2, 1}, 5), v);
        assertNotEquals(new View(2, Shape.of(2, 3), new int[] {1, 2}, 4), v);
        assertNotEquals(v, "b2[2,3]");
        assertEquals("b2[2,3]{strides=[1, 2], offset=5}", v.toString());
        assertEquals("b4[2,3]", View.contiguous(4, Shape.of(2, 3)).toString());
        assertEquals("b4[2,3]{strides=[3, 1], offset=1}",
                new View(4, Shape.of(2, 3), new int[] {3, 1}, 1).toString());
        // One element is contiguous whatever its stride says.
        assertTrue(new View(0, Shape.of(1), new int[] {7}, 3).isContiguous());
        assertTrue(new View(0, Shape.of(1, 1), new int[] {0, 9}, 0).isContiguous());
        assertFalse(new View(0, Shape.of(2), new int[] {7}, 0).isContiguous());
    }

    /** Buffer elements of a view, in row-major order of its shape. */
    static int[] walk(View v) {
        Shape s = v.shape();
        int[] out = new int[s.size()];
        int[] index = new int[s.rank()];
        for (int i = 0; i < out.length; i++) {
            int at = v.offset();
            for (int d = 0; d < index.length; d++) {
                at += index[d] * v.stride(d);
            }
            out[i] = at;
            for (int d = index.length - 1; d >= 0 && ++index[d] == s.dim(d); d--) {
                index[d] = 0;
            }
        }
        return out;
    }

    /**
     * Whether some strided view of {@code to} walks exactly {@code elements}: the stride of each
     * axis of size above 1 can only be the distance from element 0 to the element one step along
     * that axis, so try those strides and compare.
     */
    static boolean noCopyViewExists(int[] elements, Shape to) {
        if (elements.length <= 1) {
            return true;
        }
        int[] strides = new int[to.rank()];
        int[] rowMajor = to.strides();
        for (int d = 0; d < to.rank(); d++) {
            strides[d] = to.dim(d) > 1 ? elements[rowMajor[d]] - elements[0] : 0;
        }
        return Arrays.equals(walk(new View(0, to, strides, elements[0])), elements);
    }

    /** A random strided view over one buffer, built by the operations lowering applies. */
    static View randomView(Random r) {
        int rank = 1 + r.nextInt(4);
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = 1 + r.nextInt(6);
        }
        View v = View.contiguous(0, new Shape(dims));
        int ops = r.nextInt(6);
        for (int k = 0; k < ops; k++) {
            Shape s = v.shape();
            switch (r.nextInt(4)) {
                case 0 -> { // permute
                    List<Integer> axes = new ArrayList<>();
                    for (int d = 0; d < s.rank(); d++) {
                        axes.add(d);
                    }
                    java.util.Collections.shuffle(axes, r);
                    v = v.permute(axes.stream().mapToInt(Integer::intValue).toArray());
                }
                case 1 -> { // slice with a start and a step on every axis
                    int[] starts = new int[s.rank()];
                    int[] steps = new int[s.rank()];
                    int[] to = new int[s.rank()];
                    for (int d = 0; d < s.rank(); d++) {
                        int n = s.dim(d);
                        starts[d] = r.nextInt(n);
                        steps[d] = 1 + r.nextInt(3);
                        int count = (n - starts[d] + steps[d] - 1) / steps[d];
                        to[d] = 1 + r.nextInt(count);
                    }
                    v = v.slice(starts, steps, new Shape(to));
                }
                case 2 -> { // broadcast the size-1 axes
                    int[] to = s.dims();
                    for (int d = 0; d < to.length; d++) {
                        if (to[d] == 1 && r.nextBoolean()) {
                            to[d] = 2 + r.nextInt(3);
                        }
                    }
                    v = v.broadcast(new Shape(to));
                }
                default -> { // a reshape that already worked
                    View w = v.reshape(randomTarget(r, s.size()));
                    if (w != null) {
                        v = w;
                    }
                }
            }
        }
        return v;
    }

    /** A random shape of {@code size} elements: a random factorization with size-1 axes mixed in. */
    static Shape randomTarget(Random r, int size) {
        List<Integer> factors = new ArrayList<>();
        int rest = size;
        for (int p = 2; p <= rest; p++) {
            while (rest % p == 0) {
                factors.add(p);
                rest /= p;
            }
        }
        java.util.Collections.shuffle(factors, r);
        List<Integer> dims = new ArrayList<>();
        int acc = 1;
        for (int f : factors) {
            acc *= f;
            if (r.nextInt(3) > 0) {
                dims.add(acc);
                acc = 1;
            }
        }
        if (acc > 1 || size == 0) {
            dims.add(size == 0 ? 0 : acc);
        }
        int ones = r.nextInt(3);
        for (int k = 0; k < ones; k++) {
            dims.add(r.nextInt(dims.size() + 1), 1);
        }
        return new Shape(dims.stream().mapToInt(Integer::intValue).toArray());
    }

    @net.jqwik.api.statistics.StatisticsReport(onFailureOnly = true)
    @Property(tries = 3000, seed = "20261127", edgeCases = EdgeCasesMode.NONE)
    void reshapeWalksTheSameElementsAsACopy(@ForAll long seed) {
        Random r = new Random(seed);
        View v = randomView(r);
        Shape to = randomTarget(r, v.shape().size());
        int[] elements = walk(v);
        View reshaped = v.reshape(to);
        boolean exists = noCopyViewExists(elements, to);
        if (reshaped != null) {
            assertEquals(to, reshaped.shape(), () -> v + " -> " + to);
            assertEquals(v.buffer(), reshaped.buffer());
            assertArrayEquals(elements, walk(reshaped), () -> "reshape of " + v + " to " + to + " gave " + reshaped);
        }
        if (v.isContiguous()) {
            assertNotNull(reshaped, () -> "a contiguous view " + v + " must reshape to " + to + " without a copy");
        }
        // reshape documents null only "when the layout does not allow it": it never copies needlessly.
        assertEquals(exists, reshaped != null, () -> "a no-copy view of " + v + " as " + to
                + (exists ? " exists but reshape returned null" : " does not exist"));
        Statistics.label("no-copy view").collect(reshaped != null ? "found" : "none");
        Statistics.label("source").collect(v.isContiguous() ? "contiguous" : "strided");
    }

    @Test
    void contiguousRunsMergeAndSplitWithoutACopy() {
        View v = View.contiguous(3, Shape.of(2, 3, 4));
        View r = v.reshape(Shape.of(6, 1, 4));
        assertNotNull(r);
        assertArrayEquals(walk(v), walk(r));
        // An offset (a slice of whole rows) survives the reshape.
        View rows = v.slice(new int[] {1, 0, 0}, new int[] {1, 1, 1}, Shape.of(1, 3, 4));
        View flat = rows.reshape(Shape.of(12));
        assertNotNull(flat);
        assertEquals(12, flat.offset());
        assertArrayEquals(walk(rows), walk(flat));
    }

    @Test
    void transposedAxesThatMustMergeNeedACopy() {
        View t = View.contiguous(0, Shape.of(3, 4)).permute(new int[] {1, 0});
        assertNull(t.reshape(Shape.of(12)));
        assertThat(noCopyViewExists(walk(t), Shape.of(12))).isFalse();
        // Splitting a transposed axis needs no copy.
        View split = t.reshape(Shape.of(2, 2, 3));
        assertNotNull(split);
        assertArrayEquals(walk(t), walk(split));
    }

    @Test
    void broadcastAxesReshapeOnlyWhereTheRepetitionAllows() {
        View b = View.contiguous(0, Shape.of(3, 1)).broadcast(Shape.of(3, 4));
        assertNull(b.reshape(Shape.of(12)));
        View splitRepeats = b.reshape(Shape.of(3, 2, 2));
        assertNotNull(splitRepeats);
        assertArrayEquals(walk(b), walk(splitRepeats));
        View scalar = View.contiguous(0, Shape.of(1, 1)).broadcast(Shape.of(5, 6));
        View flat = scalar.reshape(Shape.of(30));
        assertNotNull(flat);
        assertArrayEquals(walk(scalar), walk(flat));
    }

    @Test
    void stridedSlicesKeepTheirStep() {
        View s = View.contiguous(0, Shape.of(10)).slice(new int[] {1}, new int[] {3}, Shape.of(3));
        View r = s.reshape(Shape.of(3, 1));
        assertNotNull(r);
        assertArrayEquals(new int[] {1, 4, 7}, walk(r));
    }
}

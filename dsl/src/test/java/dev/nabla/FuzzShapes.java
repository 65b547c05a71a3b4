package dev.nabla;

import java.util.Arrays;

/**
 * NumPy's shape rules, written again independently of {@code ShapeRules} and {@code Ops}, for
 * {@link Fuzzer}'s predictions: each method returns the shape a valid call must give, or null
 * when the call is invalid and must fail. Sizes are computed in long, so a shape whose size
 * overflows int is invalid wherever its size is needed.
 */
final class FuzzShapes {
    private FuzzShapes() {}

    static long size(int[] dims) {
        long n = 1;
        for (int d : dims) {
            n *= d;
            if (n > Integer.MAX_VALUE || n < 0) {
                return Long.MAX_VALUE;
            }
        }
        return n;
    }

    /**
     * Whether a tensor of this shape, or one made from it by setting empty axes to 1 (a reduction
     * over them with keepDims), has more than 2^31-1 elements.
     */
    static boolean tooLarge(int[] dims) {
        return size(Arrays.stream(dims).map(d -> Math.max(d, 1)).toArray()) == Long.MAX_VALUE;
    }

    /** An axis resolved against a rank, or -1 when out of range. */
    static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? a : -1;
    }

    static int[] broadcast(int[]... shapes) {
        int rank = Arrays.stream(shapes).mapToInt(s -> s.length).max().orElse(0);
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        for (int[] s : shapes) {
            for (int i = 1; i <= s.length; i++) {
                int d = s[s.length - i];
                int o = out[rank - i];
                if (o == 1) {
                    out[rank - i] = d;
                } else if (d != 1 && d != o) {
                    return null;
                }
            }
        }
        return out;
    }

    /** A reduction over axes (none: all), or null for an axis out of range or given twice. */
    static int[] reduce(int[] s, int[] axes, boolean keepDims) {
        boolean[] reduced = new boolean[s.length];
        if (axes.length == 0) {
            Arrays.fill(reduced, true);
        }
        for (int a : axes) {
            int r = axis(a, s.length);
            if (r < 0 || reduced[r]) {
                return null;
            }
            reduced[r] = true;
        }
        return Arrays.stream(range(s.length)).filter(i -> keepDims || !reduced[i]).map(i -> reduced[i] ? 1 : s[i])
                .toArray();
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        Arrays.setAll(r, i -> i);
        return r;
    }

    static int[] reshape(int[] s, int[] dims) {
        // An empty axis makes the tensor empty, however large the others (as Shape.size counts).
        long size = java.util.Arrays.stream(s).anyMatch(d -> d == 0) ? 0 : size(s);
        if (size == Long.MAX_VALUE) {
            return null;
        }
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] == -1 && unknown < 0) {
                unknown = i;
            } else if (dims[i] < 0) {
                return null;
            } else {
                known *= dims[i]; // at most three dims of up to 2^31-1: no overflow of long
            }
        }
        int[] out = dims.clone();
        if (unknown >= 0) {
            if (known == 0 || size % known != 0) {
                return null;
            }
            out[unknown] = (int) (size / known);
        } else if (known != size) {
            return null;
        }
        return out;
    }

    static int[] permute(int[] s, int[] perm) {
        if (perm.length != s.length) {
            return null;
        }
        int[] out = new int[s.length];
        boolean[] seen = new boolean[s.length];
        for (int i = 0; i < perm.length; i++) {
            int a = axis(perm[i], s.length);
            if (a < 0 || seen[a]) {
                return null;
            }
            seen[a] = true;
            out[i] = s[a];
        }
        return out;
    }

    static int[] transpose(int[] s, int i, int j) {
        int a = axis(i, s.length);
        int b = axis(j, s.length);
        if (a < 0 || b < 0) {
            return null;
        }
        int[] out = s.clone();
        out[a] = s[b];
        out[b] = s[a];
        return out;
    }

    static int[] unsqueeze(int[] s, int axis) {
        int a = axis < 0 ? axis + s.length + 1 : axis;
        if (a < 0 || a > s.length) {
            return null;
        }
        int[] out = new int[s.length + 1];
        for (int i = 0, j = 0; i < out.length; i++) {
            out[i] = i == a ? 1 : s[j++];
        }
        return out;
    }

    /** Squeezing the given axes (none: every size-1 axis); each must be in range, of size 1, and named once. */
    static int[] squeeze(int[] s, int[] axes) {
        boolean[] drop = new boolean[s.length];
        if (axes.length == 0) {
            for (int i = 0; i < s.length; i++) {
                drop[i] = s[i] == 1;
            }
        }
        for (int a : axes) {
            int r = axis(a, s.length);
            if (r < 0 || s[r] != 1 || drop[r]) {
                return null;
            }
            drop[r] = true;
        }
        return Arrays.stream(range(s.length)).filter(i -> !drop[i]).map(i -> s[i]).toArray();
    }

    /** Python's slice semantics: negative indices count from the end, then clamp to [0, n]. */
    static int[] slice(int[] s, int axis, int start, int end, int step) {
        int a = axis(axis, s.length);
        if (a < 0 || step <= 0) {
            return null;
        }
        long n = s[a];
        long b = clamp(start, n);
        long e = clamp(end, n);
        int[] out = s.clone();
        out[a] = (int) (e > b ? (e - b + step - 1) / step : 0);
        return out;
    }

    private static long clamp(long i, long n) {
        long r = i < 0 ? i + n : i;
        return Math.max(0, Math.min(n, r));
    }

    static int[] broadcastTo(int[] s, int[] dims) {
        if (Arrays.stream(dims).anyMatch(d -> d < 0) || dims.length < s.length) {
            return null;
        }
        int offset = dims.length - s.length;
        for (int i = 0; i < s.length; i++) {
            if (s[i] != 1 && s[i] != dims[offset + i]) {
                return null;
            }
        }
        return dims.clone();
    }

    static int[] matmul(int[] a, int[] b) {
        if (a.length == 0 || b.length == 0) {
            return null;
        }
        int[] left = a.length == 1 ? new int[] {1, a[0]} : a;
        int[] right = b.length == 1 ? new int[] {b[0], 1} : b;
        int k = left[left.length - 1];
        if (k != right[right.length - 2]) {
            return null;
        }
        int[] batch = broadcast(Arrays.copyOf(left, left.length - 2), Arrays.copyOf(right, right.length - 2));
        if (batch == null) {
            return null;
        }
        int[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = left[left.length - 2];
        out[batch.length + 1] = right[right.length - 1];
        if (a.length == 1) {
            out = dropAxis(out, out.length - 2);
        }
        if (b.length == 1) {
            out = dropAxis(out, out.length - 1);
        }
        return out;
    }

    private static int[] dropAxis(int[] s, int axis) {
        return Arrays.stream(range(s.length)).filter(i -> i != axis).map(i -> s[i]).toArray();
    }

    static int[] concat(int axis, int[]... parts) {
        if (parts.length == 0) {
            return null;
        }
        int[] first = parts[0];
        int a = axis(axis, first.length);
        if (a < 0) {
            return null;
        }
        int[] out = first.clone();
        out[a] = 0;
        for (int[] p : parts) {
            if (p.length != first.length) {
                return null;
            }
            for (int i = 0; i < p.length; i++) {
                if (i != a && p[i] != first[i]) {
                    return null;
                }
            }
            out[a] += p[a];
        }
        return out;
    }

    static int[] stack(int axis, int[]... parts) {
        if (parts.length == 0) {
            return null;
        }
        for (int[] p : parts) {
            if (!Arrays.equals(p, parts[0])) {
                return null;
            }
        }
        int[] out = unsqueeze(parts[0], axis);
        if (out == null) {
            return null;
        }
        int a = axis < 0 ? axis + parts[0].length + 1 : axis;
        out[a] = parts.length;
        return out;
    }

    static int[] concatenate(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

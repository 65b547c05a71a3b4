package dev.nabla.compiler.ir;

/**
 * What a {@link Op.Random} node draws from its key. Every kind is a pure function of the key and
 * the element's index (see {@link dev.nabla.compiler.random.Draws} for the exact bits), so a
 * random node is as deterministic as any other: the same key gives the same values everywhere.
 */
public sealed interface Distribution {
    /** The name in printed graphs and errors. */
    String name();

    /** A code that is the same in every run (records of no fields all hash alike). */
    int code();

    /** Raw 32-bit words as i32. */
    record Bits() implements Distribution {
        public String name() { return "bits"; }
        public int code() { return 1; }
    }

    /** Uniform on [0, 1) in f32 or f64. */
    record Uniform() implements Distribution {
        public String name() { return "uniform"; }
        public int code() { return 2; }
    }

    /** Standard normal in f32 or f64 (Box-Muller). */
    record Normal() implements Distribution {
        public String name() { return "normal"; }
        public int code() { return 3; }
    }

    /** A uniformly random permutation of 0..n-1 (i32) along the last axis, per key. */
    record Permutation() implements Distribution {
        public String name() { return "permutation"; }
        public int code() { return 4; }
    }

    /** New keys: shape [..., n, 2] i32 from keys [..., 2]. */
    record Split() implements Distribution {
        public String name() { return "split"; }
        public int code() { return 5; }
    }

    /** The key a trainer uses for its next step: one new key per key, apart from split and foldIn. */
    record Next() implements Distribution {
        public String name() { return "next"; }
        public int code() { return 0; }
    }

    /** One new key per key, derived from the key and {@code data}. */
    record FoldIn(int data) implements Distribution {
        public String name() { return "foldIn(" + data + ")"; }
        public int code() { return 6 + 31 * data; }
    }
}

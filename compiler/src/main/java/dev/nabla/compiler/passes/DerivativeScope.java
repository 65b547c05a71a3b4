package dev.nabla.compiler.passes;

import java.util.function.Supplier;

/**
 * Marks the nodes built while a derivative is being formed. A derivative has no evaluation order
 * of its own (any algebraically equal graph is the derivative), so there the simplifier may also
 * combine constants ({@code 5*(4*x) = 20*x}) and collect like terms ({@code 2x + 3x = 5x}),
 * which keeps higher derivatives small. Per thread:
 * a user's own graph built on another thread meanwhile is unaffected.
 */
public final class DerivativeScope {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private DerivativeScope() {}

    /** Builds a derivative: the simplifier treats every node built in {@code body} as part of one. */
    public static <T> T run(Supplier<T> body) {
        int[] depth = DEPTH.get();
        depth[0]++;
        try {
            return body.get();
        } finally {
            depth[0]--;
        }
    }

    /** Whether the current thread is forming a derivative. */
    public static boolean active() {
        return DEPTH.get()[0] > 0;
    }
}

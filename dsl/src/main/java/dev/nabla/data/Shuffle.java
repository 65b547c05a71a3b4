package dev.nabla.data;

import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;
import dev.nabla.compiler.random.Draws;

/**
 * Random orders from a seed, with the graph's own Philox draws: {@code permutation(seed, n)} is
 * {@code Nabla.permutation(Nabla.key(g, seed), n)} and an epoch's order is the permutation of
 * {@code Nabla.foldIn(key, epoch)}, so each epoch's order depends on the seed and its number
 * alone (epoch 3 is the same whether or not epochs 1 and 2 ran), on every machine.
 */
final class Shuffle {
    private Shuffle() {}

    static int[] permutation(long seed, int n) {
        double[] key = key(seed);
        return Draws.permutation((int) key[0], (int) key[1], n);
    }

    static int[] epochOrder(long seed, int epoch, int n) {
        double[] key = new Draws(new Distribution.FoldIn(epoch), DType.I32, 2).all(key(seed), 2);
        return Draws.permutation((int) key[0], (int) key[1], n);
    }

    /** Nabla.key's words: the seed's high then low 32 bits. */
    private static double[] key(long seed) {
        return new double[] {(int) (seed >>> 32), (int) seed};
    }
}

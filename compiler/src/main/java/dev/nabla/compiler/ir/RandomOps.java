package dev.nabla.compiler.ir;

import dev.nabla.core.DType;
import dev.nabla.core.Shape;

import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.ShapeException;
import java.util.Arrays;
import java.util.List;

/**
 * The constructors of {@link Op.Random} nodes: draws and key derivations, with their checks. A
 * key is i32 [..., 2]: its leading axes are a batch of keys (as vmap over keys makes), each of
 * which draws the whole sample shape on its own.
 */
public final class RandomOps {
    private RandomOps() {}

    /** Values of {@code dist} in {@code dtype}, of shape key batch + {@code sample}. */
    public static Node draw(Distribution dist, Node key, Shape sample, DType dtype) {
        String op = "random " + dist.name();
        requireKey(op, key);
        switch (dist) {
            case Distribution.Uniform u -> requireDType(op, dtype, dtype.isFloating(), "f32 or f64");
            case Distribution.Normal n -> requireDType(op, dtype, dtype.isFloating(), "f32 or f64");
            case Distribution.Bits b -> requireDType(op, dtype, dtype == DType.I32, "i32");
            case Distribution.Permutation p -> {
                requireDType(op, dtype, dtype == DType.I32, "i32");
                if (sample.rank() != 1) {
                    throw new ShapeException(op + ": the sample shape must be [n], got " + sample);
                }
            }
            case Distribution.Split s -> {
                requireDType(op, dtype, dtype == DType.I32, "i32");
                if (sample.rank() != 2 || sample.dim(1) != 2 || sample.dim(0) < 1) {
                    throw new ShapeException(op + ": splits " + key.describe() + " into [n, 2] keys with n >= 1,"
                            + " got " + sample);
                }
            }
            case Distribution.FoldIn f -> requireKeyShape(op, sample, dtype);
            case Distribution.Next n -> requireKeyShape(op, sample, dtype);
        }
        int[] batch = Arrays.copyOf(key.shape().dims(), key.rank() - 1);
        int[] dims = Arrays.copyOf(batch, batch.length + sample.rank());
        System.arraycopy(sample.dims(), 0, dims, batch.length, sample.rank());
        return key.table().intern(new Op.Random(dist), List.of(key), new Shape(dims), dtype);
    }

    /** The sample shape of a random node: its shape past the key's batch axes. */
    public static Shape sample(Node random) {
        int[] dims = random.shape().dims();
        return new Shape(Arrays.copyOfRange(dims, random.input(0).rank() - 1, dims.length));
    }

    /** n new keys [..., n, 2] from each key, independent of each other and of the key's draws. */
    public static Node split(Node key, int n) {
        if (n < 1) {
            throw new ShapeException("split: " + key.describe() + " into " + n + " keys; the count must be at least 1");
        }
        return draw(new Distribution.Split(), key, Shape.of(n, 2), DType.I32);
    }

    /** A new key from each key and an integer (JAX's fold_in): e.g. a layer's index or a step. */
    public static Node foldIn(Node key, int data) {
        return draw(new Distribution.FoldIn(data), key, Shape.of(2), DType.I32);
    }

    /** The key for a training step after this one (what a trainer's key update computes). */
    public static Node next(Node key) {
        return draw(new Distribution.Next(), key, Shape.of(2), DType.I32);
    }

    /** Whether n is a key: i32 [..., 2]. */
    public static boolean isKey(Node n) {
        return n.dtype() == DType.I32 && n.rank() >= 1 && n.shape().dim(n.rank() - 1) == 2;
    }

    private static void requireKey(String op, Node key) {
        if (!isKey(key)) {
            throw new ShapeException(op + ": the key must be i32 [..., 2] (one Philox key per row), got "
                    + key.describe());
        }
    }

    private static void requireKeyShape(String op, Shape sample, DType dtype) {
        requireDType(op, dtype, dtype == DType.I32, "i32");
        if (!sample.equals(Shape.of(2))) {
            throw new ShapeException(op + ": makes keys of shape [2], got " + sample);
        }
    }

    private static void requireDType(String op, DType dtype, boolean ok, String wanted) {
        if (!ok) {
            throw new DTypeException(op + ": draws " + wanted + ", got " + dtype);
        }
    }
}

package dev.nabla;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;
import dev.nabla.compiler.ir.Node;
import dev.nabla.compiler.ir.Ops;
import dev.nabla.compiler.ir.RandomOps;
import dev.nabla.core.Shape;
import dev.nabla.core.NDArray;

/**
 * The random functions behind {@link Nabla}'s: each a few graph ops over one {@link
 * dev.nabla.compiler.ir.Op.Random} draw, so they run on every backend with the same bits.
 */
final class RandomDraws {
    private RandomDraws() {}

    /** JAX's PRNGKey layout: the seed's high word, then its low word. */
    static NDArray keyValue(long seed) {
        return NDArray.fromDoubles(DType.I32, Shape.of(2), new double[] {(int) (seed >>> 32), (int) seed});
    }

    static Node key(Tensor key, String op) {
        Node k = key.graph().unwrap(op, key);
        if (!RandomOps.isKey(k)) {
            throw new NablaException.ShapeException(op + ": the key must be i32 [2] (or a batch [..., 2]), got "
                    + k.describe() + "; make one with Nabla.key(graph, seed) or graph.input(name, DType.I32, 2)");
        }
        return k;
    }

    static Tensor uniform(Tensor key, DType dtype, double lo, double hi, int[] dims) {
        String op = "uniform";
        if (!(lo < hi) || Double.isInfinite(hi - lo)) {
            throw new NablaException(op + ": needs lo < hi, both finite, got [" + lo + ", " + hi + ")");
        }
        Node u = RandomOps.draw(new Distribution.Uniform(), key(key, op), new Shape(dims), dtype);
        if (lo == 0 && hi == 1) {
            return key.graph().wrap(u);
        }
        Node scaled = Ops.fma(u, Ops.scalarLike(u, hi - lo), Ops.scalarLike(u, lo));
        // Rounding can reach hi itself: keep the interval half-open, as [0, 1) is.
        double below = dtype == DType.F32 ? Math.nextDown((float) hi) : Math.nextDown(hi);
        return key.graph().wrap(Ops.minimum(scaled, Ops.scalarLike(u, below)));
    }

    static Tensor normal(Tensor key, DType dtype, double mean, double std, int[] dims) {
        if (!(std >= 0) || Double.isInfinite(std)) {
            throw new NablaException("normal: the standard deviation must be finite and >= 0, got " + std);
        }
        Node z = RandomOps.draw(new Distribution.Normal(), key(key, "normal"), new Shape(dims), dtype);
        if (mean == 0 && std == 1) {
            return key.graph().wrap(z);
        }
        return key.graph().wrap(Ops.fma(z, Ops.scalarLike(z, std), Ops.scalarLike(z, mean)));
    }

    static Tensor bernoulli(Tensor key, double p, int[] dims) {
        requireProbability("bernoulli", p);
        Node u = RandomOps.draw(new Distribution.Uniform(), key(key, "bernoulli"), new Shape(dims), DType.F64);
        return key.graph().wrap(Ops.compare(dev.nabla.compiler.ir.CompareFn.LT, u, p));
    }

    /** True with probability probs[i] (clamped to [0, 1] by the comparison), one draw per element. */
    static Tensor bernoulli(Tensor key, Tensor probs) {
        Node p = probs.graph().unwrap("bernoulli", probs);
        if (!p.dtype().isFloating()) {
            throw new NablaException.DTypeException("bernoulli: probabilities must be f32 or f64, got " + p.describe());
        }
        Node u = RandomOps.draw(new Distribution.Uniform(), key(key, "bernoulli"), p.shape(), p.dtype());
        return key.graph().wrap(Ops.compare(dev.nabla.compiler.ir.CompareFn.LT, u, Ops.stopGradient(p)));
    }

    static Tensor randint(Tensor key, int lo, int hi, int[] dims) {
        long range = (long) hi - lo;
        if (range < 1) {
            throw new NablaException("randint: needs lo < hi, got [" + lo + ", " + hi + ")");
        }
        Node u = RandomOps.draw(new Distribution.Uniform(), key(key, "randint"), new Shape(dims), DType.F64);
        // floor(u * range) in f64 (53 bits: a bias below 2^-22), capped where rounding reaches range.
        Node whole = Ops.cast(Ops.cast(Ops.mul(u, (double) range), DType.I32), DType.F64);
        Node capped = Ops.minimum(whole, Ops.scalarLike(whole, range - 1));
        return key.graph().wrap(Ops.cast(Ops.add(capped, (double) lo), DType.I32));
    }

    static Tensor dropout(Tensor x, double p, Tensor key, boolean training) {
        requireProbability("dropout", p);
        Node v = x.graph().unwrap("dropout", x);
        if (!v.dtype().isFloating()) {
            throw new NablaException.DTypeException("dropout: x must be f32 or f64, got " + v.describe());
        }
        Node k = key(key, "dropout");
        if (!training || p == 0) {
            return x;
        }
        if (p == 1) {
            // As PyTorch: every element dropped, x * 0 (so inf and NaN give NaN).
            return x.graph().wrap(Ops.mul(v, Ops.zerosLike(v)));
        }
        // PyTorch's noise: bernoulli(1 - p) / (1 - p), then x * noise.
        Node u = RandomOps.draw(new Distribution.Uniform(), k, v.shape(), v.dtype());
        Node keep = Ops.compare(dev.nabla.compiler.ir.CompareFn.LT, u, 1 - p);
        Node noise = Ops.where(keep, Ops.scalarLike(v, 1 / (1 - p)), Ops.scalarLike(v, 0));
        return x.graph().wrap(Ops.mul(v, noise));
    }

    private static void requireProbability(String op, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new NablaException(op + ": the probability must be in [0, 1], got " + p);
        }
    }
}

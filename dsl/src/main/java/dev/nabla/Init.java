package dev.nabla;

import dev.nabla.core.NablaException;
import dev.nabla.core.DType;
import dev.nabla.compiler.ir.Distribution;
import dev.nabla.core.Shape;
import dev.nabla.compiler.random.Draws;
import dev.nabla.core.NDArray;

/**
 * Initial values for parameters, computed on the host (torch.nn.init). Random ones come from a
 * seed through the same Philox draws as {@link Nabla#uniform} and {@link Nabla#normal} with
 * {@link Nabla#key(Graph, long)}'s key, so they are the same on every machine. Fans follow
 * PyTorch: for a weight [out, in, k...] (a conv weight is [O, I/groups, kh, kw]) fan in is
 * in * prod(k), fan out is out * prod(k).
 */
public final class Init {
    private Init() {}

    /**
     * A weight's fan in and fan out.
     *
     * @param fanIn  in * prod(k) for a weight [out, in, k...]
     * @param fanOut out * prod(k) for a weight [out, in, k...]
     */
    public record Fans(int fanIn, int fanOut) {}

    /**
     * {@return PyTorch's _calculate_fan_in_and_fan_out of a weight's shape}
     *
     * @param shape the weight's shape, [out, in, k...], at least 2 axes
     * @throws dev.nabla.core.NablaException.ShapeException if it has fewer than 2 axes
     */
    public static Fans fans(Shape shape) {
        if (shape.rank() < 2) {
            throw new NablaException.ShapeException("init: fan in and fan out need a weight of at least 2 axes, got "
                    + shape);
        }
        int receptive = 1;
        for (int d = 2; d < shape.rank(); d++) {
            receptive *= shape.dim(d);
        }
        return new Fans(shape.dim(1) * receptive, shape.dim(0) * receptive);
    }

    /**
     * {@return PyTorch's calculate_gain: linear, conv, sigmoid 1; tanh 5/3; relu sqrt 2; leaky_relu sqrt(2/(1+a^2)); selu 3/4}
     *
     * @param nonlinearity "linear", "conv1d", "conv2d", "conv3d", "sigmoid", "tanh", "relu",
     *                     "leaky_relu" or "selu"
     * @param param        leaky_relu's negative slope a; ignored by the others
     * @throws dev.nabla.core.NablaException for another nonlinearity
     */
    public static double gain(String nonlinearity, double param) {
        return switch (nonlinearity) {
            case "linear", "conv1d", "conv2d", "conv3d", "sigmoid" -> 1;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2);
            case "leaky_relu" -> Math.sqrt(2 / (1 + param * param));
            case "selu" -> 3.0 / 4;
            default -> throw new NablaException("init: no gain for nonlinearity '" + nonlinearity + "'");
        };
    }

    /**
     * {@return an array of zeros}
     *
     * @param dtype the element type
     * @param dims  the shape
     */
    public static NDArray zeros(DType dtype, int... dims) {
        return NDArray.full(dtype, new Shape(dims), 0);
    }

    /**
     * {@return an array of ones}
     *
     * @param dtype the element type
     * @param dims  the shape
     */
    public static NDArray ones(DType dtype, int... dims) {
        return NDArray.full(dtype, new Shape(dims), 1);
    }

    /**
     * {@return draws uniform on [lo, hi): lo + (hi - lo) u, u the dtype's uniform of {@link Nabla#uniform}, kept below hi}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param lo    the lowest value
     * @param hi    the bound above every value
     * @param dims  the shape
     */
    public static NDArray uniform(long seed, DType dtype, double lo, double hi, int... dims) {
        if (!(lo < hi)) {
            throw new NablaException("init uniform: needs lo < hi, got [" + lo + ", " + hi + ")");
        }
        double[] u = draws(seed, new Distribution.Uniform(), dtype, dims);
        double below = dtype == DType.F32 ? Math.nextDown((float) hi) : Math.nextDown(hi);
        for (int i = 0; i < u.length; i++) {
            u[i] = Math.min(dtype.round(Math.fma(u[i], hi - lo, lo)), below);
        }
        return NDArray.fromDoubles(dtype, new Shape(dims), u);
    }

    /**
     * {@return normal draws, as {@link Nabla#normal} with the seed's key}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param mean  the mean
     * @param std   the standard deviation
     * @param dims  the shape
     */
    public static NDArray normal(long seed, DType dtype, double mean, double std, int... dims) {
        double[] z = draws(seed, new Distribution.Normal(), dtype, dims);
        for (int i = 0; i < z.length; i++) {
            z[i] = dtype.round(Math.fma(z[i], std, mean));
        }
        return NDArray.fromDoubles(dtype, new Shape(dims), z);
    }

    /**
     * Normal(mean, std) restricted to [a, b] (torch.nn.init.trunc_normal_, default a = -2, b = 2),
     * by rejection: an element outside is drawn again from the seed's next fold-in, round after
     * round, so the result is still a function of the seed alone.
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param mean  the mean
     * @param std   the standard deviation, above 0
     * @param a     the lowest value kept
     * @param b     the highest value kept, above a
     * @param dims  the shape
     * @return the draws
     * @throws dev.nabla.core.NablaException if a &gt;= b, std &lt;= 0, or [a, b] holds almost none of
     *         the distribution
     */
    public static NDArray truncatedNormal(long seed, DType dtype, double mean, double std, double a, double b,
                                          int... dims) {
        if (!(a < b) || !(std > 0)) {
            throw new NablaException("init truncatedNormal: needs a < b and std > 0, got [" + a + ", " + b + "], std "
                    + std);
        }
        int n = new Shape(dims).size();
        double[] out = new double[n];
        boolean[] done = new boolean[n];
        int left = n;
        double[] key = keyWords(seed);
        for (int round = 0; left > 0; round++) {
            if (round > 10_000) {
                throw new NablaException("init truncatedNormal: [" + a + ", " + b + "] holds almost none of normal("
                        + mean + ", " + std + ")");
            }
            double[] z = new Draws(new Distribution.Normal(), DType.F64, n).all(key, n);
            for (int i = 0; i < n; i++) {
                double x = dtype.round(Math.fma(z[i], std, mean));
                if (!done[i] && x >= a && x <= b) {
                    out[i] = x;
                    done[i] = true;
                    left--;
                }
            }
            key = new Draws(new Distribution.FoldIn(round), DType.I32, 2).all(key, 2);
        }
        return NDArray.fromDoubles(dtype, new Shape(dims), out);
    }

    /**
     * {@return kaiming_uniform_ with mode fan_in and leaky_relu of slope a: bound gain * sqrt(3 / fan in)}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param a     leaky_relu's negative slope
     * @param dims  the weight's shape, [out, in, k...]
     */
    public static NDArray kaimingUniform(long seed, DType dtype, double a, int... dims) {
        double bound = gain("leaky_relu", a) * Math.sqrt(3.0 / nonZeroFanIn("kaimingUniform", dims));
        return uniform(seed, dtype, -bound, bound, dims);
    }

    /**
     * {@return kaiming_normal_ with mode fan_in and leaky_relu of slope a: std gain / sqrt(fan in)}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param a     leaky_relu's negative slope
     * @param dims  the weight's shape, [out, in, k...]
     */
    public static NDArray kaimingNormal(long seed, DType dtype, double a, int... dims) {
        double std = gain("leaky_relu", a) / Math.sqrt(nonZeroFanIn("kaimingNormal", dims));
        return normal(seed, dtype, 0, std, dims);
    }

    /**
     * {@return xavier_uniform_: bound gain * sqrt(6 / (fan in + fan out))}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param gain  the gain, see {@link #gain}
     * @param dims  the weight's shape, [out, in, k...]
     */
    public static NDArray xavierUniform(long seed, DType dtype, double gain, int... dims) {
        Fans f = fans(new Shape(dims));
        double bound = gain * Math.sqrt(6.0 / (f.fanIn() + f.fanOut()));
        return uniform(seed, dtype, -bound, bound, dims);
    }

    /**
     * {@return xavier_normal_: std gain * sqrt(2 / (fan in + fan out))}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param gain  the gain, see {@link #gain}
     * @param dims  the weight's shape, [out, in, k...]
     */
    public static NDArray xavierNormal(long seed, DType dtype, double gain, int... dims) {
        Fans f = fans(new Shape(dims));
        return normal(seed, dtype, 0, gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut())), dims);
    }

    /**
     * orthogonal_: a normal matrix [dims[0], rest] (transposed when wider than tall) made
     * orthonormal by QR (Gram-Schmidt twice, in double; R's diagonal positive, as PyTorch's sign
     * fix makes it), times gain: rows (or columns) orthonormal to rounding.
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param gain  multiplies the orthonormal matrix
     * @param dims  the shape, at least 2 axes
     * @return the matrix, in shape {@code dims}
     */
    public static NDArray orthogonal(long seed, DType dtype, double gain, int... dims) {
        Shape shape = new Shape(dims);
        if (shape.rank() < 2) {
            throw new NablaException.ShapeException("init orthogonal: needs at least 2 axes, got " + shape);
        }
        int rows = shape.dim(0);
        int cols = rows == 0 ? 0 : shape.size() / rows;
        double[] z = draws(seed, new Distribution.Normal(), DType.F64, dims);
        boolean wide = rows < cols;
        int m = wide ? cols : rows;
        int n = wide ? rows : cols;
        // Columns of the tall m x n matrix, each a vector of m.
        double[][] q = new double[n][m];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double v = z[r * cols + c];
                if (wide) {
                    q[r][c] = v;
                } else {
                    q[c][r] = v;
                }
            }
        }
        Orthonormal.columns(q);
        double[] out = new double[shape.size()];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = dtype.round(gain * (wide ? q[r][c] : q[c][r]));
            }
        }
        return NDArray.fromDoubles(dtype, shape, out);
    }

    /**
     * {@return nn.Linear's weight [out, in]: kaiming_uniform(a = sqrt 5), i.e. U(-1/sqrt(in), 1/sqrt(in))}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param out   the output features
     * @param in    the input features
     */
    public static NDArray linearWeight(long seed, DType dtype, int out, int in) {
        return kaimingUniform(seed, dtype, Math.sqrt(5), out, in);
    }

    /**
     * {@return a conv weight [O, I/groups, kh, kw, ...]: kaiming_uniform(a = sqrt 5), as nn.Conv*d}
     *
     * @param seed  the seed
     * @param dtype f32 or f64
     * @param dims  the weight's shape
     */
    public static NDArray convWeight(long seed, DType dtype, int... dims) {
        return kaimingUniform(seed, dtype, Math.sqrt(5), dims);
    }

    /**
     * {@return a Linear's or conv's bias [out] for a weight of {@code weightDims}: U(-1/sqrt(fan in), 1/sqrt(fan in))}
     *
     * @param seed       the seed
     * @param dtype      f32 or f64
     * @param weightDims the layer's weight's shape, [out, in, k...]
     */
    public static NDArray bias(long seed, DType dtype, int... weightDims) {
        Fans f = fans(new Shape(weightDims));
        double bound = f.fanIn() > 0 ? 1 / Math.sqrt(f.fanIn()) : 0;
        return bound == 0 ? zeros(dtype, weightDims[0]) : uniform(seed, dtype, -bound, bound, weightDims[0]);
    }

    private static int nonZeroFanIn(String op, int[] dims) {
        int fanIn = fans(new Shape(dims)).fanIn();
        if (fanIn == 0) {
            throw new NablaException("init " + op + ": fan in is 0 for shape " + new Shape(dims));
        }
        return fanIn;
    }

    private static double[] keyWords(long seed) {
        return RandomDraws.keyValue(seed).toDoubleArray();
    }

    private static double[] draws(long seed, Distribution dist, DType dtype, int[] dims) {
        int n = new Shape(dims).size();
        return new Draws(dist, dtype, n).all(keyWords(seed), n);
    }
}

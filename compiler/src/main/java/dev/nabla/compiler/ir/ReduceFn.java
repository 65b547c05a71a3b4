package dev.nabla.compiler.ir;

/** Reductions over axes. Mean, logSumExp and friends are built from these. */
public enum ReduceFn {
    SUM(0), PROD(1), MAX(Double.NEGATIVE_INFINITY), MIN(Double.POSITIVE_INFINITY);

    private final double identity;

    ReduceFn(double identity) {
        this.identity = identity;
    }

    /** The value of a reduction over no elements. */
    public double identity() {
        return identity;
    }

    public double combine(double acc, double x) {
        return switch (this) {
            case SUM -> acc + x;
            case PROD -> acc * x;
            // NaN wins, as in torch.amax/amin, and +0.0 is above -0.0, as in maximum and minimum (and
            // the SIMD lanes): the result does not depend on the order of the elements.
            case MAX -> Math.max(acc, x);
            case MIN -> Math.min(acc, x);
        };
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

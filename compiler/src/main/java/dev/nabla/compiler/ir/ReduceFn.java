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
            // NaN wins, as in torch.amax/amin.
            case MAX -> (Double.isNaN(acc) || x > acc || Double.isNaN(x)) ? (Double.isNaN(acc) ? acc : x) : acc;
            case MIN -> (Double.isNaN(acc) || x < acc || Double.isNaN(x)) ? (Double.isNaN(acc) ? acc : x) : acc;
        };
    }

    public String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

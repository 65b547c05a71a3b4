package dev.nabla;

/**
 * How a {@link Graph} builds and runs, chosen when it is created:
 * {@code Graph.create(GraphOptions.defaults().withAnomalyDetection(true))}.
 *
 * @param fastMath         false (the default): results are what IEEE 754 arithmetic gives for the
 *                         ops as written, NaN, infinities and signed zeros included; the simplifier
 *                         makes only rewrites that are exact for every input (derivatives may still
 *                         combine their constants, which only changes rounding). True: also the
 *                         rewrites that assume finite values ({@code x*0 = 0}, {@code x-x = 0},
 *                         {@code 0/x = 0}, {@code log(exp x) = x}, constants combined everywhere),
 *                         so NaN or infinity may turn into 0
 * @param detectAnomalies  false (the default): results may hold NaN or infinity. True: every run
 *                         whose results hold one throws {@code NablaException.AnomalyException},
 *                         naming the node where the value first appears, its op and shapes, and the
 *                         line of your code that built it (each node records that line, so building
 *                         is slower); a training step that would make one commits nothing
 */
public record GraphOptions(boolean fastMath, boolean detectAnomalies) {
    /** {@return IEEE-faithful arithmetic, no anomaly detection} */
    public static GraphOptions defaults() {
        return new GraphOptions(false, false);
    }

    /**
     * {@return these options with fast math on or off}
     *
     * @param on true for the rewrites that assume finite values
     */
    public GraphOptions withFastMath(boolean on) {
        return new GraphOptions(on, detectAnomalies);
    }

    /**
     * {@return these options with anomaly detection on or off}
     *
     * @param on true to throw on a run whose results hold NaN or infinity
     */
    public GraphOptions withAnomalyDetection(boolean on) {
        return new GraphOptions(fastMath, on);
    }
}

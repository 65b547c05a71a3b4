package dev.nabla;

/**
 * A {@link GradCheck} found a derivative that does not match its finite differences. An
 * {@link AssertionError}, so test frameworks report it as a failed check; {@link #report()} has
 * each mismatch.
 */
public final class GradCheckError extends AssertionError {
    private final transient GradCheckReport report;

    /**
     * An error whose message is the report's summary.
     *
     * @param report the failed check's report
     */
    public GradCheckError(GradCheckReport report) {
        super(report.toString());
        this.report = report;
    }

    /** {@return the failed check's report, with each mismatch} */
    public GradCheckReport report() {
        return report;
    }
}

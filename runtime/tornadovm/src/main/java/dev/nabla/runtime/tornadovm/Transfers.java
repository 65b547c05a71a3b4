package dev.nabla.runtime.tornadovm;

/**
 * What crossed the bus in the last run of a program, as TornadoVM's profiler counts it: for
 * checking where data lives. Recorded only for programs compiled while the system property
 * {@code nabla.tornadovm.profile} is true (profiling costs time on every run).
 */
public final class Transfers {
    /** Bytes copied to the device and back to the host in one run. */
    public record Run(long bytesIn, long bytesOut) {
        /** Both runs' transfers together; {@code other} null (not profiled) adds nothing. */
        Run plus(Run other) {
            return other == null ? this : new Run(bytesIn + other.bytesIn, bytesOut + other.bytesOut);
        }
    }

    private static volatile Run last;

    private Transfers() {}

    /** The last profiled run's transfers, or null when no run was profiled yet. */
    public static Run last() {
        return last;
    }

    static boolean profiling() {
        return Boolean.getBoolean("nabla.tornadovm.profile");
    }

    static void record(Run run) {
        last = run;
    }
}

package dev.nabla.spark;

import dev.nabla.core.NablaException;
import dev.nabla.core.NablaException.AnomalyException;
import dev.nabla.core.NablaException.DTypeException;
import dev.nabla.core.NablaException.FeedException;
import dev.nabla.core.NablaException.FormatException;
import dev.nabla.core.NablaException.GraphException;
import dev.nabla.core.NablaException.IndexException;
import dev.nabla.core.NablaException.ShapeException;
import java.util.function.Supplier;

/**
 * Errors across the driver and the executors: a task adds where it failed (step, partition) to
 * Nabla's message, keeping the exception's kind, and the driver rethrows that exception instead of
 * Spark's "job aborted" wrapper, so callers catch the same {@link NablaException}s as on one JVM.
 */
final class Failures {
    private Failures() {}

    /** {@code e} with {@code where} in front of its message, of the same kind, caused by it. */
    static RuntimeException at(String where, RuntimeException e) {
        if (!(e instanceof NablaException n)) {
            return e;
        }
        String m = where + ": " + n.getMessage();
        NablaException out = switch (n) {
            case FeedException f -> new FeedException(m);
            case IndexException i -> new IndexException(m);
            case ShapeException s -> new ShapeException(m);
            case DTypeException d -> new DTypeException(m);
            case GraphException g -> new GraphException(m);
            case FormatException f -> new FormatException(m);
            case AnomalyException a -> new AnomalyException(m, a.site());
            default -> new NablaException(m);
        };
        out.initCause(e);
        return out;
    }

    /**
     * Runs a Spark action; a task's NablaException comes out as itself, with Spark's error attached
     * as suppressed. Other failures come out as they are (Spark's checked ones wrapped).
     */
    static <T> T unwrapping(Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) {   // Spark's Scala code throws its checked SparkException undeclared
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof NablaException n) {
                    if (n != e) {
                        n.addSuppressed(e);
                    }
                    throw n;
                }
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
        }
    }
}

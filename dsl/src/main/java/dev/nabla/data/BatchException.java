package dev.nabla.data;

/**
 * A batch could not be delivered: preparing it threw (on the prefetching thread, or in the
 * caller's with prefetch 0; {@link #getCause()} is what was thrown, a {@link Batches#map}
 * transform's exception for example), or the thread waiting for it was interrupted.
 */
public final class BatchException extends RuntimeException {
    BatchException(String message, Throwable cause) {
        super(message, cause);
    }

    static BatchException preparing(int epoch, int index, Throwable cause) {
        return new BatchException("Batches: preparing batch " + index + " of epoch " + epoch + " failed: " + cause,
                cause);
    }
}

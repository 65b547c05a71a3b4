package dev.nabla.optim;

import dev.nabla.core.NablaException;

/** Hyper-parameter validation with PyTorch's bounds and messages that name the optimizer. */
final class Checks {
    private Checks() {}

    static void nonNegative(String optimizer, String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new NablaException(optimizer + ": " + name + " must be a finite number >= 0, got " + value);
        }
    }

    static void unitInterval(String optimizer, String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new NablaException(optimizer + ": " + name + " must be in [0, 1), got " + value);
        }
    }
}

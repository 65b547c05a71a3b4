package dev.nabla.optim;

import dev.nabla.core.NablaException;

/** PyTorch's common schedules, in closed form. */
public final class LrSchedules {
    private LrSchedules() {}

    /** torch.optim.lr_scheduler.StepLR: multiply by gamma every {@code stepSize} epochs. */
    public static LrSchedule step(int stepSize, double gamma) {
        if (stepSize <= 0) {
            throw new NablaException("step schedule: step size must be positive, got " + stepSize);
        }
        return (base, epoch) -> base * Math.pow(gamma, epoch / stepSize);
    }

    /** torch.optim.lr_scheduler.ExponentialLR: multiply by gamma every epoch. */
    public static LrSchedule exponential(double gamma) {
        return (base, epoch) -> base * Math.pow(gamma, epoch);
    }

    /** torch.optim.lr_scheduler.CosineAnnealingLR (closed form): from base down to etaMin over tMax epochs. */
    public static LrSchedule cosine(int tMax, double etaMin) {
        if (tMax <= 0) {
            throw new NablaException("cosine schedule: tMax must be positive, got " + tMax);
        }
        return (base, epoch) -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    /**
     * torch.optim.lr_scheduler.LinearLR from {@code startFactor} to 1 over {@code warmupEpochs}:
     * a linear warm-up.
     */
    public static LrSchedule linearWarmup(double startFactor, int warmupEpochs) {
        if (!(startFactor > 0 && startFactor <= 1) || warmupEpochs <= 0) {
            throw new NablaException("linear warm-up: needs 0 < startFactor <= 1 and warmupEpochs > 0, got "
                    + startFactor + " and " + warmupEpochs);
        }
        return (base, epoch) -> base * (startFactor + (1 - startFactor) * Math.min(epoch, warmupEpochs) / warmupEpochs);
    }
}

package dev.nabla.optim;

import dev.nabla.core.NablaException;

/** PyTorch's common schedules, in closed form. */
public final class LrSchedules {
    private LrSchedules() {}

    /**
     * {@return torch.optim.lr_scheduler.StepLR: multiply by gamma every {@code stepSize} epochs}
     *
     * @param stepSize the epochs between two multiplications, at least 1
     * @param gamma    the factor
     * @throws dev.nabla.core.NablaException if {@code stepSize} is not positive
     */
    public static LrSchedule step(int stepSize, double gamma) {
        if (stepSize <= 0) {
            throw new NablaException("step schedule: step size must be positive, got " + stepSize);
        }
        return (base, epoch) -> base * Math.pow(gamma, epoch / stepSize);
    }

    /**
     * {@return torch.optim.lr_scheduler.ExponentialLR: multiply by gamma every epoch}
     *
     * @param gamma the factor
     */
    public static LrSchedule exponential(double gamma) {
        return (base, epoch) -> base * Math.pow(gamma, epoch);
    }

    /**
     * {@return torch.optim.lr_scheduler.CosineAnnealingLR (closed form): from base down to etaMin over tMax epochs}
     *
     * @param tMax   the epochs of one half cosine period, at least 1
     * @param etaMin the rate reached at epoch {@code tMax}
     * @throws dev.nabla.core.NablaException if {@code tMax} is not positive
     */
    public static LrSchedule cosine(int tMax, double etaMin) {
        if (tMax <= 0) {
            throw new NablaException("cosine schedule: tMax must be positive, got " + tMax);
        }
        return (base, epoch) -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }

    /**
     * torch.optim.lr_scheduler.LinearLR from {@code startFactor} to 1 over {@code warmupEpochs}:
     * a linear warm-up.
     *
     * @param startFactor  the fraction of the base rate at epoch 0, in (0, 1]
     * @param warmupEpochs the epochs until the full base rate, at least 1
     * @return the schedule
     * @throws dev.nabla.core.NablaException if either is out of range
     */
    public static LrSchedule linearWarmup(double startFactor, int warmupEpochs) {
        if (!(startFactor > 0 && startFactor <= 1) || warmupEpochs <= 0) {
            throw new NablaException("linear warm-up: needs 0 < startFactor <= 1 and warmupEpochs > 0, got "
                    + startFactor + " and " + warmupEpochs);
        }
        return (base, epoch) -> base * (startFactor + (1 - startFactor) * Math.min(epoch, warmupEpochs) / warmupEpochs);
    }
}

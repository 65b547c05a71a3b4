package dev.nabla.optim;

/**
 * A learning-rate schedule: the learning rate for an epoch (the number of schedule steps taken
 * so far), given the optimizer's base rate. See {@link LrSchedules}.
 */
@FunctionalInterface
public interface LrSchedule {
    /**
     * {@return the learning rate for this epoch}
     *
     * @param baseLr the optimizer's base learning rate
     * @param epoch  the number of schedule steps taken so far, from 0
     */
    double lr(double baseLr, int epoch);
}

package dev.nabla.optim;

/**
 * A learning-rate schedule: the learning rate for an epoch (the number of schedule steps taken
 * so far), given the optimizer's base rate. See {@link LrSchedules}.
 */
@FunctionalInterface
public interface LrSchedule {
    double lr(double baseLr, int epoch);
}

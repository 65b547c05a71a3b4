package dev.nabla.spark;

/**
 * One training step: how many steps the trainer has taken with it, where it was in the data,
 * how many examples the global batch had, their mean loss before the update, and the step's
 * wall time on the driver (the Spark job and the update).
 */
public record StepResult(long steps, long epoch, long batch, long examples, double loss, double seconds) {}

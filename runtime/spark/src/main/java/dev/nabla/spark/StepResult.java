package dev.nabla.spark;

/**
 * One training step: how many steps the trainer has taken with it, where it was in the data,
 * how many examples the global batch had, their mean loss before the update, and the step's
 * wall time on the driver (the Spark job and the update).
 *
 * @param steps    the trainer's step count after this step, resumed steps included
 * @param epoch    the epoch the batch belongs to, from 0
 * @param batch    the batch's place in its epoch, from 0
 * @param examples the examples in the global batch
 * @param loss     their mean loss, with the parameters before the update
 * @param seconds  the step's wall time on the driver, in seconds
 */
public record StepResult(long steps, long epoch, long batch, long examples, double loss, double seconds) {}

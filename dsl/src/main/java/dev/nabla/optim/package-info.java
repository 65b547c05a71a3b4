/**
 * Training: PyTorch's optimizers with their exact update rules, compiled into the step program.
 * Build an {@link dev.nabla.optim.Optimizer} with {@link dev.nabla.optim.Optimizers} and train
 * with a {@link dev.nabla.optim.Trainer} (one compiled step: loss, gradients and updates, with
 * parameter groups, gradient clipping, an {@link dev.nabla.optim.LrSchedule} from
 * {@link dev.nabla.optim.LrSchedules} and checkpoints); use an
 * {@link dev.nabla.optim.ImperativeOptimizer} for PyTorch's zero-grad, backward, step loop, or a
 * {@link dev.nabla.optim.GradientStep} to apply gradients computed elsewhere.
 */
package dev.nabla.optim;

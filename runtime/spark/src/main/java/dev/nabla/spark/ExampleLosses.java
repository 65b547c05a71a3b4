package dev.nabla.spark;

import dev.nabla.Tensor;
import dev.nabla.nn.Model;

/** Per-example losses of a model in training mode, whose means are PyTorch's usual losses. */
public final class ExampleLosses {
    private ExampleLosses() {}

    /**
     * The cross-entropy of each row's logits [n, C] at its class label (i32 [n]): the terms whose
     * mean is {@code F.cross_entropy}. A label outside [0, C) fails the step, naming the index.
     *
     * @param model    a classifier whose output is logits [n, C]
     * @param features the examples' features, f32 [n, F]
     * @param labels   their classes, i32 [n]
     * @return each example's cross-entropy, f32 [n]
     */
    public static Tensor crossEntropy(Model model, Tensor features, Tensor labels) {
        Tensor logp = model.forward(features).logSoftmax(1);
        int n = labels.shape().dim(0);
        return logp.takeAlongAxis(labels.reshape(n, 1), 1).reshape(n).neg();
    }

    /**
     * The squared error of a model with one output per row against its label: the terms whose
     * mean is {@code F.mse_loss}.
     *
     * @param model    a model whose output is [n] or [n, 1]
     * @param features the examples' features, f32 [n, F]
     * @param labels   their targets, f32 [n]
     * @return each example's squared error, f32 [n]
     */
    public static Tensor squaredError(Model model, Tensor features, Tensor labels) {
        int n = labels.shape().dim(0);
        Tensor error = model.forward(features).reshape(n).sub(labels);
        return error.mul(error);
    }
}

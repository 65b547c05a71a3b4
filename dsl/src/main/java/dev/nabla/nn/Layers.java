package dev.nabla.nn;

import dev.nabla.Nabla;

/** Layers without parameters: activations, flattening and pooling. */
public final class Layers {
    private Layers() {}

    /** {@return ReLU: max(x, 0), elementwise} */
    public static Layer relu() { return (x, s) -> x.relu(); }

    /** {@return tanh, elementwise} */
    public static Layer tanh() { return (x, s) -> x.tanh(); }

    /** {@return the sigmoid 1 / (1 + e^-x), elementwise} */
    public static Layer sigmoid() { return (x, s) -> x.sigmoid(); }

    /** {@return softplus: log(1 + e^x), elementwise} */
    public static Layer softplus() { return (x, s) -> x.softplus(); }

    /** {@return PyTorch's GELU with the tanh approximation} */
    public static Layer geluTanh() {
        return (x, s) -> x.mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1)).mul(0.5);
    }

    /** {@return all axes after the first into one, as PyTorch's {@code nn.Flatten()}} */
    public static Layer flatten() {
        return (x, s) -> x.reshape(x.shape().dim(0), -1);
    }

    /**
     * {@return PyTorch's {@code nn.MaxPool2d(k)}: maxima of k×k windows with stride k, over the last two axes}
     *
     * @param kernel the window's side k
     */
    public static Layer maxPool2d(int kernel) { return (x, s) -> Nabla.maxPool2d(x, kernel); }

    /**
     * {@return PyTorch's {@code nn.MaxPool2d(k, stride, padding)}}
     *
     * @param kernel  the window's side
     * @param stride  the step between windows
     * @param padding the padding on each side of the last two axes
     */
    public static Layer maxPool2d(int kernel, int stride, int padding) {
        return (x, s) -> Nabla.maxPool2d(x, kernel, stride, padding);
    }

    /**
     * {@return PyTorch's {@code nn.AvgPool2d(k)}: means of k×k windows with stride k}
     *
     * @param kernel the window's side k
     */
    public static Layer avgPool2d(int kernel) { return (x, s) -> Nabla.avgPool2d(x, kernel); }

    /**
     * {@return PyTorch's {@code nn.AdaptiveAvgPool2d((h, w))}; (1, 1) is global average pooling}
     *
     * @param height the output's height
     * @param width  the output's width
     */
    public static Layer adaptiveAvgPool2d(int height, int width) {
        return (x, s) -> Nabla.adaptiveAvgPool2d(x, height, width);
    }

    /**
     * {@return PyTorch's {@code nn.AdaptiveMaxPool2d((h, w))}; (1, 1) is global max pooling}
     *
     * @param height the output's height
     * @param width  the output's width
     */
    public static Layer adaptiveMaxPool2d(int height, int width) {
        return (x, s) -> Nabla.adaptiveMaxPool2d(x, height, width);
    }
}

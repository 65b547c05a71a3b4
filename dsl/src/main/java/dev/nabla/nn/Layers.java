package dev.nabla.nn;

import dev.nabla.Nabla;

/** Layers without parameters: activations, flattening and pooling. */
public final class Layers {
    private Layers() {}

    public static Layer relu() { return (x, s) -> x.relu(); }
    public static Layer tanh() { return (x, s) -> x.tanh(); }
    public static Layer sigmoid() { return (x, s) -> x.sigmoid(); }
    public static Layer softplus() { return (x, s) -> x.softplus(); }
    /** PyTorch's GELU with the tanh approximation. */
    public static Layer geluTanh() {
        return (x, s) -> x.mul(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI)).tanh().add(1)).mul(0.5);
    }

    /** All axes after the first into one, as PyTorch's {@code nn.Flatten()}. */
    public static Layer flatten() {
        return (x, s) -> x.reshape(x.shape().dim(0), -1);
    }

    public static Layer maxPool2d(int kernel) { return (x, s) -> Nabla.maxPool2d(x, kernel); }
    public static Layer maxPool2d(int kernel, int stride, int padding) {
        return (x, s) -> Nabla.maxPool2d(x, kernel, stride, padding);
    }
    public static Layer avgPool2d(int kernel) { return (x, s) -> Nabla.avgPool2d(x, kernel); }
    public static Layer adaptiveAvgPool2d(int height, int width) {
        return (x, s) -> Nabla.adaptiveAvgPool2d(x, height, width);
    }
}

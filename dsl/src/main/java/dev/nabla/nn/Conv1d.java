package dev.nabla.nn;

import dev.nabla.ConvOptions;
import dev.nabla.Nabla;
import dev.nabla.Tensor;
import dev.nabla.core.Shape;

/**
 * PyTorch's {@code nn.Conv1d(in, out, kernel, stride, padding, dilation, groups, bias)}: weight
 * [out, in / groups, k] and bias [out], initialized as PyTorch does.
 *
 * @param in      input channels
 * @param out     output channels
 * @param kernel  the kernel's length k
 * @param options stride, padding, dilation and groups
 * @param bias    whether to add a learned bias
 */
public record Conv1d(int in, int out, int kernel, ConvOptions options, boolean bias) implements Layer {

    /**
     * A convolution with stride 1, no padding and a bias.
     *
     * @param in     input channels
     * @param out    output channels
     * @param kernel the kernel's length
     */
    public Conv1d(int in, int out, int kernel) {
        this(in, out, kernel, ConvOptions.defaults(), true);
    }

    /**
     * A convolution with a bias.
     *
     * @param in      input channels
     * @param out     output channels
     * @param kernel  the kernel's length
     * @param options stride, padding, dilation and groups
     */
    public Conv1d(int in, int out, int kernel, ConvOptions options) {
        this(in, out, kernel, options, true);
    }

    private Shape weightShape() {
        return Shape.of(out, in / Math.max(1, options.groupCount()), kernel);
    }

    @Override
    public void declare(Declarations d) {
        d.parameter("weight", weightShape(), Initializers.kaimingUniformDefault());
        if (bias) {
            d.parameter("bias", Shape.of(out), Initializers.biasFor(weightShape()));
        }
    }

    @Override
    public Tensor forward(Tensor x, Scope scope) {
        return Nabla.conv1d(x, scope.get("weight"), bias ? scope.get("bias") : null, options);
    }
}

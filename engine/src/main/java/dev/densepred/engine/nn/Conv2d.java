package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;

/**
 * 2-D convolution with PyTorch's parameter layout: {@code weight (out, in/groups, kH, kW)}, {@code bias (out)}.
 * Input and output are NCHW.
 */
public final class Conv2d extends Module {

    /**
     * Settings beyond the channel counts and kernel.
     *
     * @param stride step in both axes
     * @param padding zero padding in both axes
     * @param dilation kernel dilation
     * @param groups channel groups ({@code in} for depthwise)
     * @param bias whether a bias is added
     */
    public record Options(int stride, int padding, int dilation, int groups, boolean bias) {
        /** Stride 1, "same" padding for odd kernels is not implied: padding 0, no dilation, one group, with bias. */
        public static Options defaults() {
            return new Options(1, 0, 1, 1, true);
        }

        public Options withStride(int s) {
            return new Options(s, padding, dilation, groups, bias);
        }

        public Options withPadding(int p) {
            return new Options(stride, p, dilation, groups, bias);
        }

        public Options withDilation(int d) {
            return new Options(stride, padding, d, groups, bias);
        }

        public Options withGroups(int g) {
            return new Options(stride, padding, dilation, g, bias);
        }

        public Options withBias(boolean b) {
            return new Options(stride, padding, dilation, groups, b);
        }
    }

    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final Options options;
    private final Parameter weight;
    private final Parameter bias;

    /** A convolution with PyTorch's default initialisation. */
    public Conv2d(int in, int out, int kernel, Options options) {
        this(in, out, kernel, options, Init.torchDefaultWeight(), Init.torchDefaultBias((long) in / options.groups() * kernel * kernel));
    }

    /** A convolution with explicit initialisations for weight and bias. */
    public Conv2d(int in, int out, int kernel, Options options, Init weightInit, Init biasInit) {
        if (in % options.groups() != 0 || out % options.groups() != 0) {
            throw new IllegalArgumentException(
                    "channels in=" + in + " out=" + out + " are not divisible by groups=" + options.groups());
        }
        this.inChannels = in;
        this.outChannels = out;
        this.kernel = kernel;
        this.options = options;
        this.weight = addParameter("weight", Parameter.Kind.WEIGHT, weightInit, out, in / options.groups(), kernel, kernel);
        this.bias = options.bias() ? addParameter("bias", Parameter.Kind.BIAS, biasInit, out) : null;
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int kernel() {
        return kernel;
    }

    public Options options() {
        return options;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null. */
    public Parameter bias() {
        return bias;
    }

    /** {@code [N, in, H, W] -> [N, out, H', W']}. */
    public NDArray forward(NDArray x) {
        return Functional.conv2d(
                x,
                weight.array(),
                bias == null ? null : bias.array(),
                options.stride(),
                options.stride(),
                options.padding(),
                options.padding(),
                options.dilation(),
                options.groups());
    }
}

package dev.densepred.engine.nn;

import ai.djl.ndarray.NDArray;

/**
 * Layer normalisation over the channel axis. {@link #forward} takes channels-last input ({@code [..., C]});
 * {@link #forwardNchw} takes NCHW and normalises over C, as the "channels_first" LayerNorm of ConvNeXt and the
 * MambaOut dense-prediction necks. Float16 input with these float32 parameters returns float16.
 */
public final class LayerNorm extends Module {

    private final int dim;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    /** LayerNorm(dim) with weight 1, bias 0. */
    public LayerNorm(int dim, double eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = addParameter("weight", Parameter.Kind.NORM, Init.ones(), dim);
        this.bias = addParameter("bias", Parameter.Kind.NORM, Init.zeros(), dim);
    }

    public int dim() {
        return dim;
    }

    public double eps() {
        return eps;
    }

    /** {@code [..., C] -> [..., C]}. */
    public NDArray forward(NDArray x) {
        return Functional.layerNorm(x, dim, weight.array(), bias.array(), eps);
    }

    /** {@code [N, C, H, W] -> [N, C, H, W]}, normalised over C. */
    public NDArray forwardNchw(NDArray x) {
        // [N, C, H, W] -> [N, H, W, C] -> norm -> [N, C, H, W]
        return forward(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2);
    }
}

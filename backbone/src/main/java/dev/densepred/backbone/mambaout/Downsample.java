package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.LocalScope;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;

/**
 * The downsampling at the start of stages 1 to 3: a 3x3 stride-2 convolution and a LayerNorm, the convolution first
 * in the released sizes (timm {@code mambaout.Downsample}, official {@code DownsampleLayer}) and the norm first, over
 * the incoming channels, in timm's {@code _rw} family ({@code DownsampleNormFirst}).
 */
final class Downsample extends Module {

    private final boolean normFirst;
    private final Conv2d conv;
    private final LayerNorm norm;

    Downsample(int inChans, int outChans, boolean normFirst) {
        this.normFirst = normFirst;
        // registered in the order they run, as timm's state_dict lists them
        LayerNorm first = normFirst ? addChild("norm", new LayerNorm(inChans, MambaOut.NORM_EPS)) : null;
        conv = addChild("conv", new Conv2d(inChans, outChans, 3, Conv2d.Options.defaults().withStride(2).withPadding(1),
                MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        norm = normFirst ? first : addChild("norm", new LayerNorm(outChans, MambaOut.NORM_EPS));
    }

    /** {@code [N, H, W, C_in]} to {@code [N, H/2, W/2, C_out]}. */
    NDArray forward(NDArray x) {
        return LocalScope.run(x, in -> {
            NDArray y = conv.forward((normFirst ? norm.forward(in) : in).transpose(0, 3, 1, 2)); // NCHW view -> [N, C_out, H/2, W/2]
            y = y.transpose(0, 2, 3, 1); // [N, H/2, W/2, C_out]
            return normFirst ? y : norm.forward(y);
        });
    }
}

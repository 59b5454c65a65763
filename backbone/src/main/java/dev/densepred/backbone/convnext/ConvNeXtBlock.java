package dev.densepred.backbone.convnext;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.LocalScope;
import dev.densepred.backbone.Mlp;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Parameter;

/**
 * timm's {@code ConvNeXtBlock} (conv_mlp off): depthwise 7x7 convolution, then channels-last LayerNorm,
 * {@code mlp.fc1} to 4C, exact GELU, {@code mlp.fc2} back to C, the per-channel layer scale {@code gamma},
 * stochastic depth and the residual.
 */
final class ConvNeXtBlock extends Module {

    private static final int MLP_RATIO = 4;

    private final double dropPath;
    private final Conv2d convDw;
    private final LayerNorm norm;
    private final Mlp mlp;
    private final Parameter gamma;

    ConvNeXtBlock(int dim, double layerScaleInit, double dropPath) {
        this.dropPath = dropPath;
        gamma = layerScaleInit > 0 ? addParameter("gamma", Parameter.Kind.OTHER, Init.constant((float) layerScaleInit), dim) : null;
        convDw = addChild("conv_dw", new Conv2d(dim, dim, 7, Conv2d.Options.defaults().withPadding(3).withGroups(dim),
                ConvNeXt.WEIGHT_INIT, ConvNeXt.BIAS_INIT));
        norm = addChild("norm", new LayerNorm(dim, ConvNeXt.NORM_EPS));
        mlp = addChild("mlp", new Mlp(dim, MLP_RATIO * dim, ConvNeXt.WEIGHT_INIT, ConvNeXt.BIAS_INIT));
    }

    /** Multiply-accumulates per output pixel. */
    long macsPerPixel() {
        return 49L * convDw.outChannels() + mlp.macsPerToken();
    }

    /** {@code [N, C, H, W]} to {@code [N, C, H, W]}; the input is left unchanged. */
    NDArray forward(NDArray x) {
        return LocalScope.run(x, in -> {
            NDArray y = convDw.forward(in).transpose(0, 2, 3, 1); // [N, H, W, C]
            y = mlp.forward(norm.forward(y));
            if (gamma != null) {
                y = y.mul(gamma.array());
            }
            y = y.transpose(0, 3, 1, 2); // [N, C, H, W]
            return Functional.dropPath(y, dropPath, isTraining()).add(in);
        });
    }
}

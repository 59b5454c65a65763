package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;

/**
 * The stride-4 stem of MambaOut (timm {@code mambaout.Stem}, official {@code StemLayer} from InternImage): two
 * 3x3 stride-2 convolutions with a LayerNorm between them placed before the GELU, and a LayerNorm at the end.
 */
final class Stem extends Module {

    private final Conv2d conv1;
    private final LayerNorm norm1;
    private final Conv2d conv2;
    private final LayerNorm norm2;

    Stem(int inChans, int outChans) {
        Conv2d.Options s2 = Conv2d.Options.defaults().withStride(2).withPadding(1);
        conv1 = addChild("conv1", new Conv2d(inChans, outChans / 2, 3, s2, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        norm1 = addChild("norm1", new LayerNorm(outChans / 2, MambaOut.NORM_EPS));
        conv2 = addChild("conv2", new Conv2d(outChans / 2, outChans, 3, s2, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        norm2 = addChild("norm2", new LayerNorm(outChans, MambaOut.NORM_EPS));
    }

    /** {@code [N, C_in, H, W]} to {@code [N, H/4, W/4, C]} (channels last, as the blocks run). */
    NDArray forward(NDArray images) {
        NDArray x = conv1.forward(images); // [N, C/2, H/2, W/2]
        x = norm1.forward(x.transpose(0, 2, 3, 1)); // [N, H/2, W/2, C/2]
        x = Functional.gelu(x);
        x = conv2.forward(x.transpose(0, 3, 1, 2)); // NCHW view of the NHWC data -> [N, C, H/4, W/4]
        return norm2.forward(x.transpose(0, 2, 3, 1)); // [N, H/4, W/4, C]
    }
}

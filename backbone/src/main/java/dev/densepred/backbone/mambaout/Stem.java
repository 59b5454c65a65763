package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.LocalScope;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;

/**
 * The stride-4 stem of MambaOut (timm {@code mambaout.Stem}, official {@code StemLayer} from InternImage): two
 * 3x3 stride-2 convolutions with a LayerNorm between them placed before the activation (none in timm's {@code _rw}
 * family, {@code stem_mid_norm=False}), and a LayerNorm at the end.
 */
final class Stem extends Module {

    private final Conv2d conv1;
    private final LayerNorm norm1;
    private final MambaOut.Activation act;
    private final Conv2d conv2;
    private final LayerNorm norm2;

    Stem(int inChans, int outChans, boolean midNorm, MambaOut.Activation act) {
        Conv2d.Options s2 = Conv2d.Options.defaults().withStride(2).withPadding(1);
        conv1 = addChild("conv1", new Conv2d(inChans, outChans / 2, 3, s2, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        norm1 = midNorm ? addChild("norm1", new LayerNorm(outChans / 2, MambaOut.NORM_EPS)) : null;
        this.act = act;
        conv2 = addChild("conv2", new Conv2d(outChans / 2, outChans, 3, s2, MambaOut.WEIGHT_INIT, MambaOut.BIAS_INIT));
        norm2 = addChild("norm2", new LayerNorm(outChans, MambaOut.NORM_EPS));
    }

    /** {@code [N, C_in, H, W]} to {@code [N, H/4, W/4, C]} (channels last, as the blocks run). */
    NDArray forward(NDArray images) {
        return LocalScope.run(images, im -> {
            // The image in channels-last memory makes conv1 write channels-last too, so norm1 reads its output
            // without a copy (the image has 3 channels; conv1's output has C/2).
            Shape s = im.getShape(); // [N, C_in, H, W]
            // [N, H, W, C_in] view -> [N, H, W*C_in] (W and C cannot merge in a view: copied in this order)
            // -> [N, H, W, C_in] contiguous
            NDArray nhwc = im.transpose(0, 2, 3, 1).reshape(s.get(0), s.get(2), s.get(3) * s.get(1)).reshape(s.get(0), s.get(2), s.get(3), s.get(1));
            NDArray x = conv1.forward(nhwc.transpose(0, 3, 1, 2)).transpose(0, 2, 3, 1); // [N, H/2, W/2, C/2], channels-last memory
            x = act.apply(norm1 == null ? x : norm1.forward(x)); // elementwise: keeps the memory layout
            x = conv2.forward(x.transpose(0, 3, 1, 2)); // NCHW view of the NHWC data -> [N, C, H/4, W/4]
            return norm2.forward(x.transpose(0, 2, 3, 1)); // [N, H/4, W/4, C]
        });
    }
}

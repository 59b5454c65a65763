package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;

/**
 * mmcv's {@code ConvModule} in its default order conv, norm, ReLU, with its state-dict names {@code conv.weight},
 * {@code bn.weight}, ... The convolution has a bias only when there is no norm ({@code bias='auto'}). Weights start
 * as mmcv's {@code init_weights}: Kaiming normal (fan_out, ReLU) for the convolution, zero bias, norm weight 1 and
 * bias 0.
 */
public final class ConvModule extends Module {

    private final Conv2d conv;
    private final BatchNorm2d bn;

    /**
     * @param norm the norm after the convolution, or null for none
     */
    public ConvModule(int in, int out, int kernel, int padding, int dilation, NormConfig norm) {
        Conv2d.Options options = Conv2d.Options.defaults().withPadding(padding).withDilation(dilation).withBias(norm == null);
        this.conv = addChild("conv", new Conv2d(in, out, kernel, options, Init.kaimingNormalFanOut(), Init.zeros()));
        if (norm != null) {
            this.bn = addChild("bn", new BatchNorm2d(out));
            if (!norm.requiresGrad()) {
                bn.setTrainable(false);
            }
        } else {
            this.bn = null;
        }
    }

    /** A 1x1 convolution unit. */
    public static ConvModule pointwise(int in, int out, NormConfig norm) {
        return new ConvModule(in, out, 1, 0, 1, norm);
    }

    /** A 3x3 convolution unit with padding 1. */
    public static ConvModule conv3x3(int in, int out, NormConfig norm) {
        return new ConvModule(in, out, 3, 1, 1, norm);
    }

    public Conv2d conv() {
        return conv;
    }

    /** {@code [N, in, H, W] -> [N, out, H', W']}. */
    public NDArray forward(NDArray x) {
        NDArray y = conv.forward(x);
        if (bn != null) {
            y = bn.forward(y);
        }
        return Functional.relu(y);
    }
}

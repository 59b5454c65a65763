package dev.densepred.detection;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;

/**
 * mmcv's {@code ConvModule} without normalisation: a biased convolution named {@code conv} (so state-dict keys are
 * {@code ...conv.weight}), optionally followed by ReLU. "Same" padding for odd kernels.
 */
public final class ConvModule extends Module {

    private final Conv2d conv;
    private final boolean relu;

    public ConvModule(int in, int out, int kernel, boolean relu, Init weightInit) {
        this.conv = addChild("conv", new Conv2d(in, out, kernel, Conv2d.Options.defaults().withPadding(kernel / 2), weightInit, Init.zeros()));
        this.relu = relu;
    }

    public Conv2d conv() {
        return conv;
    }

    /** {@code [N, in, H, W] -> [N, out, H, W]}. */
    public NDArray forward(NDArray x) {
        NDArray y = conv.forward(x);
        return relu ? Functional.relu(y) : y;
    }
}

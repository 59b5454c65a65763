package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Module;

/**
 * One branch of the pyramid pooling module: {@code nn.Sequential(AdaptiveAvgPool2d(scale), ConvModule(1x1))}. The
 * pooling has no parameters, so the convolution keeps its Sequential index {@code 1} in state-dict names
 * ({@code psp_modules.0.1.conv.weight}).
 */
public final class PoolingBranch extends Module {

    private final int scale;
    private final ConvModule conv;

    public PoolingBranch(int scale, int in, int out, NormConfig norm) {
        if (scale < 1) {
            throw new IllegalArgumentException("pool scale must be >= 1, got " + scale);
        }
        this.scale = scale;
        this.conv = addChild("1", ConvModule.pointwise(in, out, norm));
    }

    public int scale() {
        return scale;
    }

    /** {@code [N, in, H, W] -> [N, out, scale, scale]}. */
    public NDArray forward(NDArray x) {
        return conv.forward(Functional.adaptiveAvgPool2d(x, scale, scale));
    }
}

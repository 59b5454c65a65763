package dev.densepred.backbone.mambavision;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

/** The end of levels 0 to 2 ({@code Downsample}): {@code reduction.0}, conv 3x3/2 to twice the channels, no bias. */
final class Downsample extends Module {

    private final Conv2d conv;

    Downsample(int dim) {
        Sequential<Conv2d> reduction = addChild("reduction", new Sequential<>());
        conv = reduction.add(new Conv2d(dim, 2 * dim, 3, Conv2d.Options.defaults().withStride(2).withPadding(1).withBias(false)));
    }

    /** {@code [N, C, H, W]} to {@code [N, 2C, ceil(H/2), ceil(W/2)]}. */
    NDArray forward(NDArray x) {
        return conv.forward(x);
    }

    long macs(long h, long w) {
        return (h + 1) / 2 * ((w + 1) / 2) * conv.outChannels() * conv.inChannels() * 9L;
    }
}

package dev.densepred.backbone.mambavision;

import ai.djl.ndarray.NDArray;

import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Module;

/**
 * The stride-4 stem ({@code PatchEmbed}): {@code conv_down} = conv 3x3/2 (no bias), BatchNorm (eps 1e-4), ReLU, conv
 * 3x3/2, BatchNorm (eps 1e-4), ReLU; children {@code 0, 1, 3, 4} as in {@code nn.Sequential} (the ReLUs hold nothing).
 */
final class PatchEmbed extends Module {

    private static final double BN_EPS = 1e-4;

    /** {@code conv_down}, named by position like the reference's {@code nn.Sequential}. */
    static final class ConvDown extends Module {
        final Conv2d conv1;
        final BatchNorm2d bn1;
        final Conv2d conv2;
        final BatchNorm2d bn2;

        ConvDown(int inChans, int inDim, int dim) {
            Conv2d.Options o = Conv2d.Options.defaults().withStride(2).withPadding(1).withBias(false);
            conv1 = addChild("0", new Conv2d(inChans, inDim, 3, o));
            bn1 = addChild("1", new BatchNorm2d(inDim, BN_EPS, 0.1));
            conv2 = addChild("3", new Conv2d(inDim, dim, 3, o));
            bn2 = addChild("4", new BatchNorm2d(dim, BN_EPS, 0.1));
        }
    }

    private final ConvDown convDown;

    PatchEmbed(int inChans, int inDim, int dim) {
        convDown = addChild("conv_down", new ConvDown(inChans, inDim, dim));
    }

    /** {@code [N, C_in, H, W]} to {@code [N, dim, H/4, W/4]}. */
    NDArray forward(NDArray x) {
        NDArray y = Functional.relu(convDown.bn1.forward(convDown.conv1.forward(x)));
        return Functional.relu(convDown.bn2.forward(convDown.conv2.forward(y)));
    }

    long macs(long h, long w) {
        long h2 = (h + 1) / 2;
        long w2 = (w + 1) / 2;
        long h4 = (h2 + 1) / 2;
        long w4 = (w2 + 1) / 2;
        return h2 * w2 * convDown.conv1.outChannels() * convDown.conv1.inChannels() * 9L
                + h4 * w4 * convDown.conv2.outChannels() * convDown.conv2.inChannels() * 9L;
    }
}

package dev.densepred.backbone.resnet;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.LocalScope;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;

/**
 * mmsegmentation's {@code deep_stem} (ResNet-C of "Bag of Tricks"), the {@code nn.Sequential} named {@code stem}:
 * conv 3x3/2 to {@code stem_channels / 2}, BN, ReLU, conv 3x3 ({@code stem_channels / 2}), BN, ReLU, conv 3x3 to
 * {@code stem_channels}, BN, ReLU. Children carry the Sequential's indices ({@code 0, 1, 3, 4, 6, 7}; the ReLUs at
 * 2, 5 and 8 hold no state), so mmcv's {@code resnet50_v1c} checkpoint loads as it is.
 */
final class DeepStem extends Module {

    private final Conv2d conv0;
    private final BatchNorm2d bn1;
    private final Conv2d conv3;
    private final BatchNorm2d bn4;
    private final Conv2d conv6;
    private final BatchNorm2d bn7;

    DeepStem(int inChannels, int stemChannels) {
        int half = stemChannels / 2;
        Conv2d.Options conv3x3 = Conv2d.Options.defaults().withPadding(1).withBias(false);
        conv0 = addChild("0", new Conv2d(inChannels, half, 3, conv3x3.withStride(2), Init.kaimingNormalFanOut(), Init.zeros()));
        bn1 = addChild("1", new BatchNorm2d(half));
        conv3 = addChild("3", new Conv2d(half, half, 3, conv3x3, Init.kaimingNormalFanOut(), Init.zeros()));
        bn4 = addChild("4", new BatchNorm2d(half));
        conv6 = addChild("6", new Conv2d(half, stemChannels, 3, conv3x3, Init.kaimingNormalFanOut(), Init.zeros()));
        bn7 = addChild("7", new BatchNorm2d(stemChannels));
    }

    /** {@code [N, C_in, H, W]} to {@code [N, stem_channels, ceil(H / 2), ceil(W / 2)]}. */
    NDArray forward(NDArray x) {
        return LocalScope.run(x, in -> {
            NDArray y = Functional.relu(bn1.forward(conv0.forward(in)));
            y = Functional.relu(bn4.forward(conv3.forward(y)));
            return Functional.relu(bn7.forward(conv6.forward(y)));
        });
    }
}

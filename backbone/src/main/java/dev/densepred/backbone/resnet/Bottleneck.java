package dev.densepred.backbone.resnet;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.LocalScope;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;

/**
 * torchvision's {@code Bottleneck} (ResNet v1.5, mmdetection's {@code style='pytorch'}): 1x1, 3x3 carrying the
 * stride, 1x1 expanding by 4, each followed by BatchNorm, with a 1x1 projection shortcut ({@code downsample.0/1})
 * when the shape changes.
 */
final class Bottleneck extends Module {

    static final int EXPANSION = 4;

    /** {@code nn.Sequential(conv1x1, bn)}: children named {@code 0} and {@code 1}, as in the state dict. */
    static final class Projection extends Module {
        private final Conv2d conv;
        private final BatchNorm2d bn;

        Projection(int in, int out, int stride) {
            conv = addChild("0", new Conv2d(in, out, 1, Conv2d.Options.defaults().withStride(stride).withBias(false),
                    Init.kaimingNormalFanOut(), Init.zeros()));
            bn = addChild("1", new BatchNorm2d(out));
        }

        NDArray forward(NDArray x) {
            return bn.forward(conv.forward(x));
        }
    }

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Projection downsample;

    Bottleneck(int inChannels, int planes, int stride) {
        Conv2d.Options noBias = Conv2d.Options.defaults().withBias(false);
        conv1 = addChild("conv1", new Conv2d(inChannels, planes, 1, noBias, Init.kaimingNormalFanOut(), Init.zeros()));
        bn1 = addChild("bn1", new BatchNorm2d(planes));
        conv2 = addChild("conv2", new Conv2d(planes, planes, 3, noBias.withStride(stride).withPadding(1), Init.kaimingNormalFanOut(), Init.zeros()));
        bn2 = addChild("bn2", new BatchNorm2d(planes));
        conv3 = addChild("conv3", new Conv2d(planes, planes * EXPANSION, 1, noBias, Init.kaimingNormalFanOut(), Init.zeros()));
        bn3 = addChild("bn3", new BatchNorm2d(planes * EXPANSION));
        boolean project = stride != 1 || inChannels != planes * EXPANSION;
        downsample = project ? addChild("downsample", new Projection(inChannels, planes * EXPANSION, stride)) : null;
    }

    /** {@code [N, C_in, H, W]} to {@code [N, 4 * planes, H / stride, W / stride]}. */
    NDArray forward(NDArray x) {
        return LocalScope.run(x, in -> {
            NDArray y = Functional.relu(bn1.forward(conv1.forward(in)));
            y = Functional.relu(bn2.forward(conv2.forward(y)));
            y = bn3.forward(conv3.forward(y));
            NDArray identity = downsample == null ? in : downsample.forward(in);
            return Functional.relu(y.add(identity));
        });
    }
}

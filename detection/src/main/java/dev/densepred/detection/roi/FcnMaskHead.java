package dev.densepred.detection.roi;

import ai.djl.ndarray.NDArray;

import dev.densepred.detection.ConvModule;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.ConvTranspose2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

/**
 * The mask head of Mask R-CNN, mmdetection's {@code FCNMaskHead}: {@code num_convs} 3x3 convolutions with ReLU
 * ({@code convs.i.conv}), a 2x2 stride-2 transposed convolution with ReLU ({@code upsample}), and a 1x1
 * convolution to one logit map per class ({@code conv_logits}): {@code [P, C, 14, 14] -> [P, num_classes, 28, 28]}.
 * Every layer is initialised Kaiming normal (fan-out, ReLU) with zero bias, as mmdetection does.
 */
public final class FcnMaskHead extends Module {

    /**
     * Settings (mmdetection's {@code roi_head.mask_head}).
     *
     * @param numConvs 3x3 convolutions before upsampling
     * @param inChannels channels of the RoI features
     * @param convOutChannels channels of the convolutions and the upsampler
     * @param numClasses object classes: one logit map each
     * @param roiFeatSize side of the RoI features (the logits are twice that)
     * @param lossMaskWeight weight of the mask binary cross-entropy
     */
    public record Config(int numConvs, int inChannels, int convOutChannels, int numClasses, int roiFeatSize, double lossMaskWeight) {

        public Config {
            if (numConvs < 0 || inChannels <= 0 || convOutChannels <= 0 || numClasses <= 0 || roiFeatSize <= 0) {
                throw new IllegalArgumentException("mask_head needs num_convs >= 0 and positive in_channels, conv_out_channels, num_classes, "
                        + "roi_feat_size, found " + numConvs + ", " + inChannels + ", " + convOutChannels + ", " + numClasses + ", " + roiFeatSize);
            }
        }

        /** Mask R-CNN's mask head for COCO's 80 classes. */
        public static Config defaults() {
            return new Config(4, 256, 256, 80, 14, 1.0);
        }
    }

    private final Config config;
    private final Sequential<ConvModule> convs;
    private final ConvTranspose2d upsample;
    private final Conv2d convLogits;

    public FcnMaskHead(Config config) {
        this.config = config;
        convs = addChild("convs", new Sequential<>());
        int in = config.inChannels();
        for (int i = 0; i < config.numConvs(); i++) {
            convs.add(new ConvModule(in, config.convOutChannels(), 3, true, Init.kaimingNormalFanOut()));
            in = config.convOutChannels();
        }
        upsample = addChild("upsample", new ConvTranspose2d(in, config.convOutChannels(), 2, 2, 0, Init.kaimingNormalFanOut(), Init.zeros()));
        convLogits = addChild("conv_logits", new Conv2d(config.convOutChannels(), config.numClasses(), 1, Conv2d.Options.defaults(),
                Init.kaimingNormalFanOut(), Init.zeros()));
    }

    public Config config() {
        return config;
    }

    /** Side of the logit maps ({@code 2 * roi_feat_size}). */
    public int outputSize() {
        return 2 * config.roiFeatSize();
    }

    /** {@code [P, C, S, S]} RoI features to float32 {@code [P, num_classes, 2S, 2S]} logits. */
    public NDArray forward(NDArray roiFeatures) {
        NDArray x = roiFeatures;
        for (ConvModule c : convs.items()) {
            x = c.forward(x);
        }
        x = Functional.relu(upsample.forward(x));
        return Functional.toFloat32(convLogits.forward(x));
    }
}

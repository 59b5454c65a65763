package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

import dev.densepred.engine.nn.Sequential;

import java.util.List;

/**
 * mmsegmentation's {@code FCNHead}: {@code num_convs} convolution units ({@code convs.i}) on one backbone map,
 * optionally concatenated with the input and fused by {@code conv_cat}, then the classifier. UperNet uses it as the
 * auxiliary head on stage 3 with one unit, no concatenation and loss weight 0.4.
 */
public final class FcnHead extends DecodeHead {

    /**
     * The settings of a head of type {@code FCNHead}; defaults are mmseg's class defaults.
     *
     * @param inChannels channels of the selected map; 0 takes them from the backbone
     * @param inIndex the backbone output the head reads
     * @param channels width of the convolution units
     * @param numConvs number of units (0: the map goes straight to the classifier and must have {@code channels})
     * @param kernelSize kernel of the units (odd)
     * @param dilation dilation of the units
     * @param concatInput whether the input is concatenated to the units' output and fused by {@code conv_cat}
     * @param dropoutRatio Dropout2d before the classifier
     * @param numClasses classes
     * @param normCfg norm of every unit, or null
     * @param alignCorners of the resize to the label size
     * @param lossDecode the loss
     * @param ignoreIndex label value that no loss or accuracy counts
     */
    public record Config(int inChannels, int inIndex, int channels, int numConvs, int kernelSize, int dilation,
            boolean concatInput, double dropoutRatio, int numClasses, NormConfig normCfg, boolean alignCorners,
            CrossEntropyLoss.Config lossDecode, int ignoreIndex) {
        public Config {
            if (numConvs < 0 || kernelSize < 1 || kernelSize % 2 == 0 || dilation < 1 || channels < 1 || inChannels < 0) {
                throw new IllegalArgumentException("need num_convs >= 0, odd kernel_size, dilation >= 1, channels >= 1"
                        + " and in_channels >= 0");
            }
        }

        public static Config defaults() {
            return new Config(0, -1, 256, 2, 3, 1, true, 0.1, 150, NormConfig.defaults(), false,
                    CrossEntropyLoss.Config.defaults(), 255);
        }

        /** The same settings with {@code in_channels} filled in. */
        public Config withInChannels(int channelsIn) {
            return new Config(channelsIn, inIndex, channels, numConvs, kernelSize, dilation, concatInput, dropoutRatio,
                    numClasses, normCfg, alignCorners, lossDecode, ignoreIndex);
        }
    }

    private final Config config;
    private final Sequential<ConvModule> convs;
    private final ConvModule convCat;

    public FcnHead(Config config) {
        super(config.channels(), config.numClasses(), config.dropoutRatio(), config.alignCorners(), config.lossDecode(),
                config.ignoreIndex());
        if (config.inChannels() < 1) {
            throw new IllegalArgumentException("FCNHead needs in_channels (EncoderDecoder fills them from the backbone)");
        }
        if (config.numConvs() == 0 && config.inChannels() != config.channels()) {
            throw new IllegalArgumentException("FCNHead with num_convs 0 needs in_channels == channels, got "
                    + config.inChannels() + " and " + config.channels());
        }
        this.config = config;
        int pad = config.kernelSize() / 2 * config.dilation();
        this.convs = addChild("convs", new Sequential<>());
        for (int i = 0; i < config.numConvs(); i++) {
            int in = i == 0 ? config.inChannels() : config.channels();
            convs.add(new ConvModule(in, config.channels(), config.kernelSize(), pad, config.dilation(), config.normCfg()));
        }
        this.convCat = config.concatInput()
                ? addChild("conv_cat", new ConvModule(config.inChannels() + config.channels(), config.channels(),
                        config.kernelSize(), config.kernelSize() / 2, 1, config.normCfg()))
                : null;
    }

    public Config config() {
        return config;
    }

    @Override
    public NDArray forward(List<NDArray> features) {
        NDArray x = select(features, config.inIndex(), "FCNHead");
        NDArray feat = x;
        for (ConvModule c : convs.items()) {
            feat = c.forward(feat);
        }
        if (convCat != null) {
            feat = convCat.forward(NDArrays.concat(new ai.djl.ndarray.NDList(x, feat), 1));
        }
        return classify(feat);
    }
}

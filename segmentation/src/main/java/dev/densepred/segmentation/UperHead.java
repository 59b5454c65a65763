package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import dev.densepred.engine.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * mmsegmentation's {@code UPerHead} (Unified Perceptual Parsing): a pyramid pooling module on the coarsest map
 * ({@code psp_modules} + {@code bottleneck}), an FPN over all maps ({@code lateral_convs}, top-down sums,
 * {@code fpn_convs}), every level upsampled to the finest and fused by {@code fpn_bottleneck}, then the classifier.
 * All resizing is bilinear with the head's {@code align_corners}.
 */
public final class UperHead extends DecodeHead {

    /**
     * The {@code decode_head} settings of type {@code UPerHead}.
     *
     * @param inChannels channels of the selected backbone maps; empty takes them from the backbone
     * @param inIndex backbone outputs the head reads, fine to coarse
     * @param poolScales output sizes of the pyramid pooling branches
     * @param channels width of every unit of the head
     * @param dropoutRatio Dropout2d before the classifier
     * @param numClasses classes (150 for ADE20K)
     * @param normCfg norm of every unit, or null for none
     * @param alignCorners of every bilinear resize
     * @param lossDecode the loss
     * @param ignoreIndex label value that no loss or accuracy counts
     */
    public record Config(List<Integer> inChannels, List<Integer> inIndex, List<Integer> poolScales, int channels,
            double dropoutRatio, int numClasses, NormConfig normCfg, boolean alignCorners,
            CrossEntropyLoss.Config lossDecode, int ignoreIndex) {
        public Config {
            inChannels = List.copyOf(inChannels);
            inIndex = List.copyOf(inIndex);
            poolScales = List.copyOf(poolScales);
            if (inIndex.isEmpty() || (!inChannels.isEmpty() && inChannels.size() != inIndex.size())) {
                throw new IllegalArgumentException("in_index " + inIndex + " must be non-empty and as long as in_channels " + inChannels);
            }
            if (poolScales.isEmpty() || channels < 1) {
                throw new IllegalArgumentException("pool_scales must be non-empty and channels >= 1");
            }
        }

        /** mmsegmentation's UperNet decode head for ADE20K (in_channels from the backbone). */
        public static Config defaults() {
            return new Config(List.of(), List.of(0, 1, 2, 3), List.of(1, 2, 3, 6), 512, 0.1, 150,
                    NormConfig.defaults(), false, CrossEntropyLoss.Config.defaults(), 255);
        }

        /** The same settings with {@code in_channels} filled in. */
        public Config withInChannels(List<Integer> channelsIn) {
            return new Config(channelsIn, inIndex, poolScales, channels, dropoutRatio, numClasses, normCfg, alignCorners,
                    lossDecode, ignoreIndex);
        }
    }

    private final Config config;
    private final Sequential<PoolingBranch> pspModules;
    private final ConvModule bottleneck;
    private final Sequential<ConvModule> lateralConvs;
    private final Sequential<ConvModule> fpnConvs;
    private final ConvModule fpnBottleneck;

    public UperHead(Config config) {
        super(config.channels(), config.numClasses(), config.dropoutRatio(), config.alignCorners(), config.lossDecode(),
                config.ignoreIndex());
        if (config.inChannels().isEmpty()) {
            throw new IllegalArgumentException("UPerHead needs in_channels (EncoderDecoder fills them from the backbone)");
        }
        this.config = config;
        List<Integer> in = config.inChannels();
        int levels = in.size();
        int c = config.channels();
        NormConfig norm = config.normCfg();
        int coarsest = in.get(levels - 1);
        this.pspModules = addChild("psp_modules", new Sequential<>());
        for (int scale : config.poolScales()) {
            pspModules.add(new PoolingBranch(scale, coarsest, c, norm));
        }
        this.bottleneck = addChild("bottleneck", ConvModule.conv3x3(coarsest + config.poolScales().size() * c, c, norm));
        this.lateralConvs = addChild("lateral_convs", new Sequential<>());
        this.fpnConvs = addChild("fpn_convs", new Sequential<>());
        for (int i = 0; i < levels - 1; i++) {
            lateralConvs.add(ConvModule.pointwise(in.get(i), c, norm));
            fpnConvs.add(ConvModule.conv3x3(c, c, norm));
        }
        this.fpnBottleneck = addChild("fpn_bottleneck", ConvModule.conv3x3(levels * c, c, norm));
    }

    public Config config() {
        return config;
    }

    @Override
    public NDArray forward(List<NDArray> features) {
        List<NDArray> inputs = new ArrayList<>();
        for (int index : config.inIndex()) {
            inputs.add(select(features, index, "UPerHead"));
        }
        int levels = inputs.size();
        List<NDArray> laterals = new ArrayList<>();
        for (int i = 0; i < levels - 1; i++) {
            laterals.add(lateralConvs.get(i).forward(inputs.get(i)));
        }
        laterals.add(pspForward(inputs.get(levels - 1)));
        for (int i = levels - 1; i > 0; i--) {
            NDArray prev = laterals.get(i - 1);
            laterals.set(i - 1, prev.add(resizeLike(laterals.get(i), prev)));
        }
        List<NDArray> outs = new ArrayList<>();
        for (int i = 0; i < levels - 1; i++) {
            outs.add(fpnConvs.get(i).forward(laterals.get(i)));
        }
        outs.add(laterals.get(levels - 1));
        for (int i = levels - 1; i > 0; i--) {
            outs.set(i, resizeLike(outs.get(i), outs.get(0)));
        }
        NDArray fused = fpnBottleneck.forward(NDArrays.concat(new NDList(outs), 1));
        return classify(fused);
    }

    /** The PPM: the map itself and each pooled branch upsampled to its size, concatenated, then the bottleneck. */
    private NDArray pspForward(NDArray x) {
        List<NDArray> parts = new ArrayList<>();
        parts.add(x);
        for (PoolingBranch branch : pspModules.items()) {
            parts.add(resizeLike(branch.forward(x), x));
        }
        return bottleneck.forward(NDArrays.concat(new NDList(parts), 1));
    }

    private NDArray resizeLike(NDArray x, NDArray target) {
        long h = target.getShape().get(2);
        long w = target.getShape().get(3);
        return Resize2d.resize(x, h, w, config.alignCorners());
    }
}

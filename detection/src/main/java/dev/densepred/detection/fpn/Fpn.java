package dev.densepred.detection.fpn;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.FeatureInfo;
import dev.densepred.detection.ConvModule;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * Feature pyramid network, mmdetection's {@code FPN} with {@code add_extra_convs=False}: a 1x1 lateral convolution
 * per backbone level, top-down nearest upsampling by 2 (to the finer level's size) added into the finer lateral, a
 * 3x3 output convolution per level, and, for {@code num_outs} beyond the backbone's levels, max-pooling with kernel 1
 * and stride 2 of the last output (P6 from P5's output). Parameter names are mmdetection's
 * ({@code lateral_convs.i.conv}, {@code fpn_convs.i.conv}); convolutions have biases and no activation.
 */
public final class Fpn extends Module {

    /**
     * Settings, named as mmdetection's arguments.
     *
     * @param inChannels channels of each backbone level; empty means "as the backbone reports"
     * @param outChannels channels of every output level
     * @param numOuts output levels (at least the number of input levels)
     */
    public record Config(List<Integer> inChannels, int outChannels, int numOuts) {

        public Config {
            inChannels = List.copyOf(inChannels);
            if (outChannels <= 0 || numOuts <= 0) {
                throw new IllegalArgumentException("FPN needs out_channels > 0 and num_outs > 0, found " + outChannels + ", " + numOuts);
            }
        }

        /** Mask R-CNN's neck: 256 channels, 5 outputs (P2-P6). */
        public static Config defaults() {
            return new Config(List.of(), 256, 5);
        }
    }

    private final Config config;
    private final Sequential<ConvModule> lateralConvs;
    private final Sequential<ConvModule> fpnConvs;

    /** An FPN over the levels a backbone reports; explicit {@code in_channels} must agree with them. */
    public Fpn(Config config, List<FeatureInfo> levels) {
        List<Integer> in = new ArrayList<>();
        for (FeatureInfo f : levels) {
            in.add(f.channels());
        }
        if (!config.inChannels().isEmpty() && !config.inChannels().equals(in)) {
            throw new IllegalArgumentException("neck.in_channels " + config.inChannels() + " does not match the backbone's output channels " + in);
        }
        if (config.numOuts() < in.size()) {
            throw new IllegalArgumentException("neck.num_outs " + config.numOuts() + " is below the backbone's " + in.size() + " levels");
        }
        this.config = config;
        lateralConvs = addChild("lateral_convs", new Sequential<>());
        fpnConvs = addChild("fpn_convs", new Sequential<>());
        // mmdetection's FPN init_cfg: Xavier uniform over every Conv2d, zero bias. mmengine then runs init_weights
        // only of direct children that have one; lateral_convs and fpn_convs are plain ModuleLists, so ConvModule's
        // Kaiming init (at construction) is overwritten and never redone.
        for (int c : in) {
            lateralConvs.add(new ConvModule(c, config.outChannels(), 1, false, Init.xavierUniform()));
            fpnConvs.add(new ConvModule(config.outChannels(), config.outChannels(), 3, false, Init.xavierUniform()));
        }
    }

    public Config config() {
        return config;
    }

    /** One {@code [N, C_i, H_i, W_i]} map per backbone level to {@code num_outs} maps of {@code out_channels}, finest first. */
    public List<NDArray> forward(List<NDArray> inputs) {
        int levels = lateralConvs.size();
        if (inputs.size() != levels) {
            throw new IllegalArgumentException("FPN has " + levels + " input levels, found " + inputs.size() + " feature maps");
        }
        NDArray[] laterals = new NDArray[levels];
        for (int i = 0; i < levels; i++) {
            laterals[i] = lateralConvs.get(i).forward(inputs.get(i));
        }
        for (int i = levels - 1; i > 0; i--) {
            long h = laterals[i - 1].getShape().get(2);
            long w = laterals[i - 1].getShape().get(3);
            // mmdetection upsamples to the finer map's size (nearest), which also covers odd sizes
            laterals[i - 1] = laterals[i - 1].add(Functional.interpolate(laterals[i], h, w, Functional.Resize.NEAREST, false));
        }
        List<NDArray> outs = new ArrayList<>(config.numOuts());
        for (int i = 0; i < levels; i++) {
            outs.add(fpnConvs.get(i).forward(laterals[i]));
        }
        for (int i = levels; i < config.numOuts(); i++) {
            outs.add(Functional.maxPool2d(outs.get(i - 1), 1, 2, 0, false));
        }
        return outs;
    }
}

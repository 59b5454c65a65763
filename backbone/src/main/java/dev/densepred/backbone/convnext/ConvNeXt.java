package dev.densepred.backbone.convnext;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.Checkpoint;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.StageSettings;
import dev.densepred.backbone.StochasticDepth;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * ConvNeXt (Liu et al., 2022) as timm's {@code convnext_*} builds it, with timm's parameter names so that the hub's
 * {@code model.safetensors} loads as it is:
 *
 * <ul>
 *   <li>{@code stem.0}: 4x4 stride-4 convolution, {@code stem.1}: LayerNorm over channels (eps 1e-6);
 *   <li>{@code stages.{i}}: for i &gt; 0 a {@code downsample} (LayerNorm, then 2x2 stride-2 convolution,
 *       {@code downsample.0/1}), then {@code blocks.{j}} ({@link ConvNeXtBlock});
 *   <li>dense prediction: each stage in {@code out_indices} passes its own LayerNorm over channels, {@code norm{i}},
 *       as mmpretrain's {@code ConvNeXt} (which mmdetection's and mmsegmentation's ConvNeXt configs use) adds for
 *       {@code gap_before_final_norm=False}; timm's classifier ({@code head.*}) is dropped.
 * </ul>
 */
public final class ConvNeXt extends Backbone {

    static final double NORM_EPS = 1e-6;
    /** timm's {@code _init_weights}: trunc-normal std 0.02 for convolution and linear weights, zero biases. */
    static final Init WEIGHT_INIT = Init.truncNormal(0.02f);
    static final Init BIAS_INIT = Init.zeros();

    /**
     * Settings; JSON keys are the snake_case names.
     *
     * @param depths blocks per stage
     * @param dims channels per stage
     * @param inChans input channels
     * @param dropPathRate stochastic depth of the last block, spread linearly from 0 over all blocks (timm)
     * @param layerScaleInit initial value of each block's {@code gamma}; 0 for none
     * @param outIndices stages whose normed outputs {@link #forward} returns, increasing
     * @param pretrained weight file to load after initialisation, or null
     */
    public record Config(List<Integer> depths, List<Integer> dims, int inChans, double dropPathRate, double layerScaleInit,
                         List<Integer> outIndices, String pretrained) {

        public Config {
            depths = List.copyOf(depths);
            dims = List.copyOf(dims);
            StageSettings.checkDepthsAndDims(depths, dims, 1);
            outIndices = StageSettings.checkOutIndices(outIndices, depths.size());
            if (inChans < 1) {
                throw new IllegalArgumentException("in_chans must be >= 1, got " + inChans);
            }
            StageSettings.checkDropPathRate(dropPathRate);
            if (!(layerScaleInit >= 0)) {
                throw new IllegalArgumentException("layer_scale_init must be >= 0, got " + layerScaleInit);
            }
        }

        /**
         * convnext_tiny for dense prediction as mmdetection's Mask R-CNN ConvNeXt-T config sets it: drop path 0.4,
         * layer scale 1e-6, all four outputs.
         */
        public static Config defaults() {
            return tiny();
        }

        /** convnext_tiny: 28.6M parameters with the 1000-class head. */
        public static Config tiny() {
            return new Config(List.of(3, 3, 9, 3), List.of(96, 192, 384, 768), 3, 0.4, 1e-6, List.of(0, 1, 2, 3), null);
        }

        /** convnext_small. */
        public static Config small() {
            return new Config(List.of(3, 3, 27, 3), List.of(96, 192, 384, 768), 3, 0.6, 1e-6, List.of(0, 1, 2, 3), null);
        }

        /** convnext_base. */
        public static Config base() {
            return new Config(List.of(3, 3, 27, 3), List.of(128, 256, 512, 1024), 3, 0.7, 1e-6, List.of(0, 1, 2, 3), null);
        }

        public Config withDropPathRate(double rate) {
            return new Config(depths, dims, inChans, rate, layerScaleInit, outIndices, pretrained);
        }

        public Config withPretrained(String file) {
            return new Config(depths, dims, inChans, dropPathRate, layerScaleInit, outIndices, file);
        }
    }

    private final Config config;
    private final Conv2d stemConv;
    private final LayerNorm stemNorm;
    private final Sequential<ConvNeXtStage> stages;
    private final LayerNorm[] outNorms;

    public ConvNeXt(Config config) {
        super(config.pretrained());
        this.config = config;
        List<Integer> dims = config.dims();
        Sequential<Module> stem = addChild("stem", new Sequential<>());
        stemConv = (Conv2d) stem.add(new Conv2d(config.inChans(), dims.get(0), 4, Conv2d.Options.defaults().withStride(4), WEIGHT_INIT, BIAS_INIT));
        stemNorm = (LayerNorm) stem.add(new LayerNorm(dims.get(0), NORM_EPS));
        stages = addChild("stages", new Sequential<>());
        List<List<Double>> dropPaths = StochasticDepth.perStage(config.depths(), config.dropPathRate());
        for (int i = 0; i < dims.size(); i++) {
            stages.add(new ConvNeXtStage(dims.get(i == 0 ? 0 : i - 1), dims.get(i), i > 0, dropPaths.get(i), config.layerScaleInit()));
        }
        outNorms = new LayerNorm[dims.size()];
        List<FeatureInfo> info = new ArrayList<>();
        for (int i : config.outIndices()) {
            outNorms[i] = addChild("norm" + i, new LayerNorm(dims.get(i), NORM_EPS));
            info.add(new FeatureInfo(dims.get(i), 4 << i, "stages." + i));
        }
        declareFeatures(info);
    }

    public Config config() {
        return config;
    }

    /** {@code [N, C_in, H, W]} to the normed stage outputs {@code [N, dims[i], H/4/2^i, W/4/2^i]}. */
    @Override
    public List<NDArray> forward(NDArray images) {
        NDArray x = stemNorm.forwardNchw(stemConv.forward(checkImages("ConvNeXt", images, config.inChans())));
        List<NDArray> outs = new ArrayList<>();
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int i = 0; i <= last; i++) {
            NDArray next = stages.get(i).forward(x);
            x.close();
            x = next;
            if (outNorms[i] != null) {
                outs.add(outNorms[i].forwardNchw(x));
            }
        }
        x.close();
        return outs;
    }

    /**
     * Loads timm-named weights ({@code convnext_tiny.fb_in1k} etc., hub {@code model.safetensors}); the classifier
     * ({@code head.*}) is dropped and the {@code norm{i}} keep their initialisation unless the file has them (our own
     * dense checkpoints do).
     */
    @Override
    public LoadReport loadPretrained(Path file) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            return loadStateDict(ckpt, "timm", UnaryOperator.identity(),
                    name -> name.startsWith("head.") || name.matches("norm\\d+\\..*"));
        }
    }

    /**
     * Multiply-accumulates of one forward pass on a {@code height x width} image: convolutions and linear layers
     * (what fvcore counts); norms, activations and biases are left out. Stops after the last output stage.
     */
    public long macs(long height, long width) {
        List<Integer> dims = config.dims();
        long h = height / 4;
        long w = width / 4;
        long macs = h * w * dims.get(0) * config.inChans() * 16L;
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int i = 0; i <= last; i++) {
            if (i > 0) {
                h /= 2;
                w /= 2;
                macs += h * w * dims.get(i) * dims.get(i - 1) * 4L;
            }
            for (ConvNeXtBlock b : stages.get(i).blocks()) {
                macs += h * w * b.macsPerPixel();
            }
        }
        return macs;
    }
}

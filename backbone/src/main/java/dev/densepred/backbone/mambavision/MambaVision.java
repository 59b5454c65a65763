package dev.densepred.backbone.mambavision;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.Checkpoint;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.StageSettings;
import dev.densepred.backbone.StochasticDepth;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Sequential;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * MambaVision (NVlabs/MambaVision, {@code mambavision/models/mamba_vision.py}) under the reference's parameter names,
 * in the dense form of its detection/segmentation backbone {@code MM_mamba_vision}
 * ({@code object_detection/tools/mamba_vision.py}):
 *
 * <ul>
 *   <li>{@code patch_embed}: stride-4 convolutional stem ({@link PatchEmbed});
 *   <li>{@code levels.{i}}: four levels of {@code dim * 2^i} channels; levels 0 and 1 are CNN blocks, levels 2 and 3
 *       hybrid blocks on windows (MambaVision mixer in the first half, self-attention in the later half), each
 *       level but the last ending in a stride-2 {@code downsample} ({@link MambaVisionLayer});
 *   <li>output {@code i} is level {@code i}'s map <em>before</em> its downsample, passed through {@code outnorm{i}}, a
 *       LayerNorm over channels (eps 1e-5); the classifier's {@code norm} (BatchNorm) and {@code head} are dropped.
 * </ul>
 */
public final class MambaVision extends Backbone {

    /** The reference's {@code _init_weights}: trunc-normal std 0.02 for linear weights, zero biases. */
    static final Init WEIGHT_INIT = Init.truncNormal(0.02f);
    static final Init BIAS_INIT = Init.zeros();
    private static final double OUT_NORM_EPS = 1e-5;

    /**
     * Settings; JSON keys are the snake_case names.
     *
     * @param depths blocks per level
     * @param numHeads attention heads per level (levels 2 and 3 use theirs)
     * @param windowSize window side per level (levels 2 and 3 use theirs)
     * @param dim channels of level 0; level i has {@code dim * 2^i}
     * @param inDim channels after the first stem convolution
     * @param mlpRatio hidden width of the block MLPs relative to the channels
     * @param dropPathRate stochastic depth of the last block, spread linearly from 0 over all blocks
     * @param layerScale initial {@code gamma_1/gamma_2} of the hybrid blocks; 0 for none
     * @param layerScaleConv initial {@code gamma} of the CNN blocks; 0 for none
     * @param inChans input channels
     * @param outIndices levels whose normed outputs {@link #forward} returns, increasing
     * @param pretrained weight file to load after initialisation, or null
     */
    public record Config(List<Integer> depths, List<Integer> numHeads, List<Integer> windowSize, int dim, int inDim,
                         double mlpRatio, double dropPathRate, double layerScale, double layerScaleConv, int inChans,
                         List<Integer> outIndices, String pretrained) {

        public Config {
            depths = List.copyOf(depths);
            numHeads = List.copyOf(numHeads);
            windowSize = List.copyOf(windowSize);
            if (depths.size() != 4 || numHeads.size() != 4 || windowSize.size() != 4) {
                throw new IllegalArgumentException("depths " + depths + ", num_heads " + numHeads + " and window_size " + windowSize
                        + " must each list the 4 levels");
            }
            for (int i = 0; i < 4; i++) {
                if (depths.get(i) < 1 || numHeads.get(i) < 1 || windowSize.get(i) < 1) {
                    throw new IllegalArgumentException("level " + i + ": depth, num_heads and window_size must be >= 1");
                }
                if (i >= 2 && (dim << i) % numHeads.get(i) != 0) {
                    throw new IllegalArgumentException("level " + i + ": " + (dim << i) + " channels are not divisible by num_heads " + numHeads.get(i));
                }
            }
            if (dim < 2 || dim % 2 != 0 || inDim < 1 || inChans < 1 || !(mlpRatio > 0)) {
                throw new IllegalArgumentException("dim " + dim + " must be even, in_dim " + inDim + ", in_chans " + inChans
                        + " and mlp_ratio " + mlpRatio + " positive");
            }
            StageSettings.checkDropPathRate(dropPathRate);
            if (!(layerScale >= 0) || !(layerScaleConv >= 0)) {
                throw new IllegalArgumentException("layer_scale " + layerScale + " and layer_scale_conv " + layerScaleConv + " must be >= 0");
            }
            outIndices = StageSettings.checkOutIndices(outIndices, 4);
        }

        /** mamba_vision_T for dense prediction: what a config gets for the keys it leaves out. */
        public static Config defaults() {
            return tiny();
        }

        /**
         * mamba_vision_T (31.8M parameters with the 1000-class head): depths 1,3,8,4, dim 80, windows 8,8,14,7 (its
         * Cascade Mask R-CNN config sets windows 8,8,112,56 instead; set {@code window_size} to match).
         */
        public static Config tiny() {
            return new Config(List.of(1, 3, 8, 4), List.of(2, 4, 8, 16), List.of(8, 8, 14, 7), 80, 32, 4, 0.2, 0, 0, 3,
                    List.of(0, 1, 2, 3), null);
        }

        /** mamba_vision_S. */
        public static Config small() {
            return new Config(List.of(3, 3, 7, 5), List.of(2, 4, 8, 16), List.of(8, 8, 14, 7), 96, 64, 4, 0.2, 0, 0, 3,
                    List.of(0, 1, 2, 3), null);
        }

        /** mamba_vision_B (layer scale 1e-5 on the hybrid blocks). */
        public static Config base() {
            return new Config(List.of(3, 3, 10, 5), List.of(2, 4, 8, 16), List.of(8, 8, 14, 7), 128, 64, 4, 0.3, 1e-5, 0, 3,
                    List.of(0, 1, 2, 3), null);
        }

        public Config withWindowSize(List<Integer> windows) {
            return new Config(depths, numHeads, windows, dim, inDim, mlpRatio, dropPathRate, layerScale, layerScaleConv, inChans,
                    outIndices, pretrained);
        }
    }

    private final Config config;
    private final PatchEmbed patchEmbed;
    private final Sequential<MambaVisionLayer> levels;
    private final LayerNorm[] outNorms = new LayerNorm[4];

    public MambaVision(Config config) {
        super(config.pretrained());
        this.config = config;
        patchEmbed = addChild("patch_embed", new PatchEmbed(config.inChans(), config.inDim(), config.dim()));
        levels = addChild("levels", new Sequential<>());
        List<List<Double>> dpr = StochasticDepth.perStage(config.depths(), config.dropPathRate());
        for (int i = 0; i < 4; i++) {
            levels.add(new MambaVisionLayer(config.dim() << i, config.depths().get(i), config.numHeads().get(i),
                    config.windowSize().get(i), i < 2, i < 3, config.mlpRatio(), dpr.get(i), config.layerScale(), config.layerScaleConv()));
        }
        List<FeatureInfo> info = new ArrayList<>();
        for (int i : config.outIndices()) {
            outNorms[i] = addChild("outnorm" + i, new LayerNorm(config.dim() << i, OUT_NORM_EPS));
            info.add(new FeatureInfo(config.dim() << i, 4 << i, "levels." + i));
        }
        declareFeatures(info);
    }

    public Config config() {
        return config;
    }

    /** {@code [N, C_in, H, W]} to the normed level outputs {@code [N, dim * 2^i, H/4/2^i, W/4/2^i]} (sizes rounded up). */
    @Override
    public List<NDArray> forward(NDArray images) {
        NDArray x = patchEmbed.forward(checkImages("MambaVision", images, config.inChans()));
        List<NDArray> outs = new ArrayList<>();
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int i = 0; i <= last; i++) {
            MambaVisionLayer level = levels.get(i);
            NDArray o = level.blocks(x);
            if (o != x) {
                x.close();
            }
            if (outNorms[i] != null) {
                outs.add(outNorms[i].forwardNchw(o));
            }
            if (i < last) {
                x = level.downsample(o);
                o.close();
            } else {
                o.close();
            }
        }
        return outs;
    }

    /**
     * Loads weights under the reference's names (the released {@code mambavision_*_1k.pth.tar} {@code state_dict},
     * converted to safetensors, or {@code .pth}); the classifier's {@code norm.*} and {@code head.*} are dropped and the
     * {@code outnorm{i}} keep their initialisation unless the file has them.
     */
    @Override
    public LoadReport loadPretrained(Path file) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            return loadStateDict(ckpt, "official", UnaryOperator.identity(),
                    name -> name.startsWith("head.") || name.startsWith("norm.") || name.startsWith("outnorm"));
        }
    }

    /**
     * Multiply-accumulates of one forward pass on a {@code height x width} image: convolutions, linear layers and the
     * attention products (padded windows included); norms, activations and the selective scan's elementwise
     * recurrence are left out. Stops after the last output level.
     */
    public long macs(long height, long width) {
        long macs = patchEmbed.macs(height, width);
        long h = (((height + 1) / 2) + 1) / 2;
        long w = (((width + 1) / 2) + 1) / 2;
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int i = 0; i <= last; i++) {
            macs += levels.get(i).blockMacs(h, w);
            if (i < last) {
                macs += levels.get(i).downsampleMacs(h, w);
                h = (h + 1) / 2;
                w = (w + 1) / 2;
            }
        }
        return macs;
    }
}

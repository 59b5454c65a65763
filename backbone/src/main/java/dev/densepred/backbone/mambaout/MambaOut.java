package dev.densepred.backbone.mambaout;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.Checkpoint;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.StageSettings;
import dev.densepred.backbone.StochasticDepth;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.LayerNorm;
import dev.densepred.engine.nn.Sequential;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * MambaOut (Yu and Wang, 2024), the same network as timm's {@code mambaout_*} and the official code, so that
 * released ImageNet weights load and give the same numbers. Parameter names are timm's ({@link MambaOutKeys} maps
 * the official ones).
 *
 * <p>Layout: a stride-4 {@link Stem}, then four stages whose blocks run channels-last ({@code [N, H, W, C]}); stages
 * 1 to 3 start with a stride-2 {@link Downsample}. With {@code num_classes > 0} the network ends in timm's
 * {@link MlpHead} (for ImageNet checks). With {@code num_classes = 0}, dense-prediction mode, the head is dropped
 * and each output stage gets its own freshly initialised LayerNorm over channels, named {@code outnorm{i}} as the
 * VMamba detection and segmentation backbones (whose recipes MambaOut follows) name them.
 *
 * <p>Besides the five released sizes, timm's {@code mambaout_*_rw} family is built too (no norm between the stem's
 * convolutions, the downsampling norm first, LayerScale, SiLU in two of them, timm's norm-MLP head), so that its hub
 * weights load as they are.
 */
public final class MambaOut extends Backbone {

    /** Every LayerNorm of MambaOut uses eps 1e-6, not PyTorch's default 1e-5. */
    static final double NORM_EPS = 1e-6;
    /** timm's {@code _init_weights}: trunc-normal std 0.02 for convolution and linear weights, zero biases. */
    static final Init WEIGHT_INIT = Init.truncNormal(0.02f);
    static final Init BIAS_INIT = Init.zeros();
    private static final int HEAD_MLP_RATIO = 4;

    /** timm's {@code downsample}: the LayerNorm after the convolution (released sizes) or before it ({@code _rw}). */
    public enum Downsampling { CONV, CONV_NF }

    /** timm's {@code act_layer} for the stem and the blocks; both heads use GELU whatever it is, as timm's do. */
    public enum Activation {
        GELU, SILU;

        NDArray apply(NDArray x) {
            return this == GELU ? Functional.gelu(x) : Functional.silu(x);
        }
    }

    /**
     * timm's {@code head_fn}: {@code default} is MambaOut's MLP head (pool, norm, fc, GELU, norm, fc); {@code norm_mlp}
     * is timm's {@code ClNormMlpClassifierHead}, the same without the second norm.
     */
    public enum HeadFn { DEFAULT, NORM_MLP }

    /**
     * Settings of a MambaOut network; JSON keys are the snake_case names.
     *
     * @param depths blocks per stage
     * @param dims channels per stage
     * @param inChans input channels
     * @param kernelSize depthwise kernel of the token mixer
     * @param expansionRatio {@code hidden = int(expansion_ratio * dim)}, 8/3 in every released size
     * @param convRatio fraction of the channels the depthwise convolution sees ({@code int(conv_ratio * dim)})
     * @param stemMidNorm a LayerNorm between the stem's two convolutions (the released sizes; not the {@code _rw})
     * @param downsample where each downsampling LayerNorm sits
     * @param lsInitValue initial LayerScale {@code gamma} on each block's branch, or null for none (the released sizes)
     * @param actLayer activation of the stem and the blocks' gate
     * @param headFn classifier head when {@code num_classes > 0}
     * @param dropPathRate stochastic depth of the last block, spread linearly from 0 over all blocks
     * @param outIndices stages whose outputs {@link #forward} returns, increasing
     * @param numClasses 0 for dense prediction (no head, per-stage output norms), &gt; 0 for the ImageNet classifier
     * @param pretrained weight file to load after initialisation, or null
     */
    public record Config(
            List<Integer> depths,
            List<Integer> dims,
            int inChans,
            int kernelSize,
            double expansionRatio,
            double convRatio,
            boolean stemMidNorm,
            Downsampling downsample,
            Double lsInitValue,
            Activation actLayer,
            HeadFn headFn,
            double dropPathRate,
            List<Integer> outIndices,
            int numClasses,
            String pretrained) {

        public Config {
            depths = List.copyOf(depths);
            dims = List.copyOf(dims);
            StageSettings.checkDepthsAndDims(depths, dims, 2);
            outIndices = StageSettings.checkOutIndices(outIndices, depths.size());
            for (int i = 0; i < depths.size(); i++) {
                int hidden = (int) (expansionRatio * dims.get(i));
                int convChannels = (int) (convRatio * dims.get(i));
                if (convChannels < 1 || convChannels > hidden) {
                    throw new IllegalArgumentException("stage " + i + ": conv_ratio " + convRatio + " gives " + convChannels
                            + " conv channels; it must be between 1 and hidden = " + hidden);
                }
            }
            if (inChans < 1 || kernelSize < 1 || kernelSize % 2 == 0) {
                throw new IllegalArgumentException("in_chans " + inChans + " must be >= 1 and kernel_size " + kernelSize + " odd");
            }
            if (downsample == null || actLayer == null || headFn == null) {
                throw new IllegalArgumentException("downsample (conv, conv_nf), act_layer (gelu, silu) and head_fn (default, norm_mlp)"
                        + " must be set, got " + downsample + ", " + actLayer + " and " + headFn);
            }
            if (lsInitValue != null && !Double.isFinite(lsInitValue)) {
                throw new IllegalArgumentException("ls_init_value must be a number or null (no LayerScale), got " + lsInitValue);
            }
            StageSettings.checkDropPathRate(dropPathRate);
            if (numClasses < 0) {
                throw new IllegalArgumentException("num_classes must be >= 0, got " + numClasses);
            }
        }

        /** mambaout_tiny for dense prediction: what a config gets for the keys it leaves out. */
        public static Config defaults() {
            return tiny();
        }

        /** 7.3M parameters with the 1000-class head. */
        public static Config femto() {
            return of(List.of(3, 3, 9, 3), List.of(48, 96, 192, 288));
        }

        /** 9.1M parameters with the 1000-class head (24 blocks, in memory of Kobe Bryant). */
        public static Config kobe() {
            return of(List.of(3, 3, 15, 3), List.of(48, 96, 192, 288));
        }

        /** 26.5M parameters with the 1000-class head. */
        public static Config tiny() {
            return of(List.of(3, 3, 9, 3), List.of(96, 192, 384, 576));
        }

        /** 48.5M parameters with the 1000-class head. */
        public static Config small() {
            return of(List.of(3, 4, 27, 3), List.of(96, 192, 384, 576));
        }

        /** 84.8M parameters with the 1000-class head. */
        public static Config base() {
            return of(List.of(3, 4, 27, 3), List.of(128, 256, 512, 768));
        }

        /** timm's {@code mambaout_small_rw}: 48.5M parameters with the 1000-class head. */
        public static Config smallRw() {
            return rw(List.of(3, 4, 27, 3), List.of(96, 192, 384, 576), 8.0 / 3.0, 1.0, Activation.GELU);
        }

        /** timm's {@code mambaout_base_short_rw}: 88.8M parameters with the 1000-class head. */
        public static Config baseShortRw() {
            return rw(List.of(3, 3, 25, 3), List.of(128, 256, 512, 768), 3.0, 1.25, Activation.GELU);
        }

        /** timm's {@code mambaout_base_tall_rw}: 86.5M parameters with the 1000-class head. */
        public static Config baseTallRw() {
            return rw(List.of(3, 4, 30, 3), List.of(128, 256, 512, 768), 2.5, 1.25, Activation.GELU);
        }

        /** timm's {@code mambaout_base_wide_rw}: 94.4M parameters with the 1000-class head. */
        public static Config baseWideRw() {
            return rw(List.of(3, 4, 27, 3), List.of(128, 256, 512, 768), 3.0, 1.5, Activation.SILU);
        }

        /** timm's {@code mambaout_base_plus_rw}: 101.7M parameters with the 1000-class head. */
        public static Config basePlusRw() {
            return rw(List.of(3, 4, 30, 3), List.of(128, 256, 512, 768), 3.0, 1.5, Activation.SILU);
        }

        /** The small network of the golden fixtures, for tests. */
        public static Config mini() {
            return of(List.of(1, 1, 2, 1), List.of(16, 32, 48, 64));
        }

        /**
         * A size by name: femto, kobe, tiny, small, base, timm's small_rw, base_short_rw, base_tall_rw, base_wide_rw,
         * base_plus_rw (or mini).
         */
        public static Config named(String size) {
            return switch (size.toLowerCase(Locale.ROOT)) {
                case "femto" -> femto();
                case "kobe" -> kobe();
                case "tiny" -> tiny();
                case "small" -> small();
                case "base" -> base();
                case "small_rw" -> smallRw();
                case "base_short_rw" -> baseShortRw();
                case "base_tall_rw" -> baseTallRw();
                case "base_wide_rw" -> baseWideRw();
                case "base_plus_rw" -> basePlusRw();
                case "mini" -> mini();
                default -> throw new IllegalArgumentException("unknown MambaOut size '" + size
                        + "' (femto, kobe, tiny, small, base, small_rw, base_short_rw, base_tall_rw, base_wide_rw, base_plus_rw, mini)");
            };
        }

        private static Config of(List<Integer> depths, List<Integer> dims) {
            return new Config(depths, dims, 3, 7, 8.0 / 3.0, 1.0, true, Downsampling.CONV, null, Activation.GELU, HeadFn.DEFAULT,
                    0.0, allStages(depths), 0, null);
        }

        private static Config rw(List<Integer> depths, List<Integer> dims, double expansionRatio, double convRatio, Activation act) {
            return new Config(depths, dims, 3, 7, expansionRatio, convRatio, false, Downsampling.CONV_NF, 1e-6, act, HeadFn.NORM_MLP,
                    0.0, allStages(depths), 0, null);
        }

        /** Every stage index, {@code [0, depths.size())}: the default {@code out_indices}. */
        static List<Integer> allStages(List<Integer> depths) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < depths.size(); i++) {
                all.add(i);
            }
            return all;
        }

        public Config withNumClasses(int n) {
            return new Config(depths, dims, inChans, kernelSize, expansionRatio, convRatio, stemMidNorm, downsample, lsInitValue,
                    actLayer, headFn, dropPathRate, outIndices, n, pretrained);
        }

        public Config withDropPathRate(double rate) {
            return new Config(depths, dims, inChans, kernelSize, expansionRatio, convRatio, stemMidNorm, downsample, lsInitValue,
                    actLayer, headFn, rate, outIndices, numClasses, pretrained);
        }

        public Config withOutIndices(List<Integer> indices) {
            return new Config(depths, dims, inChans, kernelSize, expansionRatio, convRatio, stemMidNorm, downsample, lsInitValue,
                    actLayer, headFn, dropPathRate, indices, numClasses, pretrained);
        }

        public Config withConvRatio(double ratio) {
            return new Config(depths, dims, inChans, kernelSize, expansionRatio, ratio, stemMidNorm, downsample, lsInitValue,
                    actLayer, headFn, dropPathRate, outIndices, numClasses, pretrained);
        }

        public Config withPretrained(String file) {
            return new Config(depths, dims, inChans, kernelSize, expansionRatio, convRatio, stemMidNorm, downsample, lsInitValue,
                    actLayer, headFn, dropPathRate, outIndices, numClasses, file);
        }
    }

    private final Config config;
    private final Stem stem;
    private final Sequential<MambaOutStage> stages;
    private final MlpHead head;
    private final LayerNorm[] outNorms;

    public MambaOut(Config config) {
        super(config.pretrained());
        this.config = config;
        List<Integer> dims = config.dims();
        stem = addChild("stem", new Stem(config.inChans(), dims.get(0), config.stemMidNorm(), config.actLayer()));
        stages = addChild("stages", new Sequential<>());
        List<List<Double>> dropPaths = StochasticDepth.perStage(config.depths(), config.dropPathRate());
        for (int i = 0; i < dims.size(); i++) {
            stages.add(new MambaOutStage(dims.get(i == 0 ? 0 : i - 1), dims.get(i), i > 0, dropPaths.get(i), config));
        }
        outNorms = new LayerNorm[dims.size()];
        List<FeatureInfo> info = new ArrayList<>();
        for (int i : config.outIndices()) {
            info.add(new FeatureInfo(dims.get(i), 4 << i, "stages." + i));
        }
        declareFeatures(info);
        if (config.numClasses() > 0) {
            head = addChild("head", new MlpHead(dims.get(dims.size() - 1), config.numClasses(), HEAD_MLP_RATIO,
                    config.headFn() == HeadFn.DEFAULT));
        } else {
            head = null;
            for (int i : config.outIndices()) {
                outNorms[i] = addChild("outnorm" + i, new LayerNorm(dims.get(i), NORM_EPS));
            }
        }
    }

    public Config config() {
        return config;
    }

    /**
     * {@code [N, C_in, H, W]} images to the outputs of the {@code out_indices} stages, {@code [N, dims[i], H/s, W/s]}
     * for strides 4, 8, 16, 32. In dense mode each passes its {@code outnorm{i}}; with a head they are the raw stage
     * outputs (timm's {@code forward_intermediates}). The maps are NCHW views of channels-last data (PyTorch's
     * {@code channels_last} memory format), which convolutions take without a copy. Stages after the last output
     * are not run.
     */
    @Override
    public List<NDArray> forward(NDArray images) {
        NDArray x = stem.forward(checkImages("MambaOut", images, config.inChans()));
        List<NDArray> outs = new ArrayList<>(featureInfo().size());
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int i = 0; i <= last; i++) {
            NDArray next = stages.get(i).forward(x, i == 0); // the stem output is needed by nothing else
            x.close(); // the returned maps below are views with handles of their own
            x = next;
            if (config.outIndices().contains(i)) {
                NDArray y = outNorms[i] == null ? x : outNorms[i].forward(x);
                outs.add(y.transpose(0, 3, 1, 2)); // [N, H, W, C] -> [N, C, H, W]
                if (y != x) {
                    y.close();
                }
            }
        }
        x.close();
        return outs;
    }

    /** {@code [N, C_in, H, W]} images to logits {@code [N, num_classes]}; needs {@code num_classes > 0}. */
    public NDArray classify(NDArray images) {
        if (head == null) {
            throw new IllegalStateException("this MambaOut was built for dense prediction (num_classes = 0) and has no classifier");
        }
        return head.forward(forwardFeatures(images));
    }

    /** Stem and all stages: {@code [N, C_in, H, W]} to the last stage's {@code [N, H/32, W/32, C]}, channels last. */
    NDArray forwardFeatures(NDArray images) {
        NDArray x = stem.forward(checkImages("MambaOut", images, config.inChans()));
        for (MambaOutStage s : stages.items()) {
            NDArray next = s.forward(x, true);
            x.close();
            x = next;
        }
        return x;
    }

    Stem stem() {
        return stem;
    }

    List<MambaOutStage> stages() {
        return stages.items();
    }

    MlpHead head() {
        return head;
    }

    /**
     * Loads timm-named ({@code model.safetensors} from the hub) or official-named ({@code .pth} release, or its
     * safetensors conversion) weights. In dense mode the file's classifier ({@code head.*}, official {@code norm.*}
     * and {@code head.*}) is dropped and the {@code outnorm{i}} keep their initialisation unless the file has them;
     * with a head, every key must match.
     */
    @Override
    public LoadReport loadPretrained(Path file) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            boolean official = MambaOutKeys.isOfficial(ckpt.shapes().keySet());
            UnaryOperator<String> toTimm = official ? MambaOutKeys::toTimm : UnaryOperator.identity();
            return loadStateDict(ckpt, official ? "official" : "timm", toTimm,
                    name -> head == null && (name.startsWith("head.") || name.startsWith("outnorm")));
        }
    }

    /**
     * Multiply-accumulates of one forward pass on a {@code height x width} image, counted from the layer shapes:
     * convolutions and linear layers (what fvcore and the MambaOut paper count); norms, activations, the gating
     * product and biases are left out. Includes the head when there is one, and stops after the last output stage.
     */
    public long macs(long height, long width) {
        List<Integer> dims = config.dims();
        long h = (height + 1) / 2;
        long w = (width + 1) / 2;
        long macs = h * w * (dims.get(0) / 2) * config.inChans() * 9L; // stem conv1
        long half = dims.get(0) / 2;
        h = (h + 1) / 2;
        w = (w + 1) / 2;
        macs += h * w * dims.get(0) * half * 9L; // stem conv2
        int last = head != null ? dims.size() - 1 : config.outIndices().get(config.outIndices().size() - 1);
        for (int i = 0; i <= last; i++) {
            long dim = dims.get(i);
            if (i > 0) {
                h = (h + 1) / 2;
                w = (w + 1) / 2;
                macs += h * w * dim * dims.get(i - 1) * 9L; // downsample conv
            }
            for (GatedConvBlock b : stages.get(i).blocks()) {
                long k = config.kernelSize();
                macs += h * w * (dim * 2L * b.hidden() + (long) b.convChannels() * k * k + (long) b.hidden() * dim);
            }
        }
        if (head != null) {
            long c = dims.get(dims.size() - 1);
            macs += c * HEAD_MLP_RATIO * c + HEAD_MLP_RATIO * c * config.numClasses();
        }
        return macs;
    }
}

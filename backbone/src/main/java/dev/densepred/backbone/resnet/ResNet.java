package dev.densepred.backbone.resnet;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.Checkpoint;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.LocalScope;
import dev.densepred.backbone.StageSettings;
import dev.densepred.engine.nn.BatchNorm2d;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.nn.Sequential;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * ResNet with Bottleneck blocks (50, 101, 152 layers) in torchvision's and mmcv's layout and parameter names
 * ({@code conv1}, {@code bn1} or the deep {@code stem}, {@code layer1..4}), the stride in the 3x3 convolution
 * ({@code style='pytorch'}). Two configurations:
 * <ul>
 *   <li>{@code type: "ResNet"}: mmdetection's Mask R-CNN backbone (torchvision's v1b, 7x7 stem): the stem and the
 *       first {@code frozen_stages} stages frozen (no gradient, BatchNorm on running statistics), every BatchNorm
 *       kept in evaluation mode while training ({@code norm_eval=True}) with its affine parameters still trained
 *       outside the frozen stages.</li>
 *   <li>{@code type: "ResNetV1c"}: mmsegmentation's {@code ResNetV1c} ({@code deep_stem=True}, three 3x3
 *       convolutions, see {@link DeepStem}) with mmsegmentation's defaults: nothing frozen and every BatchNorm
 *       training on batch statistics ({@code frozen_stages=-1}, {@code norm_eval=False}).</li>
 * </ul>
 * The classifier ({@code fc}) is not built; a checkpoint's {@code fc.*} is dropped on loading.
 */
public final class ResNet extends Backbone {

    /**
     * Settings of {@code type: "ResNet"}; JSON keys are the snake_case names (mmsegmentation's and mmdetection's).
     *
     * @param depth 50, 101 or 152
     * @param inChannels input channels
     * @param stemChannels channels the stem puts out (64 in every published ResNet)
     * @param baseChannels bottleneck width of layer1, doubling with each stage (64 in every published ResNet);
     *     stage {@code i} puts out {@code 4 * base_channels * 2^i} channels
     * @param deepStem three 3x3 convolutions ({@code stem.*}) instead of the 7x7 one ({@code conv1}, {@code bn1})
     * @param outIndices stages (0 = layer1, stride 4 ... 3 = layer4, stride 32) whose outputs are returned
     * @param frozenStages -1 freezes nothing, 0 the stem, k also layer1..layerk (mmdetection's meaning)
     * @param normEval keep every BatchNorm on running statistics in training
     * @param pretrained weight file to load after initialisation, or null
     */
    public record Config(int depth, int inChannels, int stemChannels, int baseChannels, boolean deepStem,
            List<Integer> outIndices, int frozenStages, boolean normEval, String pretrained) {

        public Config {
            if (!BLOCKS.containsKey(depth)) {
                throw new IllegalArgumentException("ResNet depth must be one of " + BLOCKS.keySet() + ", got " + depth);
            }
            if (inChannels < 1) {
                throw new IllegalArgumentException("in_channels must be >= 1, got " + inChannels);
            }
            if (stemChannels < (deepStem ? 2 : 1)) {
                throw new IllegalArgumentException("stem_channels must be >= " + (deepStem ? "2 with deep_stem" : "1") + ", got " + stemChannels);
            }
            if (baseChannels < 1) {
                throw new IllegalArgumentException("base_channels must be >= 1, got " + baseChannels);
            }
            if (frozenStages < -1 || frozenStages > 4) {
                throw new IllegalArgumentException("frozen_stages must be in -1..4, got " + frozenStages);
            }
            outIndices = StageSettings.checkOutIndices(outIndices, 4);
        }

        /** mmdetection's Mask R-CNN R-50 backbone: 7x7 stem, out_indices 0..3, frozen_stages 1, norm_eval. */
        public static Config defaults() {
            return new Config(50, 3, 64, 64, false, List.of(0, 1, 2, 3), 1, true, null);
        }

        public Config withDepth(int d) {
            return new Config(d, inChannels, stemChannels, baseChannels, deepStem, outIndices, frozenStages, normEval, pretrained);
        }

        public Config withDeepStem(boolean deep) {
            return new Config(depth, inChannels, stemChannels, baseChannels, deep, outIndices, frozenStages, normEval, pretrained);
        }

        public Config withFrozenStages(int k) {
            return new Config(depth, inChannels, stemChannels, baseChannels, deepStem, outIndices, k, normEval, pretrained);
        }

        public Config withNormEval(boolean eval) {
            return new Config(depth, inChannels, stemChannels, baseChannels, deepStem, outIndices, frozenStages, eval, pretrained);
        }

        public Config withOutIndices(List<Integer> indices) {
            return new Config(depth, inChannels, stemChannels, baseChannels, deepStem, indices, frozenStages, normEval, pretrained);
        }
    }

    /**
     * Settings of {@code type: "ResNetV1c"}: {@link Config} without {@code deep_stem}, which this type sets (as
     * mmsegmentation's {@code ResNetV1c}, which refuses the key too), and with mmsegmentation's {@code ResNet}
     * defaults ({@code frozen_stages=-1}, {@code norm_eval=False}).
     */
    public record V1cConfig(int depth, int inChannels, int stemChannels, int baseChannels, List<Integer> outIndices,
            int frozenStages, boolean normEval, String pretrained) {

        /** mmsegmentation's {@code ResNetV1c} defaults, depth 50 (its UperNet R-50 backbone). */
        public static V1cConfig defaults() {
            return new V1cConfig(50, 3, 64, 64, List.of(0, 1, 2, 3), -1, false, null);
        }

        /** The {@link Config} these settings mean, with the deep stem. */
        public Config resnet() {
            return new Config(depth, inChannels, stemChannels, baseChannels, true, outIndices, frozenStages, normEval, pretrained);
        }
    }

    /** Bottleneck blocks per stage, as torchvision's resnet50/101/152. */
    private static final Map<Integer, List<Integer>> BLOCKS = Map.of(
            50, List.of(3, 4, 6, 3),
            101, List.of(3, 4, 23, 3),
            152, List.of(3, 8, 36, 3));

    private final Config config;
    private final DeepStem stem;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final List<Sequential<Bottleneck>> layers = new ArrayList<>();

    public ResNet(Config config) {
        super(config.pretrained());
        this.config = config;
        if (config.deepStem()) {
            stem = addChild("stem", new DeepStem(config.inChannels(), config.stemChannels()));
            conv1 = null;
            bn1 = null;
        } else {
            stem = null;
            conv1 = addChild("conv1", new Conv2d(config.inChannels(), config.stemChannels(), 7,
                    Conv2d.Options.defaults().withStride(2).withPadding(3).withBias(false), Init.kaimingNormalFanOut(), Init.zeros()));
            bn1 = addChild("bn1", new BatchNorm2d(config.stemChannels()));
        }
        int in = config.stemChannels();
        List<Integer> blocks = BLOCKS.get(config.depth());
        for (int s = 0; s < 4; s++) {
            int planes = config.baseChannels() << s;
            Sequential<Bottleneck> layer = addChild("layer" + (s + 1), new Sequential<>());
            for (int b = 0; b < blocks.get(s); b++) {
                layer.add(new Bottleneck(in, planes, b == 0 && s > 0 ? 2 : 1));
                in = planes * Bottleneck.EXPANSION;
            }
            layers.add(layer);
        }
        List<FeatureInfo> info = new ArrayList<>();
        for (int i : config.outIndices()) {
            info.add(new FeatureInfo(config.baseChannels() * Bottleneck.EXPANSION << i, 4 << i, "layer" + (i + 1)));
        }
        declareFeatures(info);
        freezeStages();
        train(true);
    }

    public Config config() {
        return config;
    }

    /** mmsegmentation's {@code _freeze_stages}: the stem (either kind), then layer1..layer{frozen_stages}. */
    private void freezeStages() {
        List<Module> frozen = new ArrayList<>();
        if (config.frozenStages() >= 0) {
            if (stem != null) {
                frozen.add(stem);
            } else {
                frozen.add(conv1);
                frozen.add(bn1);
            }
        }
        for (int s = 0; s < config.frozenStages(); s++) {
            frozen.add(layers.get(s));
        }
        for (Module m : frozen) {
            m.setTrainable(false);
            for (Module sub : m.modules().values()) {
                if (sub instanceof BatchNorm2d bn) {
                    bn.setFrozen(true);
                }
            }
        }
    }

    /** Training mode everywhere except BatchNorm when {@code norm_eval} is set (mmdetection's {@code train()}). */
    @Override
    public void train(boolean on) {
        super.train(on);
        if (config.normEval()) {
            for (Module m : modules().values()) {
                if (m instanceof BatchNorm2d) {
                    m.train(false);
                }
            }
        }
    }

    /**
     * {@code [N, C_in, H, W]} to {@code [N, 4 * base_channels * 2^i, H / 2^(i+2), W / 2^(i+2)]} for each of
     * {@code out_indices}.
     */
    @Override
    public List<NDArray> forward(NDArray images) {
        NDArray x = LocalScope.run(checkImages("ResNet", images, config.inChannels()), im -> Functional.maxPool2d(
                stem != null ? stem.forward(im) : Functional.relu(bn1.forward(conv1.forward(im))), 3, 2, 1, false));
        List<NDArray> outs = new ArrayList<>();
        NDArray returned = null;
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int s = 0; s <= last; s++) {
            for (Bottleneck b : layers.get(s).items()) {
                NDArray next = b.forward(x);
                if (x != returned) {
                    x.close(); // free each block's output once the next block has read it
                }
                x = next;
            }
            if (config.outIndices().contains(s)) {
                outs.add(x);
                returned = x;
            }
        }
        if (x != returned) {
            x.close();
        }
        return outs;
    }

    /**
     * Loads a torchvision state_dict ({@code resnet50-*.pth}) or, with the deep stem, mmcv's ({@code open-mmlab://}
     * {@code resnet50_v1c}, {@code resnet50_v1c-2cccc1ad.pth}), or their safetensors forms. {@code fc.*} is dropped,
     * and {@code num_batches_tracked}, which older files lack, keeps its initial value when absent.
     */
    @Override
    public LoadReport loadPretrained(Path file) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            return loadStateDict(ckpt, stem != null ? "mmcv ResNetV1c" : "torchvision", UnaryOperator.identity(),
                    name -> name.startsWith("fc.") || name.endsWith(".num_batches_tracked") || name.equals("num_batches_tracked"));
        }
    }

    /**
     * Multiply-accumulates of one forward pass on a {@code height x width} image, counted from the layer shapes:
     * convolutions only (what fvcore counts; BatchNorm, ReLU and pooling left out). Stops after the last output stage.
     */
    public long macs(long height, long width) {
        long h = (height + 1) / 2;
        long w = (width + 1) / 2;
        long stemOut = config.stemChannels();
        long half = stemOut / 2;
        long macs = config.deepStem()
                ? h * w * 9 * (config.inChannels() * half + half * half + half * stemOut) // stem.0 3x3/2, stem.3, stem.6
                : h * w * 49 * config.inChannels() * stemOut; // conv1 7x7/2
        h = (h + 1) / 2; // max-pool 3x3/2
        w = (w + 1) / 2;
        long in = stemOut;
        List<Integer> blocks = BLOCKS.get(config.depth());
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int s = 0; s <= last; s++) {
            long planes = (long) config.baseChannels() << s;
            for (int b = 0; b < blocks.get(s); b++) {
                long out = planes * Bottleneck.EXPANSION;
                macs += h * w * in * planes; // conv1 1x1
                if (b == 0 && s > 0) {
                    h = (h + 1) / 2; // conv2 carries the stride (torchvision's v1.5)
                    w = (w + 1) / 2;
                }
                macs += h * w * (planes * planes * 9 + planes * out); // conv2 3x3, conv3 1x1
                if (b == 0) {
                    macs += h * w * in * out; // projection shortcut
                }
                in = out;
            }
        }
        return macs;
    }
}

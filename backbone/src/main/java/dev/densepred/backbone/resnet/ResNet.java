package dev.densepred.backbone.resnet;

import ai.djl.ndarray.NDArray;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.Checkpoint;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.LoadReport;
import dev.densepred.backbone.LocalScope;
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
 * ResNet with Bottleneck blocks (50, 101, 152 layers) in torchvision's layout and parameter names ({@code conv1},
 * {@code bn1}, {@code layer1..4}), configured as mmdetection's {@code ResNet} backbone in its Mask R-CNN recipe:
 * stride in the 3x3 convolution ({@code style='pytorch'}), the stem and the first {@code frozen_stages} stages
 * frozen (no gradient, BatchNorm on running statistics), every BatchNorm kept in evaluation mode while training
 * ({@code norm_eval=True}) with its affine parameters still trained outside the frozen stages. The classifier
 * ({@code fc}) is not built; a torchvision checkpoint's {@code fc.*} is dropped on loading.
 */
public final class ResNet extends Backbone {

    /**
     * Settings; JSON keys are the snake_case names.
     *
     * @param depth 50, 101 or 152
     * @param inChannels input channels
     * @param outIndices stages (0 = layer1, stride 4 ... 3 = layer4, stride 32) whose outputs are returned
     * @param frozenStages -1 freezes nothing, 0 the stem, k also layer1..layerk (mmdetection's meaning)
     * @param normEval keep every BatchNorm on running statistics in training
     * @param pretrained weight file to load after initialisation, or null
     */
    public record Config(int depth, int inChannels, List<Integer> outIndices, int frozenStages, boolean normEval, String pretrained) {

        public Config {
            outIndices = List.copyOf(outIndices);
            if (!BLOCKS.containsKey(depth)) {
                throw new IllegalArgumentException("ResNet depth must be one of " + BLOCKS.keySet() + ", got " + depth);
            }
            if (inChannels < 1) {
                throw new IllegalArgumentException("in_channels must be >= 1, got " + inChannels);
            }
            if (frozenStages < -1 || frozenStages > 4) {
                throw new IllegalArgumentException("frozen_stages must be in -1..4, got " + frozenStages);
            }
            if (outIndices.isEmpty()) {
                throw new IllegalArgumentException("out_indices must name at least one stage");
            }
            for (int k = 0; k < outIndices.size(); k++) {
                int i = outIndices.get(k);
                if (i < 0 || i > 3 || (k > 0 && i <= outIndices.get(k - 1))) {
                    throw new IllegalArgumentException("out_indices " + outIndices + " must increase strictly within 0..3");
                }
            }
        }

        /** mmdetection's Mask R-CNN R-50 backbone: out_indices 0..3, frozen_stages 1, norm_eval. */
        public static Config defaults() {
            return new Config(50, 3, List.of(0, 1, 2, 3), 1, true, null);
        }

        public Config withDepth(int d) {
            return new Config(d, inChannels, outIndices, frozenStages, normEval, pretrained);
        }

        public Config withFrozenStages(int k) {
            return new Config(depth, inChannels, outIndices, k, normEval, pretrained);
        }

        public Config withOutIndices(List<Integer> indices) {
            return new Config(depth, inChannels, indices, frozenStages, normEval, pretrained);
        }
    }

    /** Bottleneck blocks per stage, as torchvision's resnet50/101/152. */
    private static final Map<Integer, List<Integer>> BLOCKS = Map.of(
            50, List.of(3, 4, 6, 3),
            101, List.of(3, 4, 23, 3),
            152, List.of(3, 8, 36, 3));

    private final Config config;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final List<Sequential<Bottleneck>> layers = new ArrayList<>();
    private final List<FeatureInfo> featureInfo;

    public ResNet(Config config) {
        super(config.pretrained());
        this.config = config;
        conv1 = addChild("conv1", new Conv2d(config.inChannels(), 64, 7,
                Conv2d.Options.defaults().withStride(2).withPadding(3).withBias(false), Init.kaimingNormalFanOut(), Init.zeros()));
        bn1 = addChild("bn1", new BatchNorm2d(64));
        int in = 64;
        List<Integer> blocks = BLOCKS.get(config.depth());
        for (int s = 0; s < 4; s++) {
            int planes = 64 << s;
            Sequential<Bottleneck> layer = addChild("layer" + (s + 1), new Sequential<>());
            for (int b = 0; b < blocks.get(s); b++) {
                layer.add(new Bottleneck(in, planes, b == 0 && s > 0 ? 2 : 1));
                in = planes * Bottleneck.EXPANSION;
            }
            layers.add(layer);
        }
        List<FeatureInfo> info = new ArrayList<>();
        for (int i : config.outIndices()) {
            info.add(new FeatureInfo(256 << i, 4 << i, "layer" + (i + 1)));
        }
        featureInfo = FeatureInfo.checkLevels(info);
        freezeStages();
        train(true);
    }

    public Config config() {
        return config;
    }

    /** mmdetection's {@code _freeze_stages}: the stem, then layer1..layer{frozen_stages}. */
    private void freezeStages() {
        List<Module> frozen = new ArrayList<>();
        if (config.frozenStages() >= 0) {
            frozen.add(conv1);
            frozen.add(bn1);
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

    @Override
    public List<FeatureInfo> featureInfo() {
        return featureInfo;
    }

    /** {@code [N, C_in, H, W]} to {@code [N, 256 * 2^i, H / 2^(i+2), W / 2^(i+2)]} for each of {@code out_indices}. */
    @Override
    public List<NDArray> forward(NDArray images) {
        NDArray x = LocalScope.run(checkImages("ResNet", images, config.inChannels()),
                im -> Functional.maxPool2d(Functional.relu(bn1.forward(conv1.forward(im))), 3, 2, 1, false));
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
     * Loads a torchvision state_dict ({@code resnet50-*.pth} or its safetensors form). {@code fc.*} is dropped, and
     * {@code num_batches_tracked}, which torchvision's older files lack, keeps its initial value when absent.
     */
    @Override
    public LoadReport loadPretrained(Path file) throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            return loadStateDict(ckpt, "torchvision", UnaryOperator.identity(),
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
        long macs = h * w * 64L * config.inChannels() * 49; // conv1 7x7/2
        h = (h + 1) / 2; // max-pool 3x3/2
        w = (w + 1) / 2;
        long in = 64;
        List<Integer> blocks = BLOCKS.get(config.depth());
        int last = config.outIndices().get(config.outIndices().size() - 1);
        for (int s = 0; s <= last; s++) {
            long planes = 64L << s;
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

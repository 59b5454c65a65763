package dev.densepred.segmentation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.BackboneRegistry;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.runtime.Scope;
import dev.densepred.engine.train.Losses;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * mmsegmentation's {@code EncoderDecoder} segmentor: a backbone, a decode head ({@link UperHead} or {@link FcnHead})
 * and an optional auxiliary head used only in training. Parameter names are mmseg's state-dict keys
 * ({@code backbone.*}, {@code decode_head.psp_modules.0.1.conv.weight}, {@code auxiliary_head.convs.0.bn.weight}).
 *
 * <p>Inference follows mmseg 1.x: whole-image or sliding-window logits at the input size, padding cropped away,
 * un-flipped, resized bilinearly to the original image ({@code postprocess_result}); {@link #predictAug} averages the
 * softmax of several views as {@code SegTTAModel}. Inference methods need evaluation mode ({@code train(false)}).
 */
public final class EncoderDecoder extends Module {

    /**
     * The {@code model} node of a config (mmseg's {@code configs/_base_/models/upernet_*.py} in snake_case).
     *
     * @param type must be {@code EncoderDecoder}
     * @param backbone the backbone, as {@link BackboneRegistry} builds it
     * @param decodeHead {@code UPerHead} or {@code FCNHead} settings
     * @param auxiliaryHead {@code FCNHead} or {@code UPerHead} settings, or null
     * @param trainCfg mmseg's {@code train_cfg}, which UperNet leaves empty
     * @param testCfg whole or slide inference
     */
    public record Settings(String type, Config backbone, Config decodeHead, Config auxiliaryHead, TrainConfig trainCfg,
            TestConfig testCfg) {
        public Settings {
            if (!"EncoderDecoder".equals(type)) {
                throw new IllegalArgumentException("unknown segmentor type '" + type + "'; supported: EncoderDecoder");
            }
        }

        public static Settings defaults() {
            return new Settings("EncoderDecoder", null, null, null, TrainConfig.defaults(), TestConfig.defaults());
        }
    }

    /** mmseg's {@code train_cfg}: UperNet has no training-time settings, so only {@code {}} is accepted. */
    public record TrainConfig() {
        public static TrainConfig defaults() {
            return new TrainConfig();
        }
    }

    private static final Set<String> HEAD_TYPES = Set.of("UPerHead", "FCNHead");

    private final Backbone backbone;
    private final DecodeHead decodeHead;
    private final DecodeHead auxiliaryHead;
    private TestConfig testConfig;

    private EncoderDecoder(Backbone backbone, DecodeHead decodeHead, DecodeHead auxiliaryHead, TestConfig testConfig) {
        this.backbone = addChild("backbone", backbone);
        this.decodeHead = addChild("decode_head", decodeHead);
        this.auxiliaryHead = auxiliaryHead == null ? null : addChild("auxiliary_head", auxiliaryHead);
        this.testConfig = testConfig;
    }

    /**
     * Builds the segmentor a config's {@code model} node describes, initialises it in {@code manager} and loads the
     * backbone's pretrained weights if the config names them. Head {@code in_channels} left out (or empty) are
     * taken from the backbone; given ones must match it.
     */
    public static EncoderDecoder build(Config model, NDManager manager) {
        Settings s = model.bind(Settings.class);
        if (s.backbone() == null) {
            throw new ConfigException(model.describe() + ": missing key 'backbone'");
        }
        if (s.decodeHead() == null) {
            throw new ConfigException(model.describe() + ": missing key 'decode_head'");
        }
        Backbone backbone = BackboneRegistry.build(s.backbone());
        List<FeatureInfo> levels = backbone.featureInfo();
        DecodeHead decode = buildHead(s.decodeHead(), levels);
        DecodeHead aux = s.auxiliaryHead() == null ? null : buildHead(s.auxiliaryHead(), levels);
        if (aux != null && aux.numClasses() != decode.numClasses()) {
            throw new ConfigException(s.auxiliaryHead().describe() + ": num_classes " + aux.numClasses()
                    + " differs from the decode head's " + decode.numClasses());
        }
        EncoderDecoder net = new EncoderDecoder(backbone, decode, aux, s.testCfg());
        net.initialize(manager);
        backbone.pretrained().ifPresent(file -> {
            try {
                backbone.loadPretrained(file);
            } catch (IOException e) {
                throw new UncheckedIOException(s.backbone().describe() + ": cannot read pretrained weights " + file, e);
            }
        });
        return net;
    }

    private static DecodeHead buildHead(Config cfg, List<FeatureInfo> levels) {
        String type = cfg.type();
        try {
            return switch (type) {
                case "UPerHead" -> {
                    UperHead.Config c = ConfigBinder.bind(cfg, UperHead.Config.class, Set.of("type"));
                    List<Integer> channels = new ArrayList<>();
                    for (int index : c.inIndex()) {
                        channels.add(levels.get(DecodeHead.resolveIndex(index, levels.size(), "UPerHead")).channels());
                    }
                    if (!c.inChannels().isEmpty() && !c.inChannels().equals(channels)) {
                        throw new IllegalArgumentException("in_channels " + c.inChannels() + " do not match the backbone's "
                                + channels + " at in_index " + c.inIndex());
                    }
                    yield new UperHead(c.withInChannels(channels));
                }
                case "FCNHead" -> {
                    FcnHead.Config c = ConfigBinder.bind(cfg, FcnHead.Config.class, Set.of("type"));
                    int channels = levels.get(DecodeHead.resolveIndex(c.inIndex(), levels.size(), "FCNHead")).channels();
                    if (c.inChannels() != 0 && c.inChannels() != channels) {
                        throw new IllegalArgumentException("in_channels " + c.inChannels() + " does not match the backbone's "
                                + channels + " at in_index " + c.inIndex());
                    }
                    yield new FcnHead(c.withInChannels(channels));
                }
                default -> throw new ConfigException(cfg.originOf(cfg.path() + ".type") + ": '" + cfg.path()
                        + ".type': unknown head type '" + type + "'; supported: " + String.join(", ", HEAD_TYPES.stream().sorted().toList()));
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(cfg.describe() + ": " + e.getMessage(), e);
        }
    }

    /** Number of classes the decode head predicts. */
    public int numClasses() {
        return decodeHead.numClasses();
    }

    public Backbone backbone() {
        return backbone;
    }

    public DecodeHead decodeHead() {
        return decodeHead;
    }

    /** The auxiliary head, or null. */
    public DecodeHead auxiliaryHead() {
        return auxiliaryHead;
    }

    public TestConfig testConfig() {
        return testConfig;
    }

    /** Switches between whole and slide inference (e.g. to benchmark both on one model). */
    public void setTestConfig(TestConfig testConfig) {
        this.testConfig = testConfig;
    }

    /**
     * The training losses of a batch, mmseg's names: {@code decode.loss_ce}, {@code decode.acc_seg} and, with an
     * auxiliary head, {@code aux.loss_ce} (already weighted), {@code aux.acc_seg}.
     *
     * @param images {@code [N, 3, H, W]} normalised, padded images
     * @param labels {@code [N, H, W]} integer labels, 255 (the ignore index) where unlabelled or padded
     */
    public Losses forwardTrain(NDArray images, NDArray labels) {
        Shape is = images.getShape();
        Shape ls = labels.getShape();
        if (is.dimension() != 4 || ls.dimension() != 3 || is.get(0) != ls.get(0)) {
            throw new IllegalArgumentException("need images [N, C, H, W] and labels [N, H, W], got " + is + " and " + ls);
        }
        checkLabels(labels);
        List<NDArray> features = backbone.forward(images);
        Losses losses = decodeHead.loss(features, labels, "decode");
        if (auxiliaryHead != null) {
            losses.addAll(auxiliaryHead.loss(features, labels, "aux"));
        }
        return losses;
    }

    /** A label outside {@code [0, C)} other than the ignore index would fail deep in the native gather. */
    private void checkLabels(NDArray labels) {
        int ignore = decodeHead.ignoreIndex();
        NDArray bad = labels.lt(0).logicalOr(labels.gte(numClasses()).logicalAnd(labels.neq(ignore)));
        if (bad.any().getBoolean()) {
            throw new IllegalArgumentException("labels must be in [0, " + numClasses() + ") or " + ignore
                    + "; the batch holds other values");
        }
    }

    /**
     * Backbone and decode head on a batch ({@code encode_decode}): logits resized to the input's size
     * ({@code [N, C, H, W]}).
     */
    public NDArray encodeDecode(NDArray images) {
        NDArray logits = decodeHead.forward(backbone.forward(images));
        Shape s = images.getShape();
        return Resize2d.resize(logits, s.get(2), s.get(3), decodeHead.alignCorners());
    }

    /**
     * Logits of one preprocessed view at the original image size, {@code [C, oriH, oriW]}: whole or slide inference
     * on the view, the padding beyond {@code meta.height() x meta.width()} cropped away, un-flipped, then resized
     * bilinearly to {@code meta.oriHeight() x meta.oriWidth()} (mmseg's {@code postprocess_result}). Temporaries
     * are freed before it returns; the result lives in {@code image}'s manager.
     *
     * @param image {@code [1, 3, H, W]} normalised view (resized keep-ratio, maybe flipped, maybe padded right/bottom)
     */
    public NDArray inferLogits(NDArray image, ImageMeta meta) {
        if (isTraining()) {
            throw new IllegalStateException("inference needs evaluation mode: call train(false) first");
        }
        Shape s = image.getShape();
        if (s.dimension() != 4 || s.get(0) != 1) {
            throw new IllegalArgumentException("inference takes one view [1, C, H, W], got " + s);
        }
        if (meta.height() > s.get(2) || meta.width() > s.get(3)) {
            throw new IllegalArgumentException("meta says the content is " + meta.height() + "x" + meta.width()
                    + " but the view is only " + s.get(2) + "x" + s.get(3));
        }
        try (Scope scope = Scope.open(image.getManager())) {
            // Operations join their first operand's manager: lending the view to the scope frees every temporary.
            NDArray view = image;
            view.tempAttach(scope.manager());
            NDArray logits = testConfig.mode() == TestConfig.Mode.SLIDE
                    ? new SlidingWindow(testConfig.cropSize(), testConfig.stride()).apply(view, numClasses(), this::encodeDecode)
                    : encodeDecode(view);
            if (meta.height() < s.get(2) || meta.width() < s.get(3)) {
                logits = logits.get(new NDIndex(":, :, 0:{}, 0:{}", meta.height(), meta.width()));
            }
            if (meta.flipped()) {
                logits = logits.flip(3);
            }
            NDArray out = Resize2d.resize(logits, meta.oriHeight(), meta.oriWidth(), decodeHead.alignCorners()).squeeze(0);
            return scope.keep(out);
        }
    }

    /**
     * Multi-scale and flip testing as mmseg 1.x's {@code SegTTAModel}: each view's {@link #inferLogits} (already at
     * the original size), softmax over classes, averaged over views, arg-max. Returns an int32 {@code [oriH, oriW]}
     * label map in the first view's manager.
     */
    public NDArray predictAug(List<NDArray> views, List<ImageMeta> metas) {
        if (views.isEmpty() || views.size() != metas.size()) {
            throw new IllegalArgumentException("need one meta per view and at least one view, got " + views.size()
                    + " views and " + metas.size() + " metas");
        }
        ImageMeta first = metas.get(0);
        for (ImageMeta m : metas) {
            if (m.oriHeight() != first.oriHeight() || m.oriWidth() != first.oriWidth()) {
                throw new IllegalArgumentException("the views of one image must share its original size "
                        + first.oriHeight() + "x" + first.oriWidth() + ", got " + m.oriHeight() + "x" + m.oriWidth());
            }
        }
        NDManager out = views.get(0).getManager();
        try (Scope scope = Scope.open(out)) {
            NDArray sum = null;
            for (int i = 0; i < views.size(); i++) {
                try (Scope view = Scope.open(scope.manager())) {
                    NDArray logits = inferLogits(views.get(i), metas.get(i));
                    logits.attach(view.manager());
                    NDArray probs = logits.softmax(0);
                    if (sum == null) {
                        sum = view.keep(probs);
                    } else {
                        sum.addi(probs);
                    }
                }
            }
            return scope.keep(sum.div(views.size()).argMax(0).toType(DataType.INT32, false));
        }
    }

    /** Single-view prediction: the arg-max of {@link #inferLogits}, an int32 {@code [oriH, oriW]} label map. */
    public NDArray predict(NDArray image, ImageMeta meta) {
        try (Scope scope = Scope.open(image.getManager())) {
            NDArray logits = inferLogits(image, meta);
            logits.attach(scope.manager());
            return scope.keep(logits.argMax(0).toType(DataType.INT32, false));
        }
    }
}

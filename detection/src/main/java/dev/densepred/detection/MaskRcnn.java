package dev.densepred.detection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.BackboneRegistry;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.detection.fpn.Fpn;
import dev.densepred.detection.roi.StandardRoiHead;
import dev.densepred.detection.rpn.RpnHead;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.train.Losses;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mask R-CNN with FPN, mmdetection's {@code MaskRCNN} ({@code TwoStageDetector}): {@code backbone} -> {@code neck}
 * ({@link Fpn}, P2-P6) -> {@code rpn_head} ({@link RpnHead}: losses and proposals) -> {@code roi_head}
 * ({@link StandardRoiHead}: box and mask heads). Parameter names are mmdetection's state-dict keys.
 *
 * <p>{@link #forwardTrain} returns mmdetection's loss dict ({@code loss_rpn_cls}, {@code loss_rpn_bbox},
 * {@code loss_cls}, {@code acc}, {@code loss_bbox}, {@code loss_mask}); {@link #predict} the final detections in the
 * original images' pixels. Both take normalised, padded {@code [N, 3, H, W]} images on the model's device; every
 * array they make lives in the images' manager (the caller's iteration scope). Proposals for the RoI head are made
 * from the detached RPN outputs with {@code train_cfg.rpn_proposal}, as mmdetection does.
 *
 * <p>The samplers draw from a generator owned by the model, seeded with {@link #seedSampling}.
 */
public final class MaskRcnn extends Module {

    private final MaskRcnnSettings settings;
    private final Backbone backbone;
    private final Fpn neck;
    private final RpnHead rpnHead;
    private final StandardRoiHead roiHead;
    private SplittableRandom rng = new SplittableRandom(0);

    private MaskRcnn(MaskRcnnSettings settings, Backbone backbone) {
        this.settings = settings;
        this.backbone = addChild("backbone", backbone);
        this.neck = addChild("neck", new Fpn(settings.neck(), backbone.featureInfo()));
        if (settings.rpnHead().inChannels() != settings.neck().outChannels()) {
            throw new IllegalArgumentException("rpn_head.in_channels " + settings.rpnHead().inChannels() + " differs from neck.out_channels "
                    + settings.neck().outChannels());
        }
        if (settings.rpnHead().anchorGenerator().strides().size() != settings.neck().numOuts()) {
            throw new IllegalArgumentException("rpn_head.anchor_generator has " + settings.rpnHead().anchorGenerator().strides().size()
                    + " strides but the neck has " + settings.neck().numOuts() + " outputs");
        }
        this.rpnHead = addChild("rpn_head", new RpnHead(settings.rpnHead()));
        this.roiHead = addChild("roi_head", new StandardRoiHead(settings.roiHead()));
    }

    /**
     * Builds the model the config's {@code model} node describes, initialises it in {@code manager} and loads the
     * backbone's pretrained weights when its config names a file.
     */
    public static MaskRcnn build(Config model, NDManager manager) {
        MaskRcnnSettings settings = MaskRcnnSettings.bind(model);
        MaskRcnn net = new MaskRcnn(settings, BackboneRegistry.build(settings.backbone()));
        net.initialize(manager);
        if (net.backbone.pretrained().isPresent()) {
            Path file = net.backbone.pretrained().get();
            try {
                net.backbone.loadPretrained(file);
            } catch (IOException e) {
                throw new UncheckedIOException(settings.backbone().describe() + ": cannot read pretrained weights " + file, e);
            }
        }
        return net;
    }

    public MaskRcnnSettings settings() {
        return settings;
    }

    /** Number of object classes (background excluded). */
    public int numClasses() {
        return roiHead.numClasses();
    }

    public Backbone backbone() {
        return backbone;
    }

    public Fpn neck() {
        return neck;
    }

    public RpnHead rpnHead() {
        return rpnHead;
    }

    public StandardRoiHead roiHead() {
        return roiHead;
    }

    /** Reseeds the RPN and RoI samplers (a seeded run samples the same anchors and RoIs). */
    public void seedSampling(long seed) {
        rng = new SplittableRandom(seed);
    }

    /** Backbone and FPN features, {@code num_outs} maps finest first. */
    public List<NDArray> extractFeatures(NDArray images) {
        return neck.forward(backbone.forward(images));
    }

    /**
     * The training losses of a batch.
     *
     * @param images normalised, padded {@code [N, 3, H, W]} on the model's device
     * @param metas per image, its sizes and resize factors
     * @param targets per image, its ground truth in input pixels
     */
    public Losses forwardTrain(NDArray images, List<ImageMeta> metas, List<InstanceTargets> targets) {
        checkBatch(images, metas);
        if (targets.size() != metas.size()) {
            throw new IllegalArgumentException("forwardTrain: " + metas.size() + " image metas but " + targets.size() + " targets");
        }
        NDManager m = images.getManager();
        List<NDArray> gtBoxes = new ArrayList<>(targets.size());
        for (InstanceTargets t : targets) {
            gtBoxes.add(m.create(t.boxes(), new Shape(t.size(), 4)));
        }
        List<NDArray> features = extractFeatures(images);
        RpnHead.Output rpnOut = rpnHead.forward(features);
        Losses losses = rpnHead.loss(rpnOut, metas, gtBoxes, settings.rpnTrain(), rng);
        List<NDArray> proposals = rpnHead.proposals(rpnOut, metas, settings.rpnProposal());
        losses.addAll(roiHead.loss(features, proposals, gtBoxes, targets, settings.rcnnTrain(), rng));
        return losses;
    }

    /** Final detections of a batch (boxes and masks in each original image's pixels), without gradient. */
    public List<Detections> predict(NDArray images, List<ImageMeta> metas) {
        checkBatch(images, metas);
        try (Autograd.Recording r = Autograd.noGrad()) {
            List<NDArray> features = extractFeatures(images);
            RpnHead.Output rpnOut = rpnHead.forward(features);
            List<NDArray> proposals = rpnHead.proposals(rpnOut, metas, settings.rpnTest());
            return roiHead.predict(features, proposals, metas, settings.rcnnTest());
        }
    }

    private static void checkBatch(NDArray images, List<ImageMeta> metas) {
        Shape s = images.getShape();
        if (s.dimension() != 4 || s.get(0) != metas.size()) {
            throw new IllegalArgumentException("images: expected [N, C, H, W] with N = " + metas.size() + " (one per meta), found " + s);
        }
        for (int i = 0; i < metas.size(); i++) {
            ImageMeta meta = metas.get(i);
            if (meta.padHeight() > s.get(2) || meta.padWidth() > s.get(3) || meta.height() > meta.padHeight() || meta.width() > meta.padWidth()) {
                throw new IllegalArgumentException("image " + i + ": meta sizes " + meta.height() + "x" + meta.width() + " (pad "
                        + meta.padHeight() + "x" + meta.padWidth() + ") do not fit the batch " + s);
            }
        }
    }
}

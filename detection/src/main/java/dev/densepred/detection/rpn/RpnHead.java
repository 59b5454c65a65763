package dev.densepred.detection.rpn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.detection.LossFunctions;
import dev.densepred.detection.box.AssignResult;
import dev.densepred.detection.box.DeltaXywhCoder;
import dev.densepred.detection.box.ImageSize;
import dev.densepred.detection.box.MaxIouAssigner;
import dev.densepred.detection.box.Nms;
import dev.densepred.detection.box.RandomSampler;
import dev.densepred.detection.box.SamplingResult;
import dev.densepred.engine.nn.Conv2d;
import dev.densepred.engine.nn.Functional;
import dev.densepred.engine.nn.Init;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.train.Losses;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Region proposal network head, mmdetection's {@code RPNHead}: a shared 3x3 convolution with ReLU ({@code rpn_conv}),
 * then per anchor one sigmoid objectness logit ({@code rpn_cls}) and four deltas ({@code rpn_reg}), the same layers
 * over every FPN level. All three are initialised Normal(0, 0.01) with zero bias (mmdetection's {@code init_cfg}).
 *
 * <p>{@link #loss}: anchors of all levels, assigned per image with the RPN's MaxIoU assigner among the anchors
 * inside the image's padded area, 256 sampled at half positives; sigmoid cross-entropy over the sampled anchors and
 * L1 over the positives' deltas, both divided by the number of sampled anchors of the whole batch (mmdetection's
 * {@code avg_factor}). {@link #proposals}: per level the {@code nms_pre} best anchors by score, decoded and clipped
 * to the image, boxes with a side {@code <= min_bbox_size} removed, NMS per level ({@code batched_nms} with level
 * ids), the best {@code max_per_img} kept. Proposals carry no gradient, as mmdetection detaches them.
 */
public final class RpnHead extends Module {

    /**
     * Settings of the head (mmdetection's {@code rpn_head}).
     *
     * @param inChannels channels of the FPN levels
     * @param featChannels channels of the shared convolution
     * @param anchorGenerator anchors per level
     * @param bboxCoder delta coder (means 0, stds 1)
     * @param lossClsWeight weight of the objectness loss
     * @param lossBboxWeight weight of the L1 delta loss
     */
    public record Config(int inChannels, int featChannels, AnchorGenerator.Config anchorGenerator, DeltaXywhCoder.Config bboxCoder,
                         double lossClsWeight, double lossBboxWeight) {

        public Config {
            if (inChannels <= 0 || featChannels <= 0) {
                throw new IllegalArgumentException("rpn_head needs in_channels and feat_channels > 0, found " + inChannels + ", " + featChannels);
            }
        }

        /** Mask R-CNN's RPN head. */
        public static Config defaults() {
            return new Config(256, 256, AnchorGenerator.Config.defaults(), DeltaXywhCoder.Config.defaults(), 1.0, 1.0);
        }
    }

    /**
     * Training settings (mmdetection's {@code train_cfg.rpn}).
     *
     * @param assigner anchor assignment
     * @param sampler anchor sampling
     * @param allowedBorder anchors reaching more than this beyond the image are ignored; negative keeps every anchor
     *     inside the padded area
     * @param posWeight weight of positive anchors in the objectness loss; {@code <= 0} means 1
     */
    public record TrainConfig(MaxIouAssigner.Config assigner, RandomSampler.Config sampler, int allowedBorder, double posWeight) {

        /** Mask R-CNN's: MaxIoU 0.7 / 0.3 / min_pos 0.3 with low-quality matches, 256 samples, half positive. */
        public static TrainConfig defaults() {
            return new TrainConfig(new MaxIouAssigner.Config(0.7, 0.3, 0.0, 0.3, true, -1, true, true),
                    new RandomSampler.Config(256, 0.5, -1, false), -1, -1);
        }
    }

    /**
     * Proposal settings (mmdetection's {@code train_cfg.rpn_proposal} and {@code test_cfg.rpn}).
     *
     * @param nmsPre candidates kept per level before NMS, by score
     * @param maxPerImg proposals kept per image after NMS
     * @param nmsIouThreshold NMS IoU threshold
     * @param minBboxSize boxes whose width or height is not above this are removed
     */
    public record ProposalConfig(int nmsPre, int maxPerImg, double nmsIouThreshold, double minBboxSize) {

        public ProposalConfig {
            if (maxPerImg <= 0) {
                throw new IllegalArgumentException("max_per_img must be > 0, found " + maxPerImg);
            }
        }

        /** Training proposals: 2000 per level, 1000 per image after NMS 0.7. */
        public static ProposalConfig train() {
            return new ProposalConfig(2000, 1000, 0.7, 0);
        }

        /** Test proposals: 1000 per level, 1000 per image after NMS 0.7. */
        public static ProposalConfig test() {
            return new ProposalConfig(1000, 1000, 0.7, 0);
        }
    }

    /**
     * Raw outputs per level.
     *
     * @param clsScores objectness logits, float32 {@code [N, A, H_l, W_l]} per level
     * @param bboxPreds deltas, float32 {@code [N, 4A, H_l, W_l]} per level
     */
    public record Output(List<NDArray> clsScores, List<NDArray> bboxPreds) {}

    private final Config config;
    private final AnchorGenerator anchorGenerator;
    private final DeltaXywhCoder coder;
    private final Conv2d rpnConv;
    private final Conv2d rpnCls;
    private final Conv2d rpnReg;

    public RpnHead(Config config) {
        this.config = config;
        this.anchorGenerator = new AnchorGenerator(config.anchorGenerator());
        this.coder = new DeltaXywhCoder(config.bboxCoder());
        int a = anchorGenerator.numBaseAnchors();
        Init normal = Init.normal(0f, 0.01f);
        rpnConv = addChild("rpn_conv", new Conv2d(config.inChannels(), config.featChannels(), 3,
                Conv2d.Options.defaults().withPadding(1), normal, Init.zeros()));
        rpnCls = addChild("rpn_cls", new Conv2d(config.featChannels(), a, 1, Conv2d.Options.defaults(), normal, Init.zeros()));
        rpnReg = addChild("rpn_reg", new Conv2d(config.featChannels(), 4 * a, 1, Conv2d.Options.defaults(), normal, Init.zeros()));
    }

    public Config config() {
        return config;
    }

    public AnchorGenerator anchorGenerator() {
        return anchorGenerator;
    }

    /** Runs the head over every level; outputs are promoted to float32 (the losses and decoding run in float32). */
    public Output forward(List<NDArray> features) {
        if (features.size() != anchorGenerator.numLevels()) {
            throw new IllegalArgumentException("RPN head has " + anchorGenerator.numLevels() + " anchor levels (strides "
                    + config.anchorGenerator().strides() + "), found " + features.size() + " feature maps");
        }
        List<NDArray> cls = new ArrayList<>();
        List<NDArray> reg = new ArrayList<>();
        for (NDArray f : features) {
            NDArray x = Functional.relu(rpnConv.forward(f));
            cls.add(Functional.toFloat32(rpnCls.forward(x)));
            reg.add(Functional.toFloat32(rpnReg.forward(x)));
        }
        return new Output(cls, reg);
    }

    /** Feature-map sizes {@code (H, W)} per level. */
    private static List<int[]> sizes(List<NDArray> maps) {
        List<int[]> out = new ArrayList<>();
        for (NDArray m : maps) {
            out.add(new int[] {(int) m.getShape().get(2), (int) m.getShape().get(3)});
        }
        return out;
    }

    /** {@code [N, A, H, W]} per level to {@code [N, sum H*W*A]} in the anchors' row order. */
    static NDArray flattenScores(List<NDArray> cls) {
        NDList parts = new NDList();
        for (NDArray c : cls) {
            long n = c.getShape().get(0);
            parts.add(c.transpose(0, 2, 3, 1).reshape(n, -1)); // [N, H, W, A] -> [N, H*W*A]
        }
        return NDArrays.concat(parts, 1);
    }

    /** {@code [N, 4A, H, W]} per level to {@code [N, sum H*W*A, 4]} in the anchors' row order. */
    static NDArray flattenDeltas(List<NDArray> reg) {
        NDList parts = new NDList();
        for (NDArray r : reg) {
            long n = r.getShape().get(0);
            parts.add(r.transpose(0, 2, 3, 1).reshape(n, -1, 4)); // [N, H, W, 4A] -> [N, H*W*A, 4]
        }
        return NDArrays.concat(parts, 1);
    }

    /**
     * {@code loss_rpn_cls} and {@code loss_rpn_bbox} for a batch.
     *
     * @param gtBoxes per image, float32 {@code [K, 4]} in input pixels
     */
    public Losses loss(Output out, List<ImageMeta> metas, List<NDArray> gtBoxes, TrainConfig train, RandomGenerator rng) {
        NDArray scores = flattenScores(out.clsScores()); // [N, T]
        NDArray deltas = flattenDeltas(out.bboxPreds()); // [N, T, 4]
        NDManager m = scores.getManager();
        List<int[]> sizes = sizes(out.clsScores());
        NDArray anchors = NDArrays.concat(new NDList(anchorGenerator.gridPriors(m, sizes)), 0); // [T, 4]
        long total = anchors.getShape().get(0);
        int n = metas.size();
        MaxIouAssigner assigner = new MaxIouAssigner(train.assigner());
        RandomSampler sampler = new RandomSampler(train.sampler());

        List<long[]> sampledRows = new ArrayList<>();
        List<float[]> sampledTargets = new ArrayList<>();
        List<float[]> sampledWeights = new ArrayList<>();
        NDList posRows = new NDList();
        NDList posTargets = new NDList();
        int sampledCount = 0;
        float posWeight = train.posWeight() > 0 ? (float) train.posWeight() : 1f;
        for (int i = 0; i < n; i++) {
            ImageMeta meta = metas.get(i);
            ImageSize pad = new ImageSize(meta.padHeight(), meta.padWidth());
            NDArray inside = NDArrays.concat(new NDList(anchorGenerator.validFlags(m, sizes, pad)), 0); // [T] boolean
            if (train.allowedBorder() >= 0) {
                float b = train.allowedBorder();
                inside = inside.logicalAnd(anchors.get(":, 0").gte(-b)).logicalAnd(anchors.get(":, 1").gte(-b))
                        .logicalAnd(anchors.get(":, 2").lt(meta.width() + b)).logicalAnd(anchors.get(":, 3").lt(meta.height() + b));
            }
            NDArray insideIdx = inside.nonzero().reshape(-1); // int64 [V], rows of the inside anchors
            NDArray priors = anchors.get(insideIdx);
            NDArray gt = gtBoxes.get(i);
            NDArray gtLabels = m.zeros(new Shape(gt.getShape().get(0)), DataType.INT64);
            AssignResult assign = assigner.assign(priors, gt, gtLabels, null);
            SamplingResult s = sampler.sample(assign, priors, gt, gtLabels, rng);
            long[] rowOf = insideIdx.toLongArray();
            int[] pos = s.posInds();
            int[] neg = s.negInds();
            long[] rows = new long[pos.length + neg.length];
            float[] target = new float[rows.length];
            float[] weight = new float[rows.length];
            for (int k = 0; k < pos.length; k++) {
                rows[k] = i * total + rowOf[pos[k]];
                target[k] = 1f;
                weight[k] = posWeight;
            }
            for (int k = 0; k < neg.length; k++) {
                rows[pos.length + k] = i * total + rowOf[neg[k]];
                weight[pos.length + k] = 1f;
            }
            sampledRows.add(rows);
            sampledTargets.add(target);
            sampledWeights.add(weight);
            sampledCount += rows.length;
            if (pos.length > 0) {
                posRows.add(m.create(Arrays.copyOf(rows, pos.length)));
                posTargets.add(coder.encode(s.posPriors(), s.posGtBoxes(gt)));
            }
        }
        float avgFactor = sampledCount;
        NDArray rows = m.create(concat(sampledRows));
        NDArray logits = scores.reshape(-1).get(rows);
        NDArray targets = m.create(concatFloats(sampledTargets));
        NDArray weights = m.create(concatFloats(sampledWeights));
        NDArray lossCls = LossFunctions.scale(LossFunctions.bceWithLogits(logits, targets).mul(weights).sum(),
                config.lossClsWeight() / (avgFactor + EPS));
        NDArray lossBbox;
        if (posRows.isEmpty()) {
            lossBbox = LossFunctions.scale(deltas.sum(), 0);
        } else {
            NDArray pred = deltas.reshape(-1, 4).get(NDArrays.concat(posRows, 0));
            lossBbox = LossFunctions.scale(pred.sub(NDArrays.concat(posTargets, 0)).abs().sum(), config.lossBboxWeight() / (avgFactor + EPS));
        }
        return new Losses().add("loss_rpn_cls", lossCls).add("loss_rpn_bbox", lossBbox);
    }

    /** {@code torch.finfo(float32).eps}, which mmdetection adds to every {@code avg_factor}. */
    private static final float EPS = 1.1920929e-07f;

    /**
     * Proposals of each image, float32 {@code [P, 4]} in input pixels, best score first, without gradient.
     */
    public List<NDArray> proposals(Output out, List<ImageMeta> metas, ProposalConfig cfg) {
        try (Autograd.Recording r = Autograd.noGrad()) {
            List<NDArray> result = new ArrayList<>();
            NDManager m = out.clsScores().get(0).getManager();
            List<int[]> sizes = sizes(out.clsScores());
            int levels = sizes.size();
            List<NDArray> anchors = anchorGenerator.gridPriors(m, sizes);
            for (int i = 0; i < metas.size(); i++) {
                ImageMeta meta = metas.get(i);
                ImageSize img = new ImageSize(meta.height(), meta.width());
                NDList boxesPerLevel = new NDList();
                NDList scoresPerLevel = new NDList();
                int[] levelCounts = new int[levels];
                for (int l = 0; l < levels; l++) {
                    NDArray s = out.clsScores().get(l).get(i).transpose(1, 2, 0).reshape(-1).getNDArrayInternal().sigmoid(); // [H*W*A]
                    NDArray d = out.bboxPreds().get(l).get(i).transpose(1, 2, 0).reshape(-1, 4); // [H*W*A, 4]
                    NDArray a = anchors.get(l);
                    long count = s.getShape().get(0);
                    if (cfg.nmsPre() > 0 && cfg.nmsPre() < count) {
                        NDList top = s.topK(cfg.nmsPre(), 0, true, true);
                        s = top.get(0);
                        NDArray idx = top.get(1);
                        d = d.get(idx);
                        a = a.get(idx);
                    }
                    levelCounts[l] = (int) s.getShape().get(0);
                    scoresPerLevel.add(s);
                    boxesPerLevel.add(coder.decode(a, d, img));
                }
                float[] boxes = NDArrays.concat(boxesPerLevel, 0).toFloatArray();
                float[] scores = NDArrays.concat(scoresPerLevel, 0).toFloatArray();
                int[] groups = new int[scores.length];
                for (int l = 0, p = 0; l < levels; l++) {
                    for (int k = 0; k < levelCounts[l]; k++) {
                        groups[p++] = l;
                    }
                }
                float[] kept = select(boxes, scores, groups, cfg);
                result.add(m.create(kept, new Shape(kept.length / 4, 4)));
            }
            return result;
        }
    }

    /** Size filter, NMS per level and the top {@code max_per_img}: the kept boxes, flattened. */
    private static float[] select(float[] boxes, float[] scores, int[] groups, ProposalConfig cfg) {
        int n = scores.length;
        int[] validIdx = new int[n];
        int v = 0;
        for (int k = 0; k < n; k++) {
            float w = boxes[4 * k + 2] - boxes[4 * k];
            float h = boxes[4 * k + 3] - boxes[4 * k + 1];
            if (w > cfg.minBboxSize() && h > cfg.minBboxSize()) {
                validIdx[v++] = k;
            }
        }
        float[] vb = new float[4 * v];
        float[] vs = new float[v];
        int[] vg = new int[v];
        for (int k = 0; k < v; k++) {
            System.arraycopy(boxes, 4 * validIdx[k], vb, 4 * k, 4);
            vs[k] = scores[validIdx[k]];
            vg[k] = groups[validIdx[k]];
        }
        int[] keep = Nms.batched(vb, vs, vg, cfg.nmsIouThreshold());
        int kept = Math.min(keep.length, cfg.maxPerImg());
        float[] out = new float[4 * kept];
        for (int k = 0; k < kept; k++) {
            System.arraycopy(vb, 4 * keep[k], out, 4 * k, 4);
        }
        return out;
    }

    private static long[] concat(List<long[]> parts) {
        int total = 0;
        for (long[] p : parts) {
            total += p.length;
        }
        long[] out = new long[total];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static float[] concatFloats(List<float[]> parts) {
        int total = 0;
        for (float[] p : parts) {
            total += p.length;
        }
        float[] out = new float[total];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}

package dev.densepred.detection.roi;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import dev.densepred.datasets.mask.RleMask;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.detection.Detections;
import dev.densepred.detection.InstanceTargets;
import dev.densepred.detection.LossFunctions;
import dev.densepred.detection.box.AssignResult;
import dev.densepred.detection.box.DeltaXywhCoder;
import dev.densepred.detection.box.ImageSize;
import dev.densepred.detection.box.MaxIouAssigner;
import dev.densepred.detection.box.Nms;
import dev.densepred.detection.box.RandomSampler;
import dev.densepred.detection.box.SamplingResult;
import dev.densepred.engine.nn.Module;
import dev.densepred.engine.runtime.Autograd;
import dev.densepred.engine.train.Losses;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The second stage of Mask R-CNN, mmdetection's {@code StandardRoIHead}: RoIs pooled from the FPN levels
 * ({@link MultiLevelRoiExtractor}, 7x7 for boxes, 14x14 for masks), a {@link Shared2FcBoxHead} and an optional
 * {@link FcnMaskHead}.
 *
 * <p>Training ({@link #loss}): per image the proposals are assigned to the ground truths (MaxIoU 0.5 with low-quality
 * matches) and 512 are sampled, a quarter positive at most, with the ground truths added as proposals. Over all
 * sampled RoIs of the batch: {@code loss_cls} is the softmax cross-entropy divided by the number of sampled RoIs,
 * {@code acc} the top-1 accuracy in percent, {@code loss_bbox} the L1 distance of the positives' class-specific
 * deltas to their targets divided by the number of sampled RoIs (mmdetection's {@code avg_factor =
 * bbox_targets.size(0)}); {@code loss_mask} is the mean binary cross-entropy of the positives' logit maps of their
 * own class against {@link MaskTargets}.
 *
 * <p>Testing ({@link #predict}): softmax scores, class-specific boxes decoded and clipped to the image, every
 * (box, class) pair above {@code score_thr} a candidate, NMS per class, the best {@code max_per_img}; boxes divided by
 * the resize factors to the original image; masks of the detections' own class pasted at the original size
 * ({@link MaskPaster}) and encoded to RLE.
 */
public final class StandardRoiHead extends Module {

    /**
     * Settings (mmdetection's {@code roi_head}); the mask parts are null for a detector without masks.
     */
    public record Config(MultiLevelRoiExtractor.Config bboxRoiExtractor, Shared2FcBoxHead.Config bboxHead,
                         MultiLevelRoiExtractor.Config maskRoiExtractor, FcnMaskHead.Config maskHead) {

        public Config {
            if ((maskRoiExtractor == null) != (maskHead == null)) {
                throw new IllegalArgumentException("roi_head needs both mask_roi_extractor and mask_head, or neither");
            }
            if (maskHead != null && maskHead.numClasses() != bboxHead.numClasses()) {
                throw new IllegalArgumentException("roi_head: bbox_head.num_classes " + bboxHead.numClasses() + " and mask_head.num_classes "
                        + maskHead.numClasses() + " differ");
            }
            if (bboxRoiExtractor.roiLayer().outputSize() != bboxHead.roiFeatSize()
                    || bboxRoiExtractor.outChannels() != bboxHead.inChannels()) {
                throw new IllegalArgumentException("roi_head: bbox_roi_extractor gives " + bboxRoiExtractor.outChannels() + " x "
                        + bboxRoiExtractor.roiLayer().outputSize() + "^2 features, bbox_head expects " + bboxHead.inChannels() + " x "
                        + bboxHead.roiFeatSize() + "^2");
            }
            if (maskHead != null && (maskRoiExtractor.roiLayer().outputSize() != maskHead.roiFeatSize()
                    || maskRoiExtractor.outChannels() != maskHead.inChannels())) {
                throw new IllegalArgumentException("roi_head: mask_roi_extractor gives " + maskRoiExtractor.outChannels() + " x "
                        + maskRoiExtractor.roiLayer().outputSize() + "^2 features, mask_head expects " + maskHead.inChannels() + " x "
                        + maskHead.roiFeatSize() + "^2");
            }
        }

        /** Mask R-CNN's RoI head for COCO. */
        public static Config defaults() {
            return new Config(MultiLevelRoiExtractor.Config.defaults(), Shared2FcBoxHead.Config.defaults(),
                    new MultiLevelRoiExtractor.Config(new RoiAlign.Config(14, 0, true), 256, List.of(4, 8, 16, 32), 56),
                    FcnMaskHead.Config.defaults());
        }
    }

    /**
     * Training settings (mmdetection's {@code train_cfg.rcnn}).
     *
     * @param assigner proposal assignment
     * @param sampler RoI sampling
     * @param maskSize side of the mask targets (the mask head's output size)
     * @param posWeight weight of positive RoIs in the classification loss; {@code <= 0} means 1
     */
    public record TrainConfig(MaxIouAssigner.Config assigner, RandomSampler.Config sampler, int maskSize, double posWeight) {

        /** Mask R-CNN's: MaxIoU 0.5 / 0.5 / min_pos 0.5 with low-quality matches, 512 RoIs, a quarter positive, 28x28 masks. */
        public static TrainConfig defaults() {
            return new TrainConfig(new MaxIouAssigner.Config(0.5, 0.5, 0.0, 0.5, true, -1, true, true),
                    new RandomSampler.Config(512, 0.25, -1, true), 28, -1);
        }
    }

    /**
     * Test settings (mmdetection's {@code test_cfg.rcnn}).
     *
     * @param scoreThr candidates need a class score above this
     * @param nmsIouThreshold per-class NMS threshold
     * @param maxPerImg detections kept per image
     * @param maskThrBinary pasted mask probabilities at or above this are foreground
     */
    public record TestConfig(double scoreThr, double nmsIouThreshold, int maxPerImg, double maskThrBinary) {

        /** Mask R-CNN's: score 0.05, NMS 0.5, 100 per image, mask threshold 0.5. */
        public static TestConfig defaults() {
            return new TestConfig(0.05, 0.5, 100, 0.5);
        }
    }

    /** {@code torch.finfo(float32).eps}, which mmdetection adds to every {@code avg_factor}. */
    private static final float EPS = 1.1920929e-07f;

    private final Config config;
    private final MultiLevelRoiExtractor bboxExtractor;
    private final Shared2FcBoxHead bboxHead;
    private final DeltaXywhCoder coder;
    private final MultiLevelRoiExtractor maskExtractor;
    private final FcnMaskHead maskHead;

    public StandardRoiHead(Config config) {
        this.config = config;
        this.bboxExtractor = new MultiLevelRoiExtractor(config.bboxRoiExtractor());
        this.bboxHead = addChild("bbox_head", new Shared2FcBoxHead(config.bboxHead()));
        this.coder = new DeltaXywhCoder(config.bboxHead().bboxCoder());
        this.maskExtractor = config.maskHead() == null ? null : new MultiLevelRoiExtractor(config.maskRoiExtractor());
        this.maskHead = config.maskHead() == null ? null : addChild("mask_head", new FcnMaskHead(config.maskHead()));
    }

    public Config config() {
        return config;
    }

    public boolean withMask() {
        return maskHead != null;
    }

    public int numClasses() {
        return config.bboxHead().numClasses();
    }

    /**
     * {@code loss_cls}, {@code acc}, {@code loss_bbox} and (with a mask head) {@code loss_mask} of a batch.
     *
     * @param features the FPN levels (the extractors use the first ones, one per stride)
     * @param proposals per image, float32 {@code [P, 4]} without gradient
     * @param gtBoxes per image, float32 {@code [K, 4]}
     * @param targets per image, the ground truth the boxes came from (labels, masks)
     */
    public Losses loss(List<NDArray> features, List<NDArray> proposals, List<NDArray> gtBoxes, List<InstanceTargets> targets,
                       TrainConfig train, RandomGenerator rng) {
        NDManager m = proposals.get(0).getManager();
        int n = proposals.size();
        int numClasses = numClasses();
        MaxIouAssigner assigner = new MaxIouAssigner(train.assigner());
        RandomSampler sampler = new RandomSampler(train.sampler());
        List<SamplingResult> samples = new ArrayList<>(n);
        NDList rois = new NDList();
        NDList posRois = new NDList();
        NDList bboxTargets = new NDList();
        List<Integer> labelList = new ArrayList<>();
        List<Long> posRows = new ArrayList<>();
        List<Long> posMaskRows = new ArrayList<>();
        int offset = 0;
        int posOffset = 0;
        for (int i = 0; i < n; i++) {
            InstanceTargets t = targets.get(i);
            int[] gtLabelsHost = t.labels();
            NDArray gt = gtBoxes.get(i);
            NDArray gtLabels = m.create(toLongs(gtLabelsHost));
            AssignResult assign = assigner.assign(proposals.get(i), gt, gtLabels, null);
            SamplingResult s = sampler.sample(assign, proposals.get(i), gt, gtLabels, rng);
            samples.add(s);
            int[] posGt = s.posAssignedGtInds();
            int numPos = posGt.length;
            int numNeg = s.negInds().length;
            NDArray pos = s.posPriors();
            NDArray priors = pos.concat(s.negPriors());
            rois.add(withBatchIndex(priors, i));
            for (int k = 0; k < numPos; k++) {
                int label = gtLabelsHost[posGt[k]];
                labelList.add(label);
                posRows.add((long) (offset + k) * numClasses + label);
                posMaskRows.add((long) (posOffset + k) * numClasses + label);
            }
            for (int k = 0; k < numNeg; k++) {
                labelList.add(numClasses);
            }
            if (numPos > 0) {
                bboxTargets.add(coder.encode(pos, s.posGtBoxes(gt)));
                posRois.add(withBatchIndex(pos, i));
            }
            offset += numPos + numNeg;
            posOffset += numPos;
        }
        int r = offset;
        NDArray allRois = NDArrays.concat(rois, 0); // [R, 5]
        Shared2FcBoxHead.Output out = bboxHead.forward(bboxExtractor.forward(levels(features, bboxExtractor), allRois));

        float[] oneHot = new float[r * (numClasses + 1)];
        float[] clsWeights = new float[r];
        float posWeight = train.posWeight() > 0 ? (float) train.posWeight() : 1f;
        for (int k = 0; k < r; k++) {
            int label = labelList.get(k);
            oneHot[k * (numClasses + 1) + label] = 1f;
            clsWeights[k] = label < numClasses ? posWeight : 1f;
        }
        float avgFactor = Math.max(r, 1);
        NDArray ce = LossFunctions.crossEntropy(out.clsScores(), m.create(oneHot, new Shape(r, numClasses + 1)));
        NDArray lossCls = LossFunctions.scale(ce.mul(m.create(clsWeights)).sum(), config.bboxHead().lossClsWeight() / (avgFactor + EPS));

        long[] predicted = out.clsScores().argMax(1).toLongArray();
        int correct = 0;
        for (int k = 0; k < r; k++) {
            if (predicted[k] == labelList.get(k)) {
                correct++;
            }
        }
        NDArray acc = m.create(r == 0 ? 0f : correct * (100f / r));

        NDArray lossBbox;
        if (posRows.isEmpty()) {
            lossBbox = LossFunctions.scale(out.bboxPreds().sum(), 0);
        } else {
            NDArray pred = out.bboxPreds().reshape(-1, 4).get(m.create(toLongArray(posRows))); // [R*C, 4] rows of (roi, label)
            lossBbox = LossFunctions.scale(pred.sub(NDArrays.concat(bboxTargets, 0)).abs().sum(), config.bboxHead().lossBboxWeight() / (r + EPS));
        }
        Losses losses = new Losses().add("loss_cls", lossCls).add("acc", acc).add("loss_bbox", lossBbox);
        if (maskHead != null) {
            losses.add("loss_mask", maskLoss(features, posRois, posMaskRows, samples, targets, train, out));
        }
        return losses;
    }

    private NDArray maskLoss(List<NDArray> features, NDList posRois, List<Long> posMaskRows, List<SamplingResult> samples,
                             List<InstanceTargets> targets, TrainConfig train, Shared2FcBoxHead.Output boxOut) {
        if (posMaskRows.isEmpty()) {
            // No positive RoI in the batch: a zero that stays in the graph, as mmdetection's mask_preds.sum().
            return LossFunctions.scale(boxOut.clsScores().sum(), 0);
        }
        NDManager m = posRois.get(0).getManager();
        NDArray logits = maskHead.forward(maskExtractor.forward(levels(features, maskExtractor), NDArrays.concat(posRois, 0)));
        int size = maskHead.outputSize();
        if (train.maskSize() != size) {
            throw new IllegalArgumentException("train_cfg.rcnn.mask_size " + train.maskSize() + " differs from the mask head's output " + size);
        }
        MaskTargets maskTargets = new MaskTargets(new MaskTargets.Config(size));
        NDList perImage = new NDList();
        for (int i = 0; i < samples.size(); i++) {
            SamplingResult s = samples.get(i);
            if (s.posInds().length == 0) {
                continue;
            }
            InstanceTargets t = targets.get(i);
            if (!t.hasMasks()) {
                throw new IllegalArgumentException("image " + i + " of the batch has " + t.size() + " instances but no masks; the mask head needs them");
            }
            perImage.add(maskTargets.targets(t.masks(), t.size(), t.maskHeight(), t.maskWidth(), s.posPriors(), s.posAssignedGtInds()));
        }
        NDArray target = NDArrays.concat(perImage, 0); // [P, S, S]
        long p = target.getShape().get(0);
        NDArray pred = logits.reshape(-1, size, size).get(m.create(toLongArray(posMaskRows))); // [P, S, S] of each RoI's class
        return LossFunctions.scale(LossFunctions.bceWithLogits(pred, target).sum(), config.maskHead().lossMaskWeight() / ((double) p * size * size));
    }

    /**
     * Final detections per image.
     *
     * @param features the FPN levels
     * @param proposals per image, float32 {@code [P, 4]} in input pixels
     */
    public List<Detections> predict(List<NDArray> features, List<NDArray> proposals, List<ImageMeta> metas, TestConfig test) {
        try (Autograd.Recording rec = Autograd.noGrad()) {
            NDManager m = proposals.get(0).getManager();
            int n = proposals.size();
            int numClasses = numClasses();
            NDList rois = new NDList();
            for (int i = 0; i < n; i++) {
                rois.add(withBatchIndex(proposals.get(i), i));
            }
            Shared2FcBoxHead.Output out = bboxHead.forward(bboxExtractor.forward(levels(features, bboxExtractor), NDArrays.concat(rois, 0)));
            NDArray probs = out.clsScores().softmax(1);
            List<float[]> detBoxes = new ArrayList<>(n);
            List<float[]> detScores = new ArrayList<>(n);
            List<int[]> detLabels = new ArrayList<>(n);
            long start = 0;
            for (int i = 0; i < n; i++) {
                ImageMeta meta = metas.get(i);
                if (meta.flipped()) {
                    throw new IllegalArgumentException("predict: image " + i + " of the batch is flipped; test pipelines must not flip");
                }
                long count = proposals.get(i).getShape().get(0);
                float[] boxes = new float[0];
                float[] scores = new float[0];
                if (count > 0) {
                    String rows = start + ":" + (start + count);
                    boxes = coder.decode(proposals.get(i), out.bboxPreds().get(rows), new ImageSize(meta.height(), meta.width())).toFloatArray();
                    scores = probs.get(rows).toFloatArray();
                }
                start += count;
                multiclassNms(boxes, scores, (int) count, numClasses, test, detBoxes, detScores, detLabels);
            }
            List<List<RleMask>> masks = maskHead == null ? null : masks(features, detBoxes, detLabels, metas, test, m);
            List<Detections> result = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ImageMeta meta = metas.get(i);
                float[] b = detBoxes.get(i);
                float[] rescaled = new float[b.length];
                float sx = (float) meta.scaleX();
                float sy = (float) meta.scaleY();
                for (int k = 0; k < b.length; k += 2) {
                    rescaled[k] = b[k] / sx;
                    rescaled[k + 1] = b[k + 1] / sy;
                }
                result.add(new Detections(rescaled, detScores.get(i), detLabels.get(i), masks == null ? List.of() : masks.get(i)));
            }
            return result;
        }
    }

    /**
     * mmdetection's {@code multiclass_nms}: every (RoI, class) pair whose score is above {@code score_thr}, NMS per
     * class, the best {@code max_per_img} in descending score order.
     */
    private static void multiclassNms(float[] boxes, float[] scores, int count, int numClasses, TestConfig test,
                                      List<float[]> outBoxes, List<float[]> outScores, List<int[]> outLabels) {
        int candidates = 0;
        int[] pair = new int[count * numClasses];
        for (int r = 0; r < count; r++) {
            for (int c = 0; c < numClasses; c++) {
                if (scores[r * (numClasses + 1) + c] > test.scoreThr()) {
                    pair[candidates++] = r * numClasses + c;
                }
            }
        }
        float[] cb = new float[4 * candidates];
        float[] cs = new float[candidates];
        int[] cl = new int[candidates];
        for (int k = 0; k < candidates; k++) {
            int r = pair[k] / numClasses;
            int c = pair[k] % numClasses;
            System.arraycopy(boxes, pair[k] * 4, cb, 4 * k, 4);
            cs[k] = scores[r * (numClasses + 1) + c];
            cl[k] = c;
        }
        int[] keep = Nms.batched(cb, cs, cl, test.nmsIouThreshold());
        int kept = test.maxPerImg() > 0 ? Math.min(keep.length, test.maxPerImg()) : keep.length;
        float[] b = new float[4 * kept];
        float[] s = new float[kept];
        int[] l = new int[kept];
        for (int k = 0; k < kept; k++) {
            System.arraycopy(cb, 4 * keep[k], b, 4 * k, 4);
            s[k] = cs[keep[k]];
            l[k] = cl[keep[k]];
        }
        outBoxes.add(b);
        outScores.add(s);
        outLabels.add(l);
    }

    /** Masks of the detections (boxes in input pixels), pasted at each image's original size. */
    private List<List<RleMask>> masks(List<NDArray> features, List<float[]> detBoxes, List<int[]> detLabels, List<ImageMeta> metas,
                                      TestConfig test, NDManager m) {
        int n = detBoxes.size();
        int numClasses = numClasses();
        NDList rois = new NDList();
        List<Long> rows = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < n; i++) {
            float[] b = detBoxes.get(i);
            int d = b.length / 4;
            if (d == 0) {
                continue;
            }
            rois.add(withBatchIndex(m.create(b, new Shape(d, 4)), i));
            int[] labels = detLabels.get(i);
            for (int k = 0; k < d; k++) {
                rows.add((long) (total + k) * numClasses + labels[k]);
            }
            total += d;
        }
        List<List<RleMask>> out = new ArrayList<>(n);
        if (total == 0) {
            for (int i = 0; i < n; i++) {
                out.add(List.of());
            }
            return out;
        }
        int size = maskHead.outputSize();
        NDArray logits = maskHead.forward(maskExtractor.forward(levels(features, maskExtractor), NDArrays.concat(rois, 0)));
        float[] probs = logits.reshape(-1, size, size).get(m.create(toLongArray(rows))).getNDArrayInternal().sigmoid().toFloatArray(); // [D, S, S]
        int at = 0;
        for (int i = 0; i < n; i++) {
            ImageMeta meta = metas.get(i);
            float[] b = detBoxes.get(i);
            int d = b.length / 4;
            List<RleMask> masks = new ArrayList<>(d);
            float sx = (float) meta.scaleX();
            float sy = (float) meta.scaleY();
            float[] mask = new float[size * size];
            for (int k = 0; k < d; k++) {
                System.arraycopy(probs, (at + k) * size * size, mask, 0, size * size);
                float[] box = {b[4 * k] / sx, b[4 * k + 1] / sy, b[4 * k + 2] / sx, b[4 * k + 3] / sy};
                masks.add(MaskPaster.pasteRle(mask, size, box, meta.oriHeight(), meta.oriWidth(), test.maskThrBinary()));
            }
            at += d;
            out.add(masks);
        }
        return out;
    }

    /** The first levels of {@code features}, one per stride of the extractor. */
    private static List<NDArray> levels(List<NDArray> features, MultiLevelRoiExtractor extractor) {
        int l = extractor.config().featmapStrides().size();
        if (features.size() < l) {
            throw new IllegalArgumentException("RoI extractor needs " + l + " feature levels, found " + features.size());
        }
        return features.subList(0, l);
    }

    /** {@code [K, 4]} boxes to {@code [K, 5]} RoIs {@code (batch, x1, y1, x2, y2)}. */
    private static NDArray withBatchIndex(NDArray boxes, int batch) {
        long k = boxes.getShape().get(0);
        NDArray idx = boxes.getManager().full(new Shape(k, 1), (float) batch, DataType.FLOAT32);
        return idx.concat(boxes, 1);
    }

    private static long[] toLongs(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static long[] toLongArray(List<Long> v) {
        long[] out = new long[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }
}

package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Assigns each prior (anchor or proposal) to a ground-truth box, to the background or to "ignore" by IoU:
 * mmdetection's {@code MaxIoUAssigner}, in its exact order of steps, computed on the priors' device with one
 * {@code [K, N]} overlap matrix and no per-prior loop.
 *
 * <ol>
 *   <li>every prior starts ignored (-1); priors whose IoF with an ignored ground truth exceeds
 *       {@code ignore_iof_thr} get overlap -1 with every ground truth;
 *   <li>negative (0) when the best IoU is in {@code [neg_iou_low, neg_iou_thr)};
 *   <li>positive when the best IoU is {@code >= pos_iou_thr}: the first ground truth with that IoU wins a tie;
 *   <li>with {@code match_low_quality}, each ground truth whose best IoU is {@code >= min_pos_iou} claims the priors
 *       where it reaches that best (all of them with {@code gt_max_assign_all}, else the first), overwriting steps
 *       2-3; the reference loops over ground truths in order, so when several claim one prior the last one wins.
 * </ol>
 *
 * <p>IoU is {@link BoxOps#overlaps} with eps 1e-6 (mmdetection's {@code BboxOverlaps2D}), so zero-area boxes give 0.
 * mmdetection's {@code neg_iou_thr} as a number {@code t} is the range {@code [0, t)}; a tuple {@code (lo, hi)} is
 * {@code neg_iou_low = lo, neg_iou_thr = hi}.
 */
public final class MaxIouAssigner {

    /**
     * Settings, named as mmdetection's arguments.
     *
     * @param posIouThr positive when the best IoU is at least this
     * @param negIouThr negative when the best IoU is below this ...
     * @param negIouLow ... and at least this (0 for mmdetection's single-number form)
     * @param minPosIou the least IoU a low-quality match may have
     * @param gtMaxAssignAll whether a ground truth claims every prior that reaches its best IoU, or only the first
     * @param ignoreIofThr IoF above which a prior is ignored because of an ignored ground truth; negative disables
     * @param ignoreWrtCandidates IoF relative to the prior's area (true) or the ignored box's area (false)
     * @param matchLowQuality whether step 4 runs (RPN: yes; mmdetection's RoI head also sets it)
     */
    public record Config(
            double posIouThr,
            double negIouThr,
            double negIouLow,
            double minPosIou,
            boolean gtMaxAssignAll,
            double ignoreIofThr,
            boolean ignoreWrtCandidates,
            boolean matchLowQuality) {

        public Config {
            if (!(negIouLow <= negIouThr)) {
                throw new IllegalArgumentException("neg_iou_low " + negIouLow + " must not exceed neg_iou_thr " + negIouThr);
            }
        }

        /**
         * mmdetection's argument defaults, with the two required thresholds at 0.5 (Mask R-CNN's RoI head; its RPN
         * sets 0.7 / 0.3 and min_pos_iou 0.3).
         */
        public static Config defaults() {
            return new Config(0.5, 0.5, 0.0, 0.0, true, -1, true, true);
        }
    }

    private final Config config;

    public MaxIouAssigner(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Assigns {@code priors} ({@code [N, 4]}) to {@code gtBoxes} ({@code [K, 4]}) with int64 labels {@code [K]};
     * {@code gtBoxesIgnore} ({@code [G, 4]}) may be null.
     */
    public AssignResult assign(NDArray priors, NDArray gtBoxes, NDArray gtLabels, NDArray gtBoxesIgnore) {
        BoxOps.checkBoxes("priors", priors);
        BoxOps.checkBoxes("gt_boxes", gtBoxes);
        long k = gtBoxes.getShape().get(0);
        long n = priors.getShape().get(0);
        if (gtLabels.getShape().dimension() != 1 || gtLabels.getShape().get(0) != k || gtLabels.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("gt_labels: expected int64 [" + k + "] (one per gt box), found "
                    + gtLabels.getDataType() + " " + gtLabels.getShape());
        }
        NDManager m = priors.getManager();
        if (k == 0 || n == 0) {
            // No ground truth: everything is background. No priors: nothing to assign.
            return new AssignResult(
                    (int) k,
                    m.full(new Shape(n), k == 0 ? 0 : -1, DataType.INT64),
                    m.zeros(new Shape(n), DataType.FLOAT32),
                    m.full(new Shape(n), -1, DataType.INT64));
        }
        NDArray overlaps = BoxOps.overlaps(gtBoxes, priors, BoxOps.Mode.IOU, BoxOps.DEFAULT_EPS); // [K, N]
        if (config.ignoreIofThr() > 0 && gtBoxesIgnore != null && gtBoxesIgnore.getShape().get(0) > 0) {
            BoxOps.checkBoxes("gt_boxes_ignore", gtBoxesIgnore);
            NDArray ignoreMax = config.ignoreWrtCandidates()
                    ? BoxOps.overlaps(priors, gtBoxesIgnore, BoxOps.Mode.IOF, BoxOps.DEFAULT_EPS).max(new int[] {1})
                    : BoxOps.overlaps(gtBoxesIgnore, priors, BoxOps.Mode.IOF, BoxOps.DEFAULT_EPS).max(new int[] {0});
            NDArray ignored = ignoreMax.gt((float) config.ignoreIofThr()).expandDims(0); // [1, N]
            overlaps = where(ignored, m.create(-1f), overlaps);
        }
        NDArray maxOverlaps = overlaps.max(new int[] {0}); // [N], best IoU per prior
        NDArray argmaxOverlaps = overlaps.argMax(0); // [N], first gt reaching it

        NDArray gtInds = m.full(new Shape(n), -1, DataType.INT64);
        NDArray negative = maxOverlaps.gte((float) config.negIouLow()).logicalAnd(maxOverlaps.lt((float) config.negIouThr()));
        gtInds = where(negative, m.create(0L), gtInds);
        NDArray positive = maxOverlaps.gte((float) config.posIouThr());
        gtInds = where(positive, argmaxOverlaps.add(1L), gtInds);

        if (config.matchLowQuality()) {
            NDArray gtMax = overlaps.max(new int[] {1}); // [K], best IoU per gt
            NDArray claims = config.gtMaxAssignAll()
                    ? overlaps.eq(gtMax.expandDims(1))
                    : m.arange(0, (int) n, 1, DataType.INT64).expandDims(0).eq(overlaps.argMax(1).expandDims(1)); // [K, N]
            claims = claims.logicalAnd(gtMax.gte((float) config.minPosIou()).expandDims(1));
            // The reference overwrites in gt order, so the highest claiming gt index wins: a max over 1-based indices.
            NDArray oneBased = m.arange(1, (int) k + 1, 1, DataType.INT64).expandDims(1); // [K, 1]
            NDArray winner = claims.toType(DataType.INT64, false).mul(oneBased).max(new int[] {0}); // [N], 0 = none
            gtInds = where(winner.gt(0L), winner, gtInds);
        }

        NDArray assignedLabels = gtLabels.get(gtInds.sub(1L).maximum(0L));
        NDArray labels = where(gtInds.gt(0L), assignedLabels, m.create(-1L));
        return new AssignResult((int) k, gtInds, maxOverlaps, labels);
    }

    /** {@code torch.where} with broadcasting (DJL's {@code NDArrays.where} needs equal shapes). */
    private static NDArray where(NDArray condition, NDArray ifTrue, NDArray ifFalse) {
        return JniUtils.where((PtNDArray) condition, (PtNDArray) ifTrue, (PtNDArray) ifFalse);
    }
}

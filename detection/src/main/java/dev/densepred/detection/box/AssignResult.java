package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * What an assigner decided for each prior, mmdetection's {@code AssignResult}. Arrays stay on the priors' device.
 *
 * @param numGts number of ground-truth boxes assigned against
 * @param gtInds int64 {@code [N]}: 0 negative, -1 ignored, {@code k + 1} positive for ground truth {@code k}
 * @param maxOverlaps float32 {@code [N]}: each prior's best IoU with any ground truth (0 when there is none)
 * @param labels int64 {@code [N]}: the assigned ground truth's label for positives, -1 otherwise
 */
public record AssignResult(int numGts, NDArray gtInds, NDArray maxOverlaps, NDArray labels) {

    /** Number of priors. */
    public long numPriors() {
        return gtInds.getShape().get(0);
    }

    /**
     * The result with the ground truths themselves prepended as positives (mmdetection's {@code add_gt_}, used when
     * the sampler adds them as proposals): gt {@code k} becomes prior {@code k} with index {@code k + 1}, overlap 1
     * and its own label.
     */
    public AssignResult withGtPrepended(NDArray gtLabels) {
        long k = gtLabels.getShape().get(0);
        NDManager m = gtInds.getManager();
        NDArray selfInds = m.arange(1, (int) k + 1, 1, DataType.INT64);
        NDArray ones = m.ones(new Shape(k), maxOverlaps.getDataType());
        return new AssignResult(numGts, selfInds.concat(gtInds), ones.concat(maxOverlaps), gtLabels.concat(labels));
    }
}

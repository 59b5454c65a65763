package dev.densepred.detection.box;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The priors a sampler picked for the loss, mmdetection's {@code SamplingResult}. Indices are host arrays in
 * ascending order (the reference applies {@code unique()}, which sorts); the arrays below select on the priors'
 * device.
 *
 * @param priors float32 {@code [M, 4]}: the candidates, with the ground truths first when they were added as
 *     proposals
 * @param assignResult the assignment over those {@code M} candidates
 * @param posInds sampled positives, indices into {@code priors}
 * @param negInds sampled negatives, indices into {@code priors}
 * @param posAssignedGtInds for each positive, the 0-based ground truth it regresses to
 * @param numGtsAdded how many ground truths were prepended to {@code priors} (0 when none were)
 */
public record SamplingResult(
        NDArray priors, AssignResult assignResult, int[] posInds, int[] negInds, int[] posAssignedGtInds, int numGtsAdded) {

    public SamplingResult {
        posInds = posInds.clone();
        negInds = negInds.clone();
        posAssignedGtInds = posAssignedGtInds.clone();
    }

    @Override
    public int[] posInds() {
        return posInds.clone();
    }

    @Override
    public int[] negInds() {
        return negInds.clone();
    }

    @Override
    public int[] posAssignedGtInds() {
        return posAssignedGtInds.clone();
    }

    /** Positive priors, {@code [P, 4]}. */
    public NDArray posPriors() {
        return priors.get(index(priors.getManager(), posInds));
    }

    /** Negative priors, {@code [Q, 4]}. */
    public NDArray negPriors() {
        return priors.get(index(priors.getManager(), negInds));
    }

    /** The ground-truth box of each positive, {@code [P, 4]}, from the image's {@code [K, 4]} boxes. */
    public NDArray posGtBoxes(NDArray gtBoxes) {
        return gtBoxes.get(index(gtBoxes.getManager(), posAssignedGtInds));
    }

    /** The label of each positive, int64 {@code [P]}. */
    public NDArray posGtLabels() {
        NDArray labels = assignResult.labels();
        return labels.get(index(labels.getManager(), posInds));
    }

    /** Whether each positive is a ground truth that was added as a proposal. */
    public boolean[] posIsGt() {
        boolean[] out = new boolean[posInds.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = posInds[i] < numGtsAdded;
        }
        return out;
    }

    private static NDArray index(NDManager m, int[] values) {
        long[] v = new long[values.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[i];
        }
        return m.create(v);
    }
}

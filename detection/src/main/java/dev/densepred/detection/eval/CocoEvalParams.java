package dev.densepred.detection.eval;

import java.util.Arrays;

/**
 * COCOeval's {@code Params} for {@code bbox} and {@code segm}: IoU thresholds, recall thresholds, the per-image
 * detection limits, and the object-area ranges with their labels. {@link #defaults()} reproduces pycocotools'
 * values exactly, numpy {@code linspace} rounding included ({@code iouThrs[8] = 0.8999999999999999}).
 *
 * <p>Area ranges are closed intervals on the annotation's {@code area} field, as pycocotools tests
 * {@code area < lo or area > hi}.
 *
 * @param iouThrs IoU thresholds, ascending
 * @param recThrs recall thresholds, ascending
 * @param maxDets detection limits per image and category, ascending; the last one also cuts each image's list
 * @param areaRanges {@code [lo, hi]} per range
 * @param areaLabels a label per range ({@code all}, {@code small}, ...)
 */
public record CocoEvalParams(double[] iouThrs, double[] recThrs, int[] maxDets, double[][] areaRanges, String[] areaLabels) {

    public CocoEvalParams {
        iouThrs = iouThrs.clone();
        recThrs = recThrs.clone();
        maxDets = maxDets.clone();
        areaRanges = Arrays.stream(areaRanges).map(double[]::clone).toArray(double[][]::new);
        areaLabels = areaLabels.clone();
        if (iouThrs.length == 0 || recThrs.length == 0 || maxDets.length == 0 || areaRanges.length == 0) {
            throw new IllegalArgumentException("COCO eval params: every list needs at least one value");
        }
        if (areaRanges.length != areaLabels.length) {
            throw new IllegalArgumentException("COCO eval params: " + areaRanges.length + " area ranges but "
                    + areaLabels.length + " labels");
        }
        for (int i = 1; i < maxDets.length; i++) {
            if (maxDets[i] < maxDets[i - 1]) {
                throw new IllegalArgumentException("COCO eval params: maxDets must be ascending, found "
                        + Arrays.toString(maxDets));
            }
        }
        for (double[] r : areaRanges) {
            if (r.length != 2) {
                throw new IllegalArgumentException("COCO eval params: an area range is [lo, hi], found " + Arrays.toString(r));
            }
        }
    }

    /** pycocotools' defaults for {@code bbox} and {@code segm}. */
    public static CocoEvalParams defaults() {
        return new CocoEvalParams(
                NumpyMath.linspace(.5, 0.95, (int) Math.round((0.95 - .5) / .05) + 1),
                NumpyMath.linspace(.0, 1.00, (int) Math.round((1.00 - .0) / .01) + 1),
                new int[] {1, 10, 100},
                new double[][] {{0, 1e5 * 1e5}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e5 * 1e5}},
                new String[] {"all", "small", "medium", "large"});
    }

    @Override
    public double[] iouThrs() {
        return iouThrs.clone();
    }

    @Override
    public double[] recThrs() {
        return recThrs.clone();
    }

    @Override
    public int[] maxDets() {
        return maxDets.clone();
    }

    @Override
    public double[][] areaRanges() {
        return Arrays.stream(areaRanges).map(double[]::clone).toArray(double[][]::new);
    }

    @Override
    public String[] areaLabels() {
        return areaLabels.clone();
    }
}

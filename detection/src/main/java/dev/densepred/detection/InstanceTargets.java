package dev.densepred.detection;

import java.util.Arrays;

/**
 * The ground truth of one training image in input pixels (after resize and flip): what {@link MaskRcnn#forwardTrain}
 * learns from, mmdetection's {@code gt_instances}.
 *
 * @param boxes {@code n * 4} xyxy boxes, finite, {@code x2 >= x1} and {@code y2 >= y1}
 * @param labels {@code n} contiguous 0-based class indices
 * @param masks {@code n * maskHeight * maskWidth} bytes of 0 or 1, one row-major bitmap per instance, the image's
 *     content at the top left of the batch's padded size and 0 beyond, as mmdetection's {@code pad_mask=True} (the
 *     layout {@link dev.densepred.detection.roi.MaskTargets#targets(byte[], int, int, int, ai.djl.ndarray.NDArray,
 *     int[])} takes); may be empty (length 0) for a model without a mask head
 * @param maskHeight bitmap rows (the batch's padded height)
 * @param maskWidth bitmap columns (the batch's padded width)
 */
public record InstanceTargets(float[] boxes, int[] labels, byte[] masks, int maskHeight, int maskWidth) {

    public InstanceTargets {
        if (boxes == null || labels == null || masks == null) {
            throw new IllegalArgumentException("instance targets: boxes, labels and masks must not be null");
        }
        int n = labels.length;
        if (boxes.length != 4 * n) {
            throw new IllegalArgumentException("instance targets: " + n + " labels need " + 4 * n + " box values, found " + boxes.length);
        }
        if (maskHeight <= 0 || maskWidth <= 0) {
            throw new IllegalArgumentException("instance targets: mask size must be positive, found " + maskHeight + "x" + maskWidth);
        }
        long expected = (long) n * maskHeight * maskWidth;
        if (masks.length != 0 && masks.length != expected) {
            throw new IllegalArgumentException("instance targets: " + n + " masks of " + maskHeight + "x" + maskWidth + " need "
                    + expected + " bytes, found " + masks.length);
        }
        for (int i = 0; i < n; i++) {
            float x1 = boxes[4 * i];
            float y1 = boxes[4 * i + 1];
            float x2 = boxes[4 * i + 2];
            float y2 = boxes[4 * i + 3];
            if (!(Float.isFinite(x1) && Float.isFinite(y1) && Float.isFinite(x2) && Float.isFinite(y2)) || x2 < x1 || y2 < y1) {
                throw new IllegalArgumentException("instance targets: box " + i + " " + Arrays.toString(Arrays.copyOfRange(boxes, 4 * i, 4 * i + 4))
                        + " is not a finite xyxy box");
            }
            if (labels[i] < 0) {
                throw new IllegalArgumentException("instance targets: label " + i + " is " + labels[i] + ", must be >= 0");
            }
        }
        for (int i = 0; i < masks.length; i++) {
            if (masks[i] != 0 && masks[i] != 1) {
                throw new IllegalArgumentException("instance targets: mask byte " + i + " is " + masks[i] + ", must be 0 or 1");
            }
        }
        boxes = boxes.clone();
        labels = labels.clone();
        masks = masks.clone();
    }

    /** Number of instances. */
    public int size() {
        return labels.length;
    }

    /** Whether per-instance bitmaps are present. */
    public boolean hasMasks() {
        return masks.length > 0 || labels.length == 0;
    }

    @Override
    public float[] boxes() {
        return boxes.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public byte[] masks() {
        return masks.clone();
    }
}

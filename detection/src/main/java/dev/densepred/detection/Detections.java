package dev.densepred.detection;

import dev.densepred.datasets.mask.RleMask;

import java.util.List;

/**
 * One image's final detections, in the original image's pixels: what {@link MaskRcnn#predict} returns and the COCO
 * results writer consumes. Rows are in descending score order.
 *
 * @param boxes {@code n * 4} xyxy boxes in original-image pixels
 * @param scores {@code n} class probabilities
 * @param labels {@code n} contiguous 0-based class indices
 * @param masks {@code n} binary masks at the original image size (COCO RLE), or empty when the model has no mask head
 */
public record Detections(float[] boxes, float[] scores, int[] labels, List<RleMask> masks) {

    public Detections {
        int n = scores.length;
        if (boxes.length != 4 * n || labels.length != n) {
            throw new IllegalArgumentException("detections: " + n + " scores need " + 4 * n + " box values and " + n
                    + " labels, found " + boxes.length + " and " + labels.length);
        }
        masks = List.copyOf(masks);
        if (!masks.isEmpty() && masks.size() != n) {
            throw new IllegalArgumentException("detections: " + n + " detections but " + masks.size() + " masks");
        }
        boxes = boxes.clone();
        scores = scores.clone();
        labels = labels.clone();
    }

    /** Number of detections. */
    public int size() {
        return scores.length;
    }

    @Override
    public float[] boxes() {
        return boxes.clone();
    }

    @Override
    public float[] scores() {
        return scores.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }
}

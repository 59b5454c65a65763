package dev.densepred.datasets.coco;

import dev.densepred.datasets.transform.BitmapMasks;
import dev.densepred.datasets.transform.BoxTargets;
import dev.densepred.datasets.transform.ImageSample;

import java.nio.file.Path;

/**
 * One COCO image after the pipeline, with its instance targets moved along (mmdet's packed {@code DetDataSample}):
 * boxes {@code [x1, y1, x2, y2]} in input pixels, contiguous labels {@code 0..K-1} and masks at the input size, all
 * in the same order. Crowd annotations are not among them (mmdet ignores them in training).
 *
 * @param imageId the COCO image id
 * @param file the image file
 * @param image the transformed image
 * @param boxes the boxes, or null for a test sample (no annotations loaded)
 * @param labels one contiguous label per box, or null for a test sample
 * @param masks one mask per box, or null for a test sample
 */
public record DetectionSample(long imageId, Path file, ImageSample image, BoxTargets boxes, int[] labels, BitmapMasks masks) {

    /** Number of instances (0 for a test sample). */
    public int size() {
        return labels == null ? 0 : labels.length;
    }
}

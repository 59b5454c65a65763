package dev.densepred.datasets.ade;

import boofcv.struct.image.GrayU8;
import dev.densepred.datasets.transform.ImageSample;

import java.util.List;

/**
 * One test image: its preprocessed views (one for single-scale testing, one per scale and flip for test-time
 * augmentation) and its label map at the original image size, where mmseg computes the metrics.
 *
 * @param item the dataset entry
 * @param views preprocessed images; each view's {@code ImageMeta} says how it was resized and whether it is flipped
 * @param labels the label map at the original size (after reduce_zero_label), 255 where ignored
 */
public record SegTestSample(Ade20kDataset.Item item, List<ImageSample> views, GrayU8 labels) {
    public SegTestSample {
        views = List.copyOf(views);
        if (views.isEmpty()) {
            throw new IllegalArgumentException(item + ": a test sample needs at least one view");
        }
    }
}

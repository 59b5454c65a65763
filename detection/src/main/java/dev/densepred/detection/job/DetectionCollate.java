package dev.densepred.detection.job;

import dev.densepred.datasets.batch.Collate;
import dev.densepred.datasets.batch.ImageBatch;
import dev.densepred.datasets.coco.DetectionSample;
import dev.densepred.datasets.transform.ImageMeta;
import dev.densepred.datasets.transform.ImageSample;
import dev.densepred.detection.InstanceTargets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/**
 * The detection batch (mmdet's {@code DetDataPreprocessor} plus the packed {@code gt_instances}): images padded
 * bottom/right with 0 to the batch's largest size rounded up to a multiple of 32, each image's
 * {@link ImageMeta}, and its {@link InstanceTargets}: boxes and labels in input pixels, masks padded with 0 to the
 * batch's padded size as {@code pad_mask=True} does in mmdetection's Mask R-CNN configs (mask targets sample the last
 * half pixel of an image's content against that padding).
 * Not thread-safe: one instance per consumer thread, like {@link Collate}.
 */
public final class DetectionCollate {

    /**
     * One collated batch.
     *
     * @param images {@code [N, 3, H, W]} float32 in the manager given to {@link #collate}
     * @param metas per image
     * @param targets per image; empty targets for test samples
     * @param imageIds COCO image ids ({@code -1} for files outside a dataset)
     */
    public record Batch(NDArray images, List<ImageMeta> metas, List<InstanceTargets> targets, long[] imageIds) {
        public Batch {
            metas = List.copyOf(metas);
            targets = List.copyOf(targets);
        }
    }

    private final Collate collate = new Collate(Collate.Config.defaults());

    /** The batch of {@code samples}, its arrays in {@code manager}. */
    public Batch collate(List<DetectionSample> samples, NDManager manager) {
        List<ImageSample> images = new ArrayList<>(samples.size());
        long[] ids = new long[samples.size()];
        for (int i = 0; i < samples.size(); i++) {
            images.add(samples.get(i).image());
            ids[i] = samples.get(i).imageId();
        }
        ImageBatch b = collate.collate(images, manager);
        int padHeight = Math.toIntExact(b.images().getShape().get(2));
        int padWidth = Math.toIntExact(b.images().getShape().get(3));
        List<InstanceTargets> targets = new ArrayList<>(samples.size());
        for (DetectionSample s : samples) {
            targets.add(targets(s, padHeight, padWidth));
        }
        return new Batch(b.images(), b.metas(), targets, ids);
    }

    /** The sample's ground truth as the model takes it, masks padded to {@code padHeight x padWidth} (none for a test sample). */
    static InstanceTargets targets(DetectionSample s, int padHeight, int padWidth) {
        int h = s.image().height();
        int w = s.image().width();
        if (s.labels() == null) {
            return new InstanceTargets(new float[0], new int[0], new byte[0], padHeight, padWidth);
        }
        if (s.masks().width() != w || s.masks().height() != h) {
            throw new IllegalStateException("image id " + s.imageId() + ": masks are " + s.masks().width() + "x"
                    + s.masks().height() + " but the image content is " + w + "x" + h);
        }
        return new InstanceTargets(s.boxes().toArray(), s.labels(), s.masks().toPaddedArray(padWidth, padHeight), padHeight, padWidth);
    }
}

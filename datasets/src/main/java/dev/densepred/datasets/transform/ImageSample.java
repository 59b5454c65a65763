package dev.densepred.datasets.transform;

import boofcv.struct.image.GrayF32;
import boofcv.struct.image.GrayU8;
import boofcv.struct.image.Planar;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One image on its way through a pipeline (the results dict of mmcv transforms, typed): the RGB image as float
 * planes, an optional label map of the same size, the {@link Geometry} targets that move with it, and the
 * bookkeeping that becomes its {@link ImageMeta}. Owned by one worker thread at a time; not thread-safe.
 */
public final class ImageSample {

    private Planar<GrayF32> image;
    private GrayU8 labels;
    private final List<Geometry> targets = new ArrayList<>();
    private final int oriWidth;
    private final int oriHeight;
    private int width;
    private int height;
    private double scaleX = 1;
    private double scaleY = 1;
    private boolean flipped;

    /** A freshly decoded image (3 bands, 0..255) and its label map, or {@code null} when there is none. */
    public ImageSample(Planar<GrayF32> image, GrayU8 labels) {
        checkImage(image, labels);
        this.image = image;
        this.labels = labels;
        this.oriWidth = image.width;
        this.oriHeight = image.height;
        this.width = image.width;
        this.height = image.height;
    }

    public Planar<GrayF32> image() {
        return image;
    }

    /** The label map, or {@code null}. */
    public GrayU8 labels() {
        return labels;
    }

    /** Registers a target that the geometric transforms will move with the image. */
    public ImageSample addTarget(Geometry target) {
        targets.add(target);
        return this;
    }

    public List<Geometry> targets() {
        return Collections.unmodifiableList(targets);
    }

    /** Width of the content before padding ({@code img_shape}). */
    public int width() {
        return width;
    }

    /** Height of the content before padding ({@code img_shape}). */
    public int height() {
        return height;
    }

    public ImageMeta meta() {
        return new ImageMeta(oriHeight, oriWidth, height, width, scaleX, scaleY, flipped, image.height, image.width);
    }

    /**
     * Replaces image and label map after a geometric change; {@code width x height} is the new content size.
     * Targets are not touched: the caller tells them what happened.
     */
    public void replace(Planar<GrayF32> newImage, GrayU8 newLabels, int contentWidth, int contentHeight) {
        checkImage(newImage, newLabels);
        if (contentWidth > newImage.width || contentHeight > newImage.height) {
            throw new IllegalArgumentException("content " + contentWidth + "x" + contentHeight
                    + " larger than the image " + newImage.width + "x" + newImage.height);
        }
        this.image = newImage;
        this.labels = newLabels;
        this.width = contentWidth;
        this.height = contentHeight;
    }

    void recordScale(double sx, double sy) {
        scaleX *= sx;
        scaleY *= sy;
    }

    void recordFlip() {
        flipped = !flipped;
    }

    private static void checkImage(Planar<GrayF32> image, GrayU8 labels) {
        if (image.getNumBands() != 3) {
            throw new IllegalArgumentException("expected an RGB image with 3 bands, found " + image.getNumBands());
        }
        if (labels != null && (labels.width != image.width || labels.height != image.height)) {
            throw new IllegalArgumentException("label map is " + labels.width + "x" + labels.height
                    + " but the image is " + image.width + "x" + image.height);
        }
    }
}

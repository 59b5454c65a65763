package dev.densepred.datasets.transform;

/**
 * A target drawn in image coordinates (boxes, polygons, RLE masks) that the geometric transforms move along with
 * the image. {@link ImageSample} calls these in pipeline order; an implementation updates itself in place.
 * Coordinates are continuous pixel coordinates as in mmdetection 3.x: the image spans {@code [0, width]}.
 */
public interface Geometry {

    /**
     * The image was resized by {@code sx} horizontally and {@code sy} vertically (new size / old size, per axis,
     * as mmcv's {@code scale_factor}); the new image is {@code width x height}.
     */
    void rescale(double sx, double sy, int width, int height);

    /** The image, {@code width} pixels wide, was mirrored left to right: {@code x -> width - x}. */
    void flipHorizontal(int width);

    /** The image was cropped to the {@code width x height} window whose top-left corner is {@code (x, y)}. */
    void crop(int x, int y, int width, int height);
}

package dev.densepred.detection.box;

/**
 * The size of an image in pixels, height first as in mmdetection's {@code img_shape} and {@code pad_shape}.
 *
 * @param height rows
 * @param width columns
 */
public record ImageSize(int height, int width) {

    public ImageSize {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, found " + height + "x" + width + " (height x width)");
        }
    }
}

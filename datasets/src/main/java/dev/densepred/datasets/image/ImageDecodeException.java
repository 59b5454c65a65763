package dev.densepred.datasets.image;

import dev.densepred.datasets.SampleException;

import java.nio.file.Path;

/** An image or label file that is missing, truncated, not an image, or of a layout we cannot use. */
public final class ImageDecodeException extends SampleException {

    private static final long serialVersionUID = 1L;

    public ImageDecodeException(Path file, String message) {
        super(file, message);
    }

    public ImageDecodeException(Path file, String message, Throwable cause) {
        super(file, message, cause);
    }
}

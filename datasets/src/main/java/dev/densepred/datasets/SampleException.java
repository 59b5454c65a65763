package dev.densepred.datasets;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Bad data in one sample (a missing or corrupt image, a label map of the wrong size): the loader reports it with
 * the sample's record and skips the sample. Any other exception thrown while loading is a bug and stops the loader.
 */
public class SampleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** A problem with {@code file} (may be null when no single file is to blame). */
    public SampleException(Path file, String message) {
        this(file, message, null);
    }

    public SampleException(Path file, String message, Throwable cause) {
        super(file == null ? message : file + ": " + message, cause);
        this.file = file;
    }

    /** The file at fault, when there is one. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}

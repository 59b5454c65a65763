package dev.densepred.datasets.coco;

import java.nio.file.Path;

/**
 * A COCO JSON file (instances or results) that breaks the format; the message names the file, the record (array
 * index and id) and what was expected versus found. An {@link IllegalArgumentException}, so the command line
 * reports it as bad input.
 */
public final class CocoFormatException extends IllegalArgumentException {

    public CocoFormatException(Path file, String defect) {
        super(file + ": " + defect);
    }

    public CocoFormatException(Path file, String defect, Throwable cause) {
        super(file + ": " + defect, cause);
    }
}

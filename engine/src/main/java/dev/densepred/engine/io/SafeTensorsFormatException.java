package dev.densepred.engine.io;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file whose header or layout breaks the format; the message names the file and the defect. */
public final class SafeTensorsFormatException extends IOException {

    public SafeTensorsFormatException(Path file, String defect) {
        super(file + ": not a valid safetensors file: " + defect);
    }
}

package dev.densepred.datasets.loader;

import java.nio.file.Path;

/**
 * A sample the loader skipped because its data is bad.
 *
 * @param epoch the epoch
 * @param batch the batch index within the epoch (the sampler's numbering)
 * @param index the dataset index of the record
 * @param record the record as the loader's describer writes it (e.g. the image id and file name)
 * @param file the file at fault, or {@code null} when no single file is to blame
 * @param message what was wrong
 */
public record SampleFailure(int epoch, int batch, int index, String record, Path file, String message) {

    @Override
    public String toString() {
        return "skipped sample " + record + " (index " + index + ", epoch " + epoch + ", batch " + batch + "): " + message;
    }
}

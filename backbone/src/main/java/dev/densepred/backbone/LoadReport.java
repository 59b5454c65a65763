package dev.densepred.backbone;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Backbone#loadPretrained} did: every tensor the network needs came from the file except the ones
 * dense prediction adds (kept at their fresh initialisation), and every tensor of the file was used except the ones
 * dense prediction drops (a classifier head).
 *
 * @param file the weight file
 * @param naming the key convention recognised in the file, e.g. {@code timm}, {@code official}, {@code torchvision}
 * @param loaded number of tensors copied into the network
 * @param dropped file keys not used (a classification head), in file order
 * @param fresh network keys the file does not have and that keep their initialisation (per-stage output norms)
 */
public record LoadReport(Path file, String naming, int loaded, List<String> dropped, List<String> fresh) {

    public LoadReport {
        dropped = List.copyOf(dropped);
        fresh = List.copyOf(fresh);
    }

    /** One line for the log. */
    public String summary() {
        StringBuilder sb = new StringBuilder()
                .append("loaded ").append(loaded).append(" tensors from ").append(file).append(" (").append(naming).append(" names)");
        if (!dropped.isEmpty()) {
            sb.append("; dropped ").append(dropped.size()).append(" not used for dense prediction: ").append(String.join(", ", dropped));
        }
        if (!fresh.isEmpty()) {
            sb.append("; kept ").append(fresh.size()).append(" freshly initialised: ").append(String.join(", ", fresh));
        }
        return sb.toString();
    }
}

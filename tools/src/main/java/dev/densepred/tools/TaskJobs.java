package dev.densepred.tools;

import dev.densepred.detection.job.DetectionJob;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.job.TaskJob;
import dev.densepred.segmentation.job.SegmentationJob;

import java.util.List;

/** The model families the commands know, in one explicit list; a config picks its family by {@code model.type}. */
final class TaskJobs {

    private static final List<TaskJob> ALL = List.of(new DetectionJob(), new SegmentationJob());

    private TaskJobs() {}

    /** The family that handles {@code cfg}, or an error naming the config's model type and the known families. */
    static TaskJob forConfig(Config cfg) {
        for (TaskJob job : ALL) {
            if (job.handles(cfg)) {
                return job;
            }
        }
        String type = cfg.find("model.type").map(c -> c.node().getAsString()).orElse("<none>");
        throw new ConfigException(cfg.originOf("model") + ": no command family handles model type '" + type
                + "' (known: " + String.join(", ", ALL.stream().map(TaskJob::name).toList()) + ")");
    }
}

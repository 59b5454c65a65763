package dev.densepred.tools;

import dev.densepred.engine.config.Config;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code browse CONFIG}: pictures of what the training pipeline feeds the model. */
@Command(
        name = "browse",
        mixinStandardHelpOptions = true,
        description = "Write PNGs of training samples after the pipeline (augmentations applied, targets drawn), to check a data config.",
        footer = {"", "Examples:", "  densepred browse configs/upernet/upernet_demo.json --out browse/ --count 8"})
final class BrowseCommand implements Callable<Integer> {

    @Option(names = "--out", defaultValue = "browse", paramLabel = "DIR", description = "Where the PNGs go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--count", defaultValue = "8", description = "How many samples (default: ${DEFAULT-VALUE}).")
    int count;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        PrintStream console = options.console();
        Config cfg = options.load();
        for (Path p : TaskJobs.forConfig(cfg).browse(cfg, out, count, console)) {
            console.println("wrote " + p);
        }
        return 0;
    }
}

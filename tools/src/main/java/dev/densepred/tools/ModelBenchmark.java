package dev.densepred.tools;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.job.TaskJob;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code benchmark model CONFIG}: training step and inference speed and memory of any config. */
@Command(
        name = "model",
        mixinStandardHelpOptions = true,
        description = "Training step time (data, forward, backward, optimizer), inference images/s and peak memory of a config's model.",
        footer = {"", "Examples:",
                "  densepred benchmark model configs/mask_rcnn/mask_rcnn_mambaout_tiny_fpn_1x_coco.json --size 800x1333 --batch 2",
                "  densepred benchmark model configs/upernet/upernet_mambaout_tiny_512x512_160k_ade20k.json --device gpu:0 --json bench.json"})
final class ModelBenchmark implements Callable<Integer> {

    @Option(names = "--iters", defaultValue = "10", description = "Timed iterations (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed iterations first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--size", paramLabel = "HxW", description = "Synthetic input size, e.g. 800x1333 (default: the config's test size).")
    String size;

    @Option(names = "--batch", defaultValue = "2", description = "Images per training step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
    Path json;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        PrintStream console = options.console();
        Config cfg = options.load();
        int[] hw = size == null ? null : HeightWidth.parse("--size", size);
        TaskJobs.forConfig(cfg).benchmark(cfg, new TaskJob.BenchmarkOptions(iters, warmup, hw, batch, json), console);
        return 0;
    }
}

package dev.densepred.tools;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.job.TaskJob;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code test CONFIG CHECKPOINT}: evaluates a checkpoint on the config's test set. */
@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        description = "Evaluate a checkpoint on the config's test set and print the metrics (COCO AP tables or mIoU per class).",
        footer = {"", "Examples:",
                "  densepred test configs/mask_rcnn/mask_rcnn_r50_fpn_1x_coco.json work_dirs/mask_rcnn_r50_fpn_1x_coco/epoch_12.json --out results",
                "  densepred test configs/upernet/upernet_mambaout_tiny_512x512_160k_ade20k.json CKPT --aug-test --show-dir preds/"})
final class TestCommand implements Callable<Integer> {

    @Parameters(index = "1", paramLabel = "CHECKPOINT", description = "Model weights (.safetensors, or a checkpoint written by train).")
    Path checkpoint;

    @Option(names = "--aug-test", description = "Multi-scale and flip testing (segmentation).")
    boolean augTest;

    @Option(names = "--out", paramLabel = "PATH", description = "Write the results: for detection PATH.bbox.json and PATH.segm.json "
            + "(COCO results, as mmdetection's outfile_prefix), for segmentation PATH as JSON (metrics and per-class IoU/Acc).")
    Path out;

    @Option(names = "--show-dir", paramLabel = "DIR", description = "Write pictures of the predictions here.")
    Path showDir;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        PrintStream console = options.console();
        Config cfg = options.load();
        Map<String, Double> metrics = TaskJobs.forConfig(cfg).test(cfg, checkpoint, new TaskJob.TestOptions(augTest, out, showDir), console);
        metrics.forEach((k, v) -> console.printf("%s: %.4f%n", k, v));
        return 0;
    }
}

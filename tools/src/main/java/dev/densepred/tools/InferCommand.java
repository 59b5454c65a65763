package dev.densepred.tools;

import dev.densepred.engine.config.Config;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code infer CONFIG CHECKPOINT IMAGE... --out DIR}: draws predictions on images. */
@Command(
        name = "infer",
        mixinStandardHelpOptions = true,
        description = "Predict on images and write PNGs: boxes, masks and class names for detectors, a colour-coded segmentation blended over the image for segmenters.",
        footer = {"", "Examples:",
                "  densepred infer configs/mask_rcnn/mask_rcnn_demo.json work_dirs/demo/detection/iter_400.json data/coco_mini/images/000000397133.jpg --out out/"})
final class InferCommand implements Callable<Integer> {

    @Parameters(index = "1", paramLabel = "CHECKPOINT", description = "Model weights.")
    Path checkpoint;

    @Parameters(index = "2..*", arity = "1..*", paramLabel = "IMAGE", description = "Images to predict on.")
    List<Path> images;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the PNGs go.")
    Path out;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        PrintStream console = options.console();
        Config cfg = options.load();
        for (Path p : TaskJobs.forConfig(cfg).infer(cfg, checkpoint, images, out, console)) {
            console.println("wrote " + p);
        }
        return 0;
    }
}

package dev.densepred.tools;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.train.Runner;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code train CONFIG}: trains a detector or segmenter as its config says. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = "Train the model a config describes; checkpoints, logs and the resolved config go to the work directory.",
        footer = {"", "Examples:",
                "  densepred train configs/mask_rcnn/mask_rcnn_mambaout_tiny_fpn_1x_coco.json",
                "  densepred train configs/upernet/upernet_mambaout_tiny_512x512_160k_ade20k.json --resume",
                "  densepred train CONFIG --work-dir runs/exp1 --set optim_wrapper.optimizer.lr=2e-4 --device gpu:0"})
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where checkpoints and logs go (default: work_dirs/<config name>).")
    Path workDir;

    @Option(names = "--resume", description = "Continue from the latest complete checkpoint in the work directory.")
    boolean resume;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        PrintStream console = options.console();
        Config cfg = options.load();
        Path dir = workDir != null ? workDir : options.defaultWorkDir();
        Runner.Result result = TaskJobs.forConfig(cfg).train(cfg, dir, resume, console);
        console.printf("trained %d iterations; work dir %s%n", result.iterations(), dir);
        return 0;
    }
}

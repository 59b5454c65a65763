package dev.densepred.tools;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code plot WORK_DIR}: training curves as a PNG. */
@Command(
        name = "plot",
        mixinStandardHelpOptions = true,
        description = "Draw loss, learning-rate and evaluation-metric curves of a training run (from WORK_DIR/scalars.jsonl) into a PNG.",
        footer = {"", "Examples:", "  densepred plot work_dirs/mask_rcnn_demo", "  densepred plot work_dirs/upernet_demo --out curves.png"})
final class PlotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WORK_DIR", description = "A work directory written by 'densepred train'.")
    Path workDir;

    @Option(names = "--out", paramLabel = "FILE", description = "The PNG to write (default: WORK_DIR/curves.png).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintStream console = WriterStream.of(spec.commandLine().getOut());
        System.setProperty("java.awt.headless", "true");
        Path target = out != null ? out : workDir.resolve("curves.png");
        TrainingCurves.read(workDir).render(target, workDir.getFileName().toString());
        console.println("wrote " + target);
        return 0;
    }
}

package dev.densepred.tools;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigLoader;
import dev.densepred.engine.job.TaskJob;
import dev.densepred.engine.train.Runner;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code demo}: the whole framework on a laptop. Trains the small Mask R-CNN on the bundled COCO images and the
 * small UperNet on the bundled ADE20K images, evaluating each with the real evaluators before and after training.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Train the demo Mask R-CNN (bundled COCO images) and UperNet (bundled ADE20K images) on this machine, "
                + "and print box AP, mask AP and mIoU of the untrained and the trained models.",
        footer = {"", "Examples:", "  densepred demo", "  densepred demo --only segmentation --set train_cfg.max_iters=50",
                "", "Runs from the project root (configs/ and data/ are read from the working directory)."})
final class DemoCommand implements Callable<Integer> {

    /** A demo run: its config and the metrics it reports. */
    record Stage(String name, Path config, List<String> metrics) {}

    static final List<Stage> STAGES = List.of(
            new Stage("detection", Path.of("configs/mask_rcnn/mask_rcnn_demo.json"), List.of("coco/bbox_mAP", "coco/segm_mAP")),
            new Stage("segmentation", Path.of("configs/upernet/upernet_demo.json"), List.of("mIoU", "mAcc", "aAcc")));

    @Spec
    CommandSpec spec;

    @Option(names = "--only", paramLabel = "STAGE", description = "Run one stage: detection or segmentation.")
    String only;

    @Option(names = "--work-dir", defaultValue = "work_dirs/demo", paramLabel = "DIR", description = "Where the runs go; each stage's folder is replaced (default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key of both demo configs (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintStream out = WriterStream.of(spec.commandLine().getOut());
        List<Stage> stages = STAGES.stream().filter(s -> only == null || s.name().equals(only)).toList();
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("--only " + only + ": expected detection or segmentation");
        }
        Map<String, double[]> table = new LinkedHashMap<>();
        long start = System.nanoTime();
        for (Stage stage : stages) {
            Config cfg = ConfigLoader.load(stage.config(), overrides);
            TaskJob job = TaskJobs.forConfig(cfg);
            Path dir = workDir.resolve(stage.name());
            deleteTree(dir);
            out.printf("%n== %s: %s (work dir %s)%n", stage.name(), stage.config(), dir);
            out.println("-- evaluating the untrained model");
            Map<String, Double> before = job.test(cfg, null, new TaskJob.TestOptions(false, null, null), out);
            out.println("-- training");
            Runner.Result result = job.train(cfg, dir, false, out);
            out.println("-- evaluating the trained model");
            Path weights = trainedWeights(dir);
            out.printf("trained %d iterations; evaluating %s%n", result.iterations(), weights.getFileName());
            Map<String, Double> after = job.test(cfg, weights, new TaskJob.TestOptions(false, null, null), out);
            for (String m : stage.metrics()) {
                table.put(stage.name() + "  " + m, new double[] {before.getOrDefault(m, Double.NaN), after.getOrDefault(m, Double.NaN)});
            }
        }
        out.printf("%n%-34s %10s %10s%n", "metric", "untrained", "trained");
        table.forEach((k, v) -> out.printf(Locale.ROOT, "%-34s %10.3f %10.3f%n", k, v[0], v[1]));
        out.printf(Locale.ROOT, "%ndemo finished in %.1f min; curves: densepred plot %s/<stage>%n", (System.nanoTime() - start) / 6e10, workDir);
        return 0;
    }

    /** The best checkpoint's weights if the run kept one, else the newest checkpoint's. */
    static Path trainedWeights(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            List<Path> weights = files.filter(p -> p.getFileName().toString().endsWith(".model.safetensors")).toList();
            return weights.stream().filter(p -> p.getFileName().toString().startsWith("best_")).findFirst()
                    .or(() -> weights.stream().max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified())))
                    .orElseThrow(() -> new IllegalStateException("training wrote no weights into " + dir));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

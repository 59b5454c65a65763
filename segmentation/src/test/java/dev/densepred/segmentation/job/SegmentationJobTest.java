package dev.densepred.segmentation.job;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigLoader;
import dev.densepred.engine.job.TaskJob;
import dev.densepred.engine.testing.Fixtures;
import dev.densepred.engine.train.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command of the segmentation job once, end to end on the bundled ADE20K samples, with the demo config made
 * tiny (small crops, narrow heads, two iterations): train writes checkpoints and evaluates, test scores the trained
 * weights (single scale and multi-scale with flip, pictures), infer and browse write pictures, benchmark reports.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SegmentationJobTest {

    @TempDir
    Path tmp;

    private static Config tinyConfig() {
        Path root = Fixtures.dataRoot().getParent();
        String ade = "\"" + Fixtures.dataRoot().resolve("ade_mini") + "\"";
        return ConfigLoader.load(root.resolve("configs/upernet/upernet_demo.json"), List.of(
                "model.decode_head.channels=16", "model.auxiliary_head.channels=8",
                "train_dataloader.dataset.data_root=" + ade, "val_dataloader.dataset.data_root=" + ade,
                "test_dataloader.dataset.data_root=" + ade,
                "train_dataloader.dataset.pipeline.0.scale=[256,64]", "train_dataloader.dataset.pipeline.1.crop_size=[64,64]",
                "train_dataloader.dataset.pipeline.4.size=[64,64]",
                "val_dataloader.dataset.pipeline.0.scale=[256,64]", "test_dataloader.dataset.pipeline.0.scale=[256,64]",
                "tta.img_ratios=[0.1,0.15]",
                "train_cfg.max_iters=2", "train_cfg.val_interval=2",
                "param_scheduler=[]", "default_hooks.logger.interval=1"));
    }

    @Test
    void trainTestInferBrowseBenchmark() throws IOException {
        Config cfg = tinyConfig();
        SegmentationJob job = new SegmentationJob();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);

        Path work = tmp.resolve("work");
        Runner.Result r = job.train(cfg, work, false, out);
        assertEquals(2, r.iterations());
        assertTrue(r.lastMetrics().keySet().containsAll(List.of("aAcc", "mIoU", "mAcc")), r.lastMetrics().toString());
        Path weights = Files.list(work).filter(p -> p.getFileName().toString().endsWith(".model.safetensors")).findFirst().orElseThrow();

        Path show = tmp.resolve("show");
        Map<String, Double> single = job.test(cfg, weights, new TaskJob.TestOptions(false, tmp.resolve("results.json"), show), out);
        // the trained weights evaluate as the run's own evaluation did (same pipeline, same weights)
        assertEquals(r.lastMetrics().get("mIoU"), single.get("mIoU"), 1e-9);
        Map<String, Double> aug = job.test(cfg, weights, new TaskJob.TestOptions(true, null, null), out);
        List<Path> inferred = job.infer(cfg, weights, List.of(Fixtures.dataRoot().resolve("ade_mini/images/validation/ADE_val_00000003.jpg")),
                tmp.resolve("infer"), out);
        List<Path> browsed = job.browse(cfg, tmp.resolve("browse"), 2, out);
        Map<String, Double> bench = job.benchmark(cfg, new TaskJob.BenchmarkOptions(1, 0, new int[] {128, 192}, 2, null), out);

        BufferedImage shown = ImageIO.read(show.resolve("ADE_val_00000003.png").toFile());
        BufferedImage drawn = ImageIO.read(inferred.get(0).toFile());
        String text = log.toString(StandardCharsets.UTF_8);
        assertAll(
                () -> assertTrue(aug.get("mIoU") >= 0 && aug.get("mIoU") <= 100, aug.toString()),
                () -> assertTrue(text.contains("| wall "), "the per-class table names the classes"),
                () -> assertTrue(Files.readString(tmp.resolve("results.json")).contains("\"per_class\"")),
                // ground truth and prediction side by side at the original 400x300, under a title row
                () -> assertTrue(shown.getWidth() >= 2 * 400 && shown.getHeight() >= 300, shown.getWidth() + "x" + shown.getHeight()),
                // the image plus a legend column
                () -> assertTrue(drawn.getWidth() > 400 && drawn.getHeight() >= 300, drawn.getWidth() + "x" + drawn.getHeight()),
                () -> assertEquals(2, browsed.size()),
                () -> assertTrue(bench.get("train_step_ms") > 0 && bench.get("infer_whole_images_per_s") > 0
                        && bench.get("infer_slide_images_per_s") > 0 && bench.get("infer_aug_images_per_s") > 0, bench.toString()));
    }

    @Test
    void handlesOnlyEncoderDecoderConfigs() {
        SegmentationJob job = new SegmentationJob();
        assertTrue(job.handles(tinyConfig()));
        assertTrue(!job.handles(Config.of(com.google.gson.JsonParser.parseString("{\"model\": {\"type\": \"MaskRCNN\"}}")
                .getAsJsonObject(), "test")));
    }
}

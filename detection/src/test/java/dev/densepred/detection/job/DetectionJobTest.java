package dev.densepred.detection.job;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.config.ConfigLoader;
import dev.densepred.engine.job.TaskJob;
import dev.densepred.engine.testing.Fixtures;
import dev.densepred.engine.train.Runner;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The detection commands end to end on a tiny model over the bundled coco_mini images (not a learning test). */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DetectionJobTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);

    /** The demo config with a few-channel model, 128-pixel images and 2 iterations. */
    private Path tinyConfig(String extra) throws IOException {
        Path demo = MaskRcnnConfigsTest.configDir().resolve("mask_rcnn_demo.json");
        String data = Fixtures.dataRoot().toAbsolutePath().resolve("coco_mini").toString().replace("\\", "/") + "/";
        String pipeline = "[{\"type\": \"Resize\", \"scale\": [128, 96], \"keep_ratio\": true}, {\"type\": \"Normalize\"}, {\"type\": \"Pad\", \"size_divisor\": 32}]";
        String json = """
            {"_base_": "%s",
             "model": {"backbone": {"depths": [1, 1, 1, 1], "dims": [8, 16, 24, 32]},
                       "neck": {"in_channels": [8, 16, 24, 32], "out_channels": 16},
                       "rpn_head": {"in_channels": 16, "feat_channels": 16},
                       "roi_head": {"bbox_roi_extractor": {"out_channels": 16}, "bbox_head": {"in_channels": 16, "fc_out_channels": 32},
                                    "mask_roi_extractor": {"out_channels": 16},
                                    "mask_head": {"in_channels": 16, "conv_out_channels": 16}}},
             "train_dataloader": {"dataset": {"data_root": "%s", "pipeline": %s}},
             "val_dataloader": {"dataset": {"data_root": "%s", "pipeline": %s}},
             "train_cfg": {"max_iters": 2},
             "default_hooks": {"logger": {"interval": 1}}%s}
            """.formatted(demo.toString().replace("\\", "/"), data, pipeline, data, pipeline, extra);
        Path file = tmp.resolve("tiny.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void trainTestInferBrowseOnATinyConfig() throws IOException {
        Config cfg = ConfigLoader.load(tinyConfig(""));
        DetectionJob job = new DetectionJob();
        assertTrue(job.handles(cfg));
        Path work = tmp.resolve("work");
        Runner.Result r = job.train(cfg, work, false, out);
        assertEquals(2, r.iterations());
        Path weights;
        try (var files = Files.list(work)) {
            weights = files.filter(p -> p.getFileName().toString().endsWith(".model.safetensors")).findFirst().orElseThrow();
        }

        Path prefix = tmp.resolve("results");
        Map<String, Double> m = job.test(cfg, weights, new TaskJob.TestOptions(false, prefix, null), out);
        String text = log.toString(StandardCharsets.UTF_8);
        assertAll(
                () -> assertTrue(m.keySet().containsAll(List.of("bbox_mAP", "segm_mAP", "coco/bbox_mAP", "coco/segm_mAP",
                        "coco/bbox_mAP_50", "coco/segm_mAP_l")), m.keySet().toString()),
                () -> assertTrue(m.values().stream().allMatch(v -> v >= -1 && v <= 1), m.toString()),
                () -> assertEquals(m.get("bbox_mAP"), m.get("coco/bbox_mAP")),
                () -> assertTrue(JsonParser.parseString(Files.readString(tmp.resolve("results.bbox.json"))).isJsonArray()),
                () -> assertTrue(JsonParser.parseString(Files.readString(tmp.resolve("results.segm.json"))).isJsonArray()),
                () -> assertTrue(text.contains("Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]"), "AP table"),
                () -> assertTrue(text.contains("category") && text.contains("person"), "per-class table"));

        Path image = Fixtures.dataRoot().resolve("coco_mini/images/000000397133.jpg");
        List<Path> drawn = job.infer(cfg, work.resolve(weights.getFileName().toString().replace(".model.safetensors", ".json")),
                List.of(image), tmp.resolve("infer"), out);
        BufferedImage png = ImageIO.read(drawn.get(0).toFile());
        assertEquals(List.of(640, 427), List.of(png.getWidth(), png.getHeight()), "drawn at the original size");

        List<Path> browsed = job.browse(cfg, tmp.resolve("browse"), 3, out);
        assertEquals(3, browsed.size());
        for (Path p : browsed) {
            BufferedImage b = ImageIO.read(p.toFile());
            assertTrue(Math.max(b.getWidth(), b.getHeight()) == 128 || Math.min(b.getWidth(), b.getHeight()) == 96, p + " at the pipeline's size");
        }
    }

    @Test
    void untrainedBaselineNeedsNoCheckpoint() throws IOException {
        Config cfg = ConfigLoader.load(tinyConfig(""));
        Map<String, Double> m = new DetectionJob().test(cfg, null, new TaskJob.TestOptions(false, null, null), out);
        assertTrue(m.containsKey("coco/segm_mAP"));
    }

    @Test
    void bindingErrorsNameTheKey() throws IOException {
        ConfigException top = assertThrows(ConfigException.class,
                () -> new DetectionJob().test(ConfigLoader.load(tinyConfig(", \"test_dataloder\": {}")), null,
                        new TaskJob.TestOptions(false, null, null), out));
        assertTrue(top.getMessage().contains("'test_dataloder'") && top.getMessage().contains("test_dataloader"), top.getMessage());

        ConfigException nested = assertThrows(ConfigException.class,
                () -> new DetectionJob().test(ConfigLoader.load(tinyConfig(", \"val_dataloader\": {\"dataset\": {\"ann_fil\": \"x.json\"}}")),
                        null, new TaskJob.TestOptions(false, null, null), out));
        assertTrue(nested.getMessage().contains("ann_fil") && nested.getMessage().contains("ann_file"), nested.getMessage());

        ConfigException sampler = assertThrows(ConfigException.class,
                () -> new DetectionJob().test(ConfigLoader.load(tinyConfig(", \"val_dataloader\": {\"sampler\": {\"type\": \"InfiniteSampler\"}}")),
                        null, new TaskJob.TestOptions(false, null, null), out));
        assertTrue(sampler.getMessage().contains("val_dataloader.sampler") && sampler.getMessage().contains("DefaultSampler"), sampler.getMessage());
    }
}

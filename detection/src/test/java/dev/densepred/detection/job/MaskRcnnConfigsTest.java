package dev.densepred.detection.job;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.BackboneRegistry;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.datasets.coco.CocoDetection;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.detection.MaskRcnnSettings;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigLoader;
import dev.densepred.engine.testing.Fixtures;
import dev.densepred.engine.train.TrainingConfig;
import dev.densepred.engine.train.optim.AdamW;
import dev.densepred.engine.train.optim.OptimizerSpec;
import dev.densepred.engine.train.optim.Sgd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every config in {@code configs/mask_rcnn/} binds completely (model, data, training) without loading any weights. */
class MaskRcnnConfigsTest {

    static Path configDir() {
        return Fixtures.dataRoot().toAbsolutePath().getParent().resolve("configs/mask_rcnn");
    }

    static List<Path> configs() {
        return Fixtures.list(configDir(), ".json");
    }

    @ParameterizedTest
    @MethodSource("configs")
    void bindsEverySection(Path file) {
        Config cfg = ConfigLoader.load(file);
        TrainingConfig tc = TrainingConfig.from(cfg);
        DetectionSettings s = DetectionSettings.from(cfg);
        MaskRcnnSettings model = MaskRcnnSettings.bind(s.model());
        // the backbone is constructed (not initialised, no weights read): its feature channels feed the neck
        Backbone backbone = BackboneRegistry.build(model.backbone());
        List<Integer> channels = backbone.featureInfo().stream().map(FeatureInfo::channels).toList();
        assertEquals(channels, model.neck().inChannels(), file + ": neck.in_channels vs the backbone's feature channels");
        for (DetectionSettings.DataLoader d : new DetectionSettings.DataLoader[] {s.trainDataloader(), s.valDataloader()}) {
            CocoDetection.Settings ds = ConfigBinder.bind(d.dataset(), CocoDetection.Settings.class, Set.of("type"));
            Pipeline.fromConfig(ds.pipeline());
        }
        assertTrue(new DetectionJob().handles(cfg));
        assertTrue(tc.trainCfg().maxEpochs() > 0 || tc.trainCfg().maxIters() > 0);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void mmdetRecipeUnlessDemo(Path file) {
        if (file.getFileName().toString().contains("demo")) {
            return;
        }
        Config cfg = ConfigLoader.load(file);
        TrainingConfig tc = TrainingConfig.from(cfg);
        DetectionSettings s = DetectionSettings.from(cfg);
        boolean r50 = file.getFileName().toString().contains("r50");
        OptimizerSpec opt = tc.optimWrapper().optimizerSpec();
        assertAll(file.toString(),
                () -> {
                    if (r50) {
                        assertEquals(new Sgd.Config(0.02, 0.9, 0, 1e-4, false), opt, "mmdet's schedule_1x");
                    } else {
                        AdamW.Config adamw = assertInstanceOf(AdamW.Config.class, opt);
                        assertEquals(1e-4, adamw.lr());
                        assertArrayEquals(new double[] {0.9, 0.999}, adamw.betas());
                        assertEquals(0.05, adamw.weightDecay());
                    }
                },
                () -> assertEquals(r50 ? null : 0.0, tc.optimWrapper().paramwiseCfg().normDecayMult()),
                () -> assertEquals(r50 ? null : 0.0, tc.optimWrapper().paramwiseCfg().biasDecayMult()),
                () -> assertNull(tc.optimWrapper().clipGrad()),
                () -> assertEquals(12, tc.trainCfg().maxEpochs()),
                () -> assertEquals(16, s.trainDataloader().batchSize(), "total batch 2 x 8 GPUs"),
                () -> assertTrue(s.trainDataloader().batchSampler() != null, "aspect-ratio grouping"),
                () -> assertEquals(List.of("LinearLR", "MultiStepLR"), tc.paramScheduler().stream().map(Config::type).toList()),
                () -> assertEquals(r50 ? 500 : 1000, tc.paramScheduler().get(0).node().getAsJsonObject().get("end").getAsInt()),
                () -> assertEquals(0.001, tc.paramScheduler().get(0).node().getAsJsonObject().get("start_factor").getAsDouble()),
                () -> assertEquals("[8,11]", tc.paramScheduler().get(1).node().getAsJsonObject().get("milestones").toString()));
    }

    @Test
    void mambaOutSizesAndDropPath() {
        String[][] expected = {{"tiny", "0.3", "[96,192,384,576]"}, {"small", "0.4", "[96,192,384,576]"}, {"base", "0.6", "[128,256,512,768]"}};
        for (String[] e : expected) {
            Config cfg = ConfigLoader.load(configDir().resolve("mask_rcnn_mambaout_" + e[0] + "_fpn_1x_coco.json"));
            Config bb = cfg.at("model.backbone");
            assertAll(e[0],
                    () -> assertEquals("MambaOut", bb.type()),
                    () -> assertEquals(Double.parseDouble(e[1]), bb.at("drop_path_rate").node().getAsDouble()),
                    () -> assertEquals(e[2], bb.at("dims").node().toString()),
                    () -> assertTrue(bb.at("pretrained").node().getAsString().endsWith("mambaout_" + e[0] + ".pth")),
                    () -> assertTrue(TrainingConfig.from(cfg).fp16().enabled(), "fp16"));
        }
        Config r50 = ConfigLoader.load(configDir().resolve("mask_rcnn_r50_fpn_1x_coco.json"));
        assertEquals("ResNet", r50.at("model.backbone").type());
        assertFalse(TrainingConfig.from(r50).fp16().enabled());
        assertNull(DetectionSettings.from(r50).testDataloader(), "test falls back to val_dataloader");
    }
}

package dev.densepred.segmentation.job;

import dev.densepred.backbone.Backbone;
import dev.densepred.backbone.BackboneRegistry;
import dev.densepred.backbone.FeatureInfo;
import dev.densepred.backbone.resnet.ResNet;
import dev.densepred.datasets.ade.TestTimeAug;
import dev.densepred.datasets.transform.Pipeline;
import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigBinder;
import dev.densepred.engine.config.ConfigLoader;
import dev.densepred.engine.testing.Fixtures;
import dev.densepred.engine.train.TrainingConfig;
import dev.densepred.engine.train.optim.ParamGroups;
import dev.densepred.engine.train.optim.Sgd;
import dev.densepred.segmentation.EncoderDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every config in configs/upernet/ loads with its bases and binds in every section the segmentation job reads
 * (model settings, backbone, heads, dataloaders and pipelines, test-time augmentation, training), without building
 * weights; and the published recipes hold the published numbers.
 */
class UperNetConfigsTest {

    static List<Path> configs() {
        return Fixtures.list(Fixtures.dataRoot().getParent().resolve("configs/upernet"), ".json");
    }

    @ParameterizedTest
    @MethodSource("configs")
    void loadsAndBinds(Path file) {
        Config cfg = ConfigLoader.load(file);
        assertTrue(new SegmentationJob().handles(cfg), file + " is not handled by the segmentation job");
        EncoderDecoder.Settings s = cfg.at("model").bind(EncoderDecoder.Settings.class);
        Backbone backbone = BackboneRegistry.build(s.backbone());
        List<Integer> channels = backbone.featureInfo().stream().map(FeatureInfo::channels).toList();
        Config decode = s.decodeHead();
        Config aux = s.auxiliaryHead();
        assertAll(
                () -> assertEquals(channels, ints(decode.at("in_channels")), file + ": decode_head.in_channels"),
                () -> assertEquals(channels.get(2), aux.at("in_channels").node().getAsInt(), file + ": auxiliary_head.in_channels"),
                () -> ConfigBinder.bind(decode, dev.densepred.segmentation.UperHead.Config.class, Set.of("type")),
                () -> ConfigBinder.bind(aux, dev.densepred.segmentation.FcnHead.Config.class, Set.of("type")),
                () -> TrainingConfig.from(cfg),
                () -> {
                    for (String key : List.of("train_dataloader", "val_dataloader", "test_dataloader")) {
                        DataLoaderConfig loader = SegmentationJob.loaderConfig(cfg, key);
                        Pipeline.fromConfig(loader.dataset().pipeline());
                    }
                },
                () -> new TestTimeAug(cfg.at("tta").bind(TestTimeAug.Config.class)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny:0.3", "small:0.4", "base:0.6"})
    void mambaOutRecipes(String sizeAndDropPath) {
        String size = sizeAndDropPath.split(":")[0];
        double dropPath = Double.parseDouble(sizeAndDropPath.split(":")[1]);
        Config cfg = ConfigLoader.load(Fixtures.dataRoot().getParent().resolve(
                "configs/upernet/upernet_mambaout_" + size + "_512x512_160k_ade20k.json"));
        TrainingConfig t = TrainingConfig.from(cfg);
        Config sched0 = t.paramScheduler().get(0);
        Config sched1 = t.paramScheduler().get(1);
        assertAll(
                () -> assertEquals(1e-4, t.optimWrapper().optimizerSpec().lr()),
                () -> assertEquals(0.01, t.optimWrapper().optimizerSpec().weightDecay()),
                () -> assertEquals(160_000, t.trainCfg().maxIters()),
                () -> assertTrue(t.fp16().enabled()),
                () -> assertEquals(16, SegmentationJob.loaderConfig(cfg, "train_dataloader").batchSize()),
                () -> assertEquals("LinearLR", sched0.type()),
                () -> assertEquals(1500, sched0.at("end").node().getAsInt()),
                () -> assertEquals("PolyLR", sched1.type()),
                () -> assertEquals(1.0, sched1.at("power").node().getAsDouble()),
                () -> assertEquals(160_000, sched1.at("end").node().getAsInt()),
                () -> assertEquals(dropPath, cfg.at("model.backbone.drop_path_rate").node().getAsDouble()),
                () -> assertEquals("weights/mambaout_" + size + ".pth", cfg.at("model.backbone.pretrained").node().getAsString()),
                () -> assertEquals(0.4, cfg.at("model.auxiliary_head.loss_decode.loss_weight").node().getAsDouble()),
                () -> assertEquals(512, cfg.at("model.decode_head.channels").node().getAsInt()));
    }

    /** mmsegmentation's upernet_r50 160k: SGD lr 0.01, momentum 0.9, wd 5e-4, no clipping, poly 0.9 to 1e-4, batch 4 x 4 GPUs. */
    @Test
    void resnet50RecipeIsMmsegSchedule160k() {
        Config cfg = ConfigLoader.load(Fixtures.dataRoot().getParent().resolve("configs/upernet/upernet_r50_512x512_160k_ade20k.json"));
        TrainingConfig t = TrainingConfig.from(cfg);
        Config poly = t.paramScheduler().get(0);
        assertAll(
                () -> assertEquals(new Sgd.Config(0.01, 0.9, 0, 5e-4, false), t.optimWrapper().optimizerSpec()),
                () -> assertEquals(ParamGroups.Config.defaults(), t.optimWrapper().paramwiseCfg(), "every parameter decays"),
                () -> assertNull(t.optimWrapper().clipGrad()),
                () -> assertEquals(16, SegmentationJob.loaderConfig(cfg, "train_dataloader").batchSize()),
                () -> assertEquals(160_000, t.trainCfg().maxIters()),
                () -> assertEquals(16_000, t.trainCfg().valInterval()),
                () -> assertEquals(1, t.paramScheduler().size(), "no warm-up"),
                () -> assertEquals("PolyLR", poly.type()),
                () -> assertEquals(0.9, poly.at("power").node().getAsDouble()),
                () -> assertEquals(1e-4, poly.at("eta_min").node().getAsDouble()),
                () -> assertEquals(0, poly.at("begin").node().getAsInt()),
                () -> assertEquals(160_000, poly.at("end").node().getAsInt()),
                () -> assertFalse(t.fp16().enabled(), "mmseg trains it in float32"));
    }

    /**
     * mmsegmentation's upernet_r50 backbone: ResNetV1c-50 (deep stem), out_indices 0..3, nothing frozen, every
     * BatchNorm training on batch statistics (norm_eval False), pretrained {@code open-mmlab://resnet50_v1c}.
     */
    @Test
    void resnet50BackboneIsMmsegsResNetV1c() {
        Config cfg = ConfigLoader.load(Fixtures.dataRoot().getParent().resolve("configs/upernet/upernet_r50_512x512_160k_ade20k.json"));
        Config backbone = cfg.at("model").bind(EncoderDecoder.Settings.class).backbone();
        assertEquals("ResNetV1c", backbone.type());
        ResNet r50 = (ResNet) BackboneRegistry.build(backbone);
        assertEquals(new ResNet.Config(50, 3, 64, 64, true, List.of(0, 1, 2, 3), -1, false, "weights/resnet50_v1c-2cccc1ad.pth"), r50.config());
    }

    private static List<Integer> ints(Config list) {
        var arr = list.node().getAsJsonArray();
        return IntStream.range(0, arr.size()).mapToObj(i -> arr.get(i).getAsInt()).toList();
    }
}

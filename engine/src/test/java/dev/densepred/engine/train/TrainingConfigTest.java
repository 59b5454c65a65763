package dev.densepred.engine.train;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigException;
import dev.densepred.engine.config.ConfigLoader;
import dev.densepred.engine.train.checkpoint.CheckpointHook;
import dev.densepred.engine.train.optim.AdamW;
import dev.densepred.engine.train.optim.Sgd;
import dev.densepred.engine.train.schedule.LrSchedule;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Binding the training sections: mmengine key names, defaults, errors with file and key, and the shipped schedules. */
class TrainingConfigTest {

    @Test
    void bindsTheTrainingSectionsOfAFullConfigWithDefaults() {
        TrainingConfig c = Runs.config("{\"model\":{\"type\":\"MaskRcnn\"},\"train_dataloader\":{\"batch_size\":2},"
                + "\"train_cfg\":{\"by_epoch\":false,\"max_iters\":160000,\"val_interval\":16000},"
                + "\"optim_wrapper\":{\"optimizer\":{\"type\":\"AdamW\",\"lr\":6e-5,\"weight_decay\":0.01},"
                + "  \"paramwise_cfg\":{\"custom_keys\":{\"backbone\":{\"lr_mult\":0.1}}},\"clip_grad\":{\"max_norm\":35}},"
                + "\"fp16\":{\"enabled\":true,\"loss_scale\":512},\"devices\":[\"cpu\"]}");
        assertAll(
                () -> assertEquals(160000, c.trainCfg().maxIters()),
                () -> assertEquals(6e-5, c.optimWrapper().optimizerSpec().lr()),
                () -> assertEquals(0.9, ((AdamW.Config) c.optimWrapper().optimizerSpec()).betas()[0], "torch default"),
                () -> assertEquals(0.1, c.optimWrapper().paramwiseCfg().customKeys().get("backbone").lrMult()),
                () -> assertEquals(1.0, c.optimWrapper().paramwiseCfg().customKeys().get("backbone").decayMult(), "custom key default"),
                () -> assertEquals(2, c.optimWrapper().clipGrad().normType(), "torch default norm type"),
                () -> assertEquals(512.0, c.fp16().staticScale()),
                () -> assertEquals(2000, c.fp16().growthInterval()),
                () -> assertEquals(50, c.defaultHooks().logger().interval()),
                () -> assertEquals(CheckpointHook.Rule.GREATER, c.defaultHooks().checkpoint().rule()),
                () -> assertNull(c.defaultHooks().checkpoint().saveBest()),
                () -> assertTrue(c.paramScheduler().isEmpty()));
        TrainingConfig again = TrainingConfig.from(Config.of(c.toJson().getAsJsonObject(), "dump.json"));
        assertEquals(c.toJson(), again.toJson(), "the dump binds back to the same settings");
    }

    @Test
    void errorsNameTheFileTheKeyAndTheFix() {
        ConfigException typo = assertThrows(ConfigException.class,
                () -> Runs.config("{\"optim_wrapper\":{\"optimizer\":{\"type\":\"AdamW\",\"weight_decy\":0.05}}}"));
        assertTrue(typo.getMessage().contains("test.json") && typo.getMessage().contains("optim_wrapper.optimizer.weight_decy")
                && typo.getMessage().contains("weight_decay"), typo.getMessage());
        ConfigException amp = assertThrows(ConfigException.class, () -> Runs.config("{\"optim_wrapper\":{\"type\":\"AmpOptimWrapper\"}}"));
        assertTrue(amp.getMessage().contains("fp16.enabled"), amp.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> Runs.config("{\"optim_wrapper\":{\"optimizer\":{\"type\":\"RMSprop\"}}}"));
        assertTrue(unknown.getMessage().contains("test.json") && unknown.getMessage().contains("optim_wrapper.optimizer.type")
                && unknown.getMessage().contains("AdamW, SGD"), unknown.getMessage());
        ConfigException loop = assertThrows(ConfigException.class, () -> Runs.config("{\"train_cfg\":{\"by_epoch\":false}}"));
        assertTrue(loop.getMessage().contains("max_iters"), loop.getMessage());
    }

    /** SGD binds with torch's defaults for the keys left out; the dump binds back to it. */
    @Test
    void sgdBindsWithTorchDefaults() {
        TrainingConfig c = Runs.config("{\"optim_wrapper\":{\"optimizer\":{\"type\":\"SGD\",\"lr\":0.02,\"momentum\":0.9,"
                + "\"weight_decay\":0.0001}}}");
        assertEquals(new Sgd.Config(0.02, 0.9, 0, 1e-4, false), c.optimWrapper().optimizerSpec());
        assertEquals(new Sgd.Config(1e-3, 0, 0, 0, false), Runs.config("{\"optim_wrapper\":{\"optimizer\":{\"type\":\"SGD\"}}}")
                .optimWrapper().optimizerSpec(), "torch.optim.SGD's defaults");
        assertEquals(c.optimWrapper().optimizerSpec(),
                TrainingConfig.from(Config.of(c.toJson().getAsJsonObject(), "dump.json")).optimWrapper().optimizerSpec());
        assertTrue(TrainingConfig.defaults().optimWrapper().optimizerSpec() instanceof AdamW.Config, "AdamW without an optimizer section");
    }

    /** Keys of the other optimizer, torch's refused combinations and a missing type name the file and key and what is allowed. */
    @Test
    void optimizerErrorsNameTheKeyAndWhatIsAllowed() {
        String[][] cases = {
            {"{\"type\":\"SGD\",\"lr\":0.01,\"betas\":[0.9,0.999]}", "optim_wrapper.optimizer.betas", "lr, momentum, dampening, weight_decay, nesterov"},
            {"{\"type\":\"AdamW\",\"momentum\":0.9}", "optim_wrapper.optimizer.momentum", "lr, betas, eps, weight_decay"},
            {"{\"type\":\"SGD\",\"nesterov\":true}", "optim_wrapper.optimizer", "nesterov requires momentum > 0 and dampening 0"},
            {"{\"type\":\"SGD\",\"momentum\":0.9,\"dampening\":0.1,\"nesterov\":true}", "optim_wrapper.optimizer", "dampening 0.1"},
            {"{\"type\":\"SGD\",\"momentum\":-0.9}", "optim_wrapper.optimizer", "must not be negative"},
            {"{\"lr\":0.01}", "optim_wrapper.optimizer", "missing \"type\"; one of AdamW, SGD"},
            {"{\"type\":\"Sgd\"}", "optim_wrapper.optimizer.type", "did you mean 'SGD'"}};
        List<Executable> checks = new ArrayList<>();
        for (String[] c : cases) {
            ConfigException e = assertThrows(ConfigException.class, () -> Runs.config("{\"optim_wrapper\":{\"optimizer\":" + c[0] + "}}"), c[0]);
            checks.add(() -> assertTrue(e.getMessage().startsWith("test.json: ") && e.getMessage().contains("'" + c[1])
                    && e.getMessage().contains(c[2]), c[0] + " -> " + e.getMessage()));
        }
        assertAll(checks);
    }

    /** A leaf that switches an inherited AdamW to SGD must replace it: merging keeps {@code betas}, which SGD refuses. */
    @Test
    void switchingTheInheritedOptimizerTypeNeedsDelete(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("base.json"), "{\"optim_wrapper\":{\"optimizer\":{\"type\":\"AdamW\",\"lr\":1e-4,\"betas\":[0.9,0.999]}}}");
        Files.writeString(tmp.resolve("merged.json"), "{\"_base_\":\"base.json\",\"optim_wrapper\":{\"optimizer\":{\"type\":\"SGD\",\"lr\":0.02}}}");
        Files.writeString(tmp.resolve("replaced.json"),
                "{\"_base_\":\"base.json\",\"optim_wrapper\":{\"optimizer\":{\"_delete_\":true,\"type\":\"SGD\",\"lr\":0.02,\"momentum\":0.9}}}");
        ConfigException merged = assertThrows(ConfigException.class, () -> TrainingConfig.from(ConfigLoader.load(tmp.resolve("merged.json"))));
        assertTrue(merged.getMessage().contains("base.json") && merged.getMessage().contains("'optim_wrapper.optimizer.betas'")
                && merged.getMessage().contains("_delete_"), merged.getMessage());
        assertEquals(new Sgd.Config(0.02, 0.9, 0, 0, false),
                TrainingConfig.from(ConfigLoader.load(tmp.resolve("replaced.json"))).optimWrapper().optimizerSpec());
    }

    /** The shipped recipes bind, and their schedules give the published values at the boundaries. */
    @Test
    void shippedSchedulesBindAndScheduleAsPublished(@TempDir Path tmp) throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(dir.resolve("configs/_base_/schedules"))) {
            dir = dir.getParent();
        }
        Path schedules = dir.resolve("configs/_base_/schedules");
        TrainingConfig det = TrainingConfig.from(ConfigLoader.load(schedules.resolve("adamw_1x.json")));
        LrSchedule s1x = LrSchedule.build(det.paramScheduler(), true, 7330);
        TrainingConfig seg = TrainingConfig.from(ConfigLoader.load(schedules.resolve("adamw_160k.json")));
        LrSchedule s160k = LrSchedule.build(seg.paramScheduler(), false, 1);
        assertAll(
                () -> assertEquals(1e-7, s1x.lr(1e-4, 0), 1e-20),
                () -> assertEquals(1e-4, s1x.lr(1e-4, 999), 1e-18),
                () -> assertEquals(1e-5, s1x.lr(1e-4, 8 * 7330), 1e-19),
                () -> assertEquals(1e-6, s1x.lr(1e-4, 11 * 7330), 1e-20),
                () -> assertEquals(6e-5 * 1e-6, s160k.lr(6e-5, 0), 1e-22),
                () -> assertEquals(6e-5, s160k.lr(6e-5, 1500), 1e-18),
                () -> assertEquals(6e-5 * (158499.0 - 78500) / 158499, s160k.lr(6e-5, 80000), 1e-18),
                () -> assertEquals("coco/bbox_mAP", det.defaultHooks().checkpoint().saveBest()),
                () -> assertEquals(16000, seg.defaultHooks().checkpoint().interval()));
        // mmdetection's schedule_1x and mmsegmentation's schedule_160k, the ResNet-50 recipes
        TrainingConfig sgd1x = TrainingConfig.from(ConfigLoader.load(schedules.resolve("sgd_1x.json")));
        LrSchedule d = LrSchedule.build(sgd1x.paramScheduler(), true, 7330);
        TrainingConfig sgd160k = TrainingConfig.from(ConfigLoader.load(schedules.resolve("sgd_160k.json")));
        LrSchedule p = LrSchedule.build(sgd160k.paramScheduler(), false, 1);
        assertAll(
                () -> assertEquals(new Sgd.Config(0.02, 0.9, 0, 1e-4, false), sgd1x.optimWrapper().optimizerSpec()),
                () -> assertEquals(2e-5, d.lr(0.02, 0), 1e-18),
                () -> assertEquals(0.02, d.lr(0.02, 499), 1e-16),
                () -> assertEquals(0.002, d.lr(0.02, 8 * 7330), 1e-17),
                () -> assertEquals(12, sgd1x.trainCfg().maxEpochs()),
                () -> assertEquals(new Sgd.Config(0.01, 0.9, 0, 5e-4, false), sgd160k.optimWrapper().optimizerSpec()),
                () -> assertEquals(0.01, p.lr(0.01, 0), 1e-17),
                () -> assertEquals(1e-4 + (0.01 - 1e-4) * Math.pow((159999.0 - 80000) / 159999, 0.9), p.lr(0.01, 80000), 1e-16),
                () -> assertEquals(160000, sgd160k.trainCfg().maxIters()),
                () -> assertEquals(16000, sgd160k.trainCfg().valInterval()));
        JsonObject leaf = JsonParser.parseString("{\"_base_\":[\"" + schedules.resolve("adamw_1x.json") + "\"],\"fp16\":{\"enabled\":true}}")
                .getAsJsonObject();
        Path leafFile = tmp.resolve("leaf.json");
        Files.writeString(leafFile, leaf.toString());
        assertTrue(TrainingConfig.from(ConfigLoader.load(leafFile)).fp16().enabled(), "one line turns on mixed precision");
    }
}

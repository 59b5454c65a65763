package dev.densepred.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The config mixin as the commands parse it: CONFIG first, then their own arguments; overrides and devices applied. */
class ConfigOptionsTest {

    @TempDir
    Path tmp;

    @Test
    void configIsTheFirstArgumentAndOverridesApply() throws IOException {
        Path file = tmp.resolve("exp1.json");
        Files.writeString(file, "{\"devices\": [\"cpu\"], \"optim_wrapper\": {\"optimizer\": {\"lr\": 0.1}}}");
        TestCommand test = new TestCommand();
        new CommandLine(test).parseArgs("--set", "optim_wrapper.optimizer.lr=2e-4", file.toString(), "ckpt.safetensors",
                "--device", "gpu:0, gpu:1");

        assertEquals(Path.of("ckpt.safetensors"), test.checkpoint);
        Config cfg = test.options.load();
        assertEquals(2e-4, cfg.node().getAsJsonObject().getAsJsonObject("optim_wrapper").getAsJsonObject("optimizer").get("lr").getAsDouble());
        assertEquals(JsonParser.parseString("[\"gpu:0\", \"gpu:1\"]"), cfg.node().getAsJsonObject().get("devices"));
    }

    @Test
    void workDirDefaultsToTheConfigName() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("configs/upernet/upernet_demo.json");
        assertEquals(Path.of("work_dirs", "upernet_demo"), train.options.defaultWorkDir());
    }
}

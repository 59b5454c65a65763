package dev.densepred.tools;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigLoader;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options every config-driven command shares: {@code --set} overrides and {@code --device}. */
final class ConfigOptions {

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key, e.g. --set optim_wrapper.optimizer.lr=2e-4 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--device", paramLabel = "DEVICES", description = "cpu, gpu, gpu:N or a comma-separated list for data parallel; overrides the config's devices.")
    String device;

    /** Loads {@code file} with its bases and the overrides; {@code --device} becomes a {@code devices} override. */
    Config load(Path file) {
        List<String> all = new ArrayList<>(overrides);
        if (device != null) {
            List<String> quoted = new ArrayList<>();
            for (String d : device.split(",")) {
                quoted.add("\"" + d.trim() + "\"");
            }
            all.add("devices=[" + String.join(",", quoted) + "]");
        }
        return ConfigLoader.load(file, all);
    }

    /** The conventional work directory of a config: {@code work_dirs/<config file name without .json>}. */
    static Path defaultWorkDir(Path config) {
        String name = config.getFileName().toString();
        return Path.of("work_dirs", name.endsWith(".json") ? name.substring(0, name.length() - 5) : name);
    }
}

package dev.densepred.tools;

import dev.densepred.engine.config.Config;
import dev.densepred.engine.config.ConfigLoader;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What every config-driven command shares, as a picocli mixin: the {@code CONFIG} argument (always the first),
 * {@code --set} overrides, {@code --device}, and the command's console.
 */
final class ConfigOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "The config file (JSON).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key, e.g. --set optim_wrapper.optimizer.lr=2e-4 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--device", paramLabel = "DEVICES", description = "cpu, gpu, gpu:N or a comma-separated list for data parallel; overrides the config's devices.")
    String device;

    /** Loads the config file with its bases and the overrides; {@code --device} becomes a {@code devices} override. */
    Config load() {
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

    /** The command's standard output, as the jobs print: a UTF-8 stream over picocli's writer. */
    PrintStream console() {
        return WriterStream.of(command.commandLine().getOut());
    }

    /** The conventional work directory of the config: {@code work_dirs/<config file name without .json>}. */
    Path defaultWorkDir() {
        String name = file.getFileName().toString();
        return Path.of("work_dirs", name.endsWith(".json") ? name.substring(0, name.length() - 5) : name);
    }
}

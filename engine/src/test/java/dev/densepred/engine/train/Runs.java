package dev.densepred.engine.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.config.Config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Helpers for runner tests: configs from JSON text and the scalars a run logged. */
final class Runs {

    private Runs() {}

    /** The training sections of {@code json}, as a config file named {@code test.json} would give them. */
    static TrainingConfig config(String json) {
        return TrainingConfig.from(Config.of(JsonParser.parseString(json).getAsJsonObject(), "test.json"));
    }

    /** The lines of {@code scalars.jsonl} with the given mode ({@code train} or {@code val}), in order. */
    static List<JsonObject> scalars(Path workDir, String mode) {
        List<JsonObject> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(workDir.resolve("scalars.jsonl"))) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                if (o.get("mode").getAsString().equals(mode)) {
                    out.add(o);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}

package dev.densepred.datasets.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.densepred.engine.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The cv2 golden file written by {@code ${fixtures.dir}/transforms/make_golden.py}, and its input pattern. */
public final class Golden {

    private Golden() {}

    public static JsonObject cv2() {
        Path p = Fixtures.dir("transforms").resolve("cv2_golden.json");
        try {
            return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generator's input pattern: an integer 0..255 at column x, row y, channel c. */
    public static int pattern(int x, int y, int c) {
        return (x * 37 + y * 101 + c * 53 + (x * y) % 7) % 256;
    }
}

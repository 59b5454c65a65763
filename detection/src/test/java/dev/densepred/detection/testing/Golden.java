package dev.densepred.detection.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.densepred.engine.io.SafeTensorsReader;
import dev.densepred.engine.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Reading the {@code ops} golden files and comparing against them with failures that name case, index and tolerance. */
public final class Golden {

    private Golden() {}

    /** A file of the {@code ops} fixture folder. */
    public static Path ops(String file) {
        return Fixtures.dir("ops").resolve(file);
    }

    /** Names of the tensors in a safetensors fixture that match {@code pattern}, in file order; fails if none do. */
    public static List<String> tensorNames(String file, Pattern pattern) {
        List<String> out = new ArrayList<>();
        try (SafeTensorsReader r = SafeTensorsReader.open(ops(file))) {
            for (String name : r.tensors().keySet()) {
                if (pattern.matcher(name).matches()) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.isEmpty()) {
            fail(file + " has no tensor matching " + pattern);
        }
        return out;
    }

    /** A JSON fixture's root object. */
    public static JsonObject json(String file) {
        try {
            return JsonParser.parseString(Files.readString(ops(file))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects of a JSON array. */
    public static List<JsonObject> objects(JsonArray array) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : array) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /** A JSON matrix (list of rows) flattened to float32, {@code null} read as NaN. */
    public static float[] floats(JsonElement matrix) {
        List<Float> out = new ArrayList<>();
        flatten(matrix, out);
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    /** A JSON list of integers. */
    public static int[] ints(JsonElement list) {
        JsonArray a = list.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    /** Number of rows of a JSON matrix. */
    public static int rows(JsonElement matrix) {
        return matrix.getAsJsonArray().size();
    }

    private static void flatten(JsonElement e, List<Float> out) {
        if (e.isJsonArray()) {
            for (JsonElement c : e.getAsJsonArray()) {
                flatten(c, out);
            }
        } else if (e.isJsonNull()) {
            out.add(Float.NaN);
        } else {
            // Parse as double, then round to float32: the files store exact float32 values as decimals.
            out.add((float) e.getAsDouble());
        }
    }

    /**
     * Fails unless {@code |actual - expected| <= atol + rtol * |expected|} everywhere (NaN must meet NaN), listing
     * the first mismatches with their flat index.
     */
    public static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, found " + actual.length);
        }
        StringBuilder sb = new StringBuilder();
        int bad = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(a) : Math.abs(a - e) <= atol + rtol * Math.abs(e);
            if (!ok) {
                worst = Math.max(worst, Math.abs(a - e));
                if (bad++ < 5) {
                    sb.append("\n  index ").append(i).append(": expected ").append(expected[i]).append(", found ").append(actual[i]);
                }
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + expected.length + " values outside atol " + atol + " + rtol " + rtol
                    + " (largest error " + worst + ")" + sb);
        }
    }
}

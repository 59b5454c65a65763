package dev.densepred.engine.config;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;

/**
 * Command-line overrides {@code --set key.path=value}. The value is read as JSON when it is a JSON literal
 * ({@code 2e-4}, {@code true}, {@code null}, {@code [1,2]}, <code>{"a":1}</code>, {@code "quoted"}) and as a plain
 * string otherwise ({@code ResNet}, {@code /data/coco}). A numeric path segment indexes into a list
 * ({@code param_scheduler.1.milestones=[16,22]}). New keys may be added; binding rejects those the target does not
 * know, naming {@code --set} as their origin.
 */
public final class Overrides {

    static final String ORIGIN = "--set";
    private static final Gson STRICT = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private Overrides() {}

    /** Applies each {@code key=value} to {@code root} in order. */
    public static void apply(JsonObject root, List<String> overrides, Map<String, String> origins) {
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set " + o + ": expected key.path=value");
            }
            String path = o.substring(0, eq).trim();
            JsonElement value = parseValue(o.substring(eq + 1));
            set(root, path, value, o);
            origins.keySet().removeIf(k -> k.equals(path) || k.startsWith(path + "."));
            origins.put(path, ORIGIN + " " + o);
        }
    }

    /** A JSON literal if the text is one, else the text as a string. */
    public static JsonElement parseValue(String text) {
        String t = text.trim();
        try (JsonReader r = new JsonReader(new StringReader(t))) {
            JsonElement el = STRICT.fromJson(r, JsonElement.class);
            if (el != null && r.peek() == JsonToken.END_DOCUMENT) {
                return el;
            }
        } catch (IOException | JsonParseException | IllegalStateException e) {
            // not a JSON literal: fall through to a plain string
        }
        return new JsonPrimitive(t);
    }

    private static void set(JsonObject root, String path, JsonElement value, String flag) {
        String[] parts = path.split("\\.");
        JsonElement cur = root;
        for (int i = 0; i < parts.length - 1; i++) {
            cur = step(cur, parts, i, flag, true);
        }
        String last = parts[parts.length - 1];
        if (cur.isJsonObject()) {
            cur.getAsJsonObject().add(last, value);
        } else if (cur.isJsonArray()) {
            JsonArray a = cur.getAsJsonArray();
            a.set(index(a, last, parts, parts.length - 1, flag), value);
        } else {
            throw new ConfigException("--set " + flag + ": '" + String.join(".", java.util.Arrays.copyOf(parts, parts.length - 1)) + "' is a value, not an object");
        }
    }

    private static JsonElement step(JsonElement cur, String[] parts, int i, String flag, boolean create) {
        String part = parts[i];
        if (cur.isJsonObject()) {
            JsonObject o = cur.getAsJsonObject();
            if (!o.has(part) && create) {
                o.add(part, new JsonObject());
            }
            return o.get(part);
        }
        if (cur.isJsonArray()) {
            JsonArray a = cur.getAsJsonArray();
            return a.get(index(a, part, parts, i, flag));
        }
        throw new ConfigException("--set " + flag + ": '" + String.join(".", java.util.Arrays.copyOf(parts, i)) + "' is a value, not an object");
    }

    private static int index(JsonArray a, String part, String[] parts, int i, String flag) {
        try {
            int idx = Integer.parseInt(part);
            if (idx < 0 || idx >= a.size()) {
                throw new ConfigException("--set " + flag + ": index " + idx + " is out of range for the " + a.size() + "-element list '" + String.join(".", java.util.Arrays.copyOf(parts, i)) + "'");
            }
            return idx;
        } catch (NumberFormatException e) {
            throw new ConfigException("--set " + flag + ": '" + String.join(".", java.util.Arrays.copyOf(parts, i)) + "' is a list; use a numeric index, not '" + part + "'");
        }
    }
}

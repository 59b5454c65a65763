package dev.densepred.engine.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads JSON configs the way mmengine loads Python ones.
 *
 * <ul>
 *   <li>{@code "_base_": "path"} or {@code ["a.json", "b.json"]}: paths relative to the file; bases are merged in
 *       order, and two bases may not both set the same top-level key.
 *   <li>The file's own keys are merged over its bases recursively; lists and scalars replace.
 *   <li>{@code "_delete_": true} inside an object replaces the inherited object instead of merging into it.
 *   <li>Overrides {@code a.b.c=value} (see {@link Overrides}) are applied last.
 * </ul>
 */
public final class ConfigLoader {

    static final String BASE = "_base_";
    static final String DELETE = "_delete_";

    private ConfigLoader() {}

    /** Loads {@code file} with its bases. */
    public static Config load(Path file) {
        return load(file, List.of());
    }

    /** Loads {@code file} with its bases, then applies {@code overrides} ({@code key.path=value}). */
    public static Config load(Path file, List<String> overrides) {
        Map<String, String> origins = new HashMap<>();
        Path resolved = file.toAbsolutePath().normalize();
        JsonObject root = loadFile(resolved, new ArrayDeque<>(), origins);
        // checks over the whole config name the file the user gave
        origins.put("", resolved.toString());
        Overrides.apply(root, overrides, origins);
        return new Config(root, "", origins);
    }

    private static JsonObject loadFile(Path file, Deque<Path> chain, Map<String, String> origins) {
        if (chain.contains(file)) {
            List<String> cycle = new ArrayList<>();
            chain.descendingIterator().forEachRemaining(p -> cycle.add(p.getFileName().toString()));
            cycle.add(file.getFileName().toString());
            throw new ConfigException(file + ": _base_ cycle: " + String.join(" -> ", cycle));
        }
        JsonObject own = parse(file, chain.peek());
        chain.push(file);
        JsonObject merged = new JsonObject();
        Map<String, String> baseOwner = new HashMap<>();
        for (Path base : bases(file, own)) {
            Map<String, String> baseOrigins = new HashMap<>();
            JsonObject b = loadFile(base, chain, baseOrigins);
            for (String key : b.keySet()) {
                String prev = baseOwner.putIfAbsent(key, base.toString());
                if (prev != null) {
                    throw new ConfigException(
                            file + ": key '" + key + "' is set by two bases, " + prev + " and " + base + "; keep it in one of them");
                }
                merged.add(key, b.get(key));
            }
            origins.putAll(baseOrigins);
        }
        chain.pop();
        own.remove(BASE);
        mergeInto(merged, own, "", file.toString(), origins);
        return merged;
    }

    private static JsonObject parse(Path file, Path includedFrom) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such config file" + (includedFrom == null ? "" : " (a _base_ of " + includedFrom + ")"));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        try {
            JsonElement el = JsonParser.parseString(text);
            if (!el.isJsonObject()) {
                throw new ConfigException(file + ": a config must be a JSON object");
            }
            return el.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ConfigException(file + ": invalid JSON: " + rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    private static List<Path> bases(Path file, JsonObject own) {
        List<Path> out = new ArrayList<>();
        JsonElement b = own.get(BASE);
        if (b == null) {
            return out;
        }
        List<JsonElement> items = new ArrayList<>();
        if (b.isJsonArray()) {
            b.getAsJsonArray().forEach(items::add);
        } else {
            items.add(b);
        }
        for (JsonElement item : items) {
            if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                throw new ConfigException(file + ": _base_ must be a path or a list of paths, got " + item);
            }
            out.add(file.getParent().resolve(item.getAsString()).normalize());
        }
        return out;
    }

    /**
     * Merges {@code src} into {@code dst} (mmengine's {@code merge_a_into_b}): objects merge recursively unless the
     * source object says {@code _delete_}, everything else replaces. Origins of replaced subtrees are dropped.
     */
    static void mergeInto(JsonObject dst, JsonObject src, String prefix, String source, Map<String, String> origins) {
        for (Map.Entry<String, JsonElement> e : src.entrySet()) {
            String key = e.getKey();
            if (key.equals(DELETE)) {
                continue;
            }
            String path = Config.join(prefix, key);
            JsonElement value = e.getValue();
            JsonElement existing = dst.get(key);
            if (value.isJsonObject() && existing != null && existing.isJsonObject() && !deletes(value.getAsJsonObject())) {
                mergeInto(existing.getAsJsonObject(), value.getAsJsonObject(), path, source, origins);
            } else {
                dropOrigins(origins, path);
                JsonElement copy = stripDelete(value.deepCopy());
                dst.add(key, copy);
                record(copy, path, source, origins);
            }
        }
    }

    private static boolean deletes(JsonObject o) {
        JsonElement d = o.get(DELETE);
        return d != null && d.isJsonPrimitive() && d.getAsJsonPrimitive().isBoolean() && d.getAsBoolean();
    }

    private static JsonElement stripDelete(JsonElement el) {
        if (el.isJsonObject()) {
            JsonObject o = el.getAsJsonObject();
            o.remove(DELETE);
            for (Map.Entry<String, JsonElement> e : o.entrySet()) {
                stripDelete(e.getValue());
            }
        } else if (el.isJsonArray()) {
            for (JsonElement item : el.getAsJsonArray()) {
                stripDelete(item);
            }
        }
        return el;
    }

    private static void record(JsonElement el, String path, String source, Map<String, String> origins) {
        origins.put(path, source);
        if (el.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : el.getAsJsonObject().entrySet()) {
                record(e.getValue(), Config.join(path, e.getKey()), source, origins);
            }
        } else if (el.isJsonArray()) {
            JsonArray a = el.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                record(a.get(i), path + "." + i, source, origins);
            }
        }
    }

    private static void dropOrigins(Map<String, String> origins, String path) {
        origins.keySet().removeIf(k -> k.equals(path) || k.startsWith(path + "."));
    }
}
